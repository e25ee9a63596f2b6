// The lock a writer holds while it reads and appends: one exclusive file (O_EXCL) naming its
// holder. A lock whose holder is provably gone is taken over safely; otherwise we wait, bounded,
// then fail naming the lock and its holder.
import { closeSync, linkSync, openSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { CliError, failure } from '../errors.js';
import { nodeOs } from '../os.js';
import { errorCode, FILE_MODE, fsFailure, NO_HARD_LINKS, printable, tempName, unlinkQuietly, writeExclusive } from './files.js';

/** A garbled lock file or a takeover "breaker" file older than this is considered abandoned. */
const STALE_MS = 10_000;
const SLEEP_MIN_MS = 10;
const SLEEP_MAX_MS = 100;

export function lockPath(path: string): string {
  return `${path}.lock`;
}

function breakerPath(path: string): string {
  return `${lockPath(path)}.break`;
}

/** How long to wait for another command's lock: PLAYBOOK_LOCK_TIMEOUT_MS, else 10 s. */
export function lockTimeout(given?: number): number {
  return Math.max(0, given ?? (Number(process.env.PLAYBOOK_LOCK_TIMEOUT_MS) || 10_000));
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
export function acquireLock(path: string, timeoutMs: number): () => void {
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

