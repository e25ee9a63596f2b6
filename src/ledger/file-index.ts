// Where each cycle's lines lie in a replica file, kept with the file's note (checked.ts) once every
// line was checked. A later command reads only the byte ranges it needs (every cycle's start, the
// undos and steps passed, and the lines of the cycle it is about) instead of the whole file: on a 100,000-event
// ledger over five replicas that is a few per cent of 34 MB (measured in `npm run bench`, see
// ARCHITECTURE.md). Only a file of ASCII lines is indexed, so a character offset is a byte offset.
import type { LedgerEvent } from './event-schema.js';

export interface FileIndex {
  /** Bytes of the file the index covers: all of it, every line whole. */
  size: number;
  /** The oldest and the newest id of any line: a file whose ids lie outside another's range cannot share one with it. */
  oldest: string;
  newest: string;
  /** Whether each line's id is later than the one's above it: the lines can then be merged with other files' as they are read (replica-read.ts: forEach). */
  rising: boolean;
  /** The id, number and text of the last line: a new line of this replica follows it. */
  lastId: string;
  lastSeq: number;
  lastLine: string;
  /** [start, end) byte ranges of the lines read with every cycle's (STRUCTURAL_TYPES). */
  structural: number[];
  /** For each cycle (its key), the [start, end) byte ranges of its lines, runs of neighbours joined. */
  cycles: Record<string, number[]>;
  /**
   * For each cycle, the newest id of its lines in `cycles`; under '' that of the lines of no cycle
   * and not structural (which no range holds). An event's id is never earlier than its time
   * (clock.ts: nextEventId), so a command about the events since a moment reads only the cycles
   * with a newer id (log --since).
   */
  latest: Record<string, string>;
}

/**
 * Types read with every cycle's: the cycles started, version 1's switches, undos (an undone start
 * removes a cycle), and the steps passed, so that the list of cycles shows where each one's session
 * is without reading the rest of every cycle (a few lines a cycle).
 */
export const STRUCTURAL_TYPES: readonly string[] = ['cycle.created', 'cycle.selected', 'undo', 'step.passed'];

export function isStructural(e: Pick<LedgerEvent, 'type'>): boolean {
  return STRUCTURAL_TYPES.includes(e.type);
}

/** Adds [start, end) to flat ranges, joining it to the last range when they touch. */
function extend(ranges: number[], start: number, end: number): void {
  if (ranges.length > 0 && ranges[ranges.length - 1] === start) ranges[ranges.length - 1] = end;
  else ranges.push(start, end);
}

/**
 * The index of `events`, the lines of `text` in order, placed at byte `base` of the file; added to
 * `before` (the index of the bytes before them), which is left unchanged.
 */
export function indexLines(text: string, events: readonly LedgerEvent[], base: number, before?: FileIndex): FileIndex {
  const index: FileIndex = before
    ? { ...before, structural: [...before.structural], cycles: Object.fromEntries(Object.entries(before.cycles).map(([key, ranges]) => [key, [...ranges]])), latest: { ...before.latest } }
    : { size: 0, oldest: '', newest: '', rising: true, lastId: '', lastSeq: 0, lastLine: '', structural: [], cycles: {}, latest: {} };
  addLines(index, text, events, base);
  return index;
}

/** Adds the lines of `text` (`events`, in order), placed at byte `base`, to `index` itself: a file indexed part by part costs what its lines do. */
export function addLines(index: FileIndex, text: string, events: readonly LedgerEvent[], base: number): void {
  let at = 0;
  for (const event of events) {
    const end = text.indexOf('\n', at) + 1;
    addLine(index, event, base + at, base + end);
    at = end;
  }
  index.size = base + at;
  const last = events.at(-1);
  if (last) endIndex(index, last, text.slice(text.lastIndexOf('\n', at - 2) + 1, at - 1));
}

/** Adds one line, bytes [start, end) of the file, to `index` (endIndex then notes the last). */
export function addLine(index: FileIndex, event: LedgerEvent, start: number, end: number): void {
  if (event.id > index.newest) index.newest = event.id;
  else index.rising = false;
  if (index.oldest === '' || event.id < index.oldest) index.oldest = event.id;
  if (isStructural(event)) {
    extend(index.structural, start, end);
    return;
  }
  if (event.cycle !== null) extend((index.cycles[event.cycle] ??= []), start, end);
  noteLatest(index.latest, event);
}

/** Notes an event (not structural) in `latest`, as FileIndex.latest keeps it. */
export function noteLatest(latest: Record<string, string>, event: LedgerEvent): void {
  const key = event.cycle ?? '';
  const seen = latest[key];
  if (seen === undefined || event.id > seen) latest[key] = event.id;
}

/**
 * The cycles with a line (not structural) whose id is `id` or later, by `latest` alone; undefined
 * when a line of no cycle is among them (it can be found only by reading the whole file).
 */
export function cyclesFrom(latest: Record<string, string>, id: string): string[] | undefined {
  const keys = Object.keys(latest).filter((key) => latest[key]! >= id);
  return keys.includes('') ? undefined : keys;
}

/** Notes the last line added: its event and its text. */
export function endIndex(index: FileIndex, last: LedgerEvent, lastLine: string): void {
  index.lastId = last.id; index.lastSeq = last.seq; index.lastLine = lastLine;
}

/** The ranges a cycle's state needs, in file order: the structural lines and that cycle's (none for null). */
export function rangesOf(index: FileIndex, key: string | null): number[] {
  const own = key === null ? [] : (index.cycles[key] ?? []);
  const pairs: [number, number][] = [];
  for (const list of [index.structural, own]) for (let i = 0; i < list.length; i += 2) pairs.push([list[i]!, list[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [start, end] of pairs) extend(out, start, end);
  return out;
}

const isRanges = (value: unknown, size: number): value is number[] =>
  Array.isArray(value) && value.length % 2 === 0 && value.every((n, i) => Number.isSafeInteger(n) && n >= 0 && n <= size && (i === 0 || n >= (value[i - 1] as number)));

/** True for an index as this module writes it (the notes are a cache a user may have damaged). */
export function isFileIndex(value: unknown): value is FileIndex {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const size = v.size;
  if (!Number.isSafeInteger(size) || (size as number) < 0) return false;
  if (typeof v.oldest !== 'string' || typeof v.newest !== 'string' || typeof v.rising !== 'boolean' || typeof v.lastId !== 'string' || !Number.isSafeInteger(v.lastSeq) || typeof v.lastLine !== 'string') return false;
  if (!isRanges(v.structural, size as number) || typeof v.cycles !== 'object' || v.cycles === null || Array.isArray(v.cycles)) return false;
  if (!Object.values(v.cycles).every((ranges) => isRanges(ranges, size as number))) return false;
  return typeof v.latest === 'object' && v.latest !== null && !Array.isArray(v.latest) && Object.values(v.latest).every((id) => typeof id === 'string');
}
