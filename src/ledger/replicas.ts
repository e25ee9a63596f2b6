// The ledger on disk, shared by a team. A replica is one copy of the ledger on one machine (a clone
// of a repository, or a synced folder on one laptop); each appends only to its own file, so git and
// sync engines never have to merge a file that two machines wrote:
//
//   <dir>/ledger.json              {"schemaVersion":2}: says the ledger is here, and which format
//   <dir>/events/<replica>.jsonl    one event per line, appended only by that replica
//   <dir>/.gitattributes, .gitignore  written by `init --local` and `playbook team` (team.ts)
//
// Readers read every events/*.jsonl whatever its name (a sync client's "conflicted copy" only repeats
// lines), drop repeated events, and order them by id (clock.ts). What belongs to one machine stays out
// of the shared folder, under $XDG_STATE_HOME/playbook/ledgers/<hash of the ledger's path>/: the
// replica's name, the current cycle, the lock, and the version-1 file a conversion replaced.
//
// Guarantees (QUALITY.md, "Never lose or corrupt the ledger"):
// - a change is one write of whole lines to the end of the replica's own file, then fsync; each line
//   but the last of a change says how many follow (`more`), so `kill -9` at any moment leaves the old
//   state or the new one: a cut-off change is skipped, and cut off the file by the next write;
// - writes of one replica are serialised by one lock; replicas never write each other's files;
// - a ledger that fails to parse or validate is never written to; the files are 0600, new folders 0700.
import { closeSync, constants as fsConstants, fstatSync, fsyncSync, ftruncateSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, writeSync, type BigIntStats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError, failure } from '../errors.js';
import { stateHome } from '../paths.js';
import { identity, noteChecked, noteFor } from './checked.js';
import { indexLines, isFileIndex, isStructural, rangesOf, type FileIndex } from './file-index.js';
import { randomPart } from './clock.js';
import { contentName, convertV1, lineHash } from './convert.js';
import type { LedgerEvent } from './event-schema.js';
import { describeError, NewerLedgerError } from './events.js';
import { describe, DIR_MODE, ensureDir, errorCode, FILE_MODE, fsFailure, fsyncDir, readLedgerFile, readRanges, withLedgerFile } from './files.js';
import { fnv1a64 } from './hash.js';
import { asciiJson } from './json.js';
import { acquireLock, lockTimeout } from './lock.js';
import { ledgerText, writeAtomic } from './store.js';
import { gitWorkTree, writeTeamFiles } from './team.js';
import { validateEvent } from './validate-ledger.generated.js';

export const POINTER = '{"schemaVersion":2}\n';

export interface Layout {
  /** The ledger file (the pointer), its symbolic links resolved: a write goes through to the target. */
  path: string;
  /** The folder of replica files beside it. */
  events: string;
  /** This machine's own folder for the ledger, outside the shared one. */
  local: string;
}

/**
 * The real path of `path`: symbolic links resolved, also a link whose target does not exist yet (a
 * ledger to be started in a dotfiles folder), so that a write goes through to the target and never
 * replaces the link with a private copy.
 */
function realPath(path: string, depth = 0): string {
  try {
    return realpathSync(path);
  } catch {
    // Not there (yet): a dangling link is followed by hand, a missing file resolved by its folder.
  }
  try {
    if (depth < 40 && lstatSync(path).isSymbolicLink()) return realPath(resolve(dirname(path), readlinkSync(path)), depth + 1);
  } catch {
    // Not a link either.
  }
  // Not there yet: the nearest folder that is, resolved, and the rest as given, so that the path
  // names the same place before the ledger's folders are made and after.
  const parent = dirname(path);
  return parent === path ? path : join(realPath(parent, depth + 1), basename(path));
}

export function layoutOf(path: string, env: NodeJS.ProcessEnv): Layout {
  const real = realPath(path);
  const name = basename(real);
  const events = join(dirname(real), name === 'ledger.json' ? 'events' : `${name.replace(/\.json$/, '')}.events`);
  return { path: real, events, local: join(stateHome(env), 'playbook', 'ledgers', fnv1a64(real)) };
}

