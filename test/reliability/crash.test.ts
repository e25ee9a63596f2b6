// QUALITY.md, "Never lose or corrupt the ledger": every change is all-or-nothing, and `kill -9` at any
// moment leaves the old state or the new one, never a torn one. A change is one write of whole lines
// to the end of the replica's own events file; every line but the last says how many follow (`more`),
// so a change cut off anywhere is skipped on read, and the next write cuts it off the file.
//
// Writers are killed at random moments while others go on writing to the same ledger. After every
// kill the ledger must read as every command reads it (no damage), its replica files must be whole
// chains (numbered 1, 2, 3..., each line naming the hash of the one before), nothing may be lost or
// doubled, every change is there whole or not at all, and every change whose writer the test saw
// succeed is there. Two kinds of writer: the real CLI (`metric record`, `blocker add`), and a driver
// that runs the real ledger code (commit() and the store, bundled) in a loop, writing changes of one
// to three events, so that nearly every kill lands inside a write. A kill stops a process between two
// system calls, almost never inside the one write of a change, so a last test cuts a change off at
// every byte, as a kill inside the write (or a power cut) could, and checks the read and the next write.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commit } from '../../src/ledger/ledger.js';
import { readLocal } from '../../src/ledger/replicas.js';
import { deriveState } from '../../src/ledger/state.js';
import { BIN, cleanEnv, runCliAsync } from '../helpers/cli.js';
import { createLedgerSandbox, eventsDirOf, makeSeeds, type LedgerSandbox, type Seeds } from '../helpers/ledger.js';
import { bundleLedgerScript, chainProblems, copyLedger, layoutFor, lockFileOf, readStore, recordFigures } from '../helpers/reliability.js';

const CLI_KILLS = 300;
const CLI_LANES = 3;
const DRIVER_KILLS = 200;
const DRIVER_LANES = 2;
/** Start a fresh ledger every this many driver kills, so that each read stays small. */
const DRIVER_ROUND = 100;
const METRIC = 'approval-cycle-time';

const figures = {
  cliKills: 0,
  cliKillsAtRandomTimes: 0,
  cliKillsAfterTakingLock: 0,
  cliCompleted: 0,
  cliKillsHoldingLock: 0,
  cliKillsLeavingCutChange: 0,
  cliReplicaFilesAtEnd: 0,
  cliWriters: CLI_LANES,
  driverKills: 0,
  driverAcknowledged: 0,
  driverAcknowledgedEvents: 0,
  driverKillsAfterAWrite: 0,
  driverKillsHoldingLock: 0,
  driverKillsLeavingCutChange: 0,
  driverWriters: DRIVER_LANES,
  verifications: 0,
  doctorRuns: 0,
  cutPoints: 0,
  cutPointsThroughCli: 0,
  lost: 0,
  duplicated: 0,
  halfChangesSeen: 0,
  torn: 0,
};

let seeds: Seeds;
let box: LedgerSandbox;

beforeAll(() => {
  seeds = makeSeeds(['bare']);
  box = createLedgerSandbox('playbook-crash-');
});

afterAll(() => {
  box?.cleanup();
  seeds?.cleanup();
  recordFigures('crash', figures);
});

interface Finished {
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  ms: number;
}

function start(command: string, args: string[], env: Record<string, string>, onStdout?: (text: string) => void): { child: ChildProcess; done: Promise<Finished> } {
  const started = performance.now();
  const child = spawn(command, args, { cwd: box.home, env, stdio: ['ignore', onStdout ? 'pipe' : 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  if (onStdout) child.stdout!.setEncoding('utf8').on('data', onStdout);
  const done = new Promise<Finished>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status, signal) => resolve({ status, signal, stderr, ms: performance.now() - started }));
  });
  return { child, done };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Event = { id: string; type: string; data: Record<string, unknown> };

/**
 * The checks after a kill: the ledger reads as every command reads it; each replica file is a whole
 * chain; no marker (a reading's value, a blocker's title) appears twice or was never written; every
 * change is there whole (`whole` says, per marker, which change it belongs to and how many events
 * that change has); every marker in `mustHave` is there; no blocker number is given twice.
 */
