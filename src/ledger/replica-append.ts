// Writing to a team ledger: a change is one append of whole lines to this replica's own file, under
// its lock, then fsync (replicas.ts).
import { closeSync, constants as fsConstants, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliError } from '../errors.js';
import { noteChecked } from './checked.js';
import { randomPart } from './clock.js';
import { lineHash } from './convert.js';
import { indexLines } from './file-index.js';
import { DIR_MODE, ensureDir, errorCode, FILE_MODE, fsFailure, fsyncDir } from './files.js';
import { asciiJson } from './json.js';
import { acquireLock, lockTimeout } from './lock.js';
import { localFile, POINTER, readLocal, writeLocal, type Layout, type LocalState } from './replica-layout.js';
import { parseLines } from './replica-lines.js';
import { HASHED_FROM, type OwnFile } from './replica-file.js';
import { hasEvent, readReplicas, type LedgerRead, type ReadOptions } from './replica-read.js';
import { writeAtomic } from './store.js';
import { gitWorkTree, writeTeamFiles } from './team.js';

export interface WriteOptions extends Omit<ReadOptions, 'replica'> {
  lockTimeoutMs?: number;
  /** This clone's own state to keep after the change (its current cycle), if it changes. */
  update?: () => LocalState | undefined;
}

/** Takes this replica's lock, in this machine's folder for the ledger; returns the function that releases it. */
export function lockReplica(layout: Layout, timeoutMs: number | undefined): () => void {
  ensureDir(localFile(layout));
  return acquireLock(join(layout.local, 'ledger'), lockTimeout(timeoutMs));
}

/** The ledger's folder and its events folder, made if missing. */
export function makeEventsFolder(layout: Layout): void {
  ensureDir(layout.path);
  try {
    mkdirSync(layout.events, { mode: DIR_MODE });
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw fsFailure(layout.events, error, 'write');
  }
}

/**
 * Read-append under this replica's lock. `change` sees the ledger as it is inside the lock and this
 * clone's own state (a replica name is made on the first write), and returns the lines to append to
 * the replica's own file (whole events, newlines included), or undefined to write nothing; it throws
 * a CliError to refuse the change. A version-1 file is converted on this first write: the converted
 * events go to a file of their own, then the ledger file becomes the version-2 pointer, and the old
 * file is kept in this machine's folder.
 */
export function appendToReplica(layout: Layout, change: (read: LedgerRead | null, local: LocalState) => string | undefined, options: WriteOptions = {}): { read: LedgerRead | null; written: boolean } {
  const release = lockReplica(layout, options.lockTimeoutMs);
  try {
    const local = readLocal(layout);
    const named = local.replica !== undefined;
    local.replica ??= randomPart().toLowerCase();
    const read = readReplicas(layout, { ...options, replica: local.replica });
    // A replica's own file without the last event it wrote (another branch checked out, the file
    // reset) is left as it is: this clone goes on in a new file, so that no number of a replica is
    // given to two events. A file that goes on past it (a crash before replica.json was updated,
    // branches merged) is carried on.
    const moved = named && local.last !== undefined && !hasEvent(read?.own, local.last);
    if (moved) {
      local.replica = randomPart().toLowerCase();
      if (read) delete read.own;
    }
    // The replica's name is kept before its first line is written: a change cut off by a crash is
    // then cut off its own file by the next write, not left behind in a file nobody writes again.
    if (!named || moved) writeLocal(layout, local);
    const lines = change(read, local);
    const update = options.update?.();
    if (lines !== undefined) {
      makeEventsFolder(layout);
      if (read?.v1) {
        writeAtomic(join(layout.local, 'ledger-v1.json'), [read.v1.bytes], false);
        writeAtomic(join(layout.events, read.v1.name), read.v1.events.map((e) => `${asciiJson(e)}\n`).join(''), false);
        // A ledger in a repository converts once per clone: the events files must merge by lines.
        if (gitWorkTree(dirname(layout.path))) writeTeamFiles(layout.path);
      }
      appendLines(join(layout.events, `${local.replica}.jsonl`), read?.own, lines, options.checked);
      if (read === null || read.version === 1) writeAtomic(layout.path, POINTER, false);
      local.last = lastId(lines);
    }
    if (update !== undefined || lines !== undefined) writeLocal(layout, { ...local, ...update, last: local.last });
    return { read, written: lines !== undefined };
  } finally {
    release();
  }
}

/** The id of the last of the lines (each starts with it: `{"id":"…"`). */
function lastId(lines: string): string {
  return (JSON.parse(lines.slice(lines.lastIndexOf('\n', lines.length - 2) + 1)) as { id: string }).id;
}

/**
 * Appends whole lines in one write, after cutting off a change a crash left unfinished, and notes
 * the file written (by its descriptor) with its index grown by the new lines.
 */
function appendLines(file: string, own: OwnFile | undefined, lines: string, notes: string | undefined): void {
  // The bytes kept before the new lines, for the note's hash: read now, before the file changes.
  const indexed = own === undefined || own.valid === 0 || own.index !== undefined;
  const hashing = notes !== undefined && indexed && (own?.valid ?? 0) + lines.length >= HASHED_FROM;
  const kept = hashing && own !== undefined && own.valid > 0 ? Buffer.from(own.text(), 'latin1') : undefined;
  let fd: number;
  try {
    fd = openSync(file, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT, FILE_MODE);
  } catch (error) {
    throw fsFailure(file, error, 'write');
  }
  const created = own === undefined;
  try {
    if (own && own.valid < own.size) ftruncateSync(fd, own.valid);
    const bytes = Buffer.from(lines, 'utf8');
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written);
    fsyncSync(fd);
    if (notes !== undefined && indexed) {
      const index = indexLines(lines, parseLines(file, lines), own?.valid ?? 0, own?.valid ? own.index : undefined);
      noteChecked(notes, file, fstatSync(fd, { bigint: true }), hashing ? { bytes: kept ? [kept, bytes] : bytes, index } : { index });
    }
  } catch (error) {
    throw error instanceof CliError ? error : fsFailure(file, error, 'write');
  } finally {
    closeSync(fd);
  }
  if (created) fsyncDir(dirname(file));
}

/** The hash a replica's next line carries of the line before it. */
export function chainHash(own: OwnFile | undefined): string | undefined {
  return own?.lastLine === undefined ? undefined : lineHash(own.lastLine);
}
