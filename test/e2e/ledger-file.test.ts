// The ledger on disk end to end, against the built binary: where it is found (--ledger, PLAYBOOK_LEDGER,
// the nearest .playbook/, XDG_DATA_HOME), what happens without one or with one this version must not
// touch, the event every change records, and how writes keep the files safe. The layout: `ledger.json`
// holds only {"schemaVersion":2} (the pointer); each replica appends its events to its own
// `events/<replica>.jsonl` beside it; this machine's own state (replica name, current cycle, lock, the
// version-1 file a conversion replaced) is in $XDG_STATE_HOME/playbook/ledgers/<hash of the real path>/,
// and the notes of files already checked in full are in $XDG_CACHE_HOME/playbook/checked.json.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { BIN, cleanEnv } from '../helpers/cli.js';
import { createLedgerSandbox, eventsDirOf, filesUnder, isCleanFailure, makeSeeds, readLedgerEvents, type LedgerSandbox, type Seeds } from '../helpers/ledger.js';
import { SNAPSHOT, startCycle } from '../helpers/summary-ledger.js';
import { NOTES_VERSION } from '../../src/ledger/checked.js';

let seeds: Seeds;
let box: LedgerSandbox;

beforeAll(() => {
  seeds = makeSeeds(['bare', 'full']);
});
afterAll(() => seeds?.cleanup());
beforeEach(() => {
  box = createLedgerSandbox();
});
afterEach(() => box.cleanup());

const POINTER = '{"schemaVersion":2}\n';
const EVENT_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const mode = (path: string) => statSync(path).mode & 0o777;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The real path of a file, or of its folder when the file is not there yet. */
function realPath(path: string): string {
  return existsSync(path) ? realpathSync(path) : join(realpathSync(dirname(path)), path.slice(dirname(path).length + 1));
}

/** FNV-1a, 64 bits, in hex, written out here with BigInt: the name of this machine's folder for the ledger at a (real) path, and what the next line of a replica's file names as `prev`. */
function fnv(path: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(path, 'utf8')) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

/** This machine's own folder for the ledger at `ledger`, in the sandbox's XDG_STATE_HOME. */
const localDir = (sandbox: LedgerSandbox, ledger = sandbox.ledger) => sandbox.path('state', 'playbook', 'ledgers', fnv(realPath(ledger)));
/** This clone's replica name, from its own state. */
const replicaOf = (sandbox: LedgerSandbox, ledger = sandbox.ledger): string => JSON.parse(readFileSync(join(localDir(sandbox, ledger), 'replica.json'), 'utf8')).replica;
/** The path of this clone's own events file. */
const ownFile = (sandbox: LedgerSandbox, ledger = sandbox.ledger) => join(eventsDirOf(ledger), `${replicaOf(sandbox, ledger)}.jsonl`);
const lineHash = fnv;
/** Compact JSON with characters outside ASCII escaped: how playbook writes an event line. */
const asciiJson = (value: unknown) => JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const linesOf = (file: string) => readFileSync(file, 'utf8').split('\n').slice(0, -1);

/** Every file of the ledger and of this machine's state for it, with its bytes: what a refused command must not change. */
const everything = (sandbox: LedgerSandbox) => ({ ledger: sandbox.files(), state: filesUnder(sandbox.path('state')) });

