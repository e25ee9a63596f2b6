// QUALITY.md, "Never lose or corrupt the ledger": a ledger that fails to parse or validate is never
// written to. A damaged ledger file (the pointer), or an events file with a garbled or hand-edited line
// (valid JSON that is not a valid event, two different events under one id, bytes that are not UTF-8),
// makes every command that reads or writes the ledger stop with a one-line message naming the file,
// exit 1, no stack trace, and every file of the ledger byte-for-byte as it was. `playbook doctor` says
// what is wrong and never suggests a step that drops anybody's events; `playbook doctor --restore`
// rewrites a damaged pointer (the events beside it are the ledger) and refuses anything else. An
// events file cut short is not damage but a change still arriving: commands read the whole changes
// before the cut, say what they skipped, and never touch another replica's file.
import * as fc from 'fast-check';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { commit } from '../../src/ledger/ledger.js';
import { POINTER, readLocal, readReplicas } from '../../src/ledger/replicas.js';
import { hasStackTrace, type CliResult } from '../helpers/cli.js';
import { createLedgerSandbox, filesUnder, makeSeeds, type LedgerSandbox, type Seeds } from '../helpers/ledger.js';
import { summaryLedger } from '../helpers/summary-ledger.js';
import { chainProblems, layoutFor, recordFigures } from '../helpers/reliability.js';

const STORE_RUNS = 1000;
/** A hang guard for tests that wait their turn for a CLI slot behind the others: never a speed check. */
const SLOW = 240_000;

const figures = { commands: 0, damageKinds: 0, handEdits: 0, tamperedValid: 0, cliRuns: 0, refusedUnchanged: 0, doctorExplained: 0, cutFilesRead: 0, restores: 0, restoreRefusals: 0, storeRuns: 0, storeRefused: 0, storeCutOff: 0, storeMovedOn: 0, storeStillValid: 0 };

let seeds: Seeds;
let box: LedgerSandbox;
/** The good ledger, file by file (ledger.json, events/<seed replica>.jsonl, events/<this sandbox's replica>.jsonl). */
let good: Map<string, Buffer>;
/** The events files: the seed's (made by `init --answers`), and the one this sandbox's writes went to. */
let seedFile: string;
let ownFile: string;
let answersFile: string;

beforeAll(() => {
  seeds = makeSeeds(['full']);
  box = createLedgerSandbox('playbook-corrupt-');
  box.useLedger(seeds.full);
  box.ok(['metric', 'record', 'approval-cycle-time', '4.5', '--note', 'first reading']);
  box.ok(['blocker', 'add', 'EHR sandbox access', '--owner', 'Sam', '--fallback', 'Recorded fixtures']);
  box.ok(['decision', 'close', 'D-1']);
  box.ok(['undo', '--dry-run']);
  good = new Map(Object.entries(box.files()).map(([name, text]) => [name, Buffer.from(text, 'latin1')]));
  const own = readLocal(layoutFor(box.ledger, { XDG_STATE_HOME: box.path('state') })).replica!;
  ownFile = `events/${own}.jsonl`;
  seedFile = [...good.keys()].find((name) => name.startsWith('events/') && name !== ownFile)!;
  expect([...good.keys()].sort()).toEqual(['ledger.json', ownFile, seedFile].sort());
  answersFile = box.write('review.yaml', 'metrics: { approval-cycle-time: 4 }\n');
});

afterAll(() => {
  box?.cleanup();
  seeds?.cleanup();
  recordFigures('corruption', figures);
});

type Folder = Map<string, Buffer>;

/** Writes a ledger folder under `dir`. */
function writeFolder(dir: string, folder: Folder): string {
  for (const [name, bytes] of folder) {
    mkdirSync(dirname(join(dir, name)), { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, name), bytes, { mode: 0o600 });
  }
  return join(dir, 'ledger.json');
}

