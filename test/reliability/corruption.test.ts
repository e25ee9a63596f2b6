// QUALITY.md, "Never lose or corrupt the ledger": a ledger that fails to parse or validate is never
// overwritten. A truncated, garbled (bytes flipped) or hand-edited (valid JSON, invalid events) ledger
// makes every command that reads or writes the ledger stop with a one-line message, exit 1, no stack
// trace, and every file beside it byte-for-byte as it was. `playbook doctor` says what is wrong;
// `playbook doctor --restore` brings back the last good generation after checking it, and refuses
// when the backup is damaged too or when the ledger is healthy.
import * as fc from 'fast-check';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { parseLedger } from '../../src/ledger/events.js';
import { validateLedger } from '../../src/ledger/ledger.js';
import { backupPath, ledgerText, updateLedger } from '../../src/ledger/store.js';
import { hasStackTrace, type CliResult } from '../helpers/cli.js';
import { createLedgerSandbox, makeSeeds, type LedgerSandbox, type Seeds } from '../helpers/ledger.js';
import { recordFigures } from '../helpers/reliability.js';

const STORE_RUNS = 1000;
/** A hang guard for tests that wait their turn for a CLI slot behind the others: never a speed check. */
const SLOW = 240_000;

const figures = { commands: 0, damageKinds: 0, handEdits: 0, cliRuns: 0, refusedUnchanged: 0, doctorExplained: 0, restores: 0, restoreRefusals: 0, storeRuns: 0, storeRefused: 0, storeStillValid: 0 };

let seeds: Seeds;
let box: LedgerSandbox;
/** The good ledger and its backup (the generation before it), as bytes. */
let good: Buffer;
let goodBackup: Buffer;
let answersFile: string;

beforeAll(() => {
  seeds = makeSeeds(['full']);
  box = createLedgerSandbox('playbook-corrupt-');
  box.useLedger(seeds.full);
  box.ok(['metric', 'record', 'approval-cycle-time', '4.5', '--note', 'first reading']);
  box.ok(['blocker', 'add', 'EHR sandbox access', '--owner', 'Sam', '--fallback', 'Recorded fixtures']);
  box.ok(['decision', 'close', 'D-1']);
  box.ok(['undo', '--dry-run']);
  good = readFileSync(box.ledger);
  goodBackup = readFileSync(backupPath(box.ledger));
  answersFile = box.write('review.yaml', 'metrics: { approval-cycle-time: 4 }\n');
});

afterAll(() => {
  box?.cleanup();
  seeds?.cleanup();
  recordFigures('corruption', figures);
});

