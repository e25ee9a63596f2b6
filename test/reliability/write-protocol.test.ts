// QUALITY.md, "Never lose or corrupt the ledger", the protocol itself: every change is one write of
// whole lines to the end of this replica's own events file (opened O_APPEND), fsynced (and the events
// folder fsynced when the file is new); nothing else in the shared folder is written, renamed or
// removed, so git and sync clients only ever see lines added to one file per machine. This machine's
// own state (replica.json) is replaced atomically (temporary file, fsync, rename) after the events are
// on disk. All of it under one lock in this machine's folder, written whole to an O_EXCL temporary
// file and linked into place, removed last. A version-1 ledger is converted on its first write: its
// old bytes kept in this machine's folder and its events in a file of their own, both in place before
// the ledger file becomes the version-2 pointer. Readers take no lock and write nothing. The built CLI
// runs with a preloaded module that notes every file system call it makes, in order (see FS_TRACE_HOOK).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv } from '../helpers/cli.js';
import { createLedgerSandbox, eventsDirOf, makeSeeds, type LedgerSandbox, type Seeds } from '../helpers/ledger.js';
import { summaryLedger } from '../helpers/summary-ledger.js';
import { copyLedger, FS_TRACE_HOOK, layoutFor, readTrace, recordFigures, type TracedOp, type TracedRun } from '../helpers/reliability.js';

const figures = { writesTraced: 0, readsTraced: 0, oneWritePerChange: 0, temporaryFilesDistinct: 0, conversionsTraced: 0 };

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

const STATE = () => box.path('state');

