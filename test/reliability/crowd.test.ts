// QUALITY.md, "Never lose or corrupt the ledger": concurrent commands do not lose updates. One exclusive
// lock file around read-modify-write; a bounded wait, then a clear error naming the lock and its
// holder; a lock whose process is dead is taken over. All of it against the built CLI.
//
// To hold the lock with a real CLI for as long as a test needs, the ledger is made large enough that
// a command spends a while inside the lock, and the command is stopped there (SIGSTOP) once the lock
// names it; SIGCONT lets it finish.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLedger } from '../../src/ledger/events.js';
import { backupPath, ledgerText, lockPath } from '../../src/ledger/store.js';
import { BIN, cleanEnv, hasStackTrace } from '../helpers/cli.js';
import { createLedgerSandbox, makeSeeds, type LedgerSandbox, type Seeds } from '../helpers/ledger.js';
import { recordFigures } from '../helpers/reliability.js';

const PROCESSES = 16;
const WRITES_EACH = 13;
const METRIC = 'approval-cycle-time';

const figures = { processes: PROCESSES, writesEach: WRITES_EACH, writes: 0, eventsFound: 0, lost: 0, duplicated: 0, lockTimeoutsNamingHolder: 0, waitedThenWrote: 0, deadLocksTakenOver: 0 };

let seeds: Seeds;
let box: LedgerSandbox;

beforeAll(() => {
  seeds = makeSeeds(['bare']);
  box = createLedgerSandbox('playbook-crowd-');
});

afterAll(() => {
  box?.cleanup();
  seeds?.cleanup();
  recordFigures('crowd', figures);
});

function envFor(ledger: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...cleanEnv(), ...box.env, PLAYBOOK_LEDGER: ledger, PLAYBOOK_TZ: 'UTC', ...extra };
}

