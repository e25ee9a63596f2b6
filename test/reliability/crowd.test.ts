// QUALITY.md, "Never lose or corrupt the ledger": concurrent commands do not lose updates. Each replica
// (one clone, one machine) appends only to its own events file, under one exclusive lock file of its
// own; a bounded wait, then a clear error naming the lock and its holder; a lock whose process is dead
// is taken over. Two replicas of one folder never wait for each other, and whatever they write at the
// same moment is all there, each record under a short id no other record shows. All of it against the
// built CLI.
//
// To hold the lock with a real CLI for as long as a test needs, the ledger is made large enough that
// a command spends a while inside the lock, and the command is stopped there (SIGSTOP) once the lock
// names it; SIGCONT lets it finish.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertV1 } from '../../src/ledger/convert.js';
import { asciiJson } from '../../src/ledger/json.js';
import { POINTER, readLocal } from '../../src/ledger/replicas.js';
import { baseId, deriveState, type Cycle } from '../../src/ledger/state.js';
import { BIN, cleanEnv, hasStackTrace } from '../helpers/cli.js';
import { createLedgerSandbox, eventsDirOf, makeSeeds, type LedgerSandbox, type Seeds } from '../helpers/ledger.js';
import { chainProblems, copyLedger, layoutFor, lockFileOf, readStore, recordFigures } from '../helpers/reliability.js';

const PROCESSES = 16;
const WRITES_EACH = 13;
/** Two clones of one folder: processes per clone, and writes per process. */
const TEAM_PROCESSES = 4;
const TEAM_WRITES_EACH = 8;
const METRIC = 'approval-cycle-time';

const figures = {
  processes: PROCESSES,
  writesEach: WRITES_EACH,
  writes: 0,
  eventsFound: 0,
  lost: 0,
  duplicated: 0,
  shortIdsGiven: 0,
  shortIdsRepeated: 0,
  teamReplicas: 2,
  teamWrites: 0,
  teamFound: 0,
  teamLost: 0,
  teamShortIdsClaimedByBoth: 0,
  teamDisplayedIdsRepeated: 0,
  lockTimeoutsNamingHolder: 0,
  waitedThenWrote: 0,
  deadLocksTakenOver: 0,
};

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