function verify(ledger: string, mustHave: Set<string>, attempted: (marker: string) => boolean, what: string, whole?: (marker: string) => { change: string; size: number }): Event[] {
  figures.verifications += 1;
  let events: Event[];
  try {
    events = readStore(ledger).events;
  } catch (error) {
    figures.torn += 1;
    throw new Error(`${what}: the ledger does not read: ${(error as Error).message}`, { cause: error });
  }
  const chain = chainProblems(ledger);
  if (chain.length > 0) figures.torn += 1;
  expect(chain, `${what}: every replica file is a whole chain`).toEqual([]);
  const seen = new Map<string, number>();
  const blockerIds = new Set<string>();
  const changes = new Map<string, { size: number; found: number }>();
  for (const e of events) {
    const marker = e.type === 'metric.recorded' ? `m:${String(e.data.value)}` : e.type === 'blocker.added' ? `b:${String(e.data.title)}` : undefined;
    if (marker) {
      seen.set(marker, (seen.get(marker) ?? 0) + 1);
      if (whole) {
        const { change, size } = whole(marker);
        const c = changes.get(change) ?? { size, found: 0 };
        c.found += 1;
        changes.set(change, c);
      }
    }
    if (e.type === 'blocker.added') {
      expect(blockerIds.has(String(e.data.id)), `${what}: blocker id ${String(e.data.id)} given twice`).toBe(false);
      blockerIds.add(String(e.data.id));
    }
  }
  const doubled = [...seen].filter(([, n]) => n > 1).map(([m]) => m);
  figures.duplicated += doubled.length;
  expect(doubled, `${what}: changes recorded twice`).toEqual([]);
  const phantom = [...seen.keys()].filter((m) => !attempted(m));
  expect(phantom, `${what}: changes nobody made`).toEqual([]);
  const half = [...changes].filter(([, c]) => c.found !== c.size).map(([change, c]) => `${change}: ${c.found} of ${c.size} events`);
  figures.halfChangesSeen += half.length;
  expect(half, `${what}: changes seen in part`).toEqual([]);
  const lost = [...mustHave].filter((m) => !seen.has(m));
  figures.lost += lost.length;
  expect(lost, `${what}: changes whose command had succeeded are missing`).toEqual([]);
  return events;
}

/** After `pid` was killed: did it die holding the lock, and did it leave a change cut off at the end of its file? */
function leftovers(ledger: string, env: Record<string, string>, pid: number): { heldLock: boolean; cutChange: boolean } {
  let heldLock: boolean;
  try {
    heldLock = (JSON.parse(readFileSync(lockFileOf(ledger, env), 'utf8')) as { pid?: number }).pid === pid;
  } catch {
    heldLock = false; // no lock, or one being written by another writer
  }
  const replica = readLocal(layoutFor(ledger, env)).replica;
  const own = replica === undefined ? undefined : readStore(ledger, replica).own;
  return { heldLock, cutChange: own !== undefined && own.valid < own.size };
}

async function doctorSaysHealthy(ledger: string, env: Record<string, string>): Promise<void> {
  const result = await runCliAsync(['doctor'], { env: { ...env, PLAYBOOK_LEDGER: ledger } });
  figures.doctorRuns += 1;
  expect(result.status, `playbook doctor after kills:\n${result.stdout}${result.stderr}`).toBe(0);
}