/** The oracle: would the ledger code accept these bytes as a ledger? */
function validates(bytes: Buffer): boolean {
  try {
    parseLedger(JSON.parse(ledgerText(bytes)));
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Damage

type Ledger = { schemaVersion: unknown; events: any[] };
const serialize = (value: unknown) => Buffer.from(`${JSON.stringify(value)}\n`);
const edited = (change: (ledger: Ledger) => void) => () => {
  const ledger = JSON.parse(good.toString('utf8')) as Ledger;
  change(ledger);
  return serialize(ledger);
};
const firstOf = (ledger: Ledger, type: string) => {
  const event = ledger.events.find((e) => e.type === type);
  if (!event) throw new Error(`the fixture has no ${type} event`);
  return event;
};
/** The good bytes with `needle` (found once) replaced by raw bytes. */
const bytesEdit = (needle: string, replacement: Buffer) => () => {
  const at = good.indexOf(needle);
  if (at < 0 || good.indexOf(needle, at + 1) >= 0) throw new Error(`expected one ${needle}`);
  return Buffer.concat([good.subarray(0, at), replacement, good.subarray(at + needle.length)]);
};

/** Hand edits: mostly valid JSON that is not a valid ledger, with what `doctor` must say about each. */
const HAND_EDITS: { name: string; make: () => Buffer; explains: RegExp }[] = [
  { name: 'a removed field (a decision without its owner)', make: edited((l) => delete firstOf(l, 'decision.added').data.owner), explains: /owner/ },
  { name: 'a field of the wrong type (a due date as a number)', make: edited((l) => (firstOf(l, 'decision.added').data.due = 20261130)), explains: /due/ },
  { name: 'a duplicate event id', make: edited((l) => (l.events[3].id = l.events[2].id)), explains: /ids must increase/ },
  { name: 'events out of order', make: edited((l) => ([l.events[3], l.events[4]] = [l.events[4], l.events[3]])), explains: /ids must increase/ },
  { name: 'schemaVersion as a string', make: edited((l) => (l.schemaVersion = '1')), explains: /schemaVersion must be a whole number, not "1"/ },
  { name: 'schemaVersion 1.5', make: edited((l) => (l.schemaVersion = 1.5)), explains: /schemaVersion must be a whole number, not 1\.5/ },
  { name: 'no schemaVersion', make: edited((l) => delete (l as Partial<Ledger>).schemaVersion), explains: /schemaVersion is missing/ },
  { name: 'events that are not a list', make: edited((l) => (l.events = { ...l.events } as any)), explains: /events/ },
  { name: 'an unknown event type', make: edited((l) => (firstOf(l, 'decision.added').type = 'decision.deleted')), explains: /type/ },
  { name: 'an event id as a string', make: edited((l) => (l.events[0].id = '1')), explains: /\(id\)/ },
  { name: 'an empty decision title', make: edited((l) => (firstOf(l, 'decision.added').data.title = '')), explains: /title/ },
  { name: 'a metric reading that is not a number', make: edited((l) => (firstOf(l, 'metric.recorded').data.value = '4.5')), explains: /value/ },
  { name: 'a blocker due date that is not a time', make: edited((l) => (firstOf(l, 'blocker.added').data.due = 'tomorrow')), explains: /due/ },
  { name: 'a top-level list', make: () => serialize((JSON.parse(good.toString('utf8')) as Ledger).events), explains: /not a ledger/ },
  { name: 'text after the JSON', make: () => Buffer.concat([good, Buffer.from('{"events":[]}\n')]), explains: /not valid JSON/ },
  { name: 'a raw control character in a title', make: bytesEdit('"first reading"', Buffer.from('"first\u0000reading"')), explains: /not valid JSON/ },
  { name: 'a title saved as Latin-1 (not UTF-8)', make: bytesEdit('"first reading"', Buffer.from([0x22, 0x66, 0xef, 0x72, 0x73, 0x74, 0x22])), explains: /UTF-8/ },
];

/** A copy cut short anywhere before its last two bytes (dropping only the final newline leaves valid JSON). */
function truncated(random: () => number): Buffer {
  return good.subarray(0, Math.floor(random() * (good.length - 1)));
}

/** A copy with one to six bytes changed at random places, that the validator does reject. */
function garbled(random: () => number): Buffer {
  for (let attempt = 0; attempt < 100; attempt++) {
    const bytes = Buffer.from(good);
    const flips = 1 + Math.floor(random() * 6);
    for (let i = 0; i < flips; i++) bytes[Math.floor(random() * bytes.length)]! ^= 1 + Math.floor(random() * 255);
    if (!validates(bytes)) return bytes;
  }
  throw new Error('100 garbled copies in a row still validate');
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
];
/** Commands that never open the ledger. */
const CATALOG_COMMANDS = ['list', 'show', 'validate', 'schema', 'new', 'completion', 'help', 'doctor'];
const SUBCOMMANDS: Record<string, string[]> = {
  decision: ['add', 'approve', 'close', 'reopen'],
  blocker: ['add', 'resolve', 'escalate'],
  risk: ['add', 'close'],
  metric: ['record'],
  checklist: ['done'],
};

/** Command names listed under "Commands:" in a --help text. */
function helpCommands(help: string): string[] {
  const section = help.slice(help.indexOf('Commands:'));
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!);
}

/** A private ledger directory holding `bytes` as the ledger and the good backup beside it. */
let caseNumber = 0;
function damagedLedger(bytes: Buffer, backup: Buffer | null = goodBackup): { ledger: string; dir: string } {
  const dir = box.path('cases', String(caseNumber++));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ledger = join(dir, 'ledger.json');
  writeFileSync(ledger, bytes, { mode: 0o600 });
  if (backup) writeFileSync(backupPath(ledger), backup, { mode: 0o600 });
  return { ledger, dir };
}

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name)).toString('base64')]));
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Exit 1, nothing on stdout, `playbook: LEDGER: ledger is damaged: REASON` and the doctor hint, and nothing more. */
function expectRefusal(result: CliResult, ledger: string, what: string): void {
  expect(result.signal, `${what}: must finish on its own`).toBeNull();
  expect(result.status, `${what}\n${result.stderr}`).toBe(1);
  expect(result.stdout, what).toBe('');
  expect(hasStackTrace(result.stderr), result.stderr).toBe(false);
  const lines = result.stderr.split('\n');
  expect(lines, `${what}\n${result.stderr}`).toHaveLength(3);
  expect(lines[0], what).toMatch(new RegExp(`^playbook: ${escapeRegExp(ledger)}: ledger is damaged: \\S.*$`));
  expect(lines[1], what).toBe('hint: run `playbook doctor` to see what is wrong; `playbook doctor --restore` brings back the last good copy');
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
  const kinds: { kind: string; make: (i: number, random: () => number) => { bytes: Buffer; what: string } }[] = [
    { kind: 'truncated', make: (_i, random) => { const bytes = truncated(random); return { bytes, what: `cut to ${bytes.length} bytes` }; } },
    { kind: 'garbled', make: (_i, random) => ({ bytes: garbled(random), what: 'bytes flipped' }) },
    { kind: 'hand-edited', make: (i) => { const h = HAND_EDITS[i % HAND_EDITS.length]!; return { bytes: h.make(), what: h.name }; } },
  ];
  for (const { kind, make } of kinds) {
    it(`${kind}: every ledger command exits 1 with "ledger is damaged", and no file changes`, async () => {
      const seed = Date.now() ^ (kind.length * 7919);
      const random = seededRandom(seed);
      await Promise.all(
        LEDGER_COMMANDS.map(async (command, i) => {
          const { bytes, what } = make(i, random);
          expect(validates(bytes), `${kind} (${what}) must really be damaged`).toBe(false);
          const { ledger, dir } = damagedLedger(bytes);
          const before = snapshot(dir);
          const args = command.map((a) => (a === '<answers>' ? answersFile : a));
          const result = await box.runAsync(args, { env: { PLAYBOOK_LEDGER: ledger } });
          figures.cliRuns += 1;
          expectRefusal(result, ledger, `playbook ${args.join(' ')} on a ${kind} ledger (${what}; seed ${seed})`);
          expect(snapshot(dir), `playbook ${args.join(' ')}: the files must not change`).toEqual(before);
          figures.refusedUnchanged += 1;
        }),
      );
      figures.damageKinds += 1;
    }, SLOW);
  }

  it('every hand edit is caught by the events validator, and `playbook doctor` explains it, exit 1, changing nothing', async () => {
    await Promise.all(
      HAND_EDITS.map(async (h) => {
        const bytes = h.make();
        expect(validates(bytes), h.name).toBe(false);
        const { ledger, dir } = damagedLedger(bytes);
        const before = snapshot(dir);
        const result = await box.runAsync(['doctor'], { env: { PLAYBOOK_LEDGER: ledger } });
        figures.cliRuns += 1;
        expect(result.status, `${h.name}\n${result.stderr}`).toBe(1);
        expect(hasStackTrace(result.stderr)).toBe(false);
        const line = result.stdout.split('\n').find((l) => l.startsWith('FAIL ledger: '));
        expect(line, `${h.name}\n${result.stdout}`).toBeDefined();
        expect(line, h.name).toMatch(h.explains);
        expect(result.stdout).toMatch(/^ok {3}backup: .*ledger\.json\.bak: \d+ events/m);
        expect(result.stderr).toBe('playbook: the ledger needs attention\nhint: run `playbook doctor --restore` to bring back the backup (the damaged file is kept beside it)\n');
        expect(snapshot(dir)).toEqual(before);
        figures.handEdits += 1;
        figures.doctorExplained += 1;
      }),
    );
  }, SLOW);

  it('`playbook doctor` explains a truncated and a garbled ledger too', async () => {
    const random = seededRandom(Date.now());
    const cases = [
      { bytes: truncated(random), explains: /not valid JSON .*does not end with a newline, so it may be cut short/ },
      { bytes: garbled(random), explains: /not valid JSON|UTF-8|does not validate/ },
    ];
    for (const c of cases) {
      const { ledger, dir } = damagedLedger(c.bytes);
      const before = snapshot(dir);
      const result = await box.runAsync(['doctor'], { env: { PLAYBOOK_LEDGER: ledger } });
      figures.cliRuns += 1;
      expect(result.status).toBe(1);
      expect(result.stdout.split('\n').find((l) => l.startsWith('FAIL ledger: '))).toMatch(c.explains);
      expect(snapshot(dir)).toEqual(before);
      figures.doctorExplained += 1;
    }
  }, SLOW);
});

