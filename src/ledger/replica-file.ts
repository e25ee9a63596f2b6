// Reading one replica file: a file known from its note by its index, read only where a command
// asks; any other checked in full (replica-check.ts), a large one a line at a time as it is read
// and from where an earlier note of it ends when it still starts with the bytes noted. Then held
// against the other files by replica-read.ts, which reads the ledger.
import type { Hash } from 'node:crypto';
import { readFileSync, type BigIntStats } from 'node:fs';
import { failure, type CliError } from '../errors.js';
import { earlierNote, identity, noteFor, type NoteOptions } from './checked.js';
import type { LedgerEvent } from './event-schema.js';
import { isFileIndex, type FileIndex } from './file-index.js';
import { describe, errorCode, forEachAsciiLine, fsFailure, readChunks, readRanges, withLedgerFile } from './files.js';
import { AsciiChecker, checkAny, checkAscii, type Checked } from './replica-check.js';
import { damaged, newestOf } from './replica-lines.js';
import { ledgerText } from './store.js';

export interface OwnFile {
  file: string;
  /** Bytes of whole changes at its start; anything after them is a change cut off by a crash. */
  valid: number;
  size: number;
  lastSeq: number;
  lastLine: string | undefined;
  /** Its whole changes, line after line (read when first asked for, if the file was known by its index). */
  text: () => string;
  /** Where its cycles' lines are, when the file is ASCII (file-index.ts). */
  index?: FileIndex;
}

/**
 * Reads from a file known by its index, which must still be the file that was noted: one changed
 * since this command opened it (a sync or a pull in this very moment) is not read half old, half new.
 */
export function readKnown<T>(part: FilePart, read: (fd: number) => T): T {
  try {
    return withLedgerFile(part.file, (fd, stat) => {
      if (identity(stat) !== identity(part.stat!) && !startsAsKnown(fd, part)) throw Object.assign(new Error('changed'), { code: 'ECHANGED' });
      return read(fd);
    });
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ECHANGED' || code === 'ENOENT' || code === 'ESHORT') throw changedWhileRead(part.file);
    throw fsFailure(part.file, error, 'read');
  }
}

/** Reads from several files known by their indexes at once, each opened as readKnown opens one. */
export function withKnown<T>(parts: readonly FilePart[], read: (fds: number[]) => T, fds: number[] = []): T {
  const next = parts[fds.length];
  return next === undefined ? read(fds) : readKnown(next, (fd) => withKnown(parts, read, [...fds, fd]));
}

export function changedWhileRead(file: string): CliError {
  return failure(`${file}: the file changed while playbook read it (a sync or a pull in progress?)`, 'run the command again; nothing was changed');
}

/**
 * Whether a file rewritten since it was opened (a writer that appended to it, another that cut off a
 * change a crash left) still starts with the very bytes that were checked or noted: their SHA-256.
 */
function startsAsKnown(fd: number, part: FilePart): boolean {
  if (part.sha256 === undefined || part.index === undefined) return false;
  const hash = sha256();
  return readChunks(fd, 0, part.index.size, (bytes) => hash.update(bytes)) && hash.digest('hex') === part.sha256;
}

/** A SHA-256 to feed; node:crypto is loaded only when one is needed. */
function sha256(): Hash {
  return process.getBuiltinModule('node:crypto').createHash('sha256');
}

export interface FilePart {
  /** What to note of the file as checked (checked.ts), once it has been held against the others. */
  note?: { path: string; stat: BigIntStats; options: NoteOptions };
  file: string;
  /** The identity it was opened with. */
  stat?: BigIntStats;
  /** Its whole changes, line after line: read when first asked for if the file is known by its index. */
  text: () => string;
  /** That text, once in memory. */
  loaded?: string;
  /** Where its cycles' lines are (file-index.ts): from its note, or made as it was checked now. */
  index?: FileIndex;
  /** Its events, once parsed (a large file checked now a line at a time is parsed again only for the lines a command asks for). */
  events?: LedgerEvent[];
  /** The id and start of each line checked now, taken as the file was checked (when its events were not kept). */
  lines?: { ids: string[]; starts: number[] };
  /** The range of ids of the lines before those, known from the file's earlier note and not checked now. */
  known?: { oldest: string; newest: string };
  /** Read and checked in full by this command (not known from a note): held against the other files. */
  fresh?: true;
  /** Its newest event id. */
  lastId: string | undefined;
  /** SHA-256 of the bytes its index covers, when known: a rewritten file that still starts with them is read on (startsAsKnown). */
  sha256?: string;
  own?: OwnFile;
  skipped?: string;
}

