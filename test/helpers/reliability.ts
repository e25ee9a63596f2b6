// Shared by the reliability tests (test/reliability/): the figures they publish, and bundles of the
// ledger code that a test can run in a child process of its own (to kill it, or to watch its files).
import { chmodSync, closeSync, copyFileSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildSync } from 'esbuild';
import { lineHash } from '../../src/ledger/convert.js';
import { layoutOf, readReplicas, type Layout, type LedgerRead } from '../../src/ledger/replicas.js';
import { REPO_ROOT } from './cli.js';
import { eventsDirOf } from './ledger.js';

/** Where the figures of the last run go (gitignored); RELIABILITY.md quotes them. */
export const FIGURES_FILE = join(REPO_ROOT, 'reliability-figures.json');

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Merges one section of figures into reliability-figures.json and prints it. Test files run in
 * parallel workers, so the read-merge-write happens under a lock file of its own.
 */
export function recordFigures(section: string, figures: Record<string, unknown>): void {
  const entry = { ...figures, recordedAt: new Date().toISOString() };
  console.log(`reliability figures: ${section}: ${JSON.stringify(figures)}`);
  const lock = `${FIGURES_FILE}.lock`;
  let fd: number | undefined;
  for (let i = 0; i < 500 && fd === undefined; i++) {
    try {
      fd = openSync(lock, 'wx');
    } catch {
      Atomics.wait(sleepCell, 0, 0, 10);
    }
  }
  if (fd === undefined) unlinkSync(lock); // left by a run that was killed: take it over
  try {
    let all: Record<string, unknown> = {};
    try {
      all = JSON.parse(readFileSync(FIGURES_FILE, 'utf8')) as Record<string, unknown>;
    } catch {
      all = {};
    }
    all[section] = entry;
    const sorted = Object.fromEntries(Object.entries(all).sort(([a], [b]) => a.localeCompare(b)));
    const tmp = `${FIGURES_FILE}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(sorted, null, 2)}\n`);
    renameSync(tmp, FIGURES_FILE);
  } finally {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(lock);
    } catch {
      // already gone
    }
  }
}

/**
 * Bundles `source` (TypeScript that imports from src/ledger/ by relative path, as if it lived there)
 * into one ES module in `dir`, so a plain `node` child process can run the real ledger code.
 */