/** The oracle: would the ledger code read this folder (every command's read), and what would it name if not? */
let oracleNumber = 0;
function oracle(folder: Folder): { ok: true } | { ok: false; message: string } {
  const dir = join(tmpdir(), `playbook-oracle-${process.pid}-${oracleNumber++}`);
  try {
    readReplicas(layoutFor(writeFolder(dir, folder), {}));
    return { ok: true };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Damage

/** The good folder with one file replaced. */
const withFile = (name: string, bytes: Buffer): Folder => new Map([...good, [name, bytes]]);
const lines = (name: string) => good.get(name)!.toString('utf8').split('\n').slice(0, -1);
const fromLines = (ls: string[]) => Buffer.from(`${ls.join('\n')}\n`);
/** The good folder with the first line of type `type` (in whichever file holds it) changed as parsed JSON. */
const editEvent = (type: string, change: (event: any) => void) => (): { folder: Folder; file: string } => {
  for (const name of [seedFile, ownFile]) {
    const ls = lines(name);
    const at = ls.findIndex((l) => JSON.parse(l).type === type);
    if (at < 0) continue;
    const event = JSON.parse(ls[at]!);
    change(event);
    ls[at] = JSON.stringify(event);
    return { folder: withFile(name, fromLines(ls)), file: name };
  }
  throw new Error(`the fixture has no ${type} event`);
};
/** The events file made by the seed's `init`, or the one this sandbox's own writes went to (known once the sandbox is made). */
const fileOf = (which: 'seed' | 'own') => (which === 'seed' ? seedFile : ownFile);
/** A line of a file replaced by raw text. */
const rawLine = (of: 'seed' | 'own', make: (line: string) => string, which = 1) => (): { folder: Folder; file: string } => {
  const name = fileOf(of);
  const ls = lines(name);
  ls[which] = make(ls[which]!);
  return { folder: withFile(name, fromLines(ls)), file: name };
};
/** The pointer replaced. */
const pointer = (text: string) => (): { folder: Folder; file: string } => ({ folder: withFile('ledger.json', Buffer.from(text)), file: 'ledger.json' });
/** The good bytes of `name` with `needle` (found once) replaced by raw bytes. */
const bytesEdit = (of: 'seed' | 'own', needle: string, replacement: Buffer) => (): { folder: Folder; file: string } => {
  const name = fileOf(of);
  const bytes = good.get(name)!;
  const at = bytes.indexOf(needle);
  if (at < 0 || bytes.indexOf(needle, at + 1) >= 0) throw new Error(`expected one ${needle}`);
  return { folder: withFile(name, Buffer.concat([bytes.subarray(0, at), replacement, bytes.subarray(at + needle.length)])), file: name };
};

/** Hand edits: mostly valid JSON that is not a valid ledger, the file the refusal names, and what `doctor` must say about each. */
const HAND_EDITS: { name: string; make: () => { folder: Folder; file: string }; explains: RegExp }[] = [
  { name: 'a removed field (a decision without its owner)', make: editEvent('decision.added', (e) => delete e.data.owner), explains: /owner/ },
  { name: 'a field of the wrong type (a due date as a number)', make: editEvent('decision.added', (e) => (e.data.due = 20261130)), explains: /due/ },
  { name: 'an unknown event type', make: editEvent('decision.added', (e) => (e.type = 'decision.deleted')), explains: /type/ },
  { name: 'an event id that is not an id', make: editEvent('metric.recorded', (e) => (e.id = '12')), explains: /\(id\)|id/ },
  { name: 'a sequence number as a string', make: editEvent('blocker.added', (e) => (e.seq = String(e.seq))), explains: /seq/ },
  { name: 'an empty decision title', make: editEvent('decision.added', (e) => (e.data.title = '')), explains: /title/ },
  { name: 'a metric reading that is not a number', make: editEvent('metric.recorded', (e) => (e.data.value = '4.5')), explains: /value/ },
  { name: 'a blocker due date that is not a time', make: editEvent('blocker.added', (e) => (e.data.due = 'tomorrow')), explains: /due/ },
  {
    name: 'two different events under one id (a line copied and edited)',
    make: () => {
      const ls = lines(ownFile);
      const copy = JSON.parse(ls[0]!);
      copy.data.note = 'edited copy';
      return { folder: withFile(seedFile, Buffer.concat([good.get(seedFile)!, Buffer.from(`${JSON.stringify(copy)}\n`)])), file: 'events' };
    },
    explains: /duplicate ids: event \w+ is in .* with different contents/,
  },
  { name: 'a line that is a list, not an event', make: rawLine('seed', (l) => `[${l}]`), explains: /not a valid event/ },
  { name: 'text after the event on its line', make: rawLine('seed', (l) => `${l} {}`), explains: /not valid JSON/ },
  { name: 'a raw control character in a title', make: bytesEdit('own', '"first reading"', Buffer.from('"first\u0000reading"')), explains: /not valid JSON/ },
  { name: 'a note saved as Latin-1 (not UTF-8)', make: bytesEdit('own', '"first reading"', Buffer.from([0x22, 0x66, 0xef, 0x72, 0x73, 0x74, 0x22])), explains: /UTF-8/ },
  { name: 'ledger.json: schemaVersion as a string', make: pointer('{"schemaVersion":"2"}\n'), explains: /not a ledger \(schemaVersion "2"\)/ },
  { name: 'ledger.json: schemaVersion 1.5', make: pointer('{"schemaVersion":1.5}\n'), explains: /not a ledger \(schemaVersion 1\.5\)/ },
  { name: 'ledger.json: no schemaVersion', make: pointer('{}\n'), explains: /not a ledger/ },
  { name: 'ledger.json: a top-level list', make: pointer('[]\n'), explains: /not a ledger/ },
  { name: 'ledger.json: text after the JSON', make: pointer(`${POINTER}{"events":[]}\n`), explains: /not valid JSON/ },
];

/** The pointer cut short anywhere before its last two bytes (dropping only the final newline leaves valid JSON). */
function truncated(random: () => number): { folder: Folder; file: string; what: string } {
  const n = Math.floor(random() * (POINTER.length - 1));
  return { folder: withFile('ledger.json', Buffer.from(POINTER.slice(0, n))), file: 'ledger.json', what: `ledger.json cut to ${n} bytes` };
}

/** An events file with one to six bytes changed at random places, that the reader does reject. */
function garbled(random: () => number): { folder: Folder; file: string; what: string } {
  for (let attempt = 0; attempt < 100; attempt++) {
    const name = random() < 0.5 ? seedFile : ownFile;
    const bytes = Buffer.from(good.get(name)!);
    const flips = 1 + Math.floor(random() * 6);
    for (let i = 0; i < flips; i++) bytes[Math.floor(random() * bytes.length)]! ^= 1 + Math.floor(random() * 255);
    const folder = withFile(name, bytes);
    const verdict = oracle(folder);
    // Two different events under one id name the folder; any other damage names the file.
    if (!verdict.ok) return { folder, file: verdict.message.includes('two different events have the id') ? 'events' : name, what: `${flips} bytes flipped in ${name}` };
  }
  throw new Error('100 garbled copies in a row still read');
}

/** A small seeded generator, so that a failure names the seed that reproduces it. */
function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

// ---------------------------------------------------------------------------------------------------------
// The commands

/** Every command that reads or writes the ledger, as a user would type it. */
const LEDGER_COMMANDS: string[][] = [
  ['init', 'healthcare', 'pm', '--no-session'],
  ['resume'],
  ['gate'],
  ['gate', 'ownership', '--json'],
  ['status'],
  ['status', '--json'],
  ['decision', 'add', 'Ship it', '--owner', 'Priya', '--due', '+7d'],
  ['decision', 'approve', 'D-2'],
  ['decision', 'close', 'D-2'],
  ['decision', 'reopen', 'D-1'],
  ['decisions', '--all'],
  ['blocker', 'add', 'Staging down', '--owner', 'Jo'],
  ['blocker', 'resolve', 'B-1'],
  ['blocker', 'escalate', 'B-2'],
  ['blockers'],
  ['blockers', '--check'],
  ['risk', 'add', 'Stall', '--impact', 'high', '--cost', 'low', '--mitigation', 'Daily review', '--owner', 'Priya'],
  ['risk', 'close', 'R-1'],
  ['risks'],
  ['metric', 'record', 'approval-cycle-time', '4'],
  ['metrics'],
  ['checklist'],
  ['checklist', 'done', '2'],
  ['log'],
  ['undo'],
  ['undo', '--dry-run'],
  ['cycles'],
  ['use', 'pm-2026-11-23'],
  ['review', '--no-summary'],
  ['review', '--answers', '<answers>'],
  ['summary'],
  ['summary', '--format', 'slack'],
  ['summary', '--format', 'email', '--to', 'team@example.org'],
  ['summary', '--format', 'html', '--template', 'release-brief'],
  ['summary', '--format', 'json'],
  ['calendar'],
  ['decision', 'edit', 'D-1', '--title', 'Ship it next week'],
  ['decision', 'scope', 'D-1', '--constraints', 'c', '--behaviour', 'b', '--metric', 'scope-stability', '--target', '80'],
  ['evidence', 'add', 'D-1', 'Checked', '--criterion', '1', '--meets', 'yes'],
  ['blocker', 'extend', 'B-1', '--due', '+5d', '--reason', 'Vendor late'],
  ['risk', 'edit', 'R-1', '--impact', 'low'],
  ['metric', 'add', 'Clinics live', '--unit', '%', '--better', 'up', '--baseline', '10', '--target', '20'],
  ['metric', 'set', 'scope-stability', '--target', '90'],
  ['checkpoint', 'add', 'Go/no-go', '--at', '+3d'],
  ['checkpoint', 'done', 'C-1'],
  ['checkpoint', 'missed', 'C-1'],
  ['checkpoints'],
];
/**
 * Commands that never read the events: the catalogue; doctor (which reports damage, below); `team`,
 * which writes .gitattributes and .gitignore beside the ledger; `import`, which adds a file of its
 * own to the events folder (the repair path for a conflicted ledger) and changes no file that is there.
 */
const CATALOG_COMMANDS = ['list', 'show', 'validate', 'schema', 'new', 'completion', 'help', 'doctor', 'team', 'import'];
const SUBCOMMANDS: Record<string, string[]> = {
  decision: ['add', 'approve', 'close', 'reopen', 'edit', 'scope'],
  blocker: ['add', 'resolve', 'escalate', 'extend'],
  risk: ['add', 'close', 'edit'],
  metric: ['record', 'add', 'set'],
  checkpoint: ['add', 'done', 'missed'],
  evidence: ['add'],
  checklist: ['done'],
};


/** Command names listed under "Commands:" in a --help text. */
function helpCommands(help: string): string[] {
  const section = help.slice(help.indexOf('Commands:'));
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!);
}

/** A private ledger directory holding `folder`. */
let caseNumber = 0;
function damagedLedger(folder: Folder): { ledger: string; dir: string; local: string } {
  const dir = box.path('cases', String(caseNumber++));
  const ledger = writeFolder(dir, folder);
  return { ledger, dir, local: layoutFor(ledger, { XDG_STATE_HOME: box.path('state') }).local };
}

/** Every file of the ledger's folder, and of this machine's own folder for it, by path. */
function snapshot(dir: string, local: string): Record<string, string> {
  return { ...filesUnder(dir), ...Object.fromEntries(Object.entries(filesUnder(local)).map(([k, v]) => [`local/${k}`, v])) };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Exit 1, nothing on stdout, `playbook: FILE: ledger is damaged: REASON` and the doctor hint, and nothing more. */
function expectRefusal(result: CliResult, named: string, what: string): void {
  expect(result.signal, `${what}: must finish on its own`).toBeNull();
  expect(result.status, `${what}\n${result.stderr}`).toBe(1);
  expect(result.stdout, what).toBe('');
  expect(hasStackTrace(result.stderr), result.stderr).toBe(false);
  const lines = result.stderr.split('\n');
  expect(lines, `${what}\n${result.stderr}`).toHaveLength(3);
  expect(lines[0], what).toMatch(new RegExp(`^playbook: ${escapeRegExp(named)}: ledger is damaged: \\S.*$`));
  expect(lines[1], what).toBe('hint: run `playbook doctor` to see what is wrong and what to do');
  expect(lines[2]).toBe('');
}

describe('the list of ledger commands', () => {
  it('covers every command of `playbook --help` and every subcommand of the record groups', async () => {
    const top = helpCommands(box.ok(['--help']).stdout);
    expect(top.length).toBeGreaterThan(20);
    const covered = new Set([...LEDGER_COMMANDS.map((c) => c[0]!), ...CATALOG_COMMANDS]);
    expect(top.filter((name) => !covered.has(name)), 'commands of --help missing from this test').toEqual([]);
    for (const [group, subs] of Object.entries(SUBCOMMANDS)) {
      const listed = helpCommands((await box.runAsync([group, '--help'])).stdout).filter((name) => name !== 'help');
      expect(listed.sort(), group).toEqual([...subs].sort());
      for (const sub of subs) expect(LEDGER_COMMANDS.some((c) => c[0] === group && c[1] === sub), `${group} ${sub}`).toBe(true);
    }
    figures.commands = LEDGER_COMMANDS.length;
  }, SLOW);
});

describe.concurrent('a damaged ledger stops every command with one line and is left byte-for-byte as it was', () => {
  const kinds: { kind: string; make: (i: number, random: () => number) => { folder: Folder; file: string; what: string } }[] = [
    { kind: 'truncated ledger.json', make: (_i, random) => truncated(random) },
    { kind: 'garbled events file', make: (_i, random) => garbled(random) },
    { kind: 'hand-edited', make: (i) => { const h = HAND_EDITS[i % HAND_EDITS.length]!; return { ...h.make(), what: h.name }; } },
  ];
  for (const { kind, make } of kinds) {
    it(`${kind}: every ledger command exits 1 with "<file>: ledger is damaged", and no file changes`, async () => {
      const seed = Date.now() ^ (kind.length * 7919);
      const random = seededRandom(seed);
      await Promise.all(
        LEDGER_COMMANDS.map(async (command, i) => {
          const { folder, file, what } = make(i, random);
          expect(oracle(folder).ok, `${kind} (${what}) must really be damaged`).toBe(false);
          const { ledger, dir, local } = damagedLedger(folder);
          const before = snapshot(dir, local);
          const args = command.map((a) => (a === '<answers>' ? answersFile : a));
          const result = await box.runAsync(args, { env: { PLAYBOOK_LEDGER: ledger } });
          figures.cliRuns += 1;
          expectRefusal(result, join(dir, file), `playbook ${args.join(' ')} on a ${kind} ledger (${what}; seed ${seed})`);
          // No file of the ledger changed, none was added, and no lock is left in this machine's folder.
          const after = snapshot(dir, local);
          delete after['local/replica.json'];
          delete before['local/replica.json'];
          expect(after, `playbook ${args.join(' ')}: the files must not change`).toEqual(before);
          figures.refusedUnchanged += 1;
        }),
      );
      figures.damageKinds += 1;
    }, SLOW);
  }

  it('every hand edit is caught by the reader, and `playbook doctor` explains it, exit 1, suggesting nothing that drops events, changing nothing', async () => {
    await Promise.all(
      HAND_EDITS.map(async (h) => {
        const { folder } = h.make();
        expect(oracle(folder).ok, h.name).toBe(false);
        const { ledger, dir, local } = damagedLedger(folder);
        const before = snapshot(dir, local);
        const result = await box.runAsync(['doctor'], { env: { PLAYBOOK_LEDGER: ledger } });
        figures.cliRuns += 1;
        expect(result.status, `${h.name}\n${result.stderr}`).toBe(1);
        expect(hasStackTrace(result.stderr)).toBe(false);
        const line = result.stdout.split('\n').find((l) => l.startsWith('FAIL ') && h.explains.test(l));
        expect(line, `${h.name}\n${result.stdout}`).toBeDefined();
        expect(result.stderr).toMatch(/^playbook: the ledger needs attention\n(hint: \S.*\n)?$/);
        // Restoring an older copy of a whole ledger is never suggested: that would drop teammates' events.
        expect(`${result.stdout}${result.stderr}`).not.toMatch(/doctor --restore` brings back|backup/);
        expect(snapshot(dir, local)).toEqual(before);
        figures.handEdits += 1;
        figures.doctorExplained += 1;
      }),
    );
  }, SLOW);

  it('`playbook doctor` explains a truncated ledger.json and a garbled events file too', async () => {
    const random = seededRandom(Date.now());
    const cases = [
      { ...truncated(random), explains: /^FAIL ledger: .*ledger\.json: not valid JSON/m },
      { ...garbled(random), explains: /^FAIL (events|duplicate ids|chain): /m },
    ];
    for (const c of cases) {
      const { ledger, dir, local } = damagedLedger(c.folder);
      const before = snapshot(dir, local);
      const result = await box.runAsync(['doctor'], { env: { PLAYBOOK_LEDGER: ledger } });
      figures.cliRuns += 1;
      expect(result.status, c.what).toBe(1);
      expect(result.stdout, c.what).toMatch(c.explains);
      expect(snapshot(dir, local)).toEqual(before);
      figures.doctorExplained += 1;
    }
  }, SLOW);

  it('edits that leave valid events (a line removed, a title changed) are read, and doctor names the line where the chain breaks', async () => {
    const edits: [string, () => Folder][] = [
      ['a line removed', () => { const ls = lines(seedFile); ls.splice(3, 1); return withFile(seedFile, fromLines(ls)); }],
      ['a title changed', editEvent('decision.added', (e) => (e.data.title = 'Something else entirely')) as never],
    ];
    for (const [name, make] of edits) {
      const made = make() as Folder | { folder: Folder };
      const folder = made instanceof Map ? made : made.folder;
      expect(oracle(folder).ok, `${name}: still readable`).toBe(true);
      const { ledger, dir, local } = damagedLedger(folder);
      const before = snapshot(dir, local);
      const status = await box.runAsync(['status'], { env: { PLAYBOOK_LEDGER: ledger } });
      expect(status.status, `${name}: ${status.stderr}`).toBe(0);
      const doctor = await box.runAsync(['doctor'], { env: { PLAYBOOK_LEDGER: ledger } });
      expect(doctor.status, name).toBe(1);
      expect(doctor.stdout, name).toMatch(/^FAIL chain: .*\.jsonl:\d+: replica \w+'s /m);
      expect(snapshot(dir, local)).toEqual(before);
      figures.cliRuns += 2;
      figures.tamperedValid += 1;
    }
  }, SLOW);
});

describe.concurrent('an events file cut short (a sync still arriving, or a crash inside a write) is not damage', () => {
  it('every ledger command works on the whole changes before the cut, says what it skipped, and never changes that file', async () => {
    const random = seededRandom(Date.now());
    const seedBytes = good.get(seedFile)!;
    await Promise.all(
      LEDGER_COMMANDS.filter((c) => c[0] !== 'init').map(async (command) => {
        // Cut inside the last line: that change is incomplete.
        const lastLine = seedBytes.lastIndexOf('\n', seedBytes.length - 2) + 1;
        const cut = lastLine + 1 + Math.floor(random() * (seedBytes.length - lastLine - 2));
        const folder = withFile(seedFile, seedBytes.subarray(0, cut));
        const { ledger, dir, local } = damagedLedger(folder);
        const args = command.map((a) => (a === '<answers>' ? answersFile : a));
        const result = await box.runAsync(args, { env: { PLAYBOOK_LEDGER: ledger } });
        figures.cliRuns += 1;
        // Whatever the command then says of the records (exit 0, or 1 or 2 for a record not there), nothing is damaged.
        expect(result.stderr, args.join(' ')).not.toMatch(/damaged|Error| {4}at /);
        // (`use` changes only this clone's own state and shows no records: it has nothing to say of them.)
        if (command[0] !== 'use') expect(result.stderr, args.join(' ')).toMatch(new RegExp(`note: ${escapeRegExp(join(dir, seedFile))}: skipped (\\d+ events? of a change|a line) not yet complete at its end`));
        expect(readFileSync(join(dir, seedFile)).equals(seedBytes.subarray(0, cut)), `${args.join(' ')}: the file cut short is left as it is`).toBe(true);
        expect(chainProblems(ledger)).toEqual([]);
        expect(existsSync(join(local, 'ledger.lock'))).toBe(false);
        figures.cutFilesRead += 1;
      }),
    );
  }, SLOW);
});

describe.concurrent('playbook doctor --restore', () => {
  it('rewrites a damaged ledger.json (truncated, garbled, hand-edited), keeps every events file as it was, and the ledger works again with every event', async () => {
    const random = seededRandom(Date.now());
    const goodEvents = oracleEvents(good);
    const garbledPointer = Buffer.from(POINTER);
    garbledPointer[3]! ^= 0x40;
    for (const folder of [truncated(random).folder, withFile('ledger.json', garbledPointer), HAND_EDITS.find((h) => h.name.startsWith('ledger.json: text after'))!.make().folder]) {
      const { ledger, dir, local } = damagedLedger(folder);
      const env = { PLAYBOOK_LEDGER: ledger };
      const before = snapshot(dir, local);
      const result = await box.runAsync(['doctor', '--restore'], { env });
      figures.cliRuns += 1;
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toBe(`restored ${ledger}: it points to the events in ${dir}\n`);
      expect(readFileSync(ledger, 'utf8')).toBe(POINTER);
      const after = snapshot(dir, local);
      for (const name of Object.keys(before)) if (name !== 'ledger.json') expect(after[name], `${name} is kept as it was`).toBe(before[name]);
      expect(oracleEvents(new Map(Object.entries(filesUnder(dir)).map(([k, v]) => [k, Buffer.from(v, 'latin1')])))).toEqual(goodEvents);
      const doctor = await box.runAsync(['doctor'], { env });
      expect(doctor.status, doctor.stdout + doctor.stderr).toBe(0);
      expect((await box.runAsync(['metric', 'record', 'approval-cycle-time', '3'], { env })).status).toBe(0);
      figures.cliRuns += 2;
      figures.restores += 1;
    }
  }, SLOW);

  it('brings back the backup of a damaged version-1 ledger (from before the team format), keeping the damaged file beside it', async () => {
    const dir = box.path('v1-restore');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const ledger = join(dir, 'ledger.json');
    summaryLedger().write(`${ledger}.bak`);
    const backup = readFileSync(`${ledger}.bak`);
    writeFileSync(ledger, backup.subarray(0, backup.length / 2), { mode: 0o600 });
    const env = { PLAYBOOK_LEDGER: ledger };
    const result = await box.runAsync(['doctor', '--restore'], { env });
    figures.cliRuns += 1;
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`restored ${ledger} from ${ledger}.bak\n`);
    expect(readFileSync(ledger).equals(backup)).toBe(true);
    const kept = readdirSync(dir).filter((f) => f.startsWith('ledger.json.damaged-'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(dir, kept[0]!)).equals(backup.subarray(0, backup.length / 2))).toBe(true);
    expect((await box.runAsync(['doctor'], { env })).status).toBe(0);
    figures.restores += 1;
  }, SLOW);

  const refusals: [string, () => Folder, RegExp][] = [
    ['an events file is damaged (it is restored from git or a teammate, never from an older copy)', () => garbled(Math.random).folder, /ledger\.json is healthy \(.*\); nothing to restore\nhint: a damaged events file is restored from git/],
    ['the ledger is healthy', () => good, /ledger\.json is healthy \(.*\); nothing to restore$/m],
    ['the ledger was written by a newer playbook', () => withFile('ledger.json', Buffer.from('{"schemaVersion":3}\n')), /is not damaged: .*written by a newer version of playbook/],
    ['a damaged version-1 ledger has no backup', () => new Map([['ledger.json', Buffer.from('{"schemaVersion":1,"ev')]]), /\.bak: there is no backup to restore$/m],
  ];
  it.each(refusals)('refuses when %s, exit 1, changing nothing', async (_name, make, message) => {
    const { ledger, dir, local } = damagedLedger(make());
    const before = snapshot(dir, local);
    const result = await box.runAsync(['doctor', '--restore'], { env: { PLAYBOOK_LEDGER: ledger } });
    figures.cliRuns += 1;
    expect(result.status, result.stderr).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(hasStackTrace(result.stderr)).toBe(false);
    expect(snapshot(dir, local)).toEqual(before);
    figures.restoreRefusals += 1;
  }, SLOW);
});

function oracleEvents(folder: Folder): string[] {
  const dir = join(tmpdir(), `playbook-oracle-${process.pid}-${oracleNumber++}`);
  try {
    return readReplicas(layoutFor(writeFolder(dir, folder), {}))!.events.map((e) => e.id);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the store on generated damage to a replica\'s own file', () => {
  it(`a write on ${STORE_RUNS} cut or garbled files: refused without changing a byte, or (a cut, or damage that left valid events) it keeps every whole change and adds its own`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'playbook-store-damage-'));
    try {
      const ledger = writeFolder(join(dir, 'ledger'), good);
      const env = { HOME: dir, XDG_STATE_HOME: join(dir, 'state'), XDG_CACHE_HOME: join(dir, 'cache') };
      const now = new Date('2026-11-23T09:00:00Z');
      const ctx = { options: {}, env, cwd: dir, now, actor: 'Priya', command: 'metric record' };
      let value = 0;
      const record = (...values: number[]) => commit(ctx, () => values.map((v) => ({ type: 'metric.recorded' as const, data: { metric: 'approval-cycle-time', value: v, at: now.toISOString() } })), { path: ledger });
      // This replica's own file: a few changes, one of them of three events.
      record(1);
      record(2, 3, 4);
      const layout = layoutFor(ledger, env);
      // This machine's state as a kill inside the write of the last change leaves it (naming the change before).
      const beforeLast = { local: readFileSync(join(layout.local, 'replica.json')), size: readFileSync(join(layout.events, `${readLocal(layout).replica}.jsonl`)).length };
      record(5);
      const replica = readLocal(layout).replica!;
      const file = join(layout.events, `${replica}.jsonl`);
      const own = readFileSync(file);
      const localState = readFileSync(join(layout.local, 'replica.json'));
      const others = readdirSync(layout.events).filter((n) => n !== `${replica}.jsonl`);
      const damage = fc.oneof(
        fc.nat().map((n) => ({ cut: true, bytes: own.subarray(0, n % own.length) })),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
          const bytes = Buffer.from(own);
          for (const [at, mask] of flips) bytes[at % bytes.length]! ^= mask;
          return { cut: false, bytes };
        }),
      );
      fc.assert(
        fc.property(damage, ({ cut, bytes }) => {
          // The files as they were, but this replica's own, damaged.
          for (const name of readdirSync(layout.events)) if (!others.includes(name)) rmSync(join(layout.events, name));
          writeFileSync(file, bytes, { mode: 0o600 });
          // A cut inside the last change is what a kill inside its write leaves; a cut further back, or
          // garbled bytes, is damage from outside, with this machine's state naming its last event.
          writeFileSync(join(layout.local, 'replica.json'), cut && bytes.length >= beforeLast.size ? beforeLast.local : localState);
          figures.storeRuns += 1;
          let verdict: ReturnType<typeof readReplicas> | undefined;
          try {
            verdict = readReplicas(layout, { replica });
          } catch {
            verdict = undefined;
          }
          let called = false;
          const v = 100 + value++;
          try {
            commit(ctx, () => {
              called = true;
              return [{ type: 'metric.recorded', data: { metric: 'approval-cycle-time', value: v, at: now.toISOString() } }];
            }, { path: ledger });
          } catch (error) {
            expect(error).toBeInstanceOf(CliError);
            expect((error as CliError).message).toMatch(/: ledger is damaged: /);
            expect((error as CliError).message).not.toMatch(/\n/);
            expect(called).toBe(false);
            expect(verdict, 'refused only what every read refuses').toBeUndefined();
            expect(cut, 'a file cut short is never damage').toBe(false);
            expect(readFileSync(file).equals(bytes), 'the damaged file is left byte for byte').toBe(true);
            expect(readdirSync(layout.events).sort()).toEqual([...others, `${replica}.jsonl`].sort());
            figures.storeRefused += 1;
            return;
          }
          // Accepted: every read accepts it too, and the write kept every whole change and added its own.
          expect(verdict, 'accepted only what every read accepts').toBeDefined();
          expect(called).toBe(true);
          const after = readReplicas(layout)!;
          expect(after.events.map((e) => e.id).slice(0, -1)).toEqual(verdict!.events.map((e) => e.id));
          expect((after.events.at(-1)!.data as { value: number }).value).toBe(v);
          if (readLocal(layout).replica === replica) {
            // Same file: the part of a change the cut left is gone, the new event follows on.
            expect(after.skipped).toEqual([]);
            const written = readFileSync(file);
            expect(written.subarray(0, verdict!.own!.valid).equals(bytes.subarray(0, verdict!.own!.valid))).toBe(true);
            expect(written.length).toBe(verdict!.own!.valid + Buffer.byteLength(`${JSON.stringify(after.events.at(-1))}\n`));
          } else {
            // The file no longer ends with the last event this clone wrote (whole changes were cut off its
            // end): it is left as it is, and this clone goes on in a file of its own.
            expect(readFileSync(file).equals(bytes)).toBe(true);
            expect(readFileSync(join(layout.events, `${readLocal(layout).replica}.jsonl`), 'utf8').split('\n')).toHaveLength(2);
            figures.storeMovedOn += 1;
          }
          figures[cut ? 'storeCutOff' : 'storeStillValid'] += 1;
        }),
        { numRuns: STORE_RUNS },
      );
      expect(figures.storeRefused).toBeGreaterThan(STORE_RUNS * 0.3);
      expect(figures.storeCutOff).toBeGreaterThan(STORE_RUNS * 0.2);
      expect(figures.storeCutOff - figures.storeMovedOn, 'some cuts are cut off the same file').toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, SLOW);
});
