// Reading a team ledger: the pointer, every replica file (a file checked before only by its index),
// each checked in full the first time it is seen and held against the others (replicas.ts).
import type { Hash } from 'node:crypto';
import { readdirSync, readFileSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { failure } from '../errors.js';
import { identity, noteChecked, noteFor } from './checked.js';
import { contentName, convertV1 } from './convert.js';
import type { LedgerEvent } from './event-schema.js';
import { NewerLedgerError } from './events.js';
import { isFileIndex, isStructural, rangesOf, type FileIndex } from './file-index.js';
import { AsciiChecker, checkAny, checkAscii, type Checked } from './replica-check.js';
import { describe, errorCode, forEachAsciiLine, fsFailure, readChunks, readLedgerFile, readRanges, withLedgerFile } from './files.js';
import { asciiJson } from './json.js';
import type { Layout } from './replica-layout.js';
import { check, damaged, leadingId, lineStarts, merge, newestOf, parseLines, seenTwice } from './replica-lines.js';
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

/** Whether the replica's own file holds the event: every line starts with its id. */
export function hasEvent(own: OwnFile | undefined, id: string): boolean {
  if (!own) return false;
  if (own.index?.lastId === id) return true;
  const start = `{"id":"${id}"`;
  const text = own.text();
  return text.startsWith(start) || text.includes(`\n${start}`);
}

export interface LedgerRead {
  /** 1: a version-1 file not converted yet (its events are converted in memory). */
  version: 1 | 2;
  /** Every event, each once, in the order of their ids: parsed when first asked for. */
  readonly events: LedgerEvent[];
  /**
   * The events one cycle's state needs, in the order of their ids: that cycle's (none for null),
   * and every cycle's start, version-1 switch and undo. The lines of a file checked before are
   * read by its index (file-index.ts) and only those are parsed: a command about one cycle of a
   * long-lived ledger reads a few per cent of it. The same array each time it is asked for.
   */
  cycleEvents(key: string | null): LedgerEvent[];
  /** The newest event id in any file: a new event's clock starts after it. */
  lastId: string | undefined;
  /** The replica files read. */
  files: string[];
  /** A version-1 file at the ledger's path, with its converted events. */
  v1?: { bytes: Buffer; name: string; events: LedgerEvent[] };
  own?: OwnFile;
  /** Changes skipped because a file ends in the middle of one (a sync in progress). */
  skipped: string[];
}

export interface ReadOptions {
  /** This replica's name: its file's cut-off end is measured for the next write. */
  replica?: string;
  /** The notes of files already checked in full (checked.ts). */
  checked?: string;
}

/** Reads the ledger at `layout`; null when there is none. Never writes the ledger. */
export function readReplicas(layout: Layout, options: ReadOptions = {}): LedgerRead | null {
  let pointer: { bytes: Buffer; stat: BigIntStats };
  try {
    pointer = readLedgerFile(layout.path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw fsFailure(layout.path, error, 'read');
  }
  const parts: FilePart[] = [];
  const files: string[] = [];
  const skipped: string[] = [];
  let own: OwnFile | undefined;
  let v1: LedgerRead['v1'];
  const head = parsePointer(layout.path, pointer.bytes);
  if (head.version === 1) {
    v1 = { bytes: pointer.bytes, name: `v1-${contentName(pointer.bytes)}.jsonl`, events: head.events };
    parts.push({ file: layout.path, text: () => '', events: head.events, fresh: true, lastId: head.events.at(-1)?.id });
  }
  for (const name of replicaFiles(layout)) {
    const file = join(layout.events, name);
    const mine = options.replica !== undefined && name === `${options.replica}.jsonl`;
    const part = readReplicaFile(file, mine, options.checked);
    if (part === null) continue;
    files.push(file);
    parts.push(part);
    if (part.skipped) skipped.push(`${file}: ${part.skipped}`);
    if (mine) own = part.own!;
  }
  let all: LedgerEvent[] | undefined;
  const byCycle = new Map<string | null, LedgerEvent[]>();
  const read: LedgerRead = {
    version: head.version,
    get events() {
      all ??= merge(layout, parts.map((p) => (p.events ??= parseLines(p.file, p.text()))));
      return all;
    },
    cycleEvents(key) {
      // Kept per cycle: a summary asks for the same cycle's events more than once.
      let events = byCycle.get(key);
      if (events === undefined) {
        events = all ? all.filter((e) => isStructural(e) || (key !== null && e.cycle === key)) : merge(layout, parts.map((p) => pick(p, key)));
        byCycle.set(key, events);
      }
      return events;
    },
    lastId: parts.reduce<string | undefined>((max, p) => (p.lastId !== undefined && (max === undefined || p.lastId > max) ? p.lastId : max), undefined),
    files,
    skipped,
  };
  if (v1) read.v1 = v1;
  if (own) read.own = own;
  // A file read in full (not checked before) is held against the others at once, so that two
  // different events under one id are found whatever the command asks for; only then is it noted.
  if (parts.some((p) => p.fresh)) crossCheck(layout, parts);
  for (const p of parts) p.note?.();
  return read;
}

/**
 * Two different events under one id in any two files (or one) is damage; the same event twice (a
 * conflicted copy) is not. Files known from their notes were held against each other when they were
 * noted, so only the files checked now (fresh) are held against the rest, and a known file only if
 * its range of ids meets theirs: a clone's own file checked again after a write holds the newest ids
 * and is held against the few files written as recently, not read against every file of the ledger.
 * The ids of a file whose events are not in memory are read off the start of its lines (a file is
 * indexed only when each line starts with its id: replica-check.ts), and only the lines of ids seen
 * twice are compared (parsed if need be).
 */
function crossCheck(layout: Layout, all: FilePart[]): void {
  let [low, high] = ['~', ''];
  for (const p of all) {
    if (!p.fresh) continue;
    if (p.index) [low, high] = [p.index.oldest < low ? p.index.oldest : low, p.index.newest > high ? p.index.newest : high];
    else for (const e of p.events ?? []) [low, high] = [e.id < low ? e.id : low, e.id > high ? e.id : high];
  }
  const parts = all.filter((p) => p.fresh || (p.index !== undefined && p.index.oldest <= high && p.index.newest >= low));
  // Where each line starts, for a file whose events are not in memory: its id leads the line (leadingId).
  const starts = parts.map((part) => (part.events ? undefined : (part.lines?.starts ?? lineStarts(part.text()))));
  const ids = parts.map((part, p) => part.events?.map((e) => e.id) ?? part.lines?.ids ?? starts[p]!.map((at) => idAt(part.text(), at)));
  const twice = seenTwice(ids);
  if (twice.size === 0) return;
  const first = new Map<string, { file: string; line: string }>();
  parts.forEach((part, p) => {
    ids[p]!.forEach((id, i) => {
      if (!twice.has(id)) return;
      let event = part.events?.[i];
      if (event === undefined) {
        const text = part.text();
        const at = starts[p]![i]!;
        event = parseLines(part.file, `${text.slice(at, text.indexOf('\n', at))}\n`)[0]!;
      }
      const line = asciiJson(event)!;
      const before = first.get(id);
      if (before === undefined) first.set(id, { file: part.file, line });
      else if (before.line !== line) throw damaged(layout.events, `two different events have the id ${id} (${before.file}, ${part.file})`);
    });
  });
}

/** The id leading the line at `at` of a file that was indexed (replica-check.ts: idsLead): 26 characters after `{"id":"` as playbook writes it. */
function idAt(text: string, at: number): string {
  return text.startsWith('{"id":"', at) ? text.slice(at + 7, at + 33) : (leadingId(text, at) ?? '');
}

/**
 * A file's events of one cycle and the structural ones: filtered when the file was parsed, else
 * read by its index (only those lines, from the text if it is in memory, else from the file).
 */
function pick(part: FilePart, key: string | null): LedgerEvent[] {
  if (part.events) return part.events.filter((e) => isStructural(e) || (key !== null && e.cycle === key));
  const ranges = rangesOf(part.index!, key);
  if (ranges.length === 0) return [];
  return parseLines(part.file, part.loaded !== undefined ? slices(part.loaded, ranges) : readKnown(part, (fd) => readRanges(fd, ranges).toString('latin1')));
}

/** The text of [start, end) ranges (flat pairs) of `text`, one after the other. */
function slices(text: string, ranges: readonly number[]): string {
  let out = '';
  for (let i = 0; i < ranges.length; i += 2) out += text.slice(ranges[i], ranges[i + 1]);
  return out;
}

/**
 * Reads from a file known by its index, which must still be the file that was noted: one changed
 * since this command opened it (a sync or a pull in this very moment) is not read half old, half new.
 */
function readKnown<T>(part: FilePart, read: (fd: number) => T): T {
  try {
    return withLedgerFile(part.file, (fd, stat) => {
      if (identity(stat) !== identity(part.stat!) && !startsAsKnown(fd, part)) throw Object.assign(new Error('changed'), { code: 'ECHANGED' });
      return read(fd);
    });
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ECHANGED' || code === 'ENOENT' || code === 'ESHORT') {
      throw failure(`${part.file}: the file changed while playbook read it (a sync or a pull in progress?)`, 'run the command again; nothing was changed');
    }
    throw fsFailure(part.file, error, 'read');
  }
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

/** The names of the replica files, sorted (a hidden file, such as a sync client's temporary one, is not one). */
export function replicaFiles(layout: Layout): string[] {
  try {
    return readdirSync(layout.events).filter((name) => name.endsWith('.jsonl') && !name.startsWith('.')).sort();
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return [];
    throw fsFailure(layout.events, error, 'read');
  }
}

function parsePointer(path: string, bytes: Buffer): { version: 1; events: LedgerEvent[] } | { version: 2 } {
  let data: unknown;
  try {
    data = JSON.parse(ledgerText(bytes));
  } catch (error) {
    const text = bytes.toString('latin1');
    if (/^(<<<<<<<|=======|>>>>>>>)/m.test(text)) {
      throw failure(`${path}: the ledger has git conflict markers (an old single-file ledger merged by git)`, `bring both sides in with \`playbook import ${path}\`; nothing of either side is lost`);
    }
    throw damaged(path, error instanceof SyntaxError ? `not valid JSON: ${describe(error)}` : describe(error));
  }
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version === 2 && Object.keys(data as object).length === 1) return { version: 2 };
  try {
    if (typeof version === 'number' && version > 2 && Number.isSafeInteger(version)) throw new NewerLedgerError(
      `the ledger was written by a newer version of playbook (schema ${version}; this one reads up to 2); upgrade playbook to use it`,
    );
    const events = convertV1(data);
    for (const event of events) check(event, `event ${event.seq}`);
    return { version: 1, events };
  } catch (error) {
    if (error instanceof NewerLedgerError) throw failure(error.message);
    throw damaged(path, describe(error));
  }
}

interface FilePart {
  /** Notes the file as checked: called once it has been held against the others. */
  note?: () => void;
  file: string;
  /** The identity it was opened with. */
  stat?: BigIntStats;
  /** Its whole changes, line after line: read when first asked for if the file is known by its index. */
  text: () => string;
  /** That text, once in memory. */
  loaded?: string;
  /** Where its cycles' lines are (file-index.ts): from its note, or made as it was checked now. */
  index?: FileIndex;
  /** Its events, once parsed (a file of ASCII lines checked now is parsed again only if every event is asked for). */
  events?: LedgerEvent[];
  /** The id and start of each line, taken as the file was checked (when its events were not kept). */
  lines?: { ids: string[]; starts: number[] };
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
function readReplicaFile(file: string, own: boolean, notes: string | undefined): FilePart | null {
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
      const streamed = stat.size >= HASHED_FROM ? streamCheck(file, fd, Number(stat.size)) : null;
      return streamed ? { stat, streamed } : { stat, bytes: readFileSync(fd) };
    });
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null; // removed while we looked
    throw fsFailure(file, error, 'read');
  }
  const { stat, bytes, index, sha256: known, streamed } = read;
  if (streamed) {
    const part = checkedPart(file, stat, streamed.checked, streamed.size, own, notes, { sha256: streamed.sha256 });
    if (streamed.checked.index && streamed.checked.valid === streamed.size) part.sha256 = streamed.sha256;
    return part;
  }
  if (index) {
    const part = knownPart(file, stat, index, own, bytes?.toString('latin1'));
    if (known !== undefined) part.sha256 = known;
    // Trusted by its hash because the note was taken soon after the file changed (git pull, a sync):
    // noted again now, so that once the file has settled, reads trust it without reading it.
    if (bytes !== undefined) part.note = () => noteChecked(notes!, file, stat, { bytes, index });
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
  /** Of the bytes read: for the note, and to read on from a file appended to meanwhile (startsAsKnown). */
  sha256: string;
}

