// The only module that touches the ledger file on disk.
//
// Guarantees (see QUALITY.md, "Never lose or corrupt the ledger"):
// - every write is all-or-nothing: a uniquely named temp file in the ledger's own directory is written,
//   fsynced and renamed over the ledger, then the directory is fsynced; `kill -9` at any moment leaves the
//   old or the new ledger, never a torn one;
// - read-modify-write happens under one exclusive lock file (O_EXCL) naming its holder; a lock whose holder
//   is dead is taken over safely; otherwise we wait, bounded, then fail naming the lock and its holder;
// - a ledger that fails to parse or validate is never overwritten;
// - the previous generation is kept as `<ledger>.bak`;
// - ledger, backup, lock and temp files are 0600 and a directory we create is 0700, whatever the umask.
//
// Everything is synchronous: commands are short-lived and hold the lock for milliseconds.
import { isUtf8 } from 'node:buffer';
import {
  type BigIntStats,
  closeSync,
  copyFileSync,
  fstatSync,
  constants as fsConstants,
  chmodSync,
  fchmodSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { CliError, failure } from '../errors.js';
import { isChecked, noteChecked } from './checked.js';
import { nodeOs } from '../os.js';

export interface StoreOptions {
  /** How long to wait for another command's lock. Default: PLAYBOOK_LOCK_TIMEOUT_MS, else 10 s. */
  lockTimeoutMs?: number;
  /**
   * The notes of ledger files already checked in full (checked.ts). With them, `validate` is told
   * when the file is one of those, and a file it checked in full, or one the store wrote, is noted.
   */
  checked?: string;
  /**
   * For a file the store wrote itself and nobody changed since (its bytes are exactly
   * serializeLedger(current)), the bytes of `next` made from those bytes, or undefined to serialise
   * `next` in full. Appending an event to a large ledger then costs the new event, not the ledger.
   */
  extend?: (bytes: Buffer, current: unknown, next: unknown) => Buffer[] | undefined;
}

/** Checks parsed JSON and returns the ledger. `known`: these bytes were checked in full before. */
export type Validate<T> = (data: unknown, known: boolean) => T;

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
/** A garbled lock file or a takeover "breaker" file older than this is considered abandoned. */
const STALE_MS = 10_000;
const SLEEP_MIN_MS = 10;
const SLEEP_MAX_MS = 100;

const DAMAGED_HINT =
  'run `playbook doctor` to see what is wrong; `playbook doctor --restore` brings back the last good copy';

export function backupPath(path: string): string {
  return `${path}.bak`;
}

export function lockPath(path: string): string {
  return `${path}.lock`;
}

function breakerPath(path: string): string {
  return `${lockPath(path)}.break`;
}

/** Serialises a ledger the way the store writes it: compact JSON ending with a newline. */
export function serializeLedger(value: unknown): string {
  const text = asciiJson(value);
  if (text === undefined) throw new TypeError(`cannot serialise a ledger of type ${typeof value}`);
  return `${text}\n`;
}

const NON_ASCII = /[\u0080-\uffff]/g;
const escaped = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * JSON with every character outside ASCII written as a \u escape (a pair of them beyond U+FFFF):
 * the same data, but a file Node reads into a one-byte string. A single "é" or "—" anywhere makes
 * the whole text two bytes a character, which takes twice the memory and parses about a third
 * slower.
 */
export function asciiJson(value: unknown): string | undefined {
  return (JSON.stringify(value) as string | undefined)?.replace(NON_ASCII, escaped);
}

/**
 * The text of a ledger file's bytes. JSON is UTF-8: bytes that are not (a flipped bit, an editor that
 * saved another encoding) are damage, never decoded into U+FFFD that the next write would make
 * permanent. A leading BOM (some editors add one) is not damage and is dropped.
 */
export function ledgerText(bytes: Buffer): string {
  if (!isUtf8(bytes)) throw new Error('not valid UTF-8 text (some bytes were changed, or it was saved in another encoding)');
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Reads and validates the ledger. Returns null when the file does not exist. Never writes the ledger. */
export function readLedger<T>(path: string, validate: Validate<T>, options: Pick<StoreOptions, 'checked'> = {}): T | null {
  return readChecked(path, validate, options)?.ledger ?? null;
}

/** A ledger path that names something other than a file or a directory. */
export const NOT_A_FILE = 'ENOTFILE';

function kindOf(stat: BigIntStats): string {
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  return 'a device';
}

/**
 * The bytes of a ledger file (or of its backup) and the identity of the version read: both come
 * from one open file. It is opened without blocking and read only if it is a regular file: a named
 * pipe would wait forever for a writer, and a device such as /dev/zero never ends.
 */
export function readLedgerFile(path: string): { stat: BigIntStats; bytes: Buffer } {
  const fd = openSync(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  try {
    const stat = fstatSync(fd, { bigint: true });
    // A directory is left to the read, which fails with EISDIR as on every system.
    if (!stat.isFile() && !stat.isDirectory()) throw Object.assign(new Error(`it is ${kindOf(stat)}, not a file`), { code: NOT_A_FILE });
    return { stat, bytes: readFileSync(fd) };
  } finally {
    closeSync(fd);
  }
}

function readChecked<T>(path: string, validate: Validate<T>, options: Pick<StoreOptions, 'checked'>): { ledger: T; bytes: Buffer; known: boolean } | null {
  let bytes: Buffer;
  let stat: BigIntStats;
  try {
    ({ stat, bytes } = readLedgerFile(path));
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw fsFailure(path, error, 'read');
  }
  let text: string;
  try {
    text = ledgerText(bytes);
  } catch (error) {
    throw damaged(path, describe(error));
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw damaged(path, `not valid JSON: ${describe(error)}`);
  }
  const known = options.checked !== undefined && isChecked(options.checked, path, stat);
  let ledger: T;
  try {
    ledger = validate(data, known);
  } catch (error) {
    if (error instanceof CliError) throw error; // e.g. a ledger from a newer version: not damage
    throw damaged(path, describe(error));
  }
  if (options.checked !== undefined && !known) noteChecked(options.checked, path, stat);
  return { ledger, bytes, known };
}

/** Read-modify-write under an exclusive lock; see the module comment for the guarantees. */
export function updateLedger<T>(
  path: string,
  validate: Validate<T>,
  change: (current: T | null) => T | undefined,
  options: StoreOptions = {},
): { ledger: T | null; written: boolean } {
  const timeoutMs = Math.max(0, options.lockTimeoutMs ?? (Number(process.env.PLAYBOOK_LOCK_TIMEOUT_MS) || 10_000));
  ensureDir(path);
  const release = acquireLock(path, timeoutMs);
  try {
    // Read and validate inside the lock: a damaged ledger throws here, before anything is written.
    const read = readChecked(path, validate, options);
    const current = read?.ledger ?? null;
    const next = change(current);
    if (next === undefined) return { ledger: current, written: false };
    const extended = read?.known && options.extend ? options.extend(read.bytes, current, next) : undefined;
    writeAtomic(path, extended ?? serializeLedger(next));
    // `change` built the new ledger from a valid one and events it checked; note what was written.
    if (options.checked !== undefined) noteChecked(options.checked, path, statSync(path, { bigint: true }));
    return { ledger: next, written: true };
  } finally {
    release();
  }
}

/**
 * Brings back the backup generation after checking it validates. The ledger it replaces is kept
 * beside it as `<ledger>.damaged-<time>`, and the backup itself stays in place.
 */
export function restoreBackup<T>(path: string, validate: Validate<T>, stamp: string, options: StoreOptions = {}): { kept: string | null } {
  const timeoutMs = Math.max(0, options.lockTimeoutMs ?? (Number(process.env.PLAYBOOK_LOCK_TIMEOUT_MS) || 10_000));
  const release = acquireLock(path, timeoutMs);
  try {
    const backup = backupPath(path);
    let bytes: Buffer;
    try {
      ({ bytes } = readLedgerFile(backup));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') throw failure(`${backup}: there is no backup to restore`);
      throw fsFailure(backup, error, 'read');
    }
    let text: string;
    try {
      text = ledgerText(bytes);
      validate(JSON.parse(text), false);
    } catch (error) {
      throw failure(`${backup}: the backup is damaged too (${describe(error)}); nothing was changed`);
    }
    const kept = `${path}.damaged-${stamp}`;
    const hasLedger = keepBackup(path, kept);
    writeAtomic(path, text, false);
    return { kept: hasLedger ? kept : null };
  } finally {
    release();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Atomic write

/**
 * A name beside `base` no other process uses: the process id and a random suffix. It needs to be
 * unique, not secret: the file is created with O_EXCL, which never follows a link or reuses a file
 * that is there, so Math.random serves, and node:crypto (ten milliseconds to load) is not needed.
 */
function tempName(base: string): string {
  const suffix = Math.floor(Math.random() * 2 ** 48).toString(16).padStart(12, '0');
  return `${base}.${process.pid}.${suffix}.tmp`;
}

function writeAtomic(path: string, content: string | Buffer[], keepPrevious = true): void {
  const tmp = tempName(path);
  let backupTmp: string | undefined;
  let tmpCreated = false;
  try {
    const fd = openSync(tmp, 'wx', FILE_MODE);
    tmpCreated = true;
    try {
      fchmodSync(fd, FILE_MODE); // the umask may have narrowed it, never widened; make it exact anyway
      if (typeof content === 'string') writeFileSync(fd, content, 'utf8');
      else for (const chunk of content) writeFileSync(fd, chunk);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }

    // Keep the previous generation (validated a moment ago, under the lock) as the backup.
    backupTmp = tempName(backupPath(path));
    if (keepPrevious && keepBackup(path, backupTmp)) {
      chmodSync(backupTmp, FILE_MODE);
      renameSync(backupTmp, backupPath(path));
    }
    backupTmp = undefined;

    renameSync(tmp, path);
    tmpCreated = false;
    fsyncDir(dirname(path));
  } catch (error) {
    if (tmpCreated) unlinkQuietly(tmp);
    if (backupTmp !== undefined) unlinkQuietly(backupTmp);
    throw error instanceof CliError ? error : fsFailure(path, error, 'write');
  }
}

/** Puts a copy of the current ledger at `target` (a hard link when possible). False when there is no ledger. */
function keepBackup(path: string, target: string): boolean {
  try {
    linkSync(path, target);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    // File systems without hard links: copy instead.
  }
  try {
    copyFileSync(path, target, fsConstants.COPYFILE_EXCL);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
  chmodSync(target, FILE_MODE);
  const fd = openSync(target, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (error) {
    if (isDirSyncUnsupported(error)) return;
    throw error;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    if (!isDirSyncUnsupported(error)) throw error;
  } finally {
    closeSync(fd);
  }
}

function isDirSyncUnsupported(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'EISDIR' || code === 'EPERM' || code === 'EACCES' || code === 'EINVAL' || code === 'EBADF' || code === 'ENOTSUP';
}

function ensureDir(path: string): void {
  const dir = dirname(path);
  try {
    const created = mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    if (created !== undefined) chmodSync(dir, DIR_MODE);
  } catch (error) {
    // mkdir -p reports EEXIST when a component of the path is a file: say what is really wrong.
    throw fsFailure(path, errorCode(error) === 'EEXIST' ? Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }) : error, 'write');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Lock

interface LockHolder {
  pid: number;
  host: string;
  at: string;
  command?: string;
}

interface LockSnapshot {
  raw: string | undefined; // undefined: exists but unreadable
  ino: number;
  mtimeMs: number;
  holder: LockHolder | undefined; // undefined: unreadable or garbled
}

/** Locks this process holds right now (lock path -> the exact content it wrote). */
const held = new Map<string, string>();
const processStartedMs = Date.now() - process.uptime() * 1000;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

function sleep(ms: number): void {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
}

/** A monotonic clock in milliseconds; unlike performance.now(), reading it does not load perf_hooks. */
const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Takes the lock, waiting up to `timeoutMs`; returns the function that releases it. */
function acquireLock(path: string, timeoutMs: number): () => void {
  const file = lockPath(path);
  const deadline = monotonicMs() + timeoutMs;
  let delay = SLEEP_MIN_MS;
  for (;;) {
    const content = tryCreateLock(path, file);
    if (content !== undefined) {
      held.set(file, content);
      return () => releaseLock(file, content);
    }

    const snapshot = readLock(file);
    if (snapshot === undefined) continue; // released between our attempt and our look: try again now
    if (isStale(file, snapshot) && breakStaleLock(path, file, snapshot)) continue;

    const remaining = deadline - monotonicMs();
    if (remaining <= 0) throw lockedFailure(file, snapshot);
    sleep(Math.min(delay, remaining));
    delay = Math.min(delay * 2, SLEEP_MAX_MS);
  }
}

/**
 * Creates the lock file, whole: the holder is written to a temporary file that is then hard-linked
 * to the lock's name, which fails if a lock is there. A process killed half-way leaves either no lock
 * or a complete one the next command can judge, never an empty one. On a file system without hard
 * links the lock is created directly with O_EXCL. Returns its content, or undefined when somebody
 * else holds it.
 */
function tryCreateLock(path: string, file: string): string | undefined {
  const holder: LockHolder = { pid: process.pid, host: nodeOs().hostname(), at: new Date().toISOString() };
  const command = process.argv.slice(2).join(' ');
  if (command !== '') holder.command = command;
  const content = `${JSON.stringify(holder)}\n`;
  const tmp = tempName(file);
  try {
    if (!writeExclusive(path, tmp, content)) throw fsFailure(path, Object.assign(new Error(`${tmp} exists`), { code: 'EEXIST' }), 'write');
    try {
      linkSync(tmp, file);
      return content;
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return undefined;
      if (!NO_HARD_LINKS.has(errorCode(error) ?? '')) throw fsFailure(path, error, 'write');
    }
  } finally {
    unlinkQuietly(tmp);
  }
  return writeExclusive(path, file, content) ? content : undefined;
}

/** What link() says on a file system that has no hard links. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/** Creates `file` with O_EXCL and writes `content` into it. False when the file exists; a failure removes what it created. */
function writeExclusive(path: string, file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', FILE_MODE);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw fsFailure(path, error, 'write');
  }
  try {
    try {
      fchmodSync(fd, FILE_MODE);
      writeFileSync(fd, content, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    unlinkQuietly(file);
    throw fsFailure(path, error, 'write');
  }
  return true;
}

function releaseLock(file: string, content: string): void {
  held.delete(file);
  try {
    // Only remove the lock if it is still ours.
    if (readFileSync(file, 'utf8') === content) unlinkSync(file);
  } catch {
    // Already gone, or cannot be removed: the next command sees a dead holder and takes it over.
  }
}

/** What the lock file says right now; undefined when it does not exist. */
function readLock(file: string): LockSnapshot | undefined {
  let ino: number;
  let mtimeMs: number;
  try {
    const stat = statSync(file);
    ino = stat.ino;
    mtimeMs = stat.mtimeMs;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    return { raw: undefined, ino: -1, mtimeMs: Date.now(), holder: undefined };
  }
  let raw: string | undefined;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    raw = undefined;
  }
  return { raw, ino, mtimeMs, holder: raw === undefined ? undefined : parseHolder(raw) };
}

function parseHolder(raw: string): LockHolder | undefined {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const { pid, host, at, command } = data as Record<string, unknown>;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (typeof host !== 'string' || typeof at !== 'string') return undefined;
  return typeof command === 'string' ? { pid, host, at, command } : { pid, host, at };
}

function isStale(file: string, snapshot: LockSnapshot): boolean {
  const { holder } = snapshot;
  if (holder === undefined) return Date.now() - snapshot.mtimeMs > STALE_MS;
  // A lock from another machine (shared folder) cannot be checked: never take it over.
  if (holder.host !== nodeOs().hostname()) return false;
  if (holder.pid === process.pid) {
    // Our pid, but not our lock: left by an earlier process that had the same pid (containers reuse pids),
    // unless it was written after this process started (another thread of ours).
    return !held.has(file) && snapshot.mtimeMs < processStartedMs - 1000;
  }
  return !isAlive(holder.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) !== 'ESRCH'; // EPERM: alive, owned by someone else
  }
}

/**
 * Removes a stale lock without racing another process doing the same: only the holder of the O_EXCL breaker
 * file may remove the lock, and only after confirming it is still the very lock it judged stale.
 * Returns true when the caller should retry taking the lock at once.
 */
function breakStaleLock(path: string, file: string, seen: LockSnapshot): boolean {
  const breaker = breakerPath(path);
  let fd: number;
  try {
    fd = openSync(breaker, 'wx', FILE_MODE);
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw fsFailure(path, error, 'write');
    // Somebody else is breaking the lock; a breaker left by a process that died doing so is stale itself.
    try {
      if (Date.now() - statSync(breaker).mtimeMs > STALE_MS) {
        unlinkSync(breaker);
        return true;
      }
    } catch (statError) {
      if (errorCode(statError) === 'ENOENT') return true;
    }
    return false;
  }
  try {
    closeSync(fd);
    const now = readLock(file);
    if (now === undefined) return true;
    if (now.ino === seen.ino && now.raw === seen.raw && isStale(file, now)) {
      unlinkSync(file);
      return true;
    }
    return false;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return true;
    throw error instanceof CliError ? error : fsFailure(path, error, 'write');
  } finally {
    unlinkQuietly(breaker);
  }
}

function lockedFailure(file: string, snapshot: LockSnapshot): CliError {
  const hint = 'wait for that command to finish, or remove the lock file if that process is gone';
  const { holder } = snapshot;
  if (holder === undefined) {
    const since = new Date(snapshot.mtimeMs).toISOString();
    return failure(`${file}: the ledger is locked by an unreadable lock file since ${since}`, hint);
  }
  return failure(
    `${file}: the ledger is locked by pid ${holder.pid} on ${printable(holder.host)} since ${printable(holder.at)}`,
    hint,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Errors

/** Filesystem errors a user can cause (permissions, read-only or full disk, a bad path) -> one-line failures. */
const USER_FS_ERRORS: Record<string, string> = {
  EACCES: 'check the permissions of the ledger file and its directory',
  EPERM: 'check the permissions of the ledger file and its directory',
  EROFS: 'the ledger is on a read-only file system; use a writable location',
  ENOSPC: 'free some disk space and try again; the ledger was not changed',
  EDQUOT: 'free some disk space and try again; the ledger was not changed',
  ENOTDIR: 'check the ledger path: part of it is a file where a directory is expected',
  EISDIR: 'check the ledger path: it, or its backup, is a directory',
  ENAMETOOLONG: 'use a shorter ledger path',
  ELOOP: 'check the ledger path: it has a symbolic link loop',
  [NOT_A_FILE]: 'check the ledger path: a ledger is a regular file',
  EMFILE: 'too many open files; try again',
};

function fsFailure(path: string, error: unknown, verb: 'read' | 'write'): unknown {
  const code = errorCode(error);
  if (code === undefined || !Object.hasOwn(USER_FS_ERRORS, code)) return error;
  const hint = verb === 'write' ? USER_FS_ERRORS[code] : USER_FS_ERRORS[code]?.replace(/; the ledger was not changed$/, '');
  return failure(`${path}: cannot ${verb} the ledger: ${code === NOT_A_FILE ? (error as Error).message : code}`, hint);
}

function damaged(path: string, reason: string): CliError {
  return failure(`${path}: ledger is damaged: ${reason}`, DAMAGED_HINT);
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = printable(message.replace(/\s*\n\s*/g, ' ').trim()) || 'invalid';
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}

/** Neutralises control characters (text from files must not drive the terminal). */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error as { code: unknown };
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
