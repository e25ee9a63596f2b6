// The lock a writer holds while it reads and appends: one exclusive file (O_EXCL) naming its
// holder. A lock whose holder is provably gone is taken over safely; otherwise we wait, bounded,
// then fail naming the lock and its holder.
//
// "Provably gone" is narrow on purpose. A pid means something only on one machine, during one boot,
// inside one pid namespace: containers that share a volume and a host name each have their own pids,
// and `kill(pid, 0)` says "no such process" for a holder that is alive in the next container. So the
// holder records its boot id and pid namespace (Linux), and a dead pid makes its lock stale only when
// host, boot and namespace are all ours. A lock written by an earlier boot of this machine is stale
// whatever its pid says. Anything else is waited for, then reported.
//
// Only a regular file is a lock. Anything else at the lock's path (a symbolic link, a named pipe, a
// device, a directory) was put there by someone else, is never read, and is refused at once with a
// one-line error: following it could read /dev/zero without end or block on a pipe forever.
import { closeSync, constants as fsConstants, fstatSync, linkSync, lstatSync, openSync, readlinkSync, readSync, type Stats, unlinkSync } from 'node:fs';
import { CliError, failure } from '../errors.js';
import { nodeOs } from '../os.js';
import { errorCode, FILE_MODE, fsFailure, NO_HARD_LINKS, printable, tempName, unlinkQuietly, writeExclusive } from './files.js';

/** A garbled lock file or a takeover "breaker" file older than this is considered abandoned. */
const STALE_MS = 10_000;
const SLEEP_MIN_MS = 10;
const SLEEP_MAX_MS = 100;
/** A holder is a line of JSON; anything longer is garbled, and is never read further. */
const MAX_LOCK_BYTES = 16 * 1024;
/** The command line kept in the holder, for the message of whoever waits: enough to recognise it. */
const MAX_COMMAND_CHARS = 300;
/** Retries without sleeping (the lock vanished as we looked) before the loop sleeps like any wait. */
const MAX_QUICK_RETRIES = 3;

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
  /** /proc/sys/kernel/random/boot_id of the holder's machine, when it could read it. */
  boot?: string;
  /** The holder's pid namespace (readlink /proc/self/ns/pid, e.g. "pid:[4026531836]"), when it could read it. */
  pidns?: string;
}

/** The lock file as it is right now: absent, something that is not a regular file, or a file. */
type LockSnapshot =
  | { kind: 'bad'; detail: string }
  | {
      kind: 'file';
      raw: string | undefined; // undefined: exists but unreadable
      ino: number;
      mtimeMs: number;
      holder: LockHolder | undefined; // undefined: unreadable or garbled
    };

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
  let quickRetries = 0;
  for (;;) {
    const content = tryCreateLock(path, file);
    if (content !== undefined) {
      held.set(file, content);
      return () => releaseLock(file, content);
    }

    const snapshot = readLock(file);
    if (snapshot?.kind === 'bad') throw badLockFailure(file, snapshot.detail);
    // Released between our attempt and our look, or a stale lock just removed: try again at once, a few
    // times; a lock that keeps doing this is waited for like any other, so the loop never spins.
    const retryNow = snapshot === undefined || (isStale(file, snapshot) && breakStaleLock(path, file, snapshot));
    if (retryNow && quickRetries++ < MAX_QUICK_RETRIES) continue;

    const remaining = deadline - monotonicMs();
    if (remaining <= 0) throw snapshot === undefined ? vanishingFailure(file) : lockedFailure(file, snapshot);
    sleep(Math.min(delay, remaining));
    delay = Math.min(delay * 2, SLEEP_MAX_MS);
    quickRetries = 0;
  }
}

/**
 * Tells what is at the lock of the ledger at `path`, for `doctor`: nothing, a lock and who holds it,
 * or something that is not a lock file. Never follows a link or reads more than a lock's worth.
 */
