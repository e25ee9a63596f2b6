// QUALITY.md, "Never lose or corrupt the ledger", the protocol itself: every change writes a uniquely
// named temporary file in the ledger's own directory, fsyncs it, renames it over the ledger and fsyncs
// the directory; the previous generation is kept as `.bak`; all of it under one lock file created with
// O_EXCL, removed last. Readers take no lock and write nothing. The built CLI runs with a preloaded
// module that notes every file system call it makes, in order (see FS_TRACE_HOOK).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv } from '../helpers/cli.js';
import { createLedgerSandbox, makeSeeds, type LedgerSandbox, type Seeds } from '../helpers/ledger.js';
import { FS_TRACE_HOOK, readTrace, recordFigures, type TracedOp, type TracedRun } from '../helpers/reliability.js';

const figures = { writesTraced: 0, readsTraced: 0, temporaryFilesDistinct: 0 };

let seeds: Seeds;
let box: LedgerSandbox;
let hook: string;

beforeAll(() => {
  seeds = makeSeeds(['full']);
  box = createLedgerSandbox('playbook-protocol-');
  hook = box.write('hook/trace.mjs', FS_TRACE_HOOK);
});

afterAll(() => {
  box?.cleanup();
  seeds?.cleanup();
  recordFigures('write-protocol', figures);
});