/**
 * A large file of ASCII lines checked as it is read (files.ts: forEachAsciiLine), its SHA-256 taken on
 * the way; null when it must be read whole (a byte that is not ASCII, or a line that does not lead
 * with its id). Its text is not kept: the lines a command needs are read again by the index. A
 * smaller file is read whole and kept, which costs less than the hash.
 */
function streamCheck(file: string, fd: number, size: number): Streamed | null {
  const checker = new AsciiChecker(file);
  const hash = sha256();
  const read = forEachAsciiLine(fd, size, (text, start) => checker.line(text, start), { chunk: (bytes) => hash.update(bytes) });
  if (read === null) return null;
  return { checked: checker.done(), size: read, sha256: hash.digest('hex') };
}

/**
 * A note taken soon after a file changed (always so right after a write or a pull) is trusted by the
 * next read only for bytes with the same SHA-256 (checked.ts). Below this size checking the file
 * again costs less than the hash: loading node:crypto takes about 6 ms and SHA-256 3.4 ms per MB,
 * against about 26 ms per MB to parse and check every event (measured on the 2-core machine of the
 * README's Performance table).
 */
export const HASHED_FROM = 256 * 1024;

/** What to note of a file's bytes so that a racy note may hold for them. */
function hashed(bytes: Buffer): { bytes?: Buffer } {
  return bytes.length >= HASHED_FROM ? { bytes } : {};
}

/** A file known from its note: its index says where everything is; its text is read only if asked for. */
function knownPart(file: string, stat: BigIntStats, index: FileIndex, own: boolean, text: string | undefined): FilePart {
  const part: FilePart = { file, stat, index, lastId: index.newest, text: () => (part.loaded ??= readKnown(part, (fd) => readFileSync(fd).toString('latin1'))) };
  if (text !== undefined) part.loaded = text;
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
  if (index) part.index = index;
  if (notes !== undefined && index && valid === size) part.note = () => noteChecked(notes, file, stat, { ...bytes, index });
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