interface Finished {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function start(command: string, args: string[], env: Record<string, string>, timeoutMs = 120_000) {
  const started = performance.now();
  const child = spawn(command, args, { cwd: box.home, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs); // a hang guard, far above any real wait
  const done = new Promise<Finished>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status, signal) => {
      clearTimeout(guard);
      resolve({ status, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
  return { child, done };
}

function cli(args: string[], env: Record<string, string>, timeoutMs?: number) {
  return start(process.execPath, [BIN, ...args], env, timeoutMs);
}

function readEvents(ledger: string): { id: number; type: string; data: Record<string, unknown> }[] {
  return parseLedger(JSON.parse(ledgerText(readFileSync(ledger)))).events as never;
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Readings added to the seed ledger by heavyLedger: about 7 MB, a few hundred milliseconds inside the lock. */
const HEAVY_READINGS = 40_000;

/**
 * A ledger directory whose ledger holds the seed's cycle and HEAVY_READINGS metric readings: a write
 * reads, checks and writes it all inside the lock, so a test sees the lock held, and stops the command there.
 */
function heavyLedger(name: string): { dir: string; ledger: string; events: number } {
  const dir = box.path(name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ledger = join(dir, 'ledger.json');
  const data = JSON.parse(readFileSync(seeds.bare, 'utf8')) as { events: { id: number; at: string; cycle?: string }[] };
  const created = data.events[0]!;
  for (let i = 1; i <= HEAVY_READINGS; i++) {
    data.events.push({ id: data.events.length + 1, at: created.at, actor: 'Priya', command: 'metric record', cycle: created.cycle, type: 'metric.recorded', data: { metric: METRIC, value: i, at: created.at } } as never);
  }
  writeFileSync(ledger, `${JSON.stringify(data)}\n`, { mode: 0o600 });
  return { dir, ledger, events: data.events.length };
}

/**
 * Waits until the lock names the command, then stops it (SIGSTOP): it keeps holding the lock, its
 * change not yet written, until the returned function continues it (SIGCONT).
 */
async function stopInsideLock(run: ReturnType<typeof cli>, ledger: string, events: number): Promise<() => void> {
  const exited = () => run.child.exitCode !== null || run.child.signalCode !== null;
  await until(() => exited() || lockHolder(ledger)?.pid === run.child.pid, 'the command holds the lock');
  run.child.kill('SIGSTOP');
  expect(exited(), 'the command was still running when it was stopped').toBe(false);
  expect(lockHolder(ledger)?.pid, 'stopped while holding the lock').toBe(run.child.pid);
  expect(readEvents(ledger).length, 'stopped before writing its change').toBe(events);
  return () => run.child.kill('SIGCONT');
}

/** The holder a lock file names. */
function lockHolder(ledger: string): { pid: number; host: string; at: string; command?: string } | undefined {
  try {
    return JSON.parse(readFileSync(lockPath(ledger), 'utf8'));
  } catch {
    return undefined;
  }
}

describe('a crowd of writers', () => {
  it(`${PROCESSES} processes each running \`metric record\` ${WRITES_EACH} times at once: all ${PROCESSES * WRITES_EACH} readings are there, once each, in each process's order`, async () => {
    const dir = box.path('crowd');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const ledger = join(dir, 'ledger.json');
    copyFileSync(seeds.bare, ledger);
    const before = readEvents(ledger).length;
    const env = envFor(ledger, { PLAYBOOK_LOCK_TIMEOUT_MS: '120000' });
    // Each process is a shell loop of CLI runs, so that 16 CLIs are writing at any moment.
    const script = `for i in $(seq 1 ${WRITES_EACH}); do "$0" "$1" metric record ${METRIC} "$(( $2 * 1000 + i ))" >/dev/null || exit 1; done`;
    const runs = Array.from({ length: PROCESSES }, (_, p) => start('sh', ['-c', script, process.execPath, BIN, String(p + 1)], env, 300_000).done);
    const results = await Promise.all(runs);
    for (const r of results) expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });

    const events = readEvents(ledger);
    expect(events.map((e) => e.id), 'event ids: unique and consecutive').toEqual(events.map((_, i) => i + 1));
    const values = events.filter((e) => e.type === 'metric.recorded').map((e) => e.data.value as number);
    figures.writes = PROCESSES * WRITES_EACH;
    figures.eventsFound = values.length;
    const expected = Array.from({ length: PROCESSES }, (_, p) => Array.from({ length: WRITES_EACH }, (_, i) => (p + 1) * 1000 + i + 1)).flat();
    figures.lost = expected.filter((v) => !values.includes(v)).length;
    figures.duplicated = values.length - new Set(values).size;
    expect(events.length).toBe(before + PROCESSES * WRITES_EACH);
    expect([...values].sort((a, b) => a - b)).toEqual(expected);
    for (let p = 1; p <= PROCESSES; p++) {
      const mine = values.filter((v) => Math.floor(v / 1000) === p);
      expect(mine, `process ${p}'s readings in the order it made them`).toEqual([...mine].sort((a, b) => a - b));
    }
    // Nothing is left behind: no lock, no temporary file; the backup is the generation before the last.
    expect(readdirSync(dir).sort()).toEqual(['ledger.json', 'ledger.json.bak']);
    expect(readEvents(backupPath(ledger)).length).toBe(events.length - 1);
  }, 600_000);
});

describe('the lock, held by a real CLI', () => {
  it('a live holder makes another command wait, then fail naming the lock and its holder; the holder finishes its change', async () => {
    const { ledger, events: before } = heavyLedger('live');
    const holder = cli(['blocker', 'add', 'Held the lock', '--owner', 'Sam'], envFor(ledger));
    const go = await stopInsideLock(holder, ledger, before);
    const held = lockHolder(ledger)!;
    expect(held).toMatchObject({ pid: holder.child.pid, host: hostname(), command: 'blocker add Held the lock --owner Sam' });
    expect(new Date(held.at).toISOString(), 'the lock says since when').toBe(held.at);
    expect((statSync(lockPath(ledger)).mode & 0o777).toString(8), 'the lock, while held, is 0600').toBe('600');

    const waiter = await cli(['metric', 'record', METRIC, '5'], envFor(ledger, { PLAYBOOK_LOCK_TIMEOUT_MS: '700' })).done;
    expect(waiter.status).toBe(1);
    expect(waiter.ms, 'it waited for the lock before giving up').toBeGreaterThanOrEqual(650);
    expect(waiter.stdout).toBe('');
    expect(hasStackTrace(waiter.stderr)).toBe(false);
    expect(waiter.stderr).toBe(
      `playbook: ${lockPath(ledger)}: the ledger is locked by pid ${holder.child.pid} on ${hostname()} since ${held.at}\n` +
        'hint: wait for that command to finish, or remove the lock file if that process is gone\n',
    );
    figures.lockTimeoutsNamingHolder += 1;

    go();
    const first = await holder.done;
    expect(first.status, first.stderr).toBe(0);
    const events = readEvents(ledger);
    // The holder's one event, and nothing from the command that gave up.
    expect(events.slice(before).map((e) => [e.type, e.data.title])).toEqual([['blocker.added', 'Held the lock']]);
    expect(existsSync(lockPath(ledger))).toBe(false);
  }, 180_000);

  it('a command that waits long enough goes through once the holder is done, after it', async () => {
    const { ledger, events: before } = heavyLedger('wait');
    const holder = cli(['decision', 'add', 'First', '--owner', 'Priya', '--due', '+7d'], envFor(ledger));
    const go = await stopInsideLock(holder, ledger, before);
    const waiter = cli(['decision', 'add', 'Second', '--owner', 'Priya', '--due', '+7d'], envFor(ledger, { PLAYBOOK_LOCK_TIMEOUT_MS: '60000' }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(waiter.child.exitCode, 'the second command is still waiting').toBeNull();
    expect(lockHolder(ledger)?.pid, 'and the first still holds the lock').toBe(holder.child.pid);
    go();
    const [first, second] = await Promise.all([holder.done, waiter.done]);
    expect(first.status, first.stderr).toBe(0);
    expect(second.status, second.stderr).toBe(0);
    const decisions = readEvents(ledger).slice(before).map((e) => [e.type, e.data.id, e.data.title]);
    expect(decisions).toEqual([
      ['decision.added', 'D-1', 'First'],
      ['decision.added', 'D-2', 'Second'],
    ]);
    figures.waitedThenWrote += 1;
  }, 180_000);

  it('a lock left by a CLI killed while holding it is taken over by the next command', async () => {
    const { ledger, events: before } = heavyLedger('dead');
    const victim = cli(['blocker', 'add', 'Never written', '--owner', 'Sam'], envFor(ledger));
    await stopInsideLock(victim, ledger, before);
    victim.child.kill('SIGKILL');
    expect((await victim.done).signal).toBe('SIGKILL');
    expect(lockHolder(ledger)?.pid, 'the dead process still names itself in the lock').toBe(victim.child.pid);

    const next = await cli(['blocker', 'add', 'Taken over', '--owner', 'Sam'], envFor(ledger, { PLAYBOOK_LOCK_TIMEOUT_MS: '30000' })).done;
    expect(next.status, next.stderr).toBe(0);
    const titles = readEvents(ledger).slice(before).map((e) => e.data.title);
    expect(titles).toEqual(['Taken over']);
    expect(existsSync(lockPath(ledger))).toBe(false);
    expect(existsSync(`${lockPath(ledger)}.break`)).toBe(false);
    figures.deadLocksTakenOver += 1;
  }, 180_000);

  it('a lock naming a dead pid (from a crash long ago) is taken over by every kind of write', async () => {
    const dir = box.path('dead-pid');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const ledger = join(dir, 'ledger.json');
    copyFileSync(seeds.bare, ledger);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    for (const args of [
      ['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'],
      ['metric', 'record', METRIC, '4'],
      ['undo'],
      ['use', 'pm-2026-11-23'],
    ]) {
      writeFileSync(lockPath(ledger), `${JSON.stringify({ pid: dead, host: hostname(), at: '2026-01-01T00:00:00.000Z', command: 'crashed' })}\n`, { mode: 0o600 });
      const result = await cli(args, envFor(ledger, { PLAYBOOK_LOCK_TIMEOUT_MS: '30000' })).done;
      expect(result.status, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(existsSync(lockPath(ledger)), args.join(' ')).toBe(false);
      figures.deadLocksTakenOver += 1;
    }
  }, 180_000);
});
