// The ledger file end to end, against the built binary: where it is found (--ledger, PLAYBOOK_LEDGER,
// the nearest .playbook/, XDG_DATA_HOME), what happens without one or with one this version must not
// touch, the event every change records, and how writes keep the file safe (backup, modes, lock).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { BIN, cleanEnv } from '../helpers/cli.js';
import { createLedgerSandbox, isCleanFailure, makeSeeds, type LedgerSandbox, type Seeds } from '../helpers/ledger.js';

let seeds: Seeds;
let box: LedgerSandbox;

beforeAll(() => {
  seeds = makeSeeds(['bare']);
});
afterAll(() => seeds?.cleanup());
beforeEach(() => {
  box = createLedgerSandbox();
});
afterEach(() => box.cleanup());

const mode = (path: string) => statSync(path).mode & 0o777;

/** Starts the CLI without waiting for it, with the sandbox's environment; resolves with its exit status. */
function runAsync(sandbox: LedgerSandbox, args: string[]): Promise<{ status: number | null; stderr: string }> {
  const env: Record<string, string> = { ...cleanEnv(), ...sandbox.env, PLAYBOOK_LEDGER: sandbox.ledger, PLAYBOOK_TZ: 'UTC' };
  const child = spawn(process.execPath, [BIN, ...args], { cwd: sandbox.home, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
}

describe('where the ledger is: --ledger, PLAYBOOK_LEDGER, the nearest .playbook/, then XDG_DATA_HOME', () => {
  it('PLAYBOOK_LEDGER: init creates the ledger there, 0600 in a 0700 directory, and the other commands read it', () => {
    const result = box.ok(['init', 'healthcare', 'pm', '--no-session']);
    expect(result.stderr).toMatch(/started cycle pm-2026-11-23 /);
    expect(result.stderr).toContain(` in ${box.ledger}`);
    expect(mode(box.ledger)).toBe(0o600);
    expect(mode(box.ledgerDir)).toBe(0o700);
    expect(box.read().schemaVersion).toBe(1);
    expect(box.json(['status']).ledger).toBe(box.ledger);
    expect(existsSync(join(box.dataHome, 'playbook'))).toBe(false);
  });

  it('--ledger wins over PLAYBOOK_LEDGER', () => {
    box.useLedger(seeds.bare);
    const other = box.path('elsewhere', 'team.json');
    box.ok(['--ledger', other, 'init', 'healthcare', 'cs', '--no-session']);
    const status = box.json(['--ledger', other, 'status']);
    expect(status).toMatchObject({ ledger: other, cycle: { id: 'cs-2026-11-23' } });
    expect(box.json(['status']).cycle.id).toBe('pm-2026-11-23');
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
    expect(JSON.parse(readFileSync(local, 'utf8')).events.at(-1).data.id).toBe('D-1');
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
  });
});

describe('a ledger it must not touch', () => {
  it('a ledger written by a newer version is refused with "upgrade", by readers and writers, and left as it was', () => {
    mkdirSync(box.ledgerDir, { recursive: true });
    const text = readFileSync(seeds.bare, 'utf8').replace('{"schemaVersion":1,', '{"schemaVersion":2,');
    writeFileSync(box.ledger, text, { mode: 0o600 });
    const before = box.files();
    for (const args of [['status'], ['decisions', '--json'], ['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d']]) {
      const result = box.run(args);
      expect(result.status, args.join(' ')).toBe(1);
      expect(result.stderr).toMatch(/playbook: the ledger was written by a newer version of playbook \(schema 2; this one reads up to 1\); upgrade playbook to use it/);
      expect(result.stdout).toBe('');
    }
    expect(box.files()).toEqual(before);
    expect(Object.keys(before)).toEqual(['ledger.json']);
  });

  it('a ledger that does not parse is never overwritten: the command stops and names the damage', () => {
    mkdirSync(box.ledgerDir, { recursive: true });
    const text = readFileSync(seeds.bare, 'utf8').slice(0, 300);
    writeFileSync(box.ledger, text, { mode: 0o600 });
    const before = box.files();
    const result = box.run(['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`playbook: ${box.ledger.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ledger is damaged: not valid JSON`));
    expect(result.stderr).toMatch(/hint: run `playbook doctor`/);
    expect(box.files()).toEqual(before);
    expect(Object.keys(before)).toEqual(['ledger.json']);
  });

  it('a ledger path that names a named pipe or a device is refused at once, by readers, writers and doctor, and nothing is written', () => {
    mkdirSync(box.ledgerDir, { recursive: true });
    const made = spawnSync('mkfifo', ['-m', '600', box.ledger], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    // Nothing writes to the pipe: a command that opened it the usual way would wait forever (the timeout
    // kills it). /dev/zero never ends: one that read it would fill its memory.
    const zero = join(box.ledgerDir, 'zero.json');
    symlinkSync('/dev/zero', zero);
    const cases: [string, string, string[]][] = [
      [box.ledger, 'a named pipe', ['blockers']],
      [box.ledger, 'a named pipe', ['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d']],
      [zero, 'a device', ['status']],
      [zero, 'a device', ['blocker', 'add', 'Sandbox', '--owner', 'Sam']],
    ];
    for (const [ledger, kind, args] of cases) {
      const result = box.run(args, { env: { PLAYBOOK_LEDGER: ledger }, timeout: 20_000 });
      expect(result.signal, `${args.join(' ')} finished on its own`).toBeNull();
      expect(isCleanFailure(result), result.stderr).toBe(true);
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(`playbook: ${ledger}: cannot read the ledger: it is ${kind}, not a file\nhint: check the ledger path: a ledger is a regular file\n`);
    }
    const doctor = box.run(['doctor'], { timeout: 20_000 });
    expect(doctor.status).toBe(1);
    expect(doctor.stdout).toMatch(/^FAIL ledger: .* cannot read it \(it is a named pipe, not a file\)$/m);
    // No advice about a file's permissions for what is not a file.
    expect(doctor.stdout).not.toMatch(/permissions/);
    // The pipe is still a pipe, and no lock, backup or temporary file was left beside it.
    expect(readdirSync(box.ledgerDir).sort()).toEqual(['ledger.json', 'zero.json']);
    expect(lstatSync(box.ledger).isFIFO()).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('events', () => {
  it('every change is an event: unique increasing id, the time, who acted (--as, PLAYBOOK_ACTOR, else the OS user) and the command', () => {
    box.useLedger(seeds.bare);
    box.ok(['--as', 'Dana Scully', 'decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'], { env: { PLAYBOOK_ACTOR: 'Fox' } });
    box.ok(['risk', 'add', 'Stall', '--impact', 'high', '--cost', 'low', '--mitigation', 'Daily review', '--owner', 'Priya'], { env: { PLAYBOOK_ACTOR: 'Fox Mulder', PLAYBOOK_NOW: '2026-11-24T10:15:00Z' } });
    box.ok(['checklist', 'done', '2'], { env: { PLAYBOOK_ACTOR: undefined } });
    const events = box.read().events;
    const ids = events.map((e: { id: number }) => e.id);
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
    expect(events.slice(-3).map(({ id, at, actor, command, cycle, type }: Record<string, unknown>) => ({ id, at, actor, command, cycle, type }))).toEqual([
      { id: 2, at: '2026-11-23T09:00:00.000Z', actor: 'Dana Scully', command: 'decision add', cycle: 'pm-2026-11-23', type: 'decision.added' },
      { id: 3, at: '2026-11-24T10:15:00.000Z', actor: 'Fox Mulder', command: 'risk add', cycle: 'pm-2026-11-23', type: 'risk.added' },
      { id: 4, at: '2026-11-23T09:00:00.000Z', actor: userInfo().username, command: 'checklist done', cycle: 'pm-2026-11-23', type: 'checklist.done' },
    ]);
    expect(events.at(-1).data).toEqual({ item: 'map-journey-states' });
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('writes keep the ledger safe', () => {
  it('a write keeps the previous generation as .bak; ledger and backup are 0600; no lock or temp file is left', () => {
    box.useLedger(seeds.bare);
    const before = readFileSync(box.ledger, 'utf8');
    box.ok(['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d']);
    expect(readdirSync(box.ledgerDir).sort()).toEqual(['ledger.json', 'ledger.json.bak']);
    expect(readFileSync(`${box.ledger}.bak`, 'utf8')).toBe(before);
    expect(mode(box.ledger)).toBe(0o600);
    expect(mode(`${box.ledger}.bak`)).toBe(0o600);
    expect(box.read().events).toHaveLength(2);
  });

  it('concurrent writes lose nothing: six decisions added at once get six distinct ids', async () => {
    box.useLedger(seeds.bare);
    const runs = Array.from({ length: 6 }, (_, i) =>
      runAsync(box, ['decision', 'add', `Decision ${i}`, '--owner', 'Priya', '--due', '+7d']),
    );
    const results = await Promise.all(runs);
    expect(results.map((r) => r.status)).toEqual([0, 0, 0, 0, 0, 0]);
    const decisions = box.json(['decisions']).decisions;
    expect(decisions.map((d: { id: string }) => d.id).sort()).toEqual(['D-1', 'D-2', 'D-3', 'D-4', 'D-5', 'D-6']);
    expect(decisions.map((d: { title: string }) => d.title).sort()).toEqual(['Decision 0', 'Decision 1', 'Decision 2', 'Decision 3', 'Decision 4', 'Decision 5']);
    expect(box.read().events.map((e: { id: number }) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('a lock held by a live process makes a write wait, then fail naming the lock and its holder; a dead holder\'s lock is taken over', async () => {
    box.useLedger(seeds.bare);
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const lock = `${box.ledger}.lock`;
      writeFileSync(lock, `${JSON.stringify({ pid: holder.pid, host: hostname(), at: '2026-11-23T08:59:00.000Z' })}\n`, { mode: 0o600 });
      const before = readFileSync(box.ledger, 'utf8');
      const result = box.run(['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'], { env: { PLAYBOOK_LOCK_TIMEOUT_MS: '300' } });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`playbook: ${lock}: the ledger is locked by pid ${holder.pid} on ${hostname()} since 2026-11-23T08:59:00.000Z`);
      expect(readFileSync(box.ledger, 'utf8')).toBe(before);
      expect(existsSync(lock)).toBe(true);
    } finally {
      holder.kill('SIGKILL');
    }
    await new Promise((resolve) => holder.once('exit', resolve));
    // The holder is gone now: its lock is stale and the next write takes it over.
    box.ok(['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d']);
    expect(readdirSync(box.ledgerDir).sort()).toEqual(['ledger.json', 'ledger.json.bak']);
  });
});

describe('a ledger already checked is not checked again until it changes', () => {
  const notesFile = () => box.path('cache', 'playbook', 'checked.json');
  const notes = (): Record<string, string> => JSON.parse(readFileSync(notesFile(), 'utf8')).files;
  const identityOf = (path: string) => {
    const s = statSync(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  };
  /** The ledger with one event broken in a way only the event check sees: a title over 200 characters. */
  const breakOneEvent = () => {
    const ledger = box.read();
    const added = ledger.events.find((e) => e.type === 'blocker.added');
    added.data.title = 'x'.repeat(201);
    writeFileSync(box.ledger, `${JSON.stringify(ledger)}\n`);
  };

  beforeEach(() => {
    box.ok(['init', 'healthcare', 'pm', '--no-session']);
    box.ok(['blocker', 'add', 'Waiting on the BAA', '--owner', 'Dana Kim', '--fallback', 'use test data']);
  });

  it('a write notes the identity of the file it wrote, in the cache directory, 0600', () => {
    expect(notes()).toEqual({ [box.ledger]: identityOf(box.ledger) });
    expect(mode(notesFile())).toBe(0o600);
  });

  /** Compact JSON with characters outside ASCII escaped: how playbook writes a ledger. */
  const asciiJson = (value: unknown) => JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

  it('appending to a noted file writes the same compact JSON a full serialisation would', () => {
    box.ok(['risk', 'add', 'Vendor slips — Müller', '--impact', 'high', '--cost', 'low', '--mitigation', 'second vendor', '--owner', 'Priya Raman']);
    const text = readFileSync(box.ledger, 'utf8');
    expect(text).toBe(`${asciiJson(JSON.parse(text))}\n`);
    expect(box.read().events.map((e) => e.type).slice(-2)).toEqual(['blocker.added', 'risk.added']);
    expect(box.read().events.at(-1).data.title).toBe('Vendor slips — Müller');
    expect(notes()).toEqual({ [box.ledger]: identityOf(box.ledger) });
  });

  it('a noted file written with characters outside ASCII (by an earlier version) is written again in full, as ASCII, by the next write', () => {
    const before = box.read();
    before.events[0].data.cycle.name = 'Zulassung — Prüfung';
    writeFileSync(box.ledger, `${JSON.stringify(before)}\n`);
    expect(readFileSync(box.ledger, 'utf8')).toContain('Zulassung — Prüfung');
    writeFileSync(notesFile(), JSON.stringify({ version: 1, files: { [box.ledger]: identityOf(box.ledger) } }));
    box.ok(['blocker', 'add', 'Übersetzung ✓', '--owner', 'Dana Kim']);
    const text = readFileSync(box.ledger, 'utf8');
    expect(/^[\x00-\x7f]*$/.test(text)).toBe(true);
    expect(text).toBe(`${asciiJson(JSON.parse(text))}\n`);
    expect(JSON.parse(text).events.slice(0, -1)).toStrictEqual(before.events);
    const listed = JSON.parse(box.ok(['blockers', '--json']).stdout).blockers.map((b: { title: string }) => b.title);
    expect(listed).toContain('Übersetzung ✓');
  });

  it('a changed file is checked in full: an edit that breaks one event is reported as damage', () => {
    breakOneEvent();
    const result = box.run(['blockers']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/ledger is damaged.*event \d+ \(data\.title\)/);
    expect(isCleanFailure(result)).toBe(true);
  });

  it('a file whose identity is noted is trusted; doctor never trusts, and any change ends the trust', () => {
    breakOneEvent();
    // Note the broken file as checked, as if playbook had written it: the event check is skipped.
    writeFileSync(notesFile(), JSON.stringify({ version: 1, files: { [box.ledger]: identityOf(box.ledger) } }));
    expect(box.run(['status']).status).toBe(0);
    const doctor = box.run(['doctor']);
    expect(doctor.status).toBe(1);
    expect(doctor.stdout + doctor.stderr).toMatch(/data\.title/);
    // Rewriting the same bytes changes the change time: the file is checked again and refused.
    writeFileSync(box.ledger, readFileSync(box.ledger));
    expect(box.run(['status']).status).toBe(1);
  });

  it('damaged or missing notes only mean a full check', () => {
    writeFileSync(notesFile(), '{"version":1,"files":');
    expect(box.run(['blockers']).status).toBe(0);
    expect(notes()).toEqual({ [box.ledger]: identityOf(box.ledger) });
    breakOneEvent();
    writeFileSync(notesFile(), 'not json');
    expect(box.run(['blockers']).status).toBe(1);
  });
});