describe.concurrent('playbook doctor --restore', () => {
  it('brings back the backup after checking it, keeps the damaged file beside it, and the ledger works again', async () => {
    const random = seededRandom(Date.now());
    for (const bytes of [truncated(random), garbled(random), HAND_EDITS[0]!.make()]) {
      const { ledger, dir } = damagedLedger(bytes);
      const env = { PLAYBOOK_LEDGER: ledger };
      const result = await box.runAsync(['doctor', '--restore'], { env });
      figures.cliRuns += 1;
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toBe(`restored ${ledger} from ${ledger}.bak (${JSON.parse(goodBackup.toString()).events.length} events, 1 cycle)\n`);
      expect(readFileSync(ledger).equals(goodBackup)).toBe(true);
      expect(readFileSync(backupPath(ledger)).equals(goodBackup)).toBe(true);
      const kept = readdirSync(dir).filter((f) => f.startsWith('ledger.json.damaged-'));
      expect(kept).toHaveLength(1);
      expect(readFileSync(join(dir, kept[0]!)).equals(bytes), 'the damaged file is kept as it was').toBe(true);
      expect(result.stderr).toBe(`the damaged ledger is kept as ${join(dir, kept[0]!)}\n`);
      const doctor = await box.runAsync(['doctor'], { env });
      expect(doctor.status, doctor.stdout + doctor.stderr).toBe(0);
      expect((await box.runAsync(['metric', 'record', 'approval-cycle-time', '3'], { env })).status).toBe(0);
      figures.cliRuns += 2;
      figures.restores += 1;
    }
  }, SLOW);

  const refusals: [string, () => { bytes: Buffer; backup: Buffer | null }, RegExp][] = [
    ['the backup is damaged too', () => ({ bytes: truncated(Math.random), backup: garbled(Math.random) }), /\.bak: the backup is damaged too \(.+\); nothing was changed$/m],
    ['the ledger is healthy', () => ({ bytes: good, backup: goodBackup }), /ledger\.json is healthy \(\d+ events, 1 cycle\); nothing to restore$/m],
    ['there is no backup', () => ({ bytes: truncated(Math.random), backup: null }), /\.bak: there is no backup to restore$/m],
    ['the ledger was written by a newer playbook', () => ({ bytes: Buffer.from(good.toString('utf8').replace('{"schemaVersion":1,', '{"schemaVersion":2,')), backup: goodBackup }), /is not damaged: the ledger was written by a newer version of playbook/],
  ];
  it.each(refusals)('refuses when %s, exit 1, changing nothing', async (_name, make, message) => {
    const { bytes, backup } = make();
    const { ledger, dir } = damagedLedger(bytes, backup);
    const before = snapshot(dir);
    const result = await box.runAsync(['doctor', '--restore'], { env: { PLAYBOOK_LEDGER: ledger } });
    figures.cliRuns += 1;
    expect(result.status, result.stderr).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(hasStackTrace(result.stderr)).toBe(false);
    expect(snapshot(dir)).toEqual(before);
    figures.restoreRefusals += 1;
  }, SLOW);
});

