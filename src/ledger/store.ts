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
import { isAscii, isUtf8 } from 'node:buffer';
import { chmodSync, closeSync, copyFileSync, constants as fsConstants, fchmodSync, fsyncSync, linkSync, openSync, renameSync, statSync, writeFileSync, type BigIntStats } from 'node:fs';
import { dirname } from 'node:path';
import { CliError, failure } from '../errors.js';
import { isChecked, noteChecked } from './checked.js';
import { describe, ensureDir, errorCode, FILE_MODE, fsFailure, readLedgerFile, tempName, unlinkQuietly, fsyncDir } from './files.js';
import { acquireLock, lockTimeout } from './lock.js';

export { NOT_A_FILE, readLedgerFile } from './files.js';
export { lockPath } from './lock.js';
export { asciiJson } from './json.js';
import { asciiJson } from './json.js';

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

const DAMAGED_HINT =
  'run `playbook doctor` to see what is wrong; `playbook doctor --restore` brings back the last good copy';

export function backupPath(path: string): string {
  return `${path}.bak`;
}

/** Serialises a ledger the way the store writes it: compact JSON ending with a newline. */
export function serializeLedger(value: unknown): string {
  const text = asciiJson(value);
  if (text === undefined) throw new TypeError(`cannot serialise a ledger of type ${typeof value}`);
  return `${text}\n`;
}

/**
 * The text of a ledger file's bytes. JSON is UTF-8: bytes that are not (a flipped bit, an editor that
 * saved another encoding) are damage, never decoded into U+FFFD that the next write would make
 * permanent. A leading BOM (some editors add one) is not damage and is dropped.
 */
export function ledgerText(bytes: Buffer): string {
  // playbook writes ASCII only (json.ts): such bytes are UTF-8 already, and decoding them as Latin-1
  // is a plain copy. On the 34 MB of a 100,000-event team ledger: 97 ms against 106-154 ms for the
  // UTF-8 check and decoding (measured in one process, three rounds).
  if (isAscii(bytes)) return bytes.toString('latin1');
  if (!isUtf8(bytes)) throw new Error('not valid UTF-8 text (some bytes were changed, or it was saved in another encoding)');
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Reads and validates the ledger. Returns null when the file does not exist. Never writes the ledger. */
export function readLedger<T>(path: string, validate: Validate<T>, options: Pick<StoreOptions, 'checked'> = {}): T | null {
  return readChecked(path, validate, options)?.ledger ?? null;
}

/** A ledger path that names something other than a file or a directory. */

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
  const timeoutMs = lockTimeout(options.lockTimeoutMs);
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
  const timeoutMs = lockTimeout(options.lockTimeoutMs);
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

export function writeAtomic(path: string, content: string | Buffer[], keepPrevious = true, mode = FILE_MODE): void {
  const tmp = tempName(path);
  let backupTmp: string | undefined;
  let tmpCreated = false;
  try {
    const fd = openSync(tmp, 'wx', mode);
    tmpCreated = true;
    try {
      fchmodSync(fd, mode); // the umask may have narrowed it, never widened; make it exact anyway
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

function damaged(path: string, reason: string): CliError {
  return failure(`${path}: ledger is damaged: ${reason}`, DAMAGED_HINT);
}