function traced(ledger: string, traceFile: string, argsList: string[][], answers?: string): TracedRun[] {
  for (const args of argsList) {
    const real = args.map((a) => (a === '<answers>' ? answers! : a));
    const r = spawnSync(process.execPath, ['--import', hook, BIN, ...real], {
      cwd: box.home,
      env: { ...cleanEnv(), ...box.env, PLAYBOOK_LEDGER: ledger, PLAYBOOK_TZ: 'UTC', PLAYBOOK_TRACE_FILE: traceFile },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, `playbook ${real.join(' ')}: ${r.stderr}`).toBe(0);
  }
  const runs = readTrace(traceFile);
  expect(runs).toHaveLength(argsList.length);
  return runs;
}

const WRITES: string[][] = [
  ['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'],
  ['decision', 'approve', 'D-4'],
  ['decision', 'close', 'D-4'],
  ['decision', 'reopen', 'D-4'],
  ['blocker', 'add', 'Sandbox', '--owner', 'Sam'],
  ['blocker', 'escalate', 'B-2'],
  ['blocker', 'resolve', 'B-2'],
  ['risk', 'add', 'Stall', '--impact', 'high', '--cost', 'low', '--mitigation', 'Daily review', '--owner', 'Priya'],
  ['risk', 'close', 'R-4'],
  ['metric', 'record', 'approval-cycle-time', '4'],
  ['checklist', 'done', '3'],
  ['review', '--answers', '<answers>', '--no-summary'],
  ['undo'],
  ['init', 'healthcare', 'cs', '--no-session'],
  ['use', 'pm-2026-11-23'],
];

const READS: string[][] = [['status'], ['decisions', '--all'], ['blockers'], ['risks'], ['metrics'], ['checklist'], ['log'], ['cycles'], ['gate'], ['undo', '--dry-run'], ['summary'], ['summary', '--format', 'slack'], ['calendar'], ['doctor']];

describe('the write protocol, as the CLI runs it', () => {
  it('every write: a lock written whole, then linked into place; a uniquely named temporary file beside the ledger, fsynced, renamed over it; the directory fsynced; the old generation kept as .bak; the lock removed last', () => {
    const dir = box.path('writes');
    mkdirSync(dir, { mode: 0o700 });
    const ledger = join(dir, 'ledger.json');
    copyFileSync(seeds.full, ledger);
    const answers = box.write('review.yaml', 'blockers: { B-1: keep }\nmetrics: { approval-cycle-time: 3 }\n');
    const runs = traced(ledger, box.path('writes.jsonl'), WRITES, answers);
    const temporary = new Set<string>();
    runs.forEach((run, i) => {
      const what = `playbook ${WRITES[i]!.join(' ')}`;
      const ops = run.trace.filter((op) => op.path !== null && (op.path === dir || dirname(op.path) === dir));
      const index = (test: (op: TracedOp) => boolean, label: string) => {
        const at = ops.findIndex(test);
        expect(at, `${what}: ${label}\n${JSON.stringify(ops, null, 1)}`).toBeGreaterThanOrEqual(0);
        return at;
      };
      const name = (op: TracedOp) => basename(op.path!);
      const lockTmpPattern = new RegExp(`^ledger\\.json\\.lock\\.${run.pid}\\.[0-9a-f]{12}\\.tmp$`);
      const lockTmp = index((op) => op.op === 'create' && lockTmpPattern.test(name(op)), 'the lock is first written whole to a temporary file');
      expect(ops[lockTmp]!.exclusive, `${what}: the lock's temporary file is created with O_EXCL`).toBe(true);
      const lock = index((op) => op.op === 'link' && op.from === ops[lockTmp]!.path && name(op) === 'ledger.json.lock', 'then linked to the lock name, which fails when a lock is there');
      expect(lockTmp, `${what}: taking the lock comes before any change (reading the ledger before it is fine)`).toBe(ops.findIndex((op) => op.op !== 'open' || op.write));
      expect(ops.slice(lockTmp + 1, lock).every((op) => op.path === ops[lockTmp]!.path), `${what}: nothing else happens between writing the lock and linking it`).toBe(true);
      const tmpPattern = new RegExp(`^ledger\\.json\\.${run.pid}\\.[0-9a-f]{12}\\.tmp$`);
      const tmp = index((op) => op.op === 'create' && tmpPattern.test(name(op)), 'a temporary file named after the process and 6 random bytes, in the same directory');
      expect(ops[tmp]!.exclusive, `${what}: the temporary file is created with O_EXCL`).toBe(true);
      const tmpPath = ops[tmp]!.path!;
      expect(temporary.has(tmpPath), `${what}: temporary file names are never reused`).toBe(false);
      temporary.add(tmpPath);
      const synced = index((op) => op.op === 'fsync' && op.path === tmpPath, 'the temporary file is fsynced');
      const renamed = index((op) => op.op === 'rename' && op.from === tmpPath && op.path === ledger, 'the temporary file is renamed over the ledger');
      const dirSynced = index((op) => op.op === 'fsync' && op.path === dir, 'the directory is fsynced');
      const backupTmp = index((op) => op.op === 'link' && op.from === ledger && /^ledger\.json\.bak\.\d+\.[0-9a-f]{12}\.tmp$/.test(name(op)), 'the current ledger is linked to a temporary backup name');
      const backup = index((op) => op.op === 'rename' && op.from === ops[backupTmp]!.path && op.path === `${ledger}.bak`, 'which is renamed to ledger.json.bak');
      const unlock = index((op) => op.op === 'unlink' && name(op) === 'ledger.json.lock', 'the lock is removed');
      // Read-modify-write under the lock: the ledger is read again after the lock is taken.
      expect(ops.slice(lock, tmp).some((op) => op.op === 'open' && op.path === ledger && !op.write), `${what}: the ledger is read inside the lock`).toBe(true);
      expect(tmp < synced && synced < renamed, `${what}: create, fsync, then rename`).toBe(true);
      expect(backup < renamed, `${what}: the backup is in place before the new ledger replaces the old`).toBe(true);
      expect(ops.slice(dirSynced).some((op) => op.op === 'rename'), `${what}: the directory is fsynced after the rename`).toBe(false);
      expect(renamed < dirSynced, `${what}: the directory is fsynced after the rename`).toBe(true);
      expect(unlock, `${what}: the lock is removed last`).toBe(ops.length - 1);
      // Nothing else is written in the ledger's directory: no write in place, ever.
      const others = ops.filter((op) => (op.op === 'open' && op.write) || (op.op === 'create' && ![lockTmp, tmp].includes(ops.indexOf(op))));
      expect(others, `${what}: no other file is opened for writing`).toEqual([]);
      figures.writesTraced += 1;
    });
    figures.temporaryFilesDistinct = temporary.size;
  });

  it('reading commands take no lock and create, rename or remove nothing', () => {
    const dir = box.path('reads');
    mkdirSync(dir, { mode: 0o700 });
    const ledger = join(dir, 'ledger.json');
    copyFileSync(seeds.full, ledger);
    const runs = traced(ledger, box.path('reads.jsonl'), READS);
    runs.forEach((run, i) => {
      const changes = run.trace.filter((op) => op.op !== 'open' && op.op !== 'fsync' && op.path?.startsWith(dir));
      const writesOpened = run.trace.filter((op) => op.op === 'open' && op.write && op.path?.startsWith(dir));
      expect([...changes, ...writesOpened], `playbook ${READS[i]!.join(' ')}`).toEqual([]);
      figures.readsTraced += 1;
    });
  });
});
