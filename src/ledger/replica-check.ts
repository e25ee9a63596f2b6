// Checking a replica file read in full: every line parsed and checked against the event schema,
// the whole changes told from a last one cut off, and the lines indexed (file-index.ts). Pure: text
// in, a verdict out (replica-read.ts reads the files and notes them).
import type { LedgerEvent } from './event-schema.js';
import { addLines, indexLines, type FileIndex } from './file-index.js';
import { describe } from './files.js';
import { check, damaged, leadingId, nthLineEnd, parseLines } from './replica-lines.js';

export interface Checked {
  /** Bytes of whole changes at the start. */
  valid: number;
  index?: FileIndex;
  /** The events, when kept (a file that is not ASCII has no index to read them again by). */
  events?: LedgerEvent[];
}

/**
 * A file of ASCII lines, checked a few thousand lines at a time and indexed as it goes; the events
 * are not kept (a command reads its cycle's lines again by the index). At 100,000 events over five
 * files this keeps the parsed events from outliving their check, which took the garbage collector a
 * quarter of a first read's time and most of its memory (see ARCHITECTURE.md, the benchmark).
 */
export function checkAscii(file: string, text: string, end: number): Checked {
  const valid = wholeChangesEnd(text, end);
  if (valid === 0) return { valid, events: [] };
  const index = indexLines('', [], 0);
  let lines = 0;
  for (let at = 0; at < valid; ) {
    const stop = Math.min(valid, nthLineEnd(text, CHUNK_LINES, at));
    const chunk = text.slice(at, stop);
    const events = parseLines(file, chunk, lines);
    checkAll(file, events, lines);
    // The other files are held against this one by the ids at the start of its lines; a line with
    // its keys in another order (a tool that sorts them, a hand edit) makes it read the long way.
    if (!idsLead(chunk, events)) return checkAny(file, text, end);
    addLines(index, chunk, events, at);
    lines += events.length;
    at = stop;
  }
  return { valid, index };
}

/** Whether every line of `text` starts with its event's id (replica-read.ts reads ids off the lines of files it knows). */
function idsLead(text: string, events: readonly LedgerEvent[]): boolean {
  let at = 0;
  for (const e of events) {
    if (leadingId(text, at) !== e.id) return false;
    at = text.indexOf('\n', at) + 1;
  }
  return true;
}

/** Lines checked at a time: about 700 KB. */
const CHUNK_LINES = 2048;

/** Any other file: parsed whole, its events kept. */
export function checkAny(file: string, text: string, end: number): Checked {
  const parsed = parseLines(file, text.slice(0, end));
  let count = parsed.length;
  while (count > 0 && parsed[count - 1]!.more !== undefined) count--;
  const events = count < parsed.length ? parsed.slice(0, count) : parsed;
  checkAll(file, events, 0);
  return { valid: count === parsed.length ? end : count === 0 ? 0 : nthLineEnd(text, count), events };
}

function checkAll(file: string, events: readonly LedgerEvent[], before: number): void {
  for (const [i, event] of events.entries()) {
    try {
      check(event, `line ${before + i + 1}`);
    } catch (error) {
      throw damaged(file, describe(error));
    }
  }
}

/**
 * Where the whole changes of `text` end (its whole lines end at `end`): after the last line that
 * expects no more after it. Read from the end, a line at a time; a line that is not an event stops
 * the search, and the check of every line names it.
 */
function wholeChangesEnd(text: string, end: number): number {
  let stop = end;
  while (stop > 0) {
    const start = text.lastIndexOf('\n', stop - 2) + 1;
    let event: unknown;
    try {
      event = JSON.parse(text.slice(start, stop - 1));
    } catch {
      return end;
    }
    if (event === null || typeof event !== 'object' || (event as { more?: unknown }).more === undefined) return stop;
    stop = start;
  }
  return 0;
}