export function inspectLock(path: string): { state: 'free' } | { state: 'held'; holder: string } | { state: 'bad'; detail: string } {
  const file = lockPath(path);
  const snapshot = readLock(file);
  if (snapshot === undefined) return { state: 'free' };
  if (snapshot.kind === 'bad') return { state: 'bad', detail: `${printable(file)} is ${snapshot.detail}, not a lock file` };
  return { state: 'held', holder: describeHolder(snapshot) };
}

/** What this process writes into its lock besides pid, host and time; read once, they do not change. */
let machine: { boot?: string; pidns?: string } | undefined;

function thisMachine(): { boot?: string; pidns?: string } {
  if (machine === undefined) {
    machine = {};
    try {
      const boot = readTextCapped('/proc/sys/kernel/random/boot_id', 64).trim();
      if (boot !== '') machine.boot = boot;
    } catch {
      // Not Linux, or /proc is not mounted: the lock says nothing about the boot.
    }
    try {
      machine.pidns = readlinkSync('/proc/self/ns/pid');
    } catch {
      // Not Linux, or not allowed: the lock says nothing about the namespace.
    }
  }
  return machine;
}

/**
 * Creates the lock file, whole: the holder is written to a temporary file that is then hard-linked
 * to the lock's name, which fails if a lock is there. A process killed half-way leaves either no lock
 * or a complete one the next command can judge, never an empty one. On a file system without hard
 * links the lock is created directly with O_EXCL. Returns its content, or undefined when somebody
 * else holds it. Neither link() nor O_EXCL follows a symbolic link at the lock's name.
 */
function tryCreateLock(path: string, file: string): string | undefined {
  const holder: LockHolder = { pid: process.pid, host: nodeOs().hostname(), at: new Date().toISOString() };
  const command = process.argv.slice(2).join(' ');
  if (command !== '') holder.command = command.length > MAX_COMMAND_CHARS ? `${command.slice(0, MAX_COMMAND_CHARS - 1)}…` : command;
  Object.assign(holder, thisMachine());
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
    const now = readLock(file);
    if (now?.kind === 'file' && now.raw === content) unlinkSync(file);
  } catch {
    // Already gone, or cannot be removed: the next command sees a dead holder and takes it over.
  }
}

/** What kind of thing a non-regular file is, for a message. */
function kindOf(stat: Stats): string {
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  return 'a device';
}

/**
 * Reads at most `max` bytes of a regular file, without following a link and without blocking: the
 * file is checked after it is opened too, in case something else was put in its place meanwhile.
 */
function readTextCapped(file: string, max: number): string {
  const fd = openSync(file, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0));
  try {
    const stat = fstatSync(fd);
    // /proc files report size 0 but are regular files and end; only something else is refused.
    if (!stat.isFile()) throw Object.assign(new Error(`it is ${kindOf(stat)}`), { code: 'ENOTFILE' });
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > max) throw Object.assign(new Error(`longer than ${max} bytes`), { code: 'EFBIG' });
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

/** What the lock file says right now; undefined when it does not exist. Never follows a link. */
function readLock(file: string): LockSnapshot | undefined {
  let stat: Stats;
  try {
    stat = lstatSync(file);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    return { kind: 'file', raw: undefined, ino: -1, mtimeMs: Date.now(), holder: undefined };
  }
  if (!stat.isFile()) return { kind: 'bad', detail: kindOf(stat) };
  let raw: string | undefined;
  try {
    raw = readTextCapped(file, MAX_LOCK_BYTES);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return undefined;
    // Replaced by a link or something else between lstat and open (ELOOP: O_NOFOLLOW met a link).
    if (code === 'ELOOP' || code === 'EMLINK') return { kind: 'bad', detail: 'a symbolic link' };
    if (code === 'ENOTFILE') return { kind: 'bad', detail: (error as Error).message.replace(/^it is /, '') };
    raw = undefined; // unreadable or too long: garbled
  }
  return { kind: 'file', raw, ino: stat.ino, mtimeMs: stat.mtimeMs, holder: raw === undefined ? undefined : parseHolder(raw) };
}

