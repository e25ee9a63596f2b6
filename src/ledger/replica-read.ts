// Reading a team ledger: the pointer, every replica file (a file checked before only by its index),
// each checked in full the first time it is seen (replica-file.ts) and held against the others.
import { readdirSync, type BigIntStats } from 'node:fs';
import { join, sep } from 'node:path';
import { failure } from '../errors.js';
import { noteFiles } from './checked.js';
import { contentName, convertV1 } from './convert.js';
import type { LedgerEvent } from './event-schema.js';
import { byId, NewerLedgerError, type Each } from './events.js';
import { cyclesFrom, isStructural, noteLatest, rangesOf } from './file-index.js';
import { AsciiLines, describe, errorCode, fsFailure, readLedgerFile, readRanges } from './files.js';
import { asciiJson } from './json.js';
import { changedWhileRead, readKnown, readReplicaFile, withKnown, type FilePart, type OwnFile } from './replica-file.js';
import type { Layout } from './replica-layout.js';
import { check, damaged, hasConflictMarker, leadingId, lineEnd, lineStarts, merge, parseLine, parseLines, seenTwice } from './replica-lines.js';
import { ledgerText } from './store.js';


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
   * and every cycle's start, version-1 switch, undo and step passed. The lines of a file checked before are
   * read by its index (file-index.ts) and only those are parsed: a command about one cycle of a
   * long-lived ledger reads a few per cent of it. The same array each time it is asked for.
   */
  cycleEvents(key: string | null): LedgerEvent[];
  /**
   * Runs `use` with `each`, which hands every event, each once, to a visit in the order of their ids,
   * as many times as `use` calls it, the files opened once for all. A large ledger's files are read
   * a line at a time, side by side, each line parsed as it comes and none kept: what reading a whole
   * long-lived ledger holds at once (the full log) is then its state, not 100,000 events (measured in
   * ARCHITECTURE.md, the benchmark). Once `events` was asked for, or below STREAMED_FROM, those.
   */
  walk<T>(use: (each: Each) => T): T;
  /**
   * The cycles with an event (not structural) whose id is `id` or later: from the indexes of files
   * checked before, from the events of the others. Undefined when an event of no cycle is among them.
   */
  cyclesFrom(id: string): Set<string> | undefined;
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
  /** Bytes from which walk reads files a line at a time (STREAMED_FROM; the tests read small files so). */
  streamedFrom?: number;
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
    walk(use) {
      const unparsed = parts.reduce((n, p) => n + (p.events ? 0 : p.index!.size), 0);
      if (all || unparsed < (options.streamedFrom ?? STREAMED_FROM)) return use((visit) => read.events.forEach((e) => visit(e)));
      // A file whose ids do not rise (a hand edit, two histories of one replica merged by lines) is
      // parsed and sorted; the others are read a line at a time.
      const streamed = parts.filter((p) => !p.events && p.index!.rising);
      const sorted = parts.map((p) => (streamed.includes(p) ? undefined : inOrder((p.events ??= parseLines(p.file, p.text())))));
      // Only opening the files is a failure to read them: what `use` throws (a full disk under the
      // output) or the lines (a change while they are read, named by file) comes out as it is.
      let outcome: { value: ReturnType<typeof use> } | { error: unknown } | undefined;
      withKnown(streamed, (fds) => {
        try {
          outcome = { value: use((visit) => walkCursors(parts.map((p, i) => (sorted[i] ? eventsCursor(sorted[i]) : linesCursor(p, fds[streamed.indexOf(p)]!))), visit)) };
        } catch (error) {
          outcome = { error };
        }
      });
      if ('error' in outcome!) throw outcome.error;
      return outcome!.value;
    },
    cyclesFrom(id) {
      const keys = new Set<string>();
      for (const p of parts) {
        const found = cyclesFrom(p.index?.latest ?? latestOf(p.events!), id);
        if (found === undefined) return undefined;
        for (const key of found) keys.add(key);
      }
      return keys;
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
  // The files noted now were held against the files here now. A note of a file not here, or of an
  // earlier version of one checked now but not noted (a change still arriving), was not held against
  // them: it goes, or a later read would go on from it (replica-file.ts: earlier) without ever holding
  // that file's lines against these.
  const noted = parts.flatMap((p) => (p.note ? [p.note] : []));
  if (noted.length > 0) {
    const kept = new Set(parts.filter((p) => p.note !== undefined || !p.fresh).map((p) => p.file));
    noteFiles(options.checked!, noted, (path) => path.startsWith(`${layout.events}${sep}`) && !kept.has(path));
  }
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
  let low = '~', high = '';
  for (const p of all) {
    if (!p.fresh) continue;
    for (const id of p.lines?.ids ?? p.events?.map((e) => e.id) ?? []) {
      if (id < low) low = id;
      if (id > high) high = id;
    }
  }
  const meets = (range: { oldest: string; newest: string }) => range.oldest <= high && range.newest >= low;
  const parts = all.filter((p) => p.fresh || (p.index !== undefined && meets(p.index)));
  // A file known from its note, or one checked now only from where its earlier note ended whose
  // lines before that meet the range: every id of it is read off the start of its lines (leadingId).
  const whole = parts.map((part) => part.events === undefined && (part.lines === undefined || (part.known !== undefined && meets(part.known))));
  const starts = parts.map((part, p) => (part.events ? undefined : whole[p] ? lineStarts(part.text()) : part.lines!.starts));
  const ids = parts.map((part, p) => part.events?.map((e) => e.id) ?? (whole[p] ? starts[p]!.map((at) => idAt(part.text(), at)) : part.lines!.ids));
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
        event = parseLine(part.file, text.slice(at, lineEnd(text, at)), i + 1);
      }
      const line = asciiJson(event)!;
      const before = first.get(id);
      if (before === undefined) first.set(id, { file: part.file, line });
      else if (before.line !== line) throw damaged(layout.events, `two different events have the id ${id} (${before.file}, ${part.file})`);
    });
  });
}

