// Which ledger files are already known to be valid, so that reading one again does not check
// every event again. The store notes a file's identity (device, inode, size, modification and
// change times) after it wrote the file or after a read checked every event of it. A later read
// of a file with the same identity reads the same bytes: the kernel sets the change time on every
// write, rename or link, and nobody can set it back. A copy, a checkout, an edit or a restored
// backup is a different identity and is checked in full. This is the trust git gives its index.
//
// Like git's index, the notes also guard against "racily clean" files. Where time stamps are
// coarse (1 s on some network and older file systems, 2 s on FAT), an edit of the same size made
// within the same tick as the noted version keeps every part of the identity. So each note records
// when it was taken, and the identity alone is trusted only when the file's modification and change
// times are at least RACY_MARGIN older than that moment: any later edit lands in a later tick and
// shows. A note taken sooner (always the case right after a write) is trusted only if the caller
// passes the bytes it read and they hash to the bytes that were noted; otherwise the read checks
// in full. The moment is this machine's clock, so a file server whose clock is more than a second
// or so behind ours weakens the rule; one ahead of ours only makes notes racy for longer.
//
// What callers pass: the identity of the bytes they checked or wrote, from the same open file
// (fstat of the descriptor read from, or of the descriptor written, taken after the rename, which
// itself changes the change time), never a stat of the path afterwards, which may already describe
// somebody else's file. And, to keep the quick path for a file written a moment ago, those bytes.
//
// The notes are a cache in the user's cache directory. Losing or damaging them only means the
// next read checks everything; nothing in them can make a file that changed look unchanged.
import type { BigIntStats } from 'node:fs';
import { mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';

/** At most this many ledgers are remembered; the least recently noted are forgotten first. */
const MAX_FILES = 32;
/** The coarsest time stamps in use (FAT: 2 s). A file older than this when noted cannot change unseen. */
const RACY_MARGIN_NS = 2_000_000_000n;
/**
 * Notes of an earlier version are not trusted, they are simply replaced: version 1's had no time,
 * version 2's indexes kept the steps passed with each cycle's lines (file-index.ts: STRUCTURAL_TYPES),
 * version 3's had no newest id of each cycle (file-index.ts: latest), version 4's did not say whether
 * a file's ids rise line after line (file-index.ts: rising).
 */
export const NOTES_VERSION = 5;

/** The bytes a caller read or wrote: one buffer, or the chunks written in order. */
export type Bytes = Uint8Array | readonly Uint8Array[];

interface Note {
  /** identity() of the file when it was noted. */
  id: string;
  /** When the note was taken, in nanoseconds since the epoch (a decimal string: JSON has no bigint). */
  at: string;
  /** SHA-256 of the bytes, kept only for a racy note: the one way such a note can be trusted. */
  sha256?: string;
  /** What the caller keeps about the bytes (file-index.ts), trusted exactly as far as the note. */
  index?: unknown;
}

export function identity(stat: BigIntStats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

function isNote(value: unknown): value is Note {
  if (typeof value !== 'object' || value === null) return false;
  const { id, at, sha256 } = value as Record<string, unknown>;
  return typeof id === 'string' && typeof at === 'string' && /^\d{1,30}$/.test(at) && (sha256 === undefined || typeof sha256 === 'string');
}

/**
 * The notes as this process last read them, by the identity of the notes file: a command that reads
 * five replica files parses them once, and a notes file changed since is read again.
 */
const cache = new Map<string, { id: string; files: Record<string, Note> }>();

function readNotes(notes: string): Record<string, Note> {
  let id: string;
  try {
    id = identity(statSync(notes, { bigint: true }));
  } catch {
    return {};
  }
  const known = cache.get(notes);
  if (known && known.id === id) return { ...known.files };
  const files = loadNotes(notes);
  cache.set(notes, { id, files });
  return { ...files };
}

function loadNotes(notes: string): Record<string, Note> {
  try {
    const data = JSON.parse(readFileSync(notes, 'utf8')) as { version?: unknown; files?: unknown };
    const files = data?.files;
    if (data?.version !== NOTES_VERSION || !files || typeof files !== 'object' || Array.isArray(files)) return {};
    return Object.fromEntries(Object.entries(files).filter((entry): entry is [string, Note] => isNote(entry[1])));
  } catch {
    return {};
  }
}

/** True when a file with these times could not have been changed unseen after a note taken at `atNs`. */
function settled(stat: BigIntStats, atNs: bigint): boolean {
  return stat.mtimeNs <= atNs - RACY_MARGIN_NS && stat.ctimeNs <= atNs - RACY_MARGIN_NS;
}

/** SHA-256 of the bytes; node:crypto is loaded only when a racy note needs it. */
function digest(bytes: Bytes): string {
  const { createHash } = process.getBuiltinModule('node:crypto');
  const hash = createHash('sha256');
  for (const chunk of bytes instanceof Uint8Array ? [bytes] : bytes) hash.update(chunk);
  return hash.digest('hex');
}

/** The note of a file with the identity asked for: trusted as it is when `settled`, else only for the bytes noted. */
export interface Found {
  settled: boolean;
  /** True when `bytes`, read with that identity, are the bytes noted (always false for a racy note without a hash). */
  holds(bytes: Bytes): boolean;
  /** SHA-256 of the bytes noted, when the note has it. */
  sha256?: string;
  index?: unknown;
}

/** The note of the file at `path`, if it was noted with this identity. */
export function noteFor(notes: string, path: string, stat: BigIntStats): Found | undefined {
  const files = readNotes(notes);
  const note = Object.hasOwn(files, path) ? files[path] : undefined;
  if (note === undefined || note.id !== identity(stat)) return undefined;
  const found: Found = { settled: settled(stat, BigInt(note.at)), holds: (bytes) => note.sha256 !== undefined && digest(bytes) === note.sha256 };
  if (note.sha256 !== undefined) found.sha256 = note.sha256;
  if (note.index !== undefined) found.index = note.index;
  return found;
}

/**
 * The note of the file at `path` whatever its identity now, when it kept the SHA-256 of the bytes
 * noted: a file rewritten since (a pull, a sync) that still starts with those bytes needs only what
 * follows them checked (replica-file.ts).
 */
export function earlierNote(notes: string, path: string): { sha256: string; index: unknown } | undefined {
  const files = readNotes(notes);
  const note = Object.hasOwn(files, path) ? files[path] : undefined;
  return note?.sha256 === undefined ? undefined : { sha256: note.sha256, index: note.index };
}

/**
 * True when the file at `path` with this identity was checked in full before. `bytes`: what the
 * caller read with this identity; without them a note taken too soon after the file's last change
 * is not trusted.
 */
export function isChecked(notes: string, path: string, stat: BigIntStats, options: { bytes?: Bytes } = {}): boolean {
  const found = noteFor(notes, path, stat);
  if (found === undefined) return false;
  return found.settled || (options.bytes !== undefined && found.holds(options.bytes));
}

/**
 * Notes that the file at `path` with this identity is valid. Best effort: a failure is ignored.
 * `bytes`: what was checked or written, so that a note taken soon after the change (a racy one) can
 * still be trusted for those very bytes (or `sha256`, their SHA-256 in hex, taken as they were read).
 * `index`: what the caller keeps about them (file-index.ts). `takenAtMs`: when the caller took the
 * identity, if it wants the rule measured from then rather than from now (the earlier, the safer).
 */
export function noteChecked(notes: string, path: string, stat: BigIntStats, options: NoteOptions = {}): void {
  noteFiles(notes, [{ path, stat, options }]);
}

export interface NoteOptions {
  bytes?: Bytes;
  sha256?: string;
  takenAtMs?: number;
  index?: object;
}

/**
 * Notes several files as noteChecked does, in one write of the notes (a read that checked five
 * files), and forgets the notes of the paths `forget` says (files gone, or checked but not noted).
 */
export function noteFiles(notes: string, entries: readonly { path: string; stat: BigIntStats; options: NoteOptions }[], forget: (path: string) => boolean = () => false): void {
  try {
    const files = readNotes(notes);
    for (const path of Object.keys(files)) if (forget(path)) delete files[path];
    for (const { path, stat, options } of entries) {
      const atNs = BigInt(Math.floor(Math.min(options.takenAtMs ?? Infinity, Date.now()))) * 1_000_000n;
      const note: Note = { id: identity(stat), at: atNs.toString() };
      // A hash the caller has is kept whatever the note: a later read can tell by it that a file
      // another program rewrote still starts with the bytes noted (replica-file.ts).
      if (options.sha256 !== undefined) note.sha256 = options.sha256;
      else if (!settled(stat, atNs) && options.bytes !== undefined) note.sha256 = digest(options.bytes);
      if (options.index !== undefined) note.index = options.index;
      delete files[path];
      files[path] = note;
    }
    const kept = Object.entries(files).slice(-MAX_FILES);
    mkdirSync(dirname(notes), { recursive: true, mode: 0o700 });
    const tmp = `${notes}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify({ version: NOTES_VERSION, files: Object.fromEntries(kept) })}\n`);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, notes);
  } catch {
    /* a cache: the next read checks the ledger in full */
  }
}