describe('kill -9 at random moments', () => {
  it(`the real CLI: ${CLI_KILLS} kills of \`metric record\` and \`blocker add\` among ${CLI_LANES} concurrent writers lose no change that succeeded and never tear the ledger`, async () => {
    const dir = box.path('cli');
    const ledger = join(dir, 'ledger.json');
    copyLedger(seeds.bare, ledger);
    const env = { ...cleanEnv(), ...box.env, XDG_STATE_HOME: box.path('cli-state'), XDG_CACHE_HOME: box.path('cli-cache'), PLAYBOOK_LEDGER: ledger, PLAYBOOK_TZ: 'UTC', PLAYBOOK_LOCK_TIMEOUT_MS: '60000' };
    const lock = lockFileOf(ledger, env);
    const committed = new Set<string>();
    const attempted = new Set<string>();
    const failures: string[] = [];
    const durations: number[] = [];
    let next = 0;

    const writer = () => {
      const n = next++;
      const marker = n % 2 === 0 ? `m:${100_000 + n}` : `b:crash-${n}`;
      const args = n % 2 === 0 ? ['metric', 'record', METRIC, String(100_000 + n)] : ['blocker', 'add', `crash-${n}`, '--owner', 'Sam', '--fallback', 'none'];
      attempted.add(marker);
      return { marker, ...start(process.execPath, [BIN, ...args], env) };
    };

    // A few writes left alone, to learn how long one takes on this machine now (and to make this
    // clone's own folder, where its lock lives).
    for (let i = 0; i < 3; i++) {
      const w = writer();
      const result = await w.done;
      expect(result.status, result.stderr).toBe(0);
      committed.add(w.marker);
      durations.push(result.ms);
      figures.cliCompleted += 1;
    }

    // Half the kills come at a random time in a writer's life; the other half a random 0-20 ms after
    // the writer has taken the lock, where it reads, checks, appends and fsyncs.
    const waitingForLock = new Map<number, () => void>();
    const watcher = watch(layoutFor(ledger, env).local, (_event, name) => {
      if (name !== 'ledger.lock' || waitingForLock.size === 0) return;
      let pid: number | undefined;
      try {
        pid = (JSON.parse(readFileSync(lock, 'utf8')) as { pid?: number }).pid;
      } catch {
        return; // gone already, or not written yet: the next event tells
      }
      const fire = pid === undefined ? undefined : waitingForLock.get(pid);
      if (fire) {
        waitingForLock.delete(pid!);
        fire();
      }
    });
    const median = () => [...durations].sort((a, b) => a - b)[Math.floor(durations.length / 2)]!;
    const lane = async () => {
      while (figures.cliKills < CLI_KILLS) {
        const w = writer();
        const afterLock = next % 2 === 0;
        const timers: NodeJS.Timeout[] = [];
        const kill = () => w.child.kill('SIGKILL');
        if (afterLock) {
          waitingForLock.set(w.child.pid!, () => timers.push(setTimeout(kill, Math.random() * 20)));
          timers.push(setTimeout(kill, 60_000)); // a guard, should the lock never be seen
        } else {
          timers.push(setTimeout(kill, median() * Math.random() * 1.2));
        }
        const result = await w.done;
        for (const t of timers) clearTimeout(t);
        waitingForLock.delete(w.child.pid!);
        if (result.signal === 'SIGKILL') {
          figures.cliKills += 1;
          figures[afterLock ? 'cliKillsAfterTakingLock' : 'cliKillsAtRandomTimes'] += 1;
          const { heldLock, cutChange } = leftovers(ledger, env, w.child.pid!);
          if (heldLock) figures.cliKillsHoldingLock += 1;
          if (cutChange) figures.cliKillsLeavingCutChange += 1;
          verify(ledger, committed, (m) => attempted.has(m), `after CLI kill #${figures.cliKills}`);
          if (figures.cliKills % 100 === 0) await doctorSaysHealthy(ledger, env);
        } else if (result.status === 0) {
          committed.add(w.marker);
          if (!afterLock) durations.push(result.ms);
          figures.cliCompleted += 1;
        } else {
          failures.push(`exit ${result.status}: ${result.stderr}`);
          break;
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: CLI_LANES }, lane));
    } finally {
      watcher.close();
    }

    expect(failures, 'no writer may fail other than by being killed').toEqual([]);
    expect(figures.cliKills).toBeGreaterThanOrEqual(CLI_KILLS);
    verify(ledger, committed, (m) => attempted.has(m), 'after the last kill');
    await doctorSaysHealthy(ledger, env);
    // Whatever the last kill left (a lock, a cut-off change), the next command goes through.
    const after = await runCliAsync(['metric', 'record', METRIC, '1'], { env: { ...env, PLAYBOOK_LOCK_TIMEOUT_MS: '30000' } });
    expect(after.status, after.stderr).toBe(0);
    expect(existsSync(lock)).toBe(false);
    const replica = readLocal(layoutFor(ledger, env)).replica!;
    const own = readStore(ledger, replica).own!;
    expect(own.valid, 'no cut-off change is left at the end of its file').toBe(own.size);
    // A kill after the append and before this clone noted its last event makes the next write go on in
    // a new file (src/ledger/replicas.ts: a clone never writes after a line it does not know it wrote).
    figures.cliReplicaFilesAtEnd = readdirSync(eventsDirOf(ledger)).length - 1;
    expect(chainProblems(ledger)).toEqual([]);
  }, 600_000);

  it(`the ledger code in a loop: ${DRIVER_KILLS} kills among ${DRIVER_LANES} writers, nearly all inside a write, lose no acknowledged change and show no change in part`, async () => {
    const work = mkdtempSync(join(tmpdir(), 'playbook-crash-driver-'));
    try {
      // Change i of a driver is 1 + i % 3 readings: base + 10 i, base + 10 i + 1, ...
      const driver = bundleLedgerScript(
        work,
        'driver',
        `import { writeSync } from 'node:fs';
import { commit } from './ledger.ts';
const [path, base] = process.argv.slice(2);
const now = new Date('2026-11-23T09:00:00Z');
const ctx = { options: {}, env: process.env, cwd: process.cwd(), now, actor: 'crash-driver', command: 'metric record' };
writeSync(1, 'ready\\n');
for (let i = 0; ; i++) {
  const size = 1 + (i % 3);
  commit(ctx, () => Array.from({ length: size }, (_, k) => ({ type: 'metric.recorded', data: { metric: ${JSON.stringify(METRIC)}, value: Number(base) + 10 * i + k, at: now.toISOString() } })), { path });
  writeSync(1, i + '\\n');
}
`,
      );
      const env = { ...cleanEnv(), HOME: work, XDG_STATE_HOME: join(work, 'state'), XDG_CACHE_HOME: join(work, 'cache'), PLAYBOOK_LOCK_TIMEOUT_MS: '60000' };
      let round = -1;
      let ledger = '';
      const committed = new Set<string>();
      const bases = new Set<number>();
      const baseOf = (marker: string) => Math.floor(Number(marker.slice(2)) / 1_000_000) * 1_000_000;
      /** A driver writes base + 10 i + k: a value is genuine when its millions are a driver's base. */
      const attempted = (marker: string) => bases.has(baseOf(marker));
      const whole = (marker: string) => {
        const i = Math.floor((Number(marker.slice(2)) - baseOf(marker)) / 10);
        return { change: `${baseOf(marker)}/${i}`, size: 1 + (i % 3) };
      };
      const failures: string[] = [];
      let spawned = 0;
      const newRound = () => {
        round += 1;
        ledger = join(work, `round-${round}`, 'ledger.json');
        copyLedger(seeds.bare, ledger);
        committed.clear();
      };
      newRound();

      const lane = async () => {
        while (figures.driverKills < DRIVER_KILLS) {
          const base = ++spawned * 1_000_000;
          bases.add(base);
          const mine = ledger;
          let buffered = '';
          const acked: number[] = [];
          let ready: () => void = () => {};
          const started = new Promise<void>((resolve) => (ready = resolve));
          let wrote: () => void = () => {};
          const firstWrite = new Promise<void>((resolve) => (wrote = resolve));
          const w = start(process.execPath, [driver, mine, String(base)], env, (text) => {
            buffered += text;
            const lines = buffered.split('\n');
            buffered = lines.pop()!;
            for (const line of lines) {
              if (line === 'ready') ready();
              else {
                acked.push(Number(line));
                wrote();
              }
            }
          });
          // Killed a random time after it has loaded, while it writes; now and then before it is ready.
          // Nine times in ten the random time starts after its first acknowledged write, so that on
          // a machine with a slow disk too, most kills land on a driver that has written.
          await Promise.race([started, w.done]);
          const afterAWrite = spawned % 10 !== 0;
          if (afterAWrite) await Promise.race([firstWrite, w.done]);
          await sleep(Math.random() * 120);
          const seenBeforeKill = acked.flatMap((i) => Array.from({ length: 1 + (i % 3) }, (_, k) => `m:${base + 10 * i + k}`));
          w.child.kill('SIGKILL');
          const result = await w.done;
          if (result.signal !== 'SIGKILL') {
            failures.push(`driver ended by itself: exit ${result.status}: ${result.stderr}`);
            break;
          }
          figures.driverKills += 1;
          if (afterAWrite) figures.driverKillsAfterAWrite += 1;
          figures.driverAcknowledged += acked.length;
          figures.driverAcknowledgedEvents += seenBeforeKill.length;
          if (mine === ledger) for (const m of seenBeforeKill) committed.add(m);
          const { heldLock, cutChange } = leftovers(mine, env, w.child.pid!);
          if (heldLock) figures.driverKillsHoldingLock += 1;
          if (cutChange) figures.driverKillsLeavingCutChange += 1;
          if (mine === ledger) verify(mine, committed, attempted, `after driver kill #${figures.driverKills}`, whole);
          if (figures.driverKills % DRIVER_ROUND === 0 && mine === ledger) {
            await doctorSaysHealthy(mine, { ...env, ...box.env, XDG_STATE_HOME: env.XDG_STATE_HOME });
            newRound();
          }
        }
      };
      await Promise.all(Array.from({ length: DRIVER_LANES }, lane));
      expect(failures).toEqual([]);
      expect(figures.driverKills).toBeGreaterThanOrEqual(DRIVER_KILLS);
      expect(figures.driverKillsAfterAWrite).toBeGreaterThan(DRIVER_KILLS / 2);
      expect(figures.driverAcknowledged, 'each driver waited for must have written').toBeGreaterThanOrEqual(figures.driverKillsAfterAWrite);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 600_000);
});

describe('a change cut off at any byte (what a kill inside the write, or a power cut, leaves)', () => {
  it('at every line boundary and every seventh byte: is skipped on read, the ledger shows the state before it, and the next write cuts it off and follows on from the last whole change', async () => {
    const ledger = join(box.path('cut'), 'ledger.json');
    copyLedger(seeds.bare, ledger);
    const env = { HOME: box.home, XDG_STATE_HOME: box.path('cut-state'), XDG_CACHE_HOME: box.path('cut-cache') };
    const now = new Date('2026-11-23T09:00:00Z');
    const ctx = { options: {}, env, cwd: box.home, now, actor: 'Priya', command: 'metric record' };
    const record = (...values: number[]) =>
      commit(ctx, () => values.map((value) => ({ type: 'metric.recorded' as const, data: { metric: METRIC, value, at: now.toISOString(), note: `reading ${value}` } })), { path: ledger });
    record(1);
    const replica = readLocal(layoutFor(ledger, env)).replica!;
    const file = join(eventsDirOf(ledger), `${replica}.jsonl`);
    // This clone's own state notes the last event it wrote, after the append: a kill inside the
    // write leaves it naming the change before, as it is now.
    const localFile = join(layoutFor(ledger, env).local, 'replica.json');
    const localBefore = readFileSync(localFile);
    const before = readFileSync(file);
    const oldIds = readStore(ledger).events.map((e) => e.id);
    record(2, 3, 4); // one change of three events: three lines in one write
    const after = readFileSync(file);
    const change = after.subarray(before.length);
    expect(change.toString('utf8').split('\n')).toHaveLength(4);
    const others = Object.fromEntries(readStore(ledger).files.filter((f) => f !== file).map((f) => [f, readFileSync(f)]));
    const crashAt = (cut: number) => {
      writeFileSync(file, Buffer.concat([before, change.subarray(0, cut)]));
      writeFileSync(localFile, localBefore);
    };

    // Every line boundary and the bytes either side of it, and every seventh byte between.
    const boundaries = [...change.toString('latin1').matchAll(/\n/g)].map((m) => m.index + 1);
    const cuts = [...new Set([0, ...boundaries.flatMap((b) => [b - 2, b - 1, b, b + 1]), ...Array.from({ length: Math.ceil(change.length / 7) }, (_, i) => i * 7)])].filter((c) => c >= 0 && c < change.length).sort((a, b) => a - b);
    for (const cut of cuts) {
      crashAt(cut);
      const read = readStore(ledger, replica);
      expect(read.events.map((e) => e.id), `cut at byte ${cut} of ${change.length}: the state before the change`).toEqual(oldIds);
      if (cut > 0) expect(read.skipped, `cut at byte ${cut}: said`).toHaveLength(1);
      expect(read.own!.valid).toBe(before.length);
      const { events } = record(1000 + cut);
      const written = readFileSync(file);
      expect(written.subarray(0, before.length).equals(before), `cut at byte ${cut}: what was whole is kept`).toBe(true);
      expect(written.length, `cut at byte ${cut}: the cut-off part is gone, the new change follows in the same file`).toBe(before.length + Buffer.byteLength(`${JSON.stringify(events[0])}\n`));
      expect(chainProblems(ledger), `cut at byte ${cut}`).toEqual([]);
      expect(readStore(ledger).events.map((e) => e.id)).toEqual([...oldIds, events[0]!.id].sort());
      for (const [f, bytes] of Object.entries(others)) expect(readFileSync(f).equals(bytes), `${f}: another replica's file is never touched`).toBe(true);
      figures.cutPoints += 1;
    }

    // The whole change written, the kill before this clone noted it: the change is kept whole, and
    // this clone goes on in the same file, after it (the file still holds the last event it noted).
    crashAt(change.length);
    expect(readStore(ledger).events).toHaveLength(oldIds.length + 3);
    const { events: next } = record(5);
    expect(readLocal(layoutFor(ledger, env)).replica, 'the same file goes on').toBe(replica);
    expect(readFileSync(file).subarray(0, after.length).equals(after), 'the change written before the kill is kept as it was').toBe(true);
    expect(readStore(ledger).events.map((e) => e.id)).toEqual([...readStore(ledger).events.map((e) => e.id)].sort());
    expect(readStore(ledger).events.map((e) => e.id).slice(-1)).toEqual([next[0]!.id]);
    expect(chainProblems(ledger)).toEqual([]);

    // Through the CLI: a cut in the middle of a line, one between two lines of the change, and the last
    // newline missing. Readers show the state before the change and say what they skipped; the next
    // `metric record` cuts it off; doctor is content.
    const cliEnv = { ...env, PLAYBOOK_LEDGER: ledger, PLAYBOOK_TZ: 'UTC' };
    crashAt(0);
    const plain = await runCliAsync(['metrics', '--json'], { env: cliEnv });
    expect(plain.status, plain.stderr).toBe(0);
    const firstLine = change.indexOf('\n') + 1;
    for (const cut of [Math.floor(firstLine / 2), firstLine, change.length - 1]) {
      crashAt(cut);
      const shown = await runCliAsync(['metrics', '--json'], { env: cliEnv });
      expect(shown.status, shown.stderr).toBe(0);
      expect(shown.stdout, `cut at byte ${cut}: the CLI shows the state before the change`).toBe(plain.stdout);
      expect(shown.stderr).toMatch(/^note: .*skipped .*at its end/);
      const write = await runCliAsync(['metric', 'record', METRIC, String(2000 + cut)], { env: cliEnv });
      expect(write.status, write.stderr).toBe(0);
      expect(readLocal(layoutFor(ledger, env)).replica, 'the same file goes on').toBe(replica);
      expect(readFileSync(file).subarray(0, before.length).equals(before)).toBe(true);
      expect(chainProblems(ledger)).toEqual([]);
      const doctor = await runCliAsync(['doctor'], { env: cliEnv });
      expect(doctor.status, doctor.stdout + doctor.stderr).toBe(0);
      const state = deriveState(readStore(ledger).events, { all: true });
      const readings = [...state.cycles.values()][0]!.readings.get(METRIC)!.map((r) => r.value);
      expect(readings.slice(-1), 'the reading written after the cut').toEqual([2000 + cut]);
      expect(readings.filter((v) => v >= 2 && v <= 4), 'nothing of the cut-off change').toEqual([]);
      figures.cutPointsThroughCli += 1;
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
  }, 240_000);
});