function parseHolder(raw: string): LockHolder | undefined {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const { pid, host, at, command, boot, pidns } = data as Record<string, unknown>;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (typeof host !== 'string' || typeof at !== 'string') return undefined;
  const holder: LockHolder = { pid, host, at };
  if (typeof command === 'string') holder.command = command;
  // A field of the wrong type is kept as a value no machine has, so it never matches ours.
  if (boot !== undefined) holder.boot = typeof boot === 'string' ? boot : '?';
  if (pidns !== undefined) holder.pidns = typeof pidns === 'string' ? pidns : '?';
  return holder;
}

function isStale(file: string, snapshot: Extract<LockSnapshot, { kind: 'file' }>): boolean {
  const { holder } = snapshot;
  if (holder === undefined) return Date.now() - snapshot.mtimeMs > STALE_MS;
  // A lock from another machine (shared folder) cannot be checked: never take it over.
  if (holder.host !== nodeOs().hostname()) return false;
  const ours = thisMachine();
  if (holder.boot !== undefined || holder.pidns !== undefined) {
    // This machine rebooted since the lock was written: its holder is gone, whatever its pid says now.
    // A different boot id on a lock written since this boot is not a reboot but another machine with
    // our host name (a volume shared across hosts): that one is left alone.
    if (holder.boot !== undefined && ours.boot !== undefined && holder.boot !== ours.boot) {
      return snapshot.mtimeMs < Date.now() - nodeOs().uptime() * 1000;
    }
    // The pid means something here only if the holder ran in this boot and in our pid namespace.
    if (holder.boot !== ours.boot || holder.pidns !== ours.pidns) return false;
  }
  // (A lock without boot and namespace was written by an earlier version: judged by its pid, as it was.)
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
function breakStaleLock(path: string, file: string, seen: Extract<LockSnapshot, { kind: 'file' }>): boolean {
  const breaker = breakerPath(path);
  let fd: number;
  try {
    fd = openSync(breaker, 'wx', FILE_MODE);
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw fsFailure(path, error, 'write');
    // Somebody else is breaking the lock; a breaker left by a process that died doing so is stale itself.
    // Looked at without following a link: a link or anything else there is refused like a bad lock.
    let stat: Stats;
    try {
      stat = lstatSync(breaker);
    } catch (statError) {
      if (errorCode(statError) === 'ENOENT') return true;
      return false;
    }
    if (!stat.isFile()) throw badLockFailure(breaker, kindOf(stat));
    if (Date.now() - stat.mtimeMs > STALE_MS) {
      unlinkQuietly(breaker);
      return true;
    }
    return false;
  }
  try {
    closeSync(fd);
    const now = readLock(file);
    if (now === undefined) return true;
    if (now.kind === 'bad') throw badLockFailure(file, now.detail);
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

function describeHolder(snapshot: Extract<LockSnapshot, { kind: 'file' }>): string {
  const { holder } = snapshot;
  if (holder === undefined) return `an unreadable lock file since ${new Date(snapshot.mtimeMs).toISOString()}`;
  return `pid ${holder.pid} on ${printable(holder.host)} since ${printable(holder.at)}`;
}

function lockedFailure(file: string, snapshot: Extract<LockSnapshot, { kind: 'file' }>): CliError {
  const hint = 'wait for that command to finish, or remove the lock file if that process is gone';
  return failure(`${file}: the ledger is locked by ${describeHolder(snapshot)}`, hint);
}

/** Something that is not a regular file where a lock belongs: nothing we do would ever clear it. */
function badLockFailure(file: string, detail: string): CliError {
  return failure(`${printable(file)}: the lock is ${detail}, not a lock file`, `remove it (rm ${printable(file)}) if no playbook command is running, then try again`);
}

/** The lock kept appearing and vanishing for the whole wait: some other program is playing with it. */
function vanishingFailure(file: string): CliError {
  return failure(`${printable(file)}: could not take the lock: it keeps appearing and disappearing`, 'check what else writes beside the ledger, then try again');
}