/**
 * One replica file. A file noted as checked, with its index (file-index.ts), is not read now: a
 * command reads the lines it needs later. Any other file is read and checked in full, a line at a
 * time as it is read when it is ASCII (what playbook writes), else whole. A last line without its
 * newline, or a change whose last line has not arrived, is skipped with a note: a sync client or a
 * crash left it half written. Any other bad line is damage, named by its line.
 */
export function readReplicaFile(file: string, own: boolean, notes: string | undefined): FilePart | null {
  let read: { stat: BigIntStats; bytes?: Buffer; index?: FileIndex; sha256?: string; streamed?: Streamed };
  try {
    read = withLedgerFile(file, (fd, stat) => {
      const found = notes === undefined ? undefined : noteFor(notes, file, stat);
      const index = isFileIndex(found?.index) && BigInt(found.index.size) === stat.size ? found.index : undefined;
      if (index && found!.settled) return found!.sha256 === undefined ? { stat, index } : { stat, index, sha256: found!.sha256 };
      if (index) {
        // A note taken soon after the file changed holds only for the very bytes it was taken of.
        const bytes = readFileSync(fd);
        return found!.holds(bytes) ? { stat, bytes, index, sha256: found!.sha256! } : { stat, bytes };
      }
      const streamed = stat.size >= HASHED_FROM ? streamCheck(file, fd, Number(stat.size), notes === undefined ? undefined : earlier(notes, file, stat)) : null;
      return streamed ? { stat, streamed } : { stat, bytes: readFileSync(fd) };
    });
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null; // removed while we looked
    throw fsFailure(file, error, 'read');
  }
  const { stat, bytes, index, sha256: known, streamed } = read;
  if (streamed) return checkedPart(file, stat, streamed.checked, streamed.size, own, notes, { sha256: streamed.sha256 });
  if (index) {
    const part = knownPart(file, stat, index, own, bytes?.toString('latin1'), known);
    // Trusted by its hash because the note was taken soon after the file changed (git pull, a sync):
    // noted again now, so that once the file has settled, reads trust it without reading it.
    if (bytes !== undefined) part.note = { path: file, stat, options: { bytes, index, ...(known !== undefined && { sha256: known }) } };
    return part;
  }
  let text: string;
  try {
    text = ledgerText(bytes!);
  } catch (error) {
    throw damaged(file, describe(error));
  }
  const end = text.lastIndexOf('\n') + 1;
  // Only ASCII is indexed (a character offset is then a byte offset): what playbook writes.
  const ascii = text.length === bytes!.length;
  const checked = ascii ? checkAscii(file, text, end) : checkAny(file, text, end);
  const whole = text.slice(0, checked.valid);
  const part = checkedPart(file, stat, { ...checked, valid: ascii ? checked.valid : Buffer.byteLength(whole) }, bytes!.length, own, notes, hashed(bytes!), whole);
  return part;
}

interface Streamed {
  checked: Checked;
  size: number;
  /** Of the whole changes read: for the note, and to read on from a file appended to meanwhile (startsAsKnown). */
  sha256: string;
}

/**
 * A large file of ASCII lines checked as it is read (files.ts: forEachAsciiLine), its SHA-256 taken on
 * the way; null when it must be read whole (a byte that is not ASCII, or a line that does not lead
 * with its id). Its text is not kept: the lines a command needs are read again by the index. A
 * smaller file is read whole and kept, which costs less than the hash.
 *
 * `before`: the note of an earlier version of the file (git and sync clients write a new file for
 * the lines a teammate added). When the file still starts with the very bytes noted (their SHA-256),
 * only the lines after them are checked: a pull costs what it brought. On the benchmark's
 * 100,000-event ledger, the first command after a pull of 40 events took 0.22 s instead of 0.73 s
 * (ARCHITECTURE.md, the benchmark).
 */
