// QUALITY.md, "Never lose or corrupt the ledger": every change is all-or-nothing, and `kill -9` at any
// moment leaves the old or the new ledger, never a torn one.
//
// Writers are killed at random moments while others go on writing to the same ledger. After every
// kill the ledger (and its backup) must parse and validate, its event ids must run 1, 2, 3... with
// nothing lost or doubled, and it must hold every change whose writer the test saw succeed. Two kinds
// of writer: the real CLI (`metric record`, `blocker add`), and a driver that runs the real ledger code
// (commit() and the store, bundled) in a loop, so that nearly every kill lands inside a write.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLedger } from '../../src/ledger/events.js';
import { backupPath, ledgerText, lockPath } from '../../src/ledger/store.js';
import { BIN, cleanEnv, runCliAsync } from '../helpers/cli.js';
import { createLedgerSandbox, makeSeeds, type LedgerSandbox, type Seeds } from '../helpers/ledger.js';
import { bundleLedgerScript, recordFigures } from '../helpers/reliability.js';

const CLI_KILLS = 300;
const CLI_LANES = 3;
const DRIVER_KILLS = 200;
const DRIVER_LANES = 2;
/** Start a fresh ledger every this many driver kills, so that each write stays small. */
const DRIVER_ROUND = 100;
const METRIC = 'approval-cycle-time';