// ---------------------------------------------------------------------------------------------------------
// This machine's own state of a ledger

export interface LocalState {
  /** This replica's name: its file is events/<replica>.jsonl. */
  replica?: string;
  /** The cycle this clone works on (the id of the event that started it). */
  current?: string;
  /** Cycles started by teammates that this clone has been told about. */
  announced?: string[];
  /** The id of the last event this replica wrote: its file must still end with it. */
  last?: string;
}

const localFile = (layout: Layout) => join(layout.local, 'replica.json');

export function readLocal(layout: Layout): LocalState {
  try {
    const data = JSON.parse(ledgerText(readLedgerFile(localFile(layout)).bytes)) as LocalState;
    if (!data || typeof data !== 'object') return {};
    const state: LocalState = {};
    if (typeof data.replica === 'string' && /^[0-9a-z]{16}$/.test(data.replica)) state.replica = data.replica;
    if (typeof data.current === 'string') state.current = data.current;
    if (Array.isArray(data.announced)) state.announced = data.announced.filter((c): c is string => typeof c === 'string');
    if (typeof data.last === 'string') state.last = data.last;
    return state;
  } catch {
    return {};
  }
}

export function writeLocal(layout: Layout, state: LocalState): void {
  ensureDir(localFile(layout));
  writeAtomic(localFile(layout), `${JSON.stringify(state)}\n`, false);
}