describe('the store on generated damage', () => {
  it(`refuses ${STORE_RUNS} truncated or garbled ledgers without changing a byte, unless the damage left a valid ledger`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'playbook-store-damage-'));
    try {
      const path = join(dir, 'ledger.json');
      const damage = fc.oneof(
        fc.nat().map((n) => good.subarray(0, n % good.length)),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
          const bytes = Buffer.from(good);
          for (const [at, mask] of flips) bytes[at % bytes.length]! ^= mask;
          return bytes;
        }),
      );
      fc.assert(
        fc.property(damage, (bytes) => {
          writeFileSync(path, bytes, { mode: 0o600 });
          figures.storeRuns += 1;
          let called = false;
          try {
            updateLedger(path, validateLedger, (current) => {
              called = true;
              return current ?? undefined;
            });
          } catch (error) {
            expect(error).toBeInstanceOf(CliError);
            // A flip can also turn schemaVersion 1 into a higher number: refused as from a newer version.
            expect((error as CliError).message).toMatch(/: ledger is damaged: |^the ledger was written by a newer version of playbook/);
            expect((error as CliError).message).not.toMatch(/\n/);
            expect(called).toBe(false);
            expect(validates(bytes)).toBe(false);
            expect(readFileSync(path).equals(bytes)).toBe(true);
            expect(readdirSync(dir)).toEqual(['ledger.json']);
            figures.storeRefused += 1;
            return;
          }
          // Accepted: then the bytes really are a valid ledger (a flip inside a title, say, or only the newline cut).
          expect(validates(bytes)).toBe(true);
          figures.storeStillValid += 1;
          rmSync(`${path}.bak`, { force: true });
        }),
        { numRuns: STORE_RUNS },
      );
      expect(figures.storeRefused).toBeGreaterThan(STORE_RUNS * 0.8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, SLOW);
});