/** The id leading the line at `at` of a file that was indexed (replica-lines.ts: leadsWith): 26 characters after `{"id":"` as playbook writes it. */
function idAt(text: string, at: number): string {
  return text.startsWith('{"id":"', at) ? text.slice(at + 7, at + 33) : (leadingId(text, at) ?? '');
}

/**
 * Files of this many bytes not parsed yet or more are read by walk a line at a time, each time they
 * are walked; smaller ones are parsed once and kept. Measured with the full log, which asks twice
 * (medians of 9, the 2-core machine of ARCHITECTURE.md's benchmark): at 10,000 events (3.4 MB)
 * kept 296 ms, streamed 316; at 30,000 even (585 ms); at 100,000 (34 MB) kept 1,411 ms and 214 MiB,
 * streamed 1,257 ms and 135 MiB.
 */
const STREAMED_FROM = 8 * 1024 * 1024;

/**
 * Hands `visit` the events of files in the order of their ids, by comparing the files' next ids.
 * Two different events under one id were refused when the files were held against each other
 * (crossCheck, now or when they were noted): the same id again is the same event, visited once.
 */
function walkCursors(cursors: readonly Cursor[], visit: (e: LedgerEvent) => void): void {
  let last: string | undefined;
  for (;;) {
    let least: Cursor | undefined;
    for (const c of cursors) if (c.id !== undefined && (least === undefined || c.id < least.id!)) least = c;
    if (least === undefined) return;
    const id = least.id!;
    if (id === last) least.skip();
    else visit(least.take());
    last = id;
  }
}

/** The events of a file one at a time: the id of the next one (undefined at the end), which take() parses and skip() passes. */
interface Cursor {
  id: string | undefined;
  take(): LedgerEvent;
  skip(): void;
}

function eventsCursor(events: readonly LedgerEvent[]): Cursor {
  let at = 0;
  const cursor: Cursor = {
    id: events[0]?.id,
    take: () => {
      const e = events[at]!;
      cursor.skip();
      return e;
    },
    skip: () => {
      cursor.id = events[++at]?.id;
    },
  };
  return cursor;
}

/** The lines of a file known by its index (each leads with its id), read as they are needed; a file shorter than its index says has changed. */
function linesCursor(part: FilePart, fd: number): Cursor {
  const size = part.index!.size;
  const lines = new AsciiLines(fd, size);
  let number = 0;
  let line: string | undefined;
  const cursor: Cursor = {
    id: undefined,
    take: () => {
      const e = parseLine(part.file, line!, number);
      cursor.skip();
      return e;
    },
    skip: () => {
      try {
        line = lines.next();
      } catch (error) {
        throw fsFailure(part.file, error, 'read');
      }
      number++;
      if (line === undefined && (!lines.ascii || lines.read !== size)) throw changedWhileRead(part.file);
      cursor.id = line === undefined ? undefined : idAt(line, 0);
    },
  };
  cursor.skip();
  return cursor;
}

/** A file's events in the order of their ids: as they are, when they rise. */
function inOrder(events: LedgerEvent[]): LedgerEvent[] {
  for (let i = 1; i < events.length; i++) if (events[i - 1]!.id >= events[i]!.id) return [...events].sort(byId);
  return events;
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

/** FileIndex.latest of a file without an index (one that is not ASCII), from its events. */
function latestOf(events: readonly LedgerEvent[]): Record<string, string> {
  const latest: Record<string, string> = {};
  for (const e of events) if (!isStructural(e)) noteLatest(latest, e);
  return latest;
}

/** The text of [start, end) ranges (flat pairs) of `text`, one after the other. */
function slices(text: string, ranges: readonly number[]): string {
  let out = '';
  for (let i = 0; i < ranges.length; i += 2) out += text.slice(ranges[i], ranges[i + 1]);
  return out;
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
    if (hasConflictMarker(text)) {
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