/** The environment of one clone: `state` is its own $XDG_STATE_HOME (its replica name, lock and current cycle). */
function envFor(ledger: string, extra: Record<string, string> = {}, state = 'state'): Record<string, string> {
  return { ...cleanEnv(), ...box.env, XDG_STATE_HOME: box.path(state), XDG_CACHE_HOME: box.path(`${state}-cache`), PLAYBOOK_LEDGER: ledger, PLAYBOOK_TZ: 'UTC', ...extra };
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

type Event = { id: string; replica: string; seq: number; type: string; data: Record<string, unknown> };

/** Every event of the ledger as the CLI reads it (a damaged ledger throws). */
function readEvents(ledger: string): Event[] {
  return readStore(ledger).events;
}

/** The one cycle of the seed ledger, derived from the files. */
function theCycle(ledger: string): Cycle {
  const state = deriveState(readStore(ledger).events, { all: true });
  expect(state.cycles.size).toBe(1);
  return [...state.cycles.values()][0]!;
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function freshLedger(name: string): string {
  const ledger = join(box.path(name), 'ledger.json');
  copyLedger(seeds.bare, ledger);
  return ledger;
}

/** Readings added to the seed ledger by heavyLedger: several megabytes, a few hundred milliseconds inside the lock. */
const HEAVY_READINGS = 40_000;

/**
 * A ledger whose events hold the seed's cycle and HEAVY_READINGS metric readings (a version-1 file
 * converted, as a team's first `playbook` after an upgrade does): a write reads and checks them all
 * inside the lock, so a test sees the lock held, and stops the command there.
 */
function heavyLedger(name: string): { ledger: string; events: number } {
  const ledger = freshLedger(name);
  const created = readEvents(ledger)[0]! as unknown as { at: string; data: unknown };
  const v1 = [{ id: 1, at: created.at, actor: 'Priya', command: 'init', cycle: 'pm-2026-11-23', type: 'cycle.created', data: created.data }];
  for (let i = 1; i <= HEAVY_READINGS; i++) {
    v1.push({ id: v1.length + 1, at: created.at, actor: 'Priya', command: 'metric record', cycle: 'pm-2026-11-23', type: 'metric.recorded', data: { metric: METRIC, value: i, at: created.at } });
  }
  const events = convertV1({ schemaVersion: 1, events: v1 });
  const dir = eventsDirOf(ledger);
  for (const name of readdirSync(dir)) rmSync(join(dir, name)); // the seed's own events are replaced
  writeFileSync(join(dir, 'v1-heavy.jsonl'), events.map((e) => `${asciiJson(e)}\n`).join(''), { mode: 0o600 });
  writeFileSync(ledger, POINTER, { mode: 0o600 });
  expect(readEvents(ledger)).toHaveLength(v1.length);
  return { ledger, events: v1.length };
}

/**
 * Waits until the lock names the command, then stops it (SIGSTOP): it keeps holding the lock, its
 * change not yet written, until the returned function continues it (SIGCONT).
 */
async function stopInsideLock(run: ReturnType<typeof cli>, lock: string, ledger: string, events: number): Promise<() => void> {
  const exited = () => run.child.exitCode !== null || run.child.signalCode !== null;
  await until(() => exited() || lockHolder(lock)?.pid === run.child.pid, 'the command holds the lock');
  run.child.kill('SIGSTOP');
  expect(exited(), 'the command was still running when it was stopped').toBe(false);
  expect(lockHolder(lock)?.pid, 'stopped while holding the lock').toBe(run.child.pid);
  expect(readEvents(ledger).length, 'stopped before writing its change').toBe(events);
  return () => run.child.kill('SIGCONT');
}

/** The holder a lock file names. */
function lockHolder(lock: string): { pid: number; host: string; at: string; command?: string } | undefined {
  try {
    return JSON.parse(readFileSync(lock, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A shell loop of CLI runs: process P (of a clone) runs COUNT writes, a reading or a blocker by turns of process. */
const LOOP = (count: number) =>
  `for i in $(seq 1 ${count}); do if [ $(( $2 % 2 )) -eq 0 ]; then "$0" "$1" metric record ${METRIC} "$(( $2 * 1000 + i ))" >/dev/null || exit 1; else "$0" "$1" blocker add "$3p$2-$i" --owner Sam --fallback none >/dev/null || exit 1; fi; done`;

describe('a crowd of writers', () => {
  it(`${PROCESSES} processes on one clone each writing ${WRITES_EACH} times at once (readings and blockers): all ${PROCESSES * WRITES_EACH} changes are there, once each, in each process's order, blockers numbered B-1, B-2... with no number twice`, async () => {
    const ledger = freshLedger('crowd');
    const before = readEvents(ledger).length;
    const env = envFor(ledger, { PLAYBOOK_LOCK_TIMEOUT_MS: '120000' });
    // Each process is a shell loop of CLI runs, so that 16 CLIs are writing at any moment.
    const runs = Array.from({ length: PROCESSES }, (_, p) => start('sh', ['-c', LOOP(WRITES_EACH), process.execPath, BIN, String(p + 1), ''], env, 300_000).done);
    const results = await Promise.all(runs);
    for (const r of results) expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });

    const events = readEvents(ledger);
    figures.writes = PROCESSES * WRITES_EACH;
    figures.eventsFound = events.length - before;
    expect(events.length, 'every change is one event, and every one is there').toBe(before + PROCESSES * WRITES_EACH);
    expect(new Set(events.map((e) => e.id)).size, 'event ids are unique').toBe(events.length);
    // Markers: a reading's value, a blocker's title; by process, in the order of the event ids.
    const markers = events.filter((e) => e.type === 'metric.recorded' || e.type === 'blocker.added').map((e) => (e.type === 'metric.recorded' ? `p${Math.floor((e.data.value as number) / 1000)}-${(e.data.value as number) % 1000}` : String(e.data.title)));
    const expected = Array.from({ length: PROCESSES }, (_, p) => Array.from({ length: WRITES_EACH }, (_, i) => `p${p + 1}-${i + 1}`)).flat();
    figures.lost = expected.filter((m) => !markers.includes(m)).length;
    figures.duplicated = markers.length - new Set(markers).size;
    expect([...markers].sort()).toEqual([...expected].sort());
    for (let p = 1; p <= PROCESSES; p++) {
      const mine = markers.filter((m) => m.startsWith(`p${p}-`)).map((m) => Number(m.slice(m.indexOf('-') + 1)));
      expect(mine, `process ${p}'s changes in the order it made them`).toEqual([...mine].sort((a, b) => a - b));
    }
    // One clone: its lock hands out each number once, so the blockers are B-1..B-n, none suffixed.
    const blockers = [...theCycle(ledger).blockers.values()];
    const added = events.filter((e) => e.type === 'blocker.added').map((e) => e.data.id);
    figures.shortIdsGiven = added.length;
    figures.shortIdsRepeated = added.length - new Set(added).size;
    expect([...added].sort(), 'each blocker number given once').toEqual(Array.from({ length: added.length }, (_, i) => `B-${i + 1}`).sort());
    expect(blockers.map((b) => b.id).sort()).toEqual([...added].sort());
    // Its own file: one line per change, numbered 1..n and chained; nothing else was written.
    const replica = readLocal(layoutFor(ledger, env)).replica!;
    const own = events.filter((e) => e.replica === replica);
    expect(own.map((e) => e.seq)).toEqual(own.map((_, i) => i + 1));
    expect(chainProblems(ledger)).toEqual([]);
    expect(readdirSync(eventsDirOf(ledger)).filter((n) => n !== `${replica}.jsonl`), 'only the seed\'s file besides this clone\'s own').toHaveLength(1);
    // Nothing is left behind: no lock, no temporary file, no backup.
    expect(readdirSync(box.path('crowd')).sort()).toEqual(['events', 'ledger.json']);
    expect(readdirSync(layoutFor(ledger, env).local).sort()).toEqual(['replica.json']);
    const doctor = await cli(['doctor'], env).done;
    expect(doctor.status, doctor.stdout + doctor.stderr).toBe(0);
  }, 600_000);

  it(`two clones of one folder (two replicas), ${TEAM_PROCESSES} processes each writing ${TEAM_WRITES_EACH} times, all at once: every change is there, and no two records show the same short id`, async () => {
    const ledger = freshLedger('team');
    const before = readEvents(ledger).length;
    const clones = ['alice', 'bob'].map((name) => ({ name, env: envFor(ledger, { PLAYBOOK_LOCK_TIMEOUT_MS: '120000' }, `state-${name}`) }));
    const runs = clones.flatMap(({ name, env }) =>
      Array.from({ length: TEAM_PROCESSES }, (_, p) => start('sh', ['-c', LOOP(TEAM_WRITES_EACH), process.execPath, BIN, String(p + 1), `${name}-`], env, 300_000).done),
    );
    const results = await Promise.all(runs);
    for (const r of results) expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });

    const events = readEvents(ledger);
    const replicas = clones.map(({ env }) => readLocal(layoutFor(ledger, env)).replica!);
    expect(new Set(replicas).size, 'each clone writes as a replica of its own').toBe(2);
    expect(readdirSync(eventsDirOf(ledger)).filter((n) => replicas.includes(basename(n, '.jsonl'))).sort()).toEqual(replicas.map((r) => `${r}.jsonl`).sort());
    figures.teamWrites = clones.length * TEAM_PROCESSES * TEAM_WRITES_EACH;
    figures.teamFound = events.length - before;
    expect(events.length).toBe(before + figures.teamWrites);
    expect(chainProblems(ledger), 'each replica\'s file: numbered and chained, nobody wrote into another\'s').toEqual([]);

    const titles = events.filter((e) => e.type === 'blocker.added').map((e) => String(e.data.title));
    const readings = events.filter((e) => e.type === 'metric.recorded').map((e) => `${e.replica}:${String(e.data.value)}`);
    const expectedTitles = clones.flatMap(({ name }) => Array.from({ length: TEAM_PROCESSES }, (_, p) => p + 1).filter((p) => p % 2 === 1).flatMap((p) => Array.from({ length: TEAM_WRITES_EACH }, (_, i) => `${name}-p${p}-${i + 1}`)));
    const expectedReadings = clones.flatMap((_, c) => Array.from({ length: TEAM_PROCESSES }, (_, p) => p + 1).filter((p) => p % 2 === 0).flatMap((p) => Array.from({ length: TEAM_WRITES_EACH }, (_, i) => `${replicas[c]}:${p * 1000 + i + 1}`)));
    figures.teamLost = expectedTitles.filter((t) => !titles.includes(t)).length + expectedReadings.filter((r) => !readings.includes(r)).length;
    expect([...titles].sort()).toEqual([...expectedTitles].sort());
    expect([...readings].sort()).toEqual([...expectedReadings].sort());

    // Each clone gives out a number once; the two may claim the same one between reads, and then both
    // records keep it, shown with a letter: every record is shown, each under an id of its own.
    for (const replica of replicas) {
      const mine = events.filter((e) => e.type === 'blocker.added' && e.replica === replica).map((e) => e.data.id);
      expect(mine.length - new Set(mine).size, `replica ${replica} gave a number twice`).toBe(0);
    }
    const claimed = events.filter((e) => e.type === 'blocker.added').map((e) => String(e.data.id));
    figures.teamShortIdsClaimedByBoth = claimed.length - new Set(claimed).size;
    const shown = [...theCycle(ledger).blockers.values()];
    expect(shown, 'every blocker added is a record').toHaveLength(titles.length);
    figures.teamDisplayedIdsRepeated = shown.length - new Set(shown.map((b) => b.id)).size;
    expect(figures.teamDisplayedIdsRepeated).toBe(0);
    for (const b of shown) expect(b.id === baseId(b.id) || claimed.filter((id) => id === baseId(b.id)).length > 1, `${b.id} is suffixed only when its number was claimed twice`).toBe(true);

    // Both clones see the same records under the same ids, and doctor is content in each.
    const lists = await Promise.all(clones.map(({ env }) => cli(['blockers', '--json'], env).done));
    for (const l of lists) expect(l.status, l.stderr).toBe(0);
    expect(lists[0]!.stdout).toBe(lists[1]!.stdout);
    const listed = (JSON.parse(lists[0]!.stdout) as { id: string }[] | { blockers: { id: string }[] });
    const ids = (Array.isArray(listed) ? listed : listed.blockers).map((b) => b.id);
    expect(new Set(ids).size, 'blockers --json: no id twice').toBe(ids.length);
    for (const { env } of clones) {
      const doctor = await cli(['doctor'], env).done;
      expect(doctor.status, doctor.stdout + doctor.stderr).toBe(0);
    }
  }, 600_000);
});

describe('the lock, held by a real CLI', () => {
  it('a live holder makes another command of the same clone wait, then fail naming the lock and its holder; the holder finishes its change', async () => {
    const { ledger, events: before } = heavyLedger('live');
    const env = envFor(ledger, {}, 'state-live');
    const lock = lockFileOf(ledger, env);
    const holder = cli(['blocker', 'add', 'Held the lock', '--owner', 'Sam'], env);
    const go = await stopInsideLock(holder, lock, ledger, before);
    const held = lockHolder(lock)!;
    expect(held).toMatchObject({ pid: holder.child.pid, host: hostname(), command: 'blocker add Held the lock --owner Sam' });
    expect(new Date(held.at).toISOString(), 'the lock says since when').toBe(held.at);
    expect((statSync(lock).mode & 0o777).toString(8), 'the lock, while held, is 0600').toBe('600');
    expect(lock.startsWith(box.path('state-live')), 'the lock is this machine\'s, outside the shared folder').toBe(true);

    const waiter = await cli(['metric', 'record', METRIC, '5'], { ...env, PLAYBOOK_LOCK_TIMEOUT_MS: '700' }).done;
    expect(waiter.status).toBe(1);
    expect(waiter.ms, 'it waited for the lock before giving up').toBeGreaterThanOrEqual(650);
    expect(waiter.stdout).toBe('');
    expect(hasStackTrace(waiter.stderr)).toBe(false);
    expect(waiter.stderr).toBe(
      `playbook: ${lock}: the ledger is locked by pid ${holder.child.pid} on ${hostname()} since ${held.at}\n` +
        'hint: wait for that command to finish, or remove the lock file if that process is gone\n',
    );
    figures.lockTimeoutsNamingHolder += 1;

    go();
    const first = await holder.done;
    expect(first.status, first.stderr).toBe(0);
    const events = readEvents(ledger);
    // The holder's one event, and nothing from the command that gave up.
    expect(events.slice(before).map((e) => [e.type, e.data.title])).toEqual([['blocker.added', 'Held the lock']]);
    expect(existsSync(lock)).toBe(false);
  }, 180_000);

  it('a command that waits long enough goes through once the holder is done, after it', async () => {
    const { ledger, events: before } = heavyLedger('wait');
    const env = envFor(ledger, {}, 'state-wait');
    const lock = lockFileOf(ledger, env);
    const holder = cli(['decision', 'add', 'First', '--owner', 'Priya', '--due', '+7d'], env);
    const go = await stopInsideLock(holder, lock, ledger, before);
    const waiter = cli(['decision', 'add', 'Second', '--owner', 'Priya', '--due', '+7d'], { ...env, PLAYBOOK_LOCK_TIMEOUT_MS: '60000' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(waiter.child.exitCode, 'the second command is still waiting').toBeNull();
    expect(lockHolder(lock)?.pid, 'and the first still holds the lock').toBe(holder.child.pid);
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

  it('another clone of the same folder does not wait for that lock: its replica has a lock of its own', async () => {
    const { ledger, events: before } = heavyLedger('other-clone');
    const env = envFor(ledger, {}, 'state-held');
    const holder = cli(['blocker', 'add', 'Held here', '--owner', 'Sam'], env);
    const go = await stopInsideLock(holder, lockFileOf(ledger, env), ledger, before);
    try {
      const other = await cli(['blocker', 'add', 'Written meanwhile', '--owner', 'Jo'], envFor(ledger, { PLAYBOOK_LOCK_TIMEOUT_MS: '700' }, 'state-other')).done;
      expect(other.status, other.stderr).toBe(0);
      expect(readEvents(ledger).slice(before).map((e) => e.data.title)).toEqual(['Written meanwhile']);
    } finally {
      go();
    }
    expect((await holder.done).status).toBe(0);
    const added = readEvents(ledger).slice(before);
    expect(added.map((e) => e.data.title).sort()).toEqual(['Held here', 'Written meanwhile']);
    // The held one claims its number when it goes on: B-2 if it read the other's B-1 first, else both
    // claimed B-1 without seeing each other and both keep it, shown as B-1a and B-1b.
    const shown = [...theCycle(ledger).blockers.keys()].sort();
    expect([['B-1', 'B-2'], ['B-1a', 'B-1b']]).toContainEqual(shown);
  }, 180_000);

  it('a lock left by a CLI killed while holding it is taken over by the next command', async () => {
    const { ledger, events: before } = heavyLedger('dead');
    const env = envFor(ledger, {}, 'state-dead');
    const lock = lockFileOf(ledger, env);
    const victim = cli(['blocker', 'add', 'Never written', '--owner', 'Sam'], env);
    await stopInsideLock(victim, lock, ledger, before);
    victim.child.kill('SIGKILL');
    expect((await victim.done).signal).toBe('SIGKILL');
    expect(lockHolder(lock)?.pid, 'the dead process still names itself in the lock').toBe(victim.child.pid);

    const next = await cli(['blocker', 'add', 'Taken over', '--owner', 'Sam'], { ...env, PLAYBOOK_LOCK_TIMEOUT_MS: '30000' }).done;
    expect(next.status, next.stderr).toBe(0);
    const titles = readEvents(ledger).slice(before).map((e) => e.data.title);
    expect(titles).toEqual(['Taken over']);
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(`${lock}.break`)).toBe(false);
    figures.deadLocksTakenOver += 1;
  }, 180_000);

  it('a lock naming a dead pid (from a crash long ago) is taken over by every kind of write', async () => {
    const ledger = freshLedger('dead-pid');
    const env = envFor(ledger, { PLAYBOOK_LOCK_TIMEOUT_MS: '30000' }, 'state-dead-pid');
    const lock = lockFileOf(ledger, env);
    mkdirSync(layoutFor(ledger, env).local, { recursive: true, mode: 0o700 });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    for (const args of [
      ['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'],
      ['metric', 'record', METRIC, '4'],
      ['undo'],
      ['use', 'pm-2026-11-23'],
    ]) {
      writeFileSync(lock, `${JSON.stringify({ pid: dead, host: hostname(), at: '2026-01-01T00:00:00.000Z', command: 'crashed' })}\n`, { mode: 0o600 });
      const result = await cli(args, env).done;
      expect(result.status, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(existsSync(lock), args.join(' ')).toBe(false);
      figures.deadLocksTakenOver += 1;
    }
    // The three changes are there (the reading undone); `use` changed only this clone's own state.
    expect(readEvents(ledger).slice(-3).map((e) => e.type)).toEqual(['decision.added', 'metric.recorded', 'undo']);
  }, 180_000);
});