export function bundleLedgerScript(dir: string, name: string, source: string): string {
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}.mjs`);
  buildSync({
    stdin: { contents: source, resolveDir: join(REPO_ROOT, 'src', 'ledger'), sourcefile: `${name}.ts`, loader: 'ts' },
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The team ledger's files, as the reliability tests look at them

/** Where a ledger's files are for a process with this environment (XDG_STATE_HOME, else HOME/.local/state). */
export function layoutFor(ledger: string, env: Record<string, string | undefined>): Layout {
  return layoutOf(ledger, env);
}

/** The lock file of this machine's replica of `ledger` (src/ledger/lock.ts: `<local>/ledger.lock`). */
export function lockFileOf(ledger: string, env: Record<string, string | undefined>): string {
  return join(layoutFor(ledger, env).local, 'ledger.lock');
}

/** Copies a ledger (its file and its events folder) to `target`, 0600 files in 0700 folders. */
export function copyLedger(source: string, target: string): void {
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  copyFileSync(source, target);
  chmodSync(target, 0o600);
  const events = eventsDirOf(source);
  if (existsSync(events)) cpSync(events, eventsDirOf(target), { recursive: true });
}

/** The ledger as every command reads it (readReplicas): throws the one-line "ledger is damaged" error. */
export function readStore(ledger: string, replica?: string): LedgerRead {
  const read = readReplicas(layoutOf(ledger, {}), replica === undefined ? {} : { replica });
  if (read === null) throw new Error(`no ledger at ${ledger}`);
  return read;
}

/**
 * What is wrong with the replica files' lines, as doctor's chain check sees it: in each file, each
 * replica's whole lines are numbered 1, 2, 3... and each names the hash of the line before it (lines
 * converted from a version-1 file are not chained). A last line without its newline is left out.
 */
export function chainProblems(ledger: string): string[] {
  const dir = eventsDirOf(ledger);
  const problems: string[] = [];
  if (!existsSync(dir)) return problems;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()) {
    const text = readFileSync(join(dir, name), 'utf8');
    const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').slice(0, -1);
    const last = new Map<string, { seq: number; raw: string }>();
    lines.forEach((raw, i) => {
      let event: { replica?: string; seq?: number; prev?: string };
      try {
        event = JSON.parse(raw);
      } catch {
        problems.push(`${name}:${i + 1}: not JSON`);
        return;
      }
      if (event.replica === 'v1') return;
      const before = last.get(event.replica!);
      if (event.seq !== (before ? before.seq + 1 : 1)) problems.push(`${name}:${i + 1}: seq ${event.seq} after ${before?.seq ?? 'nothing'}`);
      if (event.prev !== (before ? lineHash(before.raw) : undefined)) problems.push(`${name}:${i + 1}: prev does not name the line before`);
      last.set(event.replica!, { seq: event.seq!, raw });
    });
  }
  return problems;
}

/** The control characters no user text may carry to a terminal: C0 but tab and newline, DEL, C1. */
export const TERMINAL_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Output with the colour codes the CLI itself writes (SGR: ESC [ digits m) removed. */
export function withoutOwnColours(text: string): string {
   
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/**
 * A module to preload into the CLI (`node --import FILE bin/playbook.cjs ...`) that notes, in order,
 * every file system call that creates, opens, writes, truncates, syncs, renames or removes something (one
 * `write` per write() call on a file it opened, with its byte count), with the mode a new file
 * or directory has the moment it exists. It appends one JSON line per process to $PLAYBOOK_TRACE_FILE.
 * It works on the bundled CLI because Node's built-in ES module exports follow the patched functions
 * after syncBuiltinESMExports().
 */
export const FS_TRACE_HOOK = `import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const real = { ...fs };
const trace = [];
const paths = new Map();
const { O_WRONLY, O_RDWR, O_CREAT, O_EXCL } = fs.constants;
const appends = (flags) => typeof flags === 'string' ? flags.includes('a') : typeof flags === 'number' && (flags & fs.constants.O_APPEND) !== 0;
const writes = (flags) => typeof flags === 'string' ? /[wax+]/.test(flags) : typeof flags === 'number' && (flags & (O_WRONLY | O_RDWR | O_CREAT)) !== 0;
const exclusive = (flags) => typeof flags === 'string' ? flags.includes('x') : typeof flags === 'number' && (flags & O_EXCL) !== 0;
const mode = (path) => { try { return real.statSync(path).mode & 0o777; } catch { return null; } };
fs.openSync = function (path, flags = 'r', ...rest) {
  const existed = real.existsSync(path);
  const fd = real.openSync(path, flags, ...rest);
  paths.set(fd, String(path));
  if (writes(flags) && !existed) trace.push({ op: 'create', path: String(path), exclusive: exclusive(flags), append: appends(flags), mode: real.fstatSync(fd).mode & 0o777 });
  else trace.push({ op: 'open', path: String(path), write: writes(flags), append: appends(flags) });
  return fd;
};
fs.writeSync = function (fd, ...rest) { const n = real.writeSync(fd, ...rest); if (paths.has(fd)) trace.push({ op: 'write', path: paths.get(fd), bytes: n }); return n; };
fs.ftruncateSync = function (fd, length) { real.ftruncateSync(fd, length); trace.push({ op: 'truncate', path: paths.get(fd) ?? null, length: length ?? 0 }); };
fs.closeSync = function (fd) { paths.delete(fd); return real.closeSync(fd); };
fs.fsyncSync = function (fd) { real.fsyncSync(fd); trace.push({ op: 'fsync', path: paths.get(fd) ?? null }); };
fs.mkdirSync = function (path, options) {
  const first = real.mkdirSync(path, options);
  if (first !== undefined) {
    for (let dir = String(path); dir.length >= String(first).length; dir = dir.slice(0, dir.lastIndexOf('/'))) trace.push({ op: 'mkdir', path: dir, mode: mode(dir) });
  } else if (!(options && options.recursive)) trace.push({ op: 'mkdir', path: String(path), mode: mode(path) });
  return first;
};
fs.linkSync = function (from, to) { real.linkSync(from, to); trace.push({ op: 'link', from: String(from), path: String(to), mode: mode(to) }); };
fs.copyFileSync = function (from, to, flags) { real.copyFileSync(from, to, flags); trace.push({ op: 'copy', from: String(from), path: String(to), mode: mode(to) }); };
fs.renameSync = function (from, to) { trace.push({ op: 'rename', from: String(from), path: String(to), mode: mode(from) }); real.renameSync(from, to); };
fs.unlinkSync = function (path) { real.unlinkSync(path); trace.push({ op: 'unlink', path: String(path) }); };
syncBuiltinESMExports();
process.on('exit', () => real.appendFileSync(process.env.PLAYBOOK_TRACE_FILE, JSON.stringify({ argv: process.argv.slice(2), pid: process.pid, umask: process.umask(), trace }) + '\\n'));
`;

export interface TracedOp {
  op: 'create' | 'open' | 'fsync' | 'mkdir' | 'link' | 'copy' | 'rename' | 'unlink' | 'write' | 'truncate';
  path: string | null;
  from?: string;
  mode?: number | null;
  exclusive?: boolean;
  write?: boolean;
  /** Opened with O_APPEND. */
  append?: boolean;
  /** write: how many bytes one write() call wrote. */
  bytes?: number;
  /** truncate: the length the file was cut to. */
  length?: number;
}

export interface TracedRun {
  argv: string[];
  pid: number;
  umask: number;
  trace: TracedOp[];
}

/** The runs a trace file holds, one per process. */
export function readTrace(file: string): TracedRun[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TracedRun);
}