// ---------------------------------------------------------------------------------------------------------
// Reading

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
function hasEvent(own: OwnFile | undefined, id: string): boolean {
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

const DAMAGED_HINT = 'run `playbook doctor` to see what is wrong and what to do';

export function damaged(path: string, reason: string): CliError {
  return failure(`${path}: ledger is damaged: ${reason}`, DAMAGED_HINT);
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
    parts.push({ file: layout.path, text: () => '', events: head.events, lastId: head.events.at(-1)?.id });
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
  if (parts.some((p) => p.events !== undefined)) crossCheck(layout, parts);
  for (const p of parts) p.note?.();
  return read;
}

/**
 * Two different events under one id in any two files (or one) is damage; the same event twice (a
 * conflicted copy) is not. Files known from their notes were held against each other when they were
 * noted, so only the files parsed now are held against the rest, and a known file only if its range
 * of ids meets theirs: a clone's own file checked again after a write holds the newest ids and is
 * held against the few files written as recently, not read against every file of the ledger. The
 * ids of a file not parsed are read off the start of its lines, and only the lines of ids seen twice
 * are compared (parsed if need be); a set of ids costs a third of a map to where each was seen.
 */
function crossCheck(layout: Layout, all: FilePart[]): void {
  let [low, high] = ['~', ''];
  for (const p of all) for (const e of p.events ?? []) [low, high] = [e.id < low ? e.id : low, e.id > high ? e.id : high];
  const parts = all.filter((p) => p.events !== undefined || (p.index !== undefined && p.index.oldest <= high && p.index.newest >= low));
  // Where each line starts, for a file not parsed: its id is the 26 characters after `{"id":"`.
  const starts = parts.map((part) => (part.events ? undefined : lineStarts(part.text())));
  const ids = parts.map((part, p) => part.events?.map((e) => e.id) ?? starts[p]!.map((at) => part.text().slice(at + 7, at + 33)));
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const list of ids) for (const id of list) if (seen.size === seen.add(id).size) twice.add(id);
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

/** The offset of each line of whole lines. */
function lineStarts(text: string): number[] {
  const starts: number[] = [];
  for (let at = 0; at < text.length; at = text.indexOf('\n', at) + 1) starts.push(at);
  return starts;
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
      if (identity(stat) !== identity(part.stat!)) throw Object.assign(new Error('changed'), { code: 'ECHANGED' });
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

function check(event: unknown, where: string): void {
  if (!validateEvent(event)) throw new Error(`${where}${describeError(validateEvent.errors?.[0])}`);
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
  /** Where its cycles' lines are, for a file known from a note (file-index.ts). */
  index?: FileIndex;
  /** Its events, once parsed: a file not checked before is parsed and checked in full at once. */
  events?: LedgerEvent[];
  /** Its newest event id. */
  lastId: string | undefined;
  own?: OwnFile;
  skipped?: string;
}

/**
 * One replica file. A file noted as checked, with its index (file-index.ts), is not read now: a
 * command reads the lines it needs later. Any other file is read and checked in full. A last line
 * without its newline, or a change whose last line has not arrived, is skipped with a note: a sync
 * client or a crash left it half written. Any other bad line is damage, named by its line.
 */
function readReplicaFile(file: string, own: boolean, notes: string | undefined): FilePart | null {
  let read: { stat: BigIntStats; bytes?: Buffer; index?: FileIndex };
  try {
    read = withLedgerFile(file, (fd, stat) => {
      const found = notes === undefined ? undefined : noteFor(notes, file, stat);
      const index = isFileIndex(found?.index) && BigInt(found.index.size) === stat.size ? found.index : undefined;
      if (index && found!.settled) return { stat, index };
      const bytes = readFileSync(fd);
      // A note taken soon after the file changed holds only for the very bytes it was taken of.
      return index && found!.holds(bytes) ? { stat, bytes, index } : { stat, bytes };
    });
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null; // removed while we looked
    throw fsFailure(file, error, 'read');
  }
  const { stat, bytes, index } = read;
  if (index) {
    const part = knownPart(file, stat, index, own, bytes?.toString('latin1'));
    // Trusted by its hash because the note was taken soon after the file changed (git pull, a sync):
    // noted again now, so that once the file has settled, reads trust it without reading it.
    if (bytes !== undefined) part.note = () => noteChecked(notes!, file, stat, { bytes, index });
    return part;
  }
  return checkedPart(file, stat, bytes!, own, notes);
}

/**
 * A note taken soon after a file changed (always so right after a write or a pull) is trusted by the
 * next read only for bytes with the same SHA-256 (checked.ts). Below this size checking the file
 * again costs less than the hash: loading node:crypto takes about 6 ms and SHA-256 3.4 ms per MB,
 * against about 26 ms per MB to parse and check every event (measured on the 2-core machine of the
 * README's Performance table).
 */
const HASHED_FROM = 256 * 1024;

/** What to note of a file checked in full: its index, and its bytes if a racy note should hold for them. */
function hashed(bytes: Buffer, index: FileIndex): { bytes?: Buffer; index: FileIndex } {
  return bytes.length >= HASHED_FROM ? { bytes, index } : { index };
}

/** A file known from its note: its index says where everything is; its text is read only if asked for. */
function knownPart(file: string, stat: BigIntStats, index: FileIndex, own: boolean, text: string | undefined): FilePart {
  const part: FilePart = { file, stat, index, lastId: index.newest, text: () => (part.loaded ??= readKnown(part, (fd) => readFileSync(fd).toString('latin1'))) };
  if (text !== undefined) part.loaded = text;
  if (own) part.own = { file, valid: index.size, size: index.size, lastSeq: index.lastSeq, lastLine: index.lastLine, text: part.text, index };
  return part;
}

/** A file read and checked in full: every line parsed and validated, and noted with its index once held against the others. */
function checkedPart(file: string, stat: BigIntStats, bytes: Buffer, own: boolean, notes: string | undefined): FilePart {
  let text: string;
  try {
    text = ledgerText(bytes);
  } catch (error) {
    throw damaged(file, describe(error));
  }
  const end = text.lastIndexOf('\n') + 1;
  // The whole changes end at the last line that expects no more after it.
  const parsed = parseLines(file, text.slice(0, end));
  let count = parsed.length;
  while (count > 0 && parsed[count - 1]!.more !== undefined) count--;
  const events = count < parsed.length ? parsed.slice(0, count) : parsed;
  const valid = count === parsed.length ? end : count === 0 ? 0 : nthLineEnd(text, count);
  for (const [i, event] of events.entries()) {
    try {
      check(event, `line ${i + 1}`);
    } catch (error) {
      throw damaged(file, describe(error));
    }
  }
  const whole = text.slice(0, valid);
  // Only ASCII is indexed (a character offset is then a byte offset): what playbook writes.
  const index = events.length > 0 && text.length === bytes.length ? indexLines(whole, events, 0) : undefined;
  const part: FilePart = { file, stat, text: () => whole, loaded: whole, events, lastId: index?.newest ?? newestOf(events) };
  if (index) part.index = index;
  if (notes !== undefined && index && valid === text.length) part.note = () => noteChecked(notes, file, stat, hashed(bytes, index));
  const cut = text.length - valid;
  if (cut > 0) {
    const cutEvents = (text.slice(valid, end).match(/\n/g) ?? []).length;
    part.skipped = `skipped ${cutEvents > 0 ? `${cutEvents} event${cutEvents === 1 ? '' : 's'} of a change not yet complete` : 'a line not yet complete'} at its end (${cut} bytes)`;
  }
  if (own) {
    const lastLine = events.length === 0 ? undefined : text.slice(events.length === 1 ? 0 : nthLineEnd(text, events.length - 1), valid - 1);
    part.own = { file, valid: Buffer.byteLength(whole), size: bytes.length, lastSeq: events.at(-1)?.seq ?? 0, lastLine, text: () => whole };
    if (index) part.own.index = index;
  }
  return part;
}

function newestOf(events: readonly LedgerEvent[]): string | undefined {
  return events.reduce<string | undefined>((max, e) => (max === undefined || e.id > max ? e.id : max), undefined);
}

/** The offset just after the n-th newline of `text` (n >= 1). */
function nthLineEnd(text: string, n: number): number {
  let at = -1;
  for (let i = 0; i < n; i++) at = text.indexOf('\n', at + 1);
  return at + 1;
}

/** The events of whole lines. One JSON.parse of the lines joined into an array is about twice as fast as a parse per line. */
function parseLines(file: string, text: string): LedgerEvent[] {
  if (text === '') return [];
  try {
    const events = JSON.parse(`[${text.slice(0, -1).replaceAll('\n', ',')}]`) as unknown[];
    if (events.every((e) => e !== null && typeof e === 'object' && !Array.isArray(e))) return events as LedgerEvent[];
  } catch {
    // Find the line at fault below.
  }
  const lines = text.slice(0, -1).split('\n');
  return lines.map((line, i) => {
    if (/^(<<<<<<<|=======|>>>>>>>)/.test(line)) {
      throw failure(`${file}:${i + 1}: a git conflict marker in the ledger`, 'the events files are merged by lines (.gitattributes: merge=union); run `playbook team` to write that file, then `playbook doctor`');
    }
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch (error) {
      throw damaged(file, `line ${i + 1} is not valid JSON: ${describe(error)}`);
    }
    if (event === null || typeof event !== 'object' || Array.isArray(event)) throw damaged(file, `line ${i + 1} is not an event`);
    return event as LedgerEvent;
  });
}

/**
 * All files' events in the order of their ids, each once. The same event in two files (a conflicted
 * copy, a converted file two clones both wrote) is one event; two different events under one id
 * are damage.
 */
function merge(layout: Layout, parts: LedgerEvent[][]): LedgerEvent[] {
  const nonEmpty = parts.filter((p) => p.length > 0);
  if (nonEmpty.length === 0) return [];
  // Each file is in id order already; sorting their concatenation merges the runs.
  const all = nonEmpty.length === 1 ? nonEmpty[0]! : ([] as LedgerEvent[]).concat(...nonEmpty);
  let sorted = true;
  for (let i = 1; i < all.length && sorted; i++) if (all[i - 1]!.id >= all[i]!.id) sorted = false;
  if (sorted) return all;
  all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const out: LedgerEvent[] = [all[0]!];
  for (let i = 1; i < all.length; i++) {
    const event = all[i]!;
    const last = out[out.length - 1]!;
    if (event.id !== last.id) out.push(event);
    else if (asciiJson(event) !== asciiJson(last)) {
      throw damaged(layout.events, `two different events have the id ${event.id}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Writing

export interface WriteOptions extends Omit<ReadOptions, 'replica'> {
  lockTimeoutMs?: number;
  /** This clone's own state to keep after the change (its current cycle), if it changes. */
  update?: () => LocalState | undefined;
}

/** Takes this replica's lock, in this machine's folder for the ledger; returns the function that releases it. */
function lockReplica(layout: Layout, timeoutMs: number | undefined): () => void {
  ensureDir(localFile(layout));
  return acquireLock(join(layout.local, 'ledger'), lockTimeout(timeoutMs));
}

/** The ledger's folder and its events folder, made if missing. */
function makeEventsFolder(layout: Layout): void {
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

// ---------------------------------------------------------------------------------------------------------
// Import

export interface ImportedFile {
  /** The name it gets in the events folder. */
  name: string;
  events: LedgerEvent[];
}

/**
 * Adds files of events to the ledger, under this replica's lock: each whole or not at all, a file
 * already there with the same name (the same content) left as it is. With `pointer`, the ledger
 * file becomes the version-2 pointer afterwards (it was the conflicted file just brought in, or a
 * version-1 file, whose own events are converted first). Returns the names written.
 */
export function addEventFiles(layout: Layout, files: ImportedFile[], options: { pointer: boolean; lockTimeoutMs?: number }): string[] {
  const release = lockReplica(layout, options.lockTimeoutMs);
  try {
    makeEventsFolder(layout);
    const present = new Set(replicaFiles(layout));
    const written: string[] = [];
    for (const file of files) {
      if (present.has(file.name)) continue;
      writeAtomic(join(layout.events, file.name), file.events.map((e) => `${asciiJson(e)}\n`).join(''), false);
      present.add(file.name);
      written.push(file.name);
    }
    if (options.pointer) writeAtomic(layout.path, POINTER, false);
    return written;
  } finally {
    release();
  }
}

/** The two sides of a file git left with conflict markers (the base of a diff3 conflict is dropped). */
export function conflictSides(text: string): [string, string] | null {
  if (!/^<<<<<<< /m.test(text)) return null;
  const ours: string[] = [];
  const theirs: string[] = [];
  let where: 'both' | 'ours' | 'base' | 'theirs' = 'both';
  for (const line of text.split('\n')) {
    if (line.startsWith('<<<<<<<')) where = 'ours';
    else if (line.startsWith('|||||||') && where === 'ours') where = 'base';
    else if (line.startsWith('=======') && where !== 'both') where = 'theirs';
    else if (line.startsWith('>>>>>>>') && where === 'theirs') where = 'both';
    else {
      if (where === 'both' || where === 'ours') ours.push(line);
      if (where === 'both' || where === 'theirs') theirs.push(line);
    }
  }
  return [ours.join('\n'), theirs.join('\n')];
}

/** Parses a version-1 file's text into converted events, or throws a one-line error naming `where`. */
export function convertText(text: string, where: string): ImportedFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw failure(`${where}: not valid JSON (${describe(error)})`);
  }
  try {
    const events = convertV1(data);
    for (const event of events) check(event, `event ${event.seq}`);
    return { name: `v1-${contentName(text)}.jsonl`, events };
  } catch (error) {
    if (error instanceof NewerLedgerError) throw failure(error.message);
    throw failure(`${where}: not a ledger playbook can read: ${describe(error)}`);
  }
}

/** Events files of another ledger, checked line by line; their own replica names come with them. */
export function eventLines(text: string, where: string): LedgerEvent[] {
  const end = text.lastIndexOf('\n') + 1;
  const events = parseLines(where, text.slice(0, end));
  if (end < text.length || events.at(-1)?.more !== undefined) throw failure(`${where}: it ends in the middle of a change (a copy still syncing?); nothing was imported`, 'import it once it is complete');
  events.forEach((event, i) => {
    try {
      check(event, `line ${i + 1}`);
    } catch (error) {
      throw failure(`${where}: ${describe(error)}`);
    }
  });
  return events;
}
