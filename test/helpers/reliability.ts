// Shared by the reliability tests (test/reliability/): the figures they publish, and bundles of the
// ledger code that a test can run in a child process of its own (to kill it, or to watch its files).
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { REPO_ROOT } from './cli.js';

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

/** The control characters no user text may carry to a terminal: C0 but tab and newline, DEL, C1. */
export const TERMINAL_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Output with the colour codes the CLI itself writes (SGR: ESC [ digits m) removed. */
export function withoutOwnColours(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/**
 * A module to preload into the CLI (`node --import FILE bin/playbook.cjs ...`) that notes, in order,
 * every file system call that creates, syncs, renames or removes something, with the mode a new file
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
const writes = (flags) => typeof flags === 'string' ? /[wax+]/.test(flags) : typeof flags === 'number' && (flags & (O_WRONLY | O_RDWR | O_CREAT)) !== 0;
const exclusive = (flags) => typeof flags === 'string' ? flags.includes('x') : typeof flags === 'number' && (flags & O_EXCL) !== 0;
const mode = (path) => { try { return real.statSync(path).mode & 0o777; } catch { return null; } };
fs.openSync = function (path, flags = 'r', ...rest) {
  const existed = real.existsSync(path);
  const fd = real.openSync(path, flags, ...rest);
  paths.set(fd, String(path));
  if (writes(flags) && !existed) trace.push({ op: 'create', path: String(path), exclusive: exclusive(flags), mode: real.fstatSync(fd).mode & 0o777 });
  else trace.push({ op: 'open', path: String(path), write: writes(flags) });
  return fd;
};
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
  op: 'create' | 'open' | 'fsync' | 'mkdir' | 'link' | 'copy' | 'rename' | 'unlink';
  path: string | null;
  from?: string;
  mode?: number | null;
  exclusive?: boolean;
  write?: boolean;
}

export interface TracedRun {
  argv: string[];
  pid: number;
  umask: number;
  trace: TracedOp[];
}

/** The runs a trace file holds, one per process. */
export function readTrace(file: string): TracedRun[] {
  let text = '';
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