const figures = {
  cliKills: 0,
  cliKillsAtRandomTimes: 0,
  cliKillsAfterTakingLock: 0,
  cliCompleted: 0,
  cliKillsHoldingLock: 0,
  cliKillsLeavingTempFile: 0,
  cliWriters: CLI_LANES,
  driverKills: 0,
  driverAcknowledged: 0,
  driverKillsAfterAWrite: 0,
  driverKillsHoldingLock: 0,
  driverKillsLeavingTempFile: 0,
  driverWriters: DRIVER_LANES,
  verifications: 0,
  doctorRuns: 0,
  lost: 0,
  duplicated: 0,
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

/** What one look at the ledger found. */
interface Look {
  events: { id: number; type: string; data: Record<string, unknown> }[];
}

/**
 * The checks after a kill: the ledger and its backup are whole generations that validate; ids run
 * 1..n; no marker (a reading's value, a blocker's title) appears twice or was never written; every
 * marker in `mustHave` is there.
 */
function verify(ledger: string, mustHave: Set<string>, attempted: (marker: string) => boolean, what: string): Look {
  figures.verifications += 1;
  const look = (path: string): Look => {
    try {
      return parseLedger(JSON.parse(ledgerText(readFileSync(path)))) as unknown as Look;
    } catch (error) {
      figures.torn += 1;
      throw new Error(`${what}: ${path} does not validate: ${(error as Error).message}`);
    }
  };
  const current = look(ledger);
  if (existsSync(backupPath(ledger))) look(backupPath(ledger));
  const ids = current.events.map((e) => e.id);
  expect(ids, `${what}: event ids must run 1..n`).toEqual(ids.map((_, i) => i + 1));
  const seen = new Map<string, number>();
  const blockerIds = new Set<string>();
  for (const e of current.events) {
    const marker = e.type === 'metric.recorded' ? `m:${String(e.data.value)}` : e.type === 'blocker.added' ? `b:${String(e.data.title)}` : undefined;
    if (marker) seen.set(marker, (seen.get(marker) ?? 0) + 1);
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
  const lost = [...mustHave].filter((m) => !seen.has(m));
  figures.lost += lost.length;
  expect(lost, `${what}: changes whose command had succeeded are missing`).toEqual([]);
  return current;
}

/** After `pid` was killed: did it die holding the lock, or between writing its temporary file and renaming it? */
function leftovers(ledger: string, pid: number): { heldLock: boolean; tempFile: boolean } {
  let heldLock = false;
  try {
    heldLock = (JSON.parse(readFileSync(lockPath(ledger), 'utf8')) as { pid?: number }).pid === pid;
  } catch {
    heldLock = false; // no lock, or one being written by another writer
  }
  const dir = join(ledger, '..');
  const tempFile = readdirSync(dir).some((name) => name.endsWith('.tmp') && name.includes(`.${pid}.`));
  return { heldLock, tempFile };
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
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    copyFileSync(seeds.bare, ledger);
    const env = { ...cleanEnv(), ...box.env, PLAYBOOK_LEDGER: ledger, PLAYBOOK_TZ: 'UTC', PLAYBOOK_LOCK_TIMEOUT_MS: '60000' };
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

    // A few writes left alone, to learn how long one takes on this machine now.
    for (let i = 0; i < 3; i++) {
      const w = writer();
      const result = await w.done;
      expect(result.status, result.stderr).toBe(0);
      committed.add(w.marker);
      durations.push(result.ms);
      figures.cliCompleted += 1;
    }

    // Half the kills come at a random time in a writer's life; the other half a random 0-20 ms after
    // the writer has taken the lock, where it reads, validates, writes, fsyncs and renames.
    const waitingForLock = new Map<number, () => void>();
    const watcher = watch(dir, (_event, name) => {
      if (name !== 'ledger.json.lock' || waitingForLock.size === 0) return;
      let pid: number | undefined;
      try {
        pid = (JSON.parse(readFileSync(lockPath(ledger), 'utf8')) as { pid?: number }).pid;
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
          const { heldLock, tempFile } = leftovers(ledger, w.child.pid!);
          if (heldLock) figures.cliKillsHoldingLock += 1;
          if (tempFile) figures.cliKillsLeavingTempFile += 1;
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
    // Whatever the last kill left (a lock, a temporary file), the next command goes through.
    const after = await runCliAsync(['metric', 'record', METRIC, '1'], { env: { ...env, PLAYBOOK_LOCK_TIMEOUT_MS: '30000' } });
    expect(after.status, after.stderr).toBe(0);
    expect(existsSync(lockPath(ledger))).toBe(false);
  }, 600_000);

  it(`the ledger code in a loop: ${DRIVER_KILLS} kills among ${DRIVER_LANES} writers, nearly all inside a write, lose no acknowledged change`, async () => {
    const work = mkdtempSync(join(tmpdir(), 'playbook-crash-driver-'));
    try {
      const driver = bundleLedgerScript(
        work,
        'driver',
        `import { writeSync } from 'node:fs';
import { commit } from './ledger.ts';
const [path, base] = process.argv.slice(2);
const now = new Date('2026-11-23T09:00:00Z');
const ctx = { options: {}, env: {}, cwd: process.cwd(), now, actor: 'crash-driver', command: 'metric record' };
writeSync(1, 'ready\\n');
for (let i = 0; ; i++) {
  const value = Number(base) + i;
  commit(ctx, () => [{ type: 'metric.recorded', data: { metric: ${JSON.stringify(METRIC)}, value, at: now.toISOString() } }], { path });
  writeSync(1, value + '\\n');
}
`,
      );
      const env = { ...cleanEnv(), PLAYBOOK_LOCK_TIMEOUT_MS: '60000' };
      let round = -1;
      let ledger = '';
      const committed = new Set<string>();
      const bases = new Set<number>();
      /** A driver writes base, base + 1, ...: a value is genuine when its millions are a driver's base. */
      const attempted = (marker: string) => bases.has(Math.floor(Number(marker.slice(2)) / 1_000_000) * 1_000_000);
      const failures: string[] = [];
      let spawned = 0;
      const newRound = () => {
        round += 1;
        mkdirSync(join(work, `round-${round}`), { mode: 0o700 });
        ledger = join(work, `round-${round}`, 'ledger.json');
        copyFileSync(seeds.bare, ledger);
        committed.clear();
      };
      newRound();

      const lane = async () => {
        while (figures.driverKills < DRIVER_KILLS) {
          const base = ++spawned * 1_000_000;
          bases.add(base);
          const mine = ledger;
          let buffered = '';
          const acked: string[] = [];
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
                acked.push(line);
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
          const seenBeforeKill = acked.map((v) => `m:${v}`);
          w.child.kill('SIGKILL');
          const result = await w.done;
          if (result.signal !== 'SIGKILL') {
            failures.push(`driver ended by itself: exit ${result.status}: ${result.stderr}`);
            break;
          }
          figures.driverKills += 1;
          if (afterAWrite) figures.driverKillsAfterAWrite += 1;
          figures.driverAcknowledged += seenBeforeKill.length;
          if (mine === ledger) for (const m of seenBeforeKill) committed.add(m);
          const { heldLock, tempFile } = leftovers(mine, w.child.pid!);
          if (heldLock) figures.driverKillsHoldingLock += 1;
          if (tempFile) figures.driverKillsLeavingTempFile += 1;
          if (mine === ledger) verify(mine, committed, attempted, `after driver kill #${figures.driverKills}`);
          if (figures.driverKills % DRIVER_ROUND === 0 && mine === ledger) {
            await doctorSaysHealthy(mine, { ...env, ...box.env });
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