function traced(ledger: string, traceFile: string, argsList: string[][], answers?: string): TracedRun[] {
  for (const args of argsList) {
    const real = args.map((a) => (a === '<answers>' ? answers! : a));
    const r = spawnSync(process.execPath, ['--import', hook, BIN, ...real], {
      cwd: box.home,
      env: { ...cleanEnv(), ...box.env, XDG_STATE_HOME: STATE(), PLAYBOOK_LEDGER: ledger, PLAYBOOK_TZ: 'UTC', PLAYBOOK_TRACE_FILE: traceFile },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, `playbook ${real.join(' ')}: ${r.stderr}`).toBe(0);
  }
  const runs = readTrace(traceFile);
  expect(runs).toHaveLength(argsList.length);
  return runs;
}

/** The protocol of taking and releasing the lock, shared by every write; returns where the lock was taken. */
function checkLock(ops: TracedOp[], local: string, pid: number, what: string): { lock: number } {
  const index = (test: (op: TracedOp, at: number) => boolean, label: string) => {
    const at = ops.findIndex(test);
    expect(at, `${what}: ${label}\n${JSON.stringify(ops, null, 1)}`).toBeGreaterThanOrEqual(0);
    return at;
  };
  const lockFile = join(local, 'ledger.lock');
  const lockTmpPattern = new RegExp(`^ledger\\.lock\\.${pid}\\.[0-9a-f]{12}\\.tmp$`);
  const lockTmp = index((op) => op.op === 'create' && dirname(op.path!) === local && lockTmpPattern.test(basename(op.path!)), 'the lock is first written whole to a temporary file in this machine\'s folder');
  expect(ops[lockTmp]!.exclusive, `${what}: the lock's temporary file is created with O_EXCL`).toBe(true);
  const lock = index((op) => op.op === 'link' && op.from === ops[lockTmp]!.path && op.path === lockFile, 'then linked to the lock name, which fails when a lock is there');
  expect(lockTmp, `${what}: taking the lock comes before any change (reading before it is fine)`).toBe(ops.findIndex((op) => (op.op !== 'open' || op.write) && op.op !== 'mkdir'));
  expect(ops.slice(lockTmp + 1, lock).every((op) => op.path === ops[lockTmp]!.path), `${what}: nothing else happens between writing the lock and linking it`).toBe(true);
  const unlock = index((op) => op.op === 'unlink' && op.path === lockFile, 'the lock is removed');
  expect(unlock, `${what}: the lock is removed last`).toBe(ops.length - 1);
  return { lock };
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
  it('every change: under the lock, the events read, then one write of whole lines appended to this replica\'s own file, fsynced; nothing else in the shared folder written, renamed or removed; this machine\'s state replaced atomically after; the lock removed last', () => {
    const ledger = join(box.path('writes'), 'ledger.json');
    copyLedger(seeds.full, ledger);
    const events = eventsDirOf(ledger);
    const dir = dirname(ledger);
    const { local } = layoutFor(ledger, { XDG_STATE_HOME: STATE() });
    const answers = box.write('review.yaml', 'blockers: { B-1: keep }\nmetrics: { approval-cycle-time: 3 }\n');
    const runs = traced(ledger, box.path('writes.jsonl'), WRITES, answers);
    const temporary = new Set<string>();
    let own: string | undefined;
    runs.forEach((run, i) => {
      const what = `playbook ${WRITES[i]!.join(' ')}`;
      const ops = run.trace.filter((op) => op.path !== null && (op.path.startsWith(`${dir}/`) || op.path === dir || op.path.startsWith(`${local}/`) || op.path === local));
      const index = (test: (op: TracedOp, at: number) => boolean, label: string) => {
        const at = ops.findIndex(test);
        expect(at, `${what}: ${label}\n${JSON.stringify(ops, null, 1)}`).toBeGreaterThanOrEqual(0);
        return at;
      };
      const { lock } = checkLock(ops, local, run.pid, what);
      // Read-append under the lock: the events are read again once the lock is taken.
      const read = index((op, at) => at > lock && op.op === 'open' && !op.write && dirname(op.path!) === events, 'the events are read inside the lock');
      // This machine's own state, replaced whole: a uniquely named temporary file, fsynced, renamed. The
      // last such write notes the change's last event; a replica's first write keeps its name first.
      const isStateTmp = (op: TracedOp) => op.op === 'create' && new RegExp(`^replica\\.json\\.${run.pid}\\.[0-9a-f]{12}\\.tmp$`).test(basename(op.path!));
      index(isStateTmp, 'this machine\'s state goes to a temporary file');
      const stateTmp = ops.findLastIndex(isStateTmp);
      expect(ops[stateTmp]!.exclusive).toBe(true);
      expect(temporary.has(ops[stateTmp]!.path!), `${what}: temporary file names are never reused`).toBe(false);
      temporary.add(ops[stateTmp]!.path!);
      const stateSynced = index((op) => op.op === 'fsync' && op.path === ops[stateTmp]!.path, 'which is fsynced');
      const stateRenamed = index((op) => op.op === 'rename' && op.from === ops[stateTmp]!.path && op.path === join(local, 'replica.json'), 'and renamed over replica.json');
      expect(stateTmp < stateSynced && stateSynced < stateRenamed, `${what}: create, fsync, then rename`).toBe(true);
      // Nothing in the shared folder is renamed, linked, removed or truncated; nothing new is made there
      // but this replica's own file.
      const shared = ops.filter((op) => op.path!.startsWith(`${dir}/`) || op.path === dir);
      expect(shared.filter((op) => ['rename', 'link', 'copy', 'unlink', 'truncate', 'mkdir'].includes(op.op)), `${what}: nothing in the shared folder is replaced or removed`).toEqual([]);
      const opened = shared.filter((op) => (op.op === 'open' && op.write) || op.op === 'create');
      if (WRITES[i]![0] === 'use') {
        // `use` changes only this clone's own state.
        expect(opened, `${what}: writes nothing in the shared folder`).toEqual([]);
        expect(stateRenamed).toBeGreaterThan(lock);
        figures.writesTraced += 1;
        return;
      }
      expect(opened, `${what}: one file is opened for writing in the shared folder: this replica's own, for appending`).toHaveLength(1);
      const file = opened[0]!;
      expect(dirname(file.path!)).toBe(events);
      expect(file.append, `${what}: opened with O_APPEND`).toBe(true);
      own ??= file.path!;
      expect(file.path, `${what}: always the same file, this replica's`).toBe(own);
      expect(basename(own)).toBe(`${JSON.parse(readFileSync(join(local, 'replica.json'), 'utf8')).replica}.jsonl`);
      const at = ops.indexOf(file);
      expect(at > read, `${what}: opened after the read inside the lock`).toBe(true);
      const writes = ops.filter((op) => op.op === 'write' && op.path === own);
      expect(writes, `${what}: the whole change in one write()`).toHaveLength(1);
      figures.oneWritePerChange += 1;
      const wrote = ops.indexOf(writes[0]!);
      const synced = index((op, n) => n > wrote && op.op === 'fsync' && op.path === own, 'the file is fsynced after the write');
      if (file.op === 'create') index((op, n) => n > synced && op.op === 'fsync' && op.path === events, 'a new file: the folder is fsynced too');
      expect(synced < stateRenamed, `${what}: this machine notes its last event only once the event is on disk`).toBe(true);
      figures.writesTraced += 1;
    });
    figures.temporaryFilesDistinct = temporary.size;
    // No backup, no temporary file, no lock in the shared folder: the ledger file and the events folder.
    expect(readdirSync(dir).sort()).toEqual(['events', 'ledger.json']);
    expect(readdirSync(events).every((name) => name.endsWith('.jsonl'))).toBe(true);
  });

  it('a version-1 ledger is converted on its first write: its old bytes kept in this machine\'s folder and its events in a file of their own, both in place before ledger.json becomes the pointer', () => {
    const ledger = join(box.path('convert'), 'ledger.json');
    mkdirSync(dirname(ledger), { mode: 0o700 });
    summaryLedger().write(ledger);
    const events = eventsDirOf(ledger);
    const { local } = layoutFor(ledger, { XDG_STATE_HOME: STATE() });
    const [run] = traced(ledger, box.path('convert.jsonl'), [['blocker', 'add', 'Converted', '--owner', 'Sam', '--fallback', 'none']]);
    const ops = run!.trace.filter((op) => op.path !== null && (op.path.startsWith(dirname(ledger)) || op.path.startsWith(local)));
    const index = (test: (op: TracedOp, at: number) => boolean, label: string) => {
      const at = ops.findIndex(test);
      expect(at, `${label}\n${JSON.stringify(ops, null, 1)}`).toBeGreaterThanOrEqual(0);
      return at;
    };
    checkLock(ops, local, run!.pid, 'the converting write');
    const kept = index((op) => op.op === 'rename' && op.path === join(local, 'ledger-v1.json'), 'the old bytes are kept in this machine\'s folder');
    const v1 = index((op) => op.op === 'rename' && dirname(op.path!) === events && /^v1-[0-9a-z]+\.jsonl$/.test(basename(op.path!)), 'the converted events get a file of their own');
    const v1Tmp = ops[v1]!.from!;
    const v1Synced = index((op) => op.op === 'fsync' && op.path === v1Tmp, 'written and fsynced before it is renamed into place');
    const own = index((op) => op.op === 'create' && dirname(op.path!) === events && op.append === true, 'this replica\'s own file');
    const ownSynced = index((op, n) => n > own && op.op === 'fsync' && op.path === ops[own]!.path, 'fsynced');
    const pointer = index((op) => op.op === 'rename' && op.path === ledger, 'ledger.json is replaced by the pointer');
    expect(v1Synced < v1 && kept < pointer && v1 < pointer && ownSynced < pointer, 'the pointer comes last: a kill before it leaves the version-1 file, read as it was').toBe(true);
    index((op, n) => n > pointer && op.op === 'fsync' && op.path === dirname(ledger), 'and the folder is fsynced after');
    expect(readFileSync(ledger, 'utf8')).toBe('{"schemaVersion":2}\n');
    figures.conversionsTraced += 1;
  });
});

describe('reading', () => {
  it('reading commands take no lock and create, write, rename or remove nothing, in the shared folder or this machine\'s', () => {
    const ledger = join(box.path('reads'), 'ledger.json');
    copyLedger(seeds.full, ledger);
    const dir = dirname(ledger);
    const { local } = layoutFor(ledger, { XDG_STATE_HOME: STATE() });
    box.ok(['metric', 'record', 'approval-cycle-time', '2'], { env: { PLAYBOOK_LEDGER: ledger } }); // something of this clone's for `undo --dry-run`
    const runs = traced(ledger, box.path('reads.jsonl'), READS);
    runs.forEach((run, i) => {
      const mine = (op: TracedOp) => op.path !== null && (op.path.startsWith(dir) || op.path.startsWith(local));
      const changes = run.trace.filter((op) => mine(op) && op.op !== 'open' && op.op !== 'fsync');
      const writesOpened = run.trace.filter((op) => mine(op) && op.op === 'open' && op.write);
      expect([...changes, ...writesOpened], `playbook ${READS[i]!.join(' ')}`).toEqual([]);
      figures.readsTraced += 1;
    });
  });
});