function streamCheck(file: string, fd: number, size: number, before?: { sha256: string; index: FileIndex }): Streamed | null {
  let hash = sha256();
  let after: { index: FileIndex; lines: number } | undefined;
  if (before) {
    let lines = 0;
    const read = readChunks(fd, 0, before.index.size, (bytes) => {
      hash.update(bytes);
      for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lines++;
    });
    if (read && hash.copy().digest('hex') === before.sha256) after = { index: before.index, lines };
    else hash = sha256();
  }
  const checker = new AsciiChecker(file, after);
  const read = forEachAsciiLine(fd, size, (text, start) => checker.line(text, start), { chunk: (bytes) => hash.update(bytes), from: after?.index.size ?? 0 });
  if (read === null) return null;
  const checked = checker.done();
  if (checked.valid === read) return { checked, size: read, sha256: hash.digest('hex') };
  // A change still arriving at the end (a writer at work, a sync): the hash is of the whole changes.
  const whole = sha256();
  readChunks(fd, 0, checked.valid, (bytes) => whole.update(bytes));
  return { checked, size: read, sha256: whole.digest('hex') };
}

/** The note of an earlier version of a file, if it can be gone on from: a hash, an index, and no more bytes than the file has now. */
function earlier(notes: string, file: string, stat: BigIntStats): { sha256: string; index: FileIndex } | undefined {
  const note = earlierNote(notes, file);
  if (note === undefined || !isFileIndex(note.index) || note.index.size === 0 || BigInt(note.index.size) > stat.size) return undefined;
  return { sha256: note.sha256, index: note.index };
}

/**
 * A file this large or larger is checked as it is read and its SHA-256 kept in its note, which a
 * note taken soon after the file changed (always so right after a write or a pull) needs to be
 * trusted (checked.ts), and by which a later read goes on from a pulled file's earlier version.
 * Below this size checking the file again costs less than the hash: loading node:crypto takes about 6 ms and SHA-256 3.4 ms per MB,
 * against about 26 ms per MB to parse and check every event (measured on the 2-core machine of the
 * README's Performance table).
 */
export const HASHED_FROM = 256 * 1024;

/** What to note of a file's bytes so that a racy note may hold for them. */
function hashed(bytes: Buffer): { bytes?: Buffer } {
  return bytes.length >= HASHED_FROM ? { bytes } : {};
}

/** A file known from its note: its index says where everything is; its text is read only if asked for. */
function knownPart(file: string, stat: BigIntStats, index: FileIndex, own: boolean, text: string | undefined, sha256: string | undefined): FilePart {
  const part: FilePart = { file, stat, index, lastId: index.newest, text: () => (part.loaded ??= readKnown(part, (fd) => readRanges(fd, [0, index.size]).toString('latin1'))) };
  if (text !== undefined) part.loaded = text;
  if (sha256 !== undefined) part.sha256 = sha256;
  if (own) part.own = { file, valid: index.size, size: index.size, lastSeq: index.lastSeq, lastLine: index.lastLine, text: part.text, index };
  return part;
}

/**
 * A file read and checked in full (`size` bytes of it): noted with its index once held against the
 * others, when it ends with a whole change. Its text is read again only if asked for.
 */
function checkedPart(
  file: string,
  stat: BigIntStats,
  checked: Checked,
  size: number,
  own: boolean,
  notes: string | undefined,
  bytes: { bytes?: Buffer; sha256?: string },
  text?: string,
): FilePart {
  const { valid, index, events } = checked;
  const part: FilePart = {
    file,
    stat,
    fresh: true,
    lastId: index?.newest ?? newestOf(events ?? []),
    text: () => (part.loaded ??= readKnown(part, (fd) => readRanges(fd, [0, valid]).toString('latin1'))),
  };
  if (text !== undefined) part.loaded = text;
  if (events) part.events = events;
  if (checked.lines) part.lines = checked.lines;
  if (checked.known) part.known = checked.known;
  if (index) part.index = index;
  if (index && bytes.sha256 !== undefined) part.sha256 = bytes.sha256;
  if (notes !== undefined && index && valid === size) part.note = { path: file, stat, options: { ...bytes, index } };
  const cut = size - valid;
  if (cut > 0) {
    const { cutEvents } = checked;
    part.skipped = `skipped ${cutEvents > 0 ? `${cutEvents} event${cutEvents === 1 ? '' : 's'} of a change not yet complete` : 'a line not yet complete'} at its end (${cut} bytes)`;
  }
  if (own) {
    const lastLine = index ? index.lastLine : events?.length ? lastLineOf(part.text()) : undefined;
    part.own = { file, valid, size, lastSeq: index?.lastSeq ?? events?.at(-1)?.seq ?? 0, lastLine, text: part.text };
    if (index) part.own.index = index;
  }
  return part;
}

/** The last line of whole lines, without its newline. */
function lastLineOf(text: string): string {
  return text.slice(text.lastIndexOf('\n', text.length - 2) + 1, -1);
}