/** Starts the CLI without waiting for it, with the sandbox's environment; resolves with its exit status. */
function runAsync(sandbox: LedgerSandbox, args: string[]): Promise<{ status: number | null; stderr: string }> {
  const env: Record<string, string> = { ...cleanEnv(), ...sandbox.env, PLAYBOOK_LEDGER: sandbox.ledger, PLAYBOOK_TZ: 'UTC', XDG_STATE_HOME: sandbox.path('state'), XDG_CACHE_HOME: sandbox.path('cache') };
  const child = spawn(process.execPath, [BIN, ...args], { cwd: sandbox.home, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
}

describe('where the ledger is: --ledger, PLAYBOOK_LEDGER, the nearest .playbook/, then XDG_DATA_HOME', () => {
  it('PLAYBOOK_LEDGER: init creates the pointer and its events folder there (files 0600, folders 0700), this clone\'s own state outside it, and the other commands read it', () => {
    const result = box.ok(['init', 'healthcare', 'pm', '--no-session']);
    expect(result.stderr).toMatch(/started cycle pm-2026-11-23 /);
    expect(result.stderr).toContain(` in ${box.ledger}`);
    const replica = replicaOf(box);
    expect(replica).toMatch(/^[0-9a-z]{16}$/);
    expect(Object.keys(box.files())).toEqual([`events/${replica}.jsonl`, 'ledger.json']);
    expect(box.files()['ledger.json']).toBe(POINTER);
    expect(mode(box.ledger)).toBe(0o600);
    expect(mode(box.ledgerDir)).toBe(0o700);
    expect(mode(eventsDirOf(box.ledger))).toBe(0o700);
    expect(mode(ownFile(box))).toBe(0o600);
    // This machine's own state: the replica's name and the cycle it works on, 0600 in a 0700 folder.
    const local = localDir(box);
    expect(readdirSync(local)).toEqual(['replica.json']);
    expect(mode(local)).toBe(0o700);
    expect(mode(join(local, 'replica.json'))).toBe(0o600);
    expect(JSON.parse(readFileSync(join(local, 'replica.json'), 'utf8'))).toMatchObject({ replica, current: box.read().events[0].id });
    expect(box.read().schemaVersion).toBe(2);
    expect(box.json(['status']).ledger).toBe(box.ledger);
    expect(existsSync(join(box.dataHome, 'playbook'))).toBe(false);
  });

  it('--ledger wins over PLAYBOOK_LEDGER; a ledger file not named ledger.json keeps its events in <name>.events/', () => {
    box.useLedger(seeds.bare);
    const other = box.path('elsewhere', 'team.json');
    box.ok(['--ledger', other, 'init', 'healthcare', 'cs', '--no-session']);
    const status = box.json(['--ledger', other, 'status']);
    expect(status).toMatchObject({ ledger: other, cycle: { id: 'cs-2026-11-23' } });
    expect(box.json(['status']).cycle.id).toBe('pm-2026-11-23');
    expect(readdirSync(box.path('elsewhere')).sort()).toEqual(['team.events', 'team.json']);
    expect(readFileSync(other, 'utf8')).toBe(POINTER);
    expect(readdirSync(box.path('elsewhere', 'team.events'))).toEqual([`${replicaOf(box, other)}.jsonl`]);
  });

  it('without either, the nearest .playbook/ledger.json from the current directory upward (init --local makes one)', () => {
    const project = box.path('repo');
    const deep = join(project, 'src', 'deep');
    mkdirSync(deep, { recursive: true });
    const env = { PLAYBOOK_LEDGER: undefined };
    box.ok(['init', 'healthcare', 'pm', '--no-session', '--local'], { cwd: project, env });
    const local = join(project, '.playbook', 'ledger.json');
    expect(mode(local)).toBe(0o600);
    expect(box.json(['status'], { cwd: deep, env }).ledger).toBe(local);
    box.ok(['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'], { cwd: deep, env });
    expect(readLedgerEvents(local).events.at(-1).data.id).toBe('D-1');
    expect(readdirSync(join(project, '.playbook', 'events'))).toHaveLength(1);
    // --local puts the ledger here even when PLAYBOOK_LEDGER names another one.
    const second = box.path('repo2');
    mkdirSync(second);
    box.ok(['init', 'healthcare', 'pm', '--no-session', '--local'], { cwd: second });
    expect(existsSync(join(second, '.playbook', 'ledger.json'))).toBe(true);
    expect(existsSync(box.ledger)).toBe(false);
  });

  it('with no project ledger, $XDG_DATA_HOME/playbook/ledger.json', () => {
    const env = { PLAYBOOK_LEDGER: undefined };
    box.ok(['init', 'healthcare', 'pm', '--no-session'], { env });
    const user = join(box.dataHome, 'playbook', 'ledger.json');
    expect(mode(user)).toBe(0o600);
    expect(readdirSync(join(box.dataHome, 'playbook', 'events'))).toHaveLength(1);
    expect(box.json(['status'], { env }).ledger).toBe(user);
  });
});

describe('no ledger yet', () => {
  const commands = [
    ['status'],
    ['decisions'],
    ['blockers'],
    ['risks'],
    ['metrics'],
    ['checklist'],
    ['log'],
    ['cycles'],
    ['undo'],
    ['use', 'pm-2026-11-23'],
    ['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'],
    ['blocker', 'add', 'Sandbox', '--owner', 'Sam'],
    ['metric', 'record', 'approval-cycle-time', '4'],
    ['checklist', 'done', '1'],
  ];
  it.each(commands.map((args) => [args.join(' '), args]))('`playbook %s` says there is none, names `playbook init`, exits 1 and creates nothing', (_name, args) => {
    const result = box.run(args);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`playbook: no ledger at ${box.ledger}\n`);
    expect(result.stderr).toMatch(/hint: start a cycle with `playbook init <industry> <role>`/);
    expect(isCleanFailure(result)).toBe(true);
    expect(existsSync(box.ledgerDir)).toBe(false);
    // Not even this machine's folder for the ledger.
    expect(existsSync(box.path('state'))).toBe(false);
  });
});

describe('a ledger it must not touch', () => {
  it('a ledger written by a newer version is refused with "upgrade", by readers and writers, and left as it was', () => {
    box.useLedger(seeds.bare);
    writeFileSync(box.ledger, '{"schemaVersion":3}\n');
    const before = everything(box);
    for (const args of [['status'], ['decisions', '--json'], ['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'], ['use', 'pm-2026-11-23']]) {
      const result = box.run(args);
      expect(result.status, args.join(' ')).toBe(1);
      expect(result.stderr).toBe('playbook: the ledger was written by a newer version of playbook (schema 3; this one reads up to 2); upgrade playbook to use it\n');
      expect(result.stdout).toBe('');
    }
    expect(everything(box)).toEqual(before);
    expect(Object.keys(before.ledger)).toEqual([expect.stringMatching(/^events\/[0-9a-z]{16}\.jsonl$/), 'ledger.json']);
    expect(before.state).toEqual({});
  });

  it('a ledger whose pointer, events or version-1 file does not parse is never written to: the command stops and names the damaged file', () => {
    const add = ['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'];
    // The pointer.
    box.useLedger(seeds.bare);
    box.ok(['blocker', 'add', 'Sandbox', '--owner', 'Sam']); // this clone has a file and a state of its own too
    writeFileSync(box.ledger, '{"schemaVers');
    let before = everything(box);
    let result = box.run(add);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^playbook: ${escape(box.ledger)}: ledger is damaged: not valid JSON.*\\nhint: run \`playbook doctor\``));
    expect(isCleanFailure(result)).toBe(true);
    expect(everything(box)).toEqual(before);

    // One line of this clone's own events file, in the middle.
    writeFileSync(box.ledger, POINTER);
    const own = ownFile(box);
    const lines = linesOf(own);
    writeFileSync(own, `${lines[0]!.slice(0, 40)}\n${lines.slice(1).join('\n')}\n`);
    before = everything(box);
    result = box.run(add);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^playbook: ${escape(own)}: ledger is damaged: line 1 is not valid JSON.*\\nhint: run \`playbook doctor\``));
    expect(isCleanFailure(result)).toBe(true);
    expect(everything(box)).toEqual(before);

    // A version-1 file cut short: it is not converted.
    const v1 = createLedgerSandbox();
    try {
      mkdirSync(v1.ledgerDir, { mode: 0o700 });
      const text = readFileSync(startCycle().write(v1.path('v1.json')), 'utf8');
      writeFileSync(v1.ledger, text.slice(0, 300), { mode: 0o600 });
      const v1Before = everything(v1);
      const cut = v1.run(add);
      expect(cut.status).toBe(1);
      expect(cut.stderr).toMatch(new RegExp(`^playbook: ${escape(v1.ledger)}: ledger is damaged: not valid JSON`));
      expect(everything(v1)).toEqual(v1Before);
      expect(Object.keys(v1Before.ledger)).toEqual(['ledger.json']);
      expect(v1Before.state).toEqual({});
    } finally {
      v1.cleanup();
    }
  });

  it('a ledger path or an events file that names a named pipe or a device is refused at once, by readers, writers and doctor, and nothing is written', () => {
    mkdirSync(box.ledgerDir, { recursive: true });
    const made = spawnSync('mkfifo', ['-m', '600', box.ledger], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    // Nothing writes to the pipe: a command that opened it the usual way would wait forever (the timeout
    // kills it). /dev/zero never ends: one that read it would fill its memory.
    const zero = join(box.ledgerDir, 'zero.json');
    symlinkSync('/dev/zero', zero);
    // A pipe among the events files of a good ledger (a teammate's "file" that is not one).
    const good = box.path('good', 'ledger.json');
    mkdirSync(dirname(good));
    writeFileSync(good, readFileSync(seeds.bare));
    mkdirSync(eventsDirOf(good));
    const pipe = join(eventsDirOf(good), 'pipe.jsonl');
    expect(spawnSync('mkfifo', ['-m', '600', pipe]).status).toBe(0);
    const cases: [string, string, string, string[]][] = [
      [box.ledger, box.ledger, 'a named pipe', ['blockers']],
      [box.ledger, box.ledger, 'a named pipe', ['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d']],
      // Named by what it really is: the link is followed.
      [zero, '/dev/zero', 'a device', ['status']],
      [zero, '/dev/zero', 'a device', ['blocker', 'add', 'Sandbox', '--owner', 'Sam']],
      [good, pipe, 'a named pipe', ['status']],
      [good, pipe, 'a named pipe', ['blocker', 'add', 'Sandbox', '--owner', 'Sam']],
    ];
    for (const [ledger, named, kind, args] of cases) {
      const result = box.run(args, { env: { PLAYBOOK_LEDGER: ledger }, timeout: 20_000 });
      expect(result.signal, `${args.join(' ')} finished on its own`).toBeNull();
      expect(isCleanFailure(result), result.stderr).toBe(true);
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(`playbook: ${named}: cannot read the ledger: it is ${kind}, not a file\nhint: check the ledger path: a ledger is a regular file\n`);
    }
    const doctor = box.run(['doctor'], { timeout: 20_000 });
    expect(doctor.status).toBe(1);
    expect(doctor.stdout).toMatch(/^FAIL ledger: .*it is a named pipe, not a file/m);
    // No advice about a file's permissions for what is not a file.
    expect(doctor.stdout).not.toMatch(/permissions/);
    // The pipe is still a pipe, and no events folder, lock or temporary file was left beside it.
    expect(readdirSync(box.ledgerDir).sort()).toEqual(['ledger.json', 'zero.json']);
    expect(lstatSync(box.ledger).isFIFO()).toBe(true);
    expect(readdirSync(eventsDirOf(good))).toEqual(['pipe.jsonl']);
    expect(readFileSync(good, 'utf8')).toBe(POINTER);
    // This machine's folders for the ledgers hold no lock, no replica file, nothing.
    expect(filesUnder(box.path('state'))).toEqual({});
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('events', () => {
  it('every change is an event: a unique id in increasing order, the time, who acted (--as, PLAYBOOK_ACTOR, else the OS user), the command, the cycle, and its place in this replica\'s chain', () => {
    box.useLedger(seeds.bare);
    const teammate = box.files();
    box.ok(['--as', 'Dana Scully', 'decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'], { env: { PLAYBOOK_ACTOR: 'Fox' } });
    box.ok(['risk', 'add', 'Stall', '--impact', 'high', '--cost', 'low', '--mitigation', 'Daily review', '--owner', 'Priya'], { env: { PLAYBOOK_ACTOR: 'Fox Mulder', PLAYBOOK_NOW: '2026-11-24T10:15:00Z' } });
    box.ok(['checklist', 'done', '2'], { env: { PLAYBOOK_ACTOR: undefined } });
    const events = box.read().events;
    const ids = events.map((e: { id: string }) => e.id);
    expect(ids).toHaveLength(4);
    for (const id of ids) expect(id).toMatch(EVENT_ID);
    expect(ids).toEqual([...new Set(ids)].sort());
    const cycle = events[0];
    expect(cycle).toMatchObject({ type: 'cycle.created', cycle: cycle.id });
    const replica = replicaOf(box);
    expect(events.slice(1).map(({ replica: r, seq, at, actor, command, cycle: c, type }: Record<string, unknown>) => ({ replica: r, seq, at, actor, command, cycle: c, type }))).toEqual([
      { replica, seq: 1, at: '2026-11-23T09:00:00.000Z', actor: 'Dana Scully', command: 'decision add', cycle: cycle.id, type: 'decision.added' },
      { replica, seq: 2, at: '2026-11-24T10:15:00.000Z', actor: 'Fox Mulder', command: 'risk add', cycle: cycle.id, type: 'risk.added' },
      { replica, seq: 3, at: '2026-11-23T09:00:00.000Z', actor: userInfo().username, command: 'checklist done', cycle: cycle.id, type: 'checklist.done' },
    ]);
    expect(events.at(-1).data).toEqual({ item: 'map-journey-states' });
    // The clock went back a day for the last change: its id still sorts after everything before it.
    expect(events.at(-1).id > events.at(-2).id).toBe(true);
    // This clone appended to a file of its own; the teammate's file (the seed's) is as it was.
    const lines = linesOf(ownFile(box));
    expect(lines.map((l) => JSON.parse(l).id)).toEqual(ids.slice(1));
    expect(JSON.parse(lines[0]!)).not.toHaveProperty('prev');
    expect(JSON.parse(lines[1]!).prev).toBe(lineHash(lines[0]!));
    expect(JSON.parse(lines[2]!).prev).toBe(lineHash(lines[1]!));
    for (const [name, bytes] of Object.entries(teammate)) expect(box.files()[name], name).toBe(bytes);
  });

  it('the events of one change are written together: every line but the last says how many follow', () => {
    // The full seed: `init --answers` with all six steps.
    const lines = linesOf(readdirSync(eventsDirOf(seeds.full)).map((name) => join(eventsDirOf(seeds.full), name))[0]!).map((l) => JSON.parse(l));
    const more = lines.map((e) => e.more as number | undefined);
    // Approving a decision with its build scope is one change of two events.
    expect(lines.filter((e) => e.more === 1).map((e) => [e.type, lines[lines.indexOf(e) + 1].type])).toContainEqual(['decision.approved', 'build-scope.added']);
    more.forEach((m, i) => {
      if (m !== undefined) expect(more[i + 1], `line ${i + 2}`).toBe(m === 1 ? undefined : m - 1);
    });
    expect(more.at(-1)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('writes keep the ledger safe', () => {
  it('a write only appends to this replica\'s own file: what was there stays byte for byte, the pointer and a teammate\'s file are untouched; no backup, lock or temp file is left', () => {
    box.useLedger(seeds.bare);
    box.ok(['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d']);
    const before = box.files();
    const own = `events/${replicaOf(box)}.jsonl`;
    box.ok(['blocker', 'add', 'Sandbox', '--owner', 'Sam']);
    const after = box.files();
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const name of Object.keys(before)) {
      if (name === own) {
        expect(after[name]!.startsWith(before[name]!)).toBe(true);
        expect(after[name]!.slice(before[name]!.length)).toMatch(/^\{"id":"[^\n]*"type":"blocker\.added"[^\n]*\}\n$/);
      } else {
        expect(after[name], name).toBe(before[name]);
      }
    }
    expect(after['ledger.json']).toBe(POINTER);
    for (const name of Object.keys(after)) expect(mode(join(box.ledgerDir, name)), name).toBe(0o600);
    expect(readdirSync(localDir(box))).toEqual(['replica.json']);
    expect(box.read().events).toHaveLength(3);
  });

  it('a change cut off by a crash is skipped on read (with a note) and cut off by the next write', () => {
    box.ok(['init', 'healthcare', 'pm', '--no-session']);
    box.ok(['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d']);
    const own = ownFile(box);
    const whole = readFileSync(own, 'utf8');
    const last = linesOf(own).at(-1)!;
    // The first event of a two-event change whose second line never made it to disk.
    const first = { ...JSON.parse(last), id: `${JSON.parse(last).id.slice(0, 25)}Z`, seq: 3, prev: lineHash(last), data: { id: 'D-2', title: 'Half written', owner: 'Priya', due: '2026-11-30', criteria: [] }, more: 1 };
    appendFileSync(own, `${asciiJson(first)}\n`);
    const read = box.ok(['decisions', '--json']);
    expect(JSON.parse(read.stdout).decisions.map((d: { id: string }) => d.id)).toEqual(['D-1']);
    expect(read.stderr).toMatch(/note: .*skipped 1 event of a change not yet complete/);
    // And a line cut in the middle.
    appendFileSync(own, '{"id":"01M8');
    expect(box.ok(['status']).stderr).toMatch(/note: .*skipped/);
    box.ok(['decision', 'add', 'Pick the pilot', '--owner', 'Ana', '--due', '+7d']);
    const text = readFileSync(own, 'utf8');
    expect(text.startsWith(whole)).toBe(true);
    const added = linesOf(own).slice(whole.split('\n').length - 1);
    expect(added.map((l) => JSON.parse(l).data.title)).toEqual(['Pick the pilot']);
    expect(JSON.parse(added[0]!)).toMatchObject({ seq: 3, prev: lineHash(last) });
    expect(box.json(['decisions']).decisions.map((d: { id: string }) => d.id)).toEqual(['D-1', 'D-2']);
    expect(box.ok(['status']).stderr).not.toMatch(/skipped/);
  });

  it('concurrent writes lose nothing: six decisions added at once get six distinct ids, one chain in this replica\'s file', async () => {
    box.useLedger(seeds.bare);
    const runs = Array.from({ length: 6 }, (_, i) => runAsync(box, ['decision', 'add', `Decision ${i}`, '--owner', 'Priya', '--due', '+7d']));
    const results = await Promise.all(runs);
    expect(results.map((r) => r.status), results.map((r) => r.stderr).join('')).toEqual([0, 0, 0, 0, 0, 0]);
    const decisions = box.json(['decisions']).decisions;
    expect(decisions.map((d: { id: string }) => d.id).sort()).toEqual(['D-1', 'D-2', 'D-3', 'D-4', 'D-5', 'D-6']);
    expect(decisions.map((d: { title: string }) => d.title).sort()).toEqual(['Decision 0', 'Decision 1', 'Decision 2', 'Decision 3', 'Decision 4', 'Decision 5']);
    const events = box.read().events;
    expect(new Set(events.map((e: { id: string }) => e.id)).size).toBe(7);
    const lines = linesOf(ownFile(box));
    expect(lines.map((l) => JSON.parse(l).seq)).toEqual([1, 2, 3, 4, 5, 6]);
    lines.slice(1).forEach((line, i) => expect(JSON.parse(line).prev).toBe(lineHash(lines[i]!)));
    expect(box.run(['doctor']).status).toBe(0);
  });

  it('a lock held by a live process makes a write wait, then fail naming the lock and its holder; a dead holder\'s lock is taken over', async () => {
    box.useLedger(seeds.bare);
    const local = localDir(box);
    mkdirSync(local, { recursive: true, mode: 0o700 });
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    const lock = join(local, 'ledger.lock');
    try {
      writeFileSync(lock, `${JSON.stringify({ pid: holder.pid, host: hostname(), at: '2026-11-23T08:59:00.000Z' })}\n`, { mode: 0o600 });
      const before = everything(box);
      const result = box.run(['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'], { env: { PLAYBOOK_LOCK_TIMEOUT_MS: '300' } });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`playbook: ${lock}: the ledger is locked by pid ${holder.pid} on ${hostname()} since 2026-11-23T08:59:00.000Z`);
      expect(isCleanFailure(result)).toBe(true);
      expect(everything(box)).toEqual(before);
    } finally {
      holder.kill('SIGKILL');
    }
    await new Promise((resolve) => holder.once('exit', resolve));
    // The holder is gone now: its lock is stale and the next write takes it over.
    box.ok(['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d']);
    expect(readdirSync(local)).toEqual(['replica.json']);
    expect(readdirSync(box.ledgerDir).sort()).toEqual(['events', 'ledger.json']);
    expect(box.json(['decisions']).decisions.map((d: { id: string }) => d.id)).toEqual(['D-1']);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('a ledger reached through a symbolic link', () => {
  it('writes go to the folder of the link\'s target, and the link stays a link', () => {
    // The team's folder, synced elsewhere; the project links to its ledger.
    const shared = box.path('shared', 'ledger.json');
    mkdirSync(dirname(shared), { mode: 0o700 });
    writeFileSync(shared, readFileSync(seeds.bare), { mode: 0o600 });
    const seedEvents = filesUnder(eventsDirOf(seeds.bare));
    for (const [name, bytes] of Object.entries(seedEvents)) {
      mkdirSync(eventsDirOf(shared), { recursive: true, mode: 0o700 });
      writeFileSync(join(eventsDirOf(shared), name), bytes, { encoding: 'latin1', mode: 0o600 });
    }
    mkdirSync(box.ledgerDir, { mode: 0o700 });
    symlinkSync('../shared/ledger.json', box.ledger);

    box.ok(['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d']);
    box.ok(['use', 'pm-2026-11-23']);
    expect(lstatSync(box.ledger).isSymbolicLink()).toBe(true);
    expect(readlinkSync(box.ledger)).toBe('../shared/ledger.json');
    expect(readdirSync(box.ledgerDir)).toEqual(['ledger.json']);
    expect(readFileSync(shared, 'utf8')).toBe(POINTER);
    // The events beside the target: the teammate's file as it was, and this clone's own.
    const own = join(eventsDirOf(shared), `${replicaOf(box, shared)}.jsonl`);
    expect(readdirSync(eventsDirOf(shared)).sort()).toEqual([...Object.keys(seedEvents), `${replicaOf(box, shared)}.jsonl`].sort());
    expect(linesOf(own).map((l) => JSON.parse(l).type)).toEqual(['decision.added']);
    // One ledger, one clone, whichever path names it: this machine's state is kept by the real path.
    expect(localDir(box)).toBe(localDir(box, shared));
    expect(box.json(['decisions'], { env: { PLAYBOOK_LEDGER: shared } }).decisions.map((d: { id: string }) => d.id)).toEqual(['D-1']);
    box.ok(['decision', 'add', 'Freeze', '--owner', 'Ben', '--due', '+3d'], { env: { PLAYBOOK_LEDGER: shared } });
    expect(linesOf(own).map((l) => JSON.parse(l).seq)).toEqual([1, 2]);
    const doctor = box.ok(['doctor']);
    expect(doctor.stdout).toMatch(new RegExp(`^ok   ledger link: ${escape(box.ledger)} is a symbolic link`, 'm'));
    expect(lstatSync(box.ledger).isSymbolicLink()).toBe(true);
  });

  it('a version-1 ledger reached through a link is converted in the target\'s folder; the link stays a link', () => {
    const shared = box.path('shared', 'ledger.json');
    mkdirSync(dirname(shared), { mode: 0o700 });
    const cycle = startCycle();
    const old = readFileSync(cycle.write(shared));
    mkdirSync(box.ledgerDir, { mode: 0o700 });
    symlinkSync(shared, box.ledger);
    box.ok(['blocker', 'add', 'Sandbox', '--owner', 'Sam']);
    expect(lstatSync(box.ledger).isSymbolicLink()).toBe(true);
    expect(readdirSync(box.ledgerDir)).toEqual(['ledger.json']);
    expect(readFileSync(shared, 'utf8')).toBe(POINTER);
    const names = readdirSync(eventsDirOf(shared));
    expect(names).toHaveLength(2);
    expect(names).toContain(`${replicaOf(box)}.jsonl`);
    expect(names).toContainEqual(expect.stringMatching(/^v1-[0-9a-f]{12}\.jsonl$/));
    expect(readFileSync(join(localDir(box, shared), 'ledger-v1.json'))).toEqual(old);
  });

  // A link whose target does not exist yet (a ledger to be started in a dotfiles folder) is followed too.
  it('init through a link whose target is not there yet creates the target, and the link stays a link', () => {
    const shared = box.path('shared', 'ledger.json');
    mkdirSync(dirname(shared), { mode: 0o700 });
    mkdirSync(box.ledgerDir, { mode: 0o700 });
    symlinkSync('../shared/ledger.json', box.ledger);
    box.ok(['init', 'healthcare', 'pm', '--no-session']);
    expect(lstatSync(box.ledger).isSymbolicLink()).toBe(true);
    expect(readdirSync(box.ledgerDir)).toEqual(['ledger.json']);
    expect(readFileSync(shared, 'utf8')).toBe(POINTER);
    expect(readdirSync(eventsDirOf(shared))).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('doctor --json lists every file the ledger uses', () => {
  const notesFile = () => box.path('cache', 'playbook', 'checked.json');

  /** Every file on disk that belongs to the ledger: its folder (pointer, events), this machine's folder for it, the notes. */
  const onDisk = (sandbox: LedgerSandbox) => [
    ...Object.keys(sandbox.files()).map((name) => join(sandbox.ledgerDir, name)),
    ...Object.keys(filesUnder(localDir(sandbox))).map((name) => join(localDir(sandbox), name)),
    ...(existsSync(notesFile()) ? [notesFile()] : []),
  ];

  it('the pointer, every replica\'s events file, this clone\'s replica.json and the checked-file notes', () => {
    box.useLedger(seeds.bare);
    box.ok(['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d']);
    const teammate = readdirSync(eventsDirOf(box.ledger)).find((name) => name !== `${replicaOf(box)}.jsonl`)!;
    const out = box.json(['doctor']);
    expect(out).toMatchObject({ ledger: box.ledger, healthy: true });
    expect([...out.files].sort()).toEqual(
      [box.ledger, join(eventsDirOf(box.ledger), teammate), ownFile(box), join(localDir(box), 'replica.json'), notesFile()].sort(),
    );
    expect([...out.files].sort()).toEqual(onDisk(box).sort());
  });

  it('a converted version-1 ledger: also the old file kept in this machine\'s folder', () => {
    mkdirSync(box.ledgerDir, { mode: 0o700 });
    startCycle().write(box.ledger);
    box.ok(['blocker', 'add', 'Sandbox', '--owner', 'Sam']);
    const out = box.json(['doctor']);
    expect(out.files).toContain(join(localDir(box), 'ledger-v1.json'));
    expect(out.files.filter((f: string) => f.startsWith(eventsDirOf(box.ledger)))).toHaveLength(2);
    expect([...out.files].sort()).toEqual(onDisk(box).sort());
    for (const file of out.files) expect(existsSync(file), file).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('an events file already checked is not checked again until it changes', () => {
  const notesFile = () => box.path('cache', 'playbook', 'checked.json');
  const notes = (): Record<string, { id: string; at: string; sha256?: string }> => JSON.parse(readFileSync(notesFile(), 'utf8')).files;
  const statOf = (path: string) => statSync(path, { bigint: true });
  const identityOf = (path: string) => {
    const s = statOf(path);
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  };
  /**
   * A note of the file as it is now, taken `afterMs` after its last change (modification or change
   * time), with the index of where its lines are that playbook noted before (`index`).
   */
  const noteTaken = (path: string, afterMs: number, index: unknown) => {
    const s = statOf(path);
    const changed = s.mtimeNs > s.ctimeNs ? s.mtimeNs : s.ctimeNs;
    return { id: identityOf(path), at: String(changed + BigInt(afterMs) * 1_000_000n), index };
  };
  /**
   * This clone's events file with one event broken in a way only the event check sees, keeping its
   * size (the lines stay where they were): a blocker due in month 13.
   */
  const breakOneEvent = () => {
    const own = ownFile(box);
    const lines = linesOf(own);
    const i = lines.findIndex((l) => JSON.parse(l).type === 'blocker.added');
    const event = JSON.parse(lines[i]!);
    event.data.due = `${event.data.due.slice(0, 5)}13${event.data.due.slice(7)}`;
    lines[i] = asciiJson(event);
    const before = statOf(own).size;
    writeFileSync(own, `${lines.join('\n')}\n`);
    expect(statOf(own).size).toBe(before);
    return i + 1;
  };

  beforeEach(() => {
    box.ok(['init', 'healthcare', 'pm', '--no-session']);
    box.ok(['blocker', 'add', 'Waiting on the BAA', '--owner', 'Dana Kim', '--fallback', 'use test data']);
  });

  it('a write notes the identity of the events file it wrote and when, in the cache directory, 0600', () => {
    const started = BigInt(Date.now() - 1) * 1_000_000n;
    box.ok(['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d']);
    const ended = BigInt(Date.now() + 1) * 1_000_000n;
    const own = ownFile(box);
    const note = notes()[own]!;
    expect(Object.keys(notes())).toEqual([own]);
    expect(note.id).toBe(identityOf(own));
    expect(BigInt(note.at) >= started && BigInt(note.at) <= ended, `${note.at} within the run`).toBe(true);
    expect(mode(notesFile())).toBe(0o600);
  });

  it('appending writes each event as one line of compact JSON with characters outside ASCII escaped; the lines before are never rewritten', () => {
    const before = readFileSync(ownFile(box), 'utf8');
    box.ok(['risk', 'add', 'Vendor slips — Müller', '--impact', 'high', '--cost', 'low', '--mitigation', 'second vendor', '--owner', 'Priya Raman']);
    const text = readFileSync(ownFile(box), 'utf8');
    expect(text.startsWith(before)).toBe(true);
    expect(/^[\x00-\x7f]*$/.test(text)).toBe(true);
    for (const line of linesOf(ownFile(box))) expect(line).toBe(asciiJson(JSON.parse(line)));
    expect(text).toContain('Vendor slips \\u2014 M\\u00fcller');
    expect(box.read().events.map((e) => e.type).slice(-2)).toEqual(['blocker.added', 'risk.added']);
    expect(box.read().events.at(-1).data.title).toBe('Vendor slips — Müller');
    expect(notes()[ownFile(box)]!.id).toBe(identityOf(ownFile(box)));
  });

  it('a changed file is checked in full: an edit that breaks one event is reported as damage, naming the file and line', () => {
    const line = breakOneEvent();
    const result = box.run(['blockers']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^playbook: ${escape(ownFile(box))}: ledger is damaged: line ${line} \\(data\\.due\\)`));
    expect(isCleanFailure(result)).toBe(true);
  });

  it('a note taken 2 s or more after the file last changed is trusted; one taken sooner ("racily clean") or of version 1 is not; doctor never trusts; any change ends the trust', () => {
    const own = ownFile(box);
    const { index } = notes()[own] as unknown as { index: unknown };
    breakOneEvent();
    const write = (files: Record<string, unknown>, version = NOTES_VERSION) => writeFileSync(notesFile(), JSON.stringify({ version, files }));
    // Noted within 2 s of the change: an edit in the same tick of a coarse clock would not show, so it is checked.
    write({ [own]: noteTaken(own, 1_900, index) });
    expect(box.run(['status']).status).toBe(1);
    // Notes of version 1 had no time: none is trusted. Nor are version 2's, whose indexes kept the
    // steps passed with each cycle's lines (file-index.ts), or version 3's, whose indexes had no
    // newest id of each cycle, even noted long after the change.
    write({ [own]: identityOf(own) }, 1);
    expect(box.run(['status']).status).toBe(1);
    for (const version of [2, 3]) {
      write({ [own]: noteTaken(own, 2_000, index) }, version);
      expect(box.run(['status']).status).toBe(1);
    }
    // Noted 2 s after the change, as if playbook had checked it then: the event check is skipped.
    write({ [own]: noteTaken(own, 2_000, index) });
    expect(box.run(['status']).status).toBe(0);
    const doctor = box.run(['doctor']);
    expect(doctor.status).toBe(1);
    expect(doctor.stdout + doctor.stderr).toMatch(/data\.due/);
    // Rewriting the same bytes changes the change time: the file is checked again and refused.
    writeFileSync(own, readFileSync(own));
    expect(box.run(['status']).status).toBe(1);
  });

  it('damaged or missing notes only mean a full check', () => {
    writeFileSync(notesFile(), `{"version":${NOTES_VERSION},"files":`);
    expect(box.run(['blockers']).status).toBe(0);
    expect(notes()[ownFile(box)]!.id).toBe(identityOf(ownFile(box)));
    breakOneEvent();
    writeFileSync(notesFile(), 'not json');
    expect(box.run(['blockers']).status).toBe(1);
    writeFileSync(notesFile(), JSON.stringify({ version: NOTES_VERSION, files: { [ownFile(box)]: { id: identityOf(ownFile(box)), at: 'later' } } }));
    expect(box.run(['blockers']).status).toBe(1);
  });
});

describe('a version-1 ledger', () => {
  it('written with characters outside ASCII (by an earlier version) is converted by the next write into ASCII lines, its events unchanged, the old bytes kept in this machine\'s folder', () => {
    mkdirSync(box.ledgerDir, { mode: 0o700 });
    const builder = startCycle({ ...SNAPSHOT, name: 'Zulassung — Prüfung' });
    const old = readFileSync(builder.write(box.ledger));
    expect(old.toString('utf8')).toContain('Zulassung — Prüfung');
    // Read as it is, and nothing is written by a read.
    expect(box.json(['cycles']).cycles.map((c: { name: string }) => c.name)).toEqual(['Zulassung — Prüfung']);
    expect(Object.keys(box.files())).toEqual(['ledger.json']);

    box.ok(['blocker', 'add', 'Übersetzung ✓', '--owner', 'Dana Kim']);
    const files = box.files();
    expect(files['ledger.json']).toBe(POINTER);
    const converted = Object.keys(files).find((name) => /^events\/v1-[0-9a-f]{12}\.jsonl$/.test(name))!;
    expect(Object.keys(files).sort()).toEqual([converted, `events/${replicaOf(box)}.jsonl`, 'ledger.json'].sort());
    for (const [name, bytes] of Object.entries(files)) {
      expect(/^[\x00-\x7f]*$/.test(bytes), name).toBe(true);
      for (const line of bytes.split('\n').slice(0, -1)) expect(line).toBe(asciiJson(JSON.parse(line)));
    }
    expect(linesOf(join(box.ledgerDir, converted)).map((l) => JSON.parse(l))).toStrictEqual(builder.events);
    const kept = join(localDir(box), 'ledger-v1.json');
    expect(readFileSync(kept)).toEqual(old);
    expect(mode(kept)).toBe(0o600);
    expect(box.json(['blockers']).blockers.map((b: { title: string }) => b.title)).toContain('Übersetzung ✓');
    expect(box.json(['cycles']).cycles.map((c: { name: string }) => c.name)).toEqual(['Zulassung — Prüfung']);
  });
});
