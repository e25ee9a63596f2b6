// Checking a replica file read in full: every line parsed and checked against the event schema,
// the whole changes told from a last one cut off, and the lines indexed (file-index.ts). Pure: lines
// in, a verdict out (replica-read.ts reads the files and notes them).
import type { LedgerEvent } from './event-schema.js';
import { addLine, endIndex, indexLines, type FileIndex } from './file-index.js';
import { describe } from './files.js';
import { check, damaged, leadsWith, lineEnd, nthLineEnd, parseLine, parseLines } from './replica-lines.js';

export interface Checked {
  /** Bytes of whole changes at the start. */
  valid: number;
  index?: FileIndex;
  /** The events, when kept: a file in memory, or one that is not ASCII (it has no index to read them again by). */
  events?: LedgerEvent[];
  /** Otherwise the id and the start of each line checked, in order. */
  lines?: { ids: string[]; starts: number[] };
  /** The ids of the lines before them, known from a note and not checked now (AsciiChecker's `after`). */
  known?: { oldest: string; newest: string };
  /** Events after the whole changes: a change whose last line has not arrived (a sync in progress). */
  cutEvents: number;
}

/**
 * A file of ASCII lines, checked a line at a time as they are read (files.ts: forEachAsciiLine) and
 * indexed as it goes. The id and start of each line are kept, which the other files are held
 * against (replica-read.ts: crossCheck). The events are kept only when asked (`keep`: a file held in
 * memory); otherwise a command reads its cycle's lines again by the index. The lines of a change are checked and indexed once its last line
 * (one without `more`) is in; the lines of a change still arriving at the end are not.
 */
export class AsciiChecker {
  private readonly index: FileIndex;
  private readonly ids: string[] = [];
  private readonly starts: number[] = [];
  private readonly events: LedgerEvent[] | undefined;
  /** The lines of a change not complete yet. */
  private pending: { event: LedgerEvent; start: number; text: string }[] = [];
  private lines = 0;
  private valid = 0;
  private lastLine = '';
  private last: LedgerEvent | undefined;

  /**
   * `after`: the lines go on from the end of lines checked before (by a note of the file: `index`,
   * and how many `lines` it covers), whose index is extended.
   */
  constructor(
    private readonly file: string,
    private readonly after?: { index: FileIndex; lines: number },
    keep = false,
  ) {
    if (keep) this.events = [];
    this.index = indexLines('', [], 0, after?.index);
    if (after) {
      this.index.size = after.index.size;
      this.lines = after.lines;
      this.valid = after.index.size;
    }
  }

  /**
   * One whole line (without its newline) starting at byte `start`. False when the line does not
   * lead with its id as playbook writes it (a tool that sorts keys, a hand edit): the other files
   * are held against this one by those ids, so such a file is read the long way (checkAny).
   */
  line(text: string, start: number): boolean {
    const event = parseLine(this.file, text, ++this.lines);
    if (!leadsWith(text, event.id)) return false;
    if (event.more !== undefined || this.pending.length > 0) {
      this.pending.push({ event, start, text });
      if (event.more !== undefined) return true;
      const first = this.lines - this.pending.length + 1;
      for (let i = 0; i < this.pending.length - 1; i++) this.add(this.pending[i]!.event, first + i, this.pending[i]!.start, this.pending[i]!.text);
      this.pending = [];
    }
    this.add(event, this.lines, start, text);
    this.last = event; this.lastLine = text; this.valid = start + text.length + 1;
    return true;
  }

  private add(event: LedgerEvent, line: number, start: number, text: string): void {
    checkOne(this.file, event, line);
    addLine(this.index, event, start, start + text.length + 1);
    this.ids.push(event.id);
    this.starts.push(start);
    this.events?.push(event);
  }

  /** The verdict once every whole line was given. */
  done(): Checked {
    const cutEvents = this.pending.length;
    const known = this.after && { oldest: this.after.index.oldest, newest: this.after.index.newest };
    if (this.last === undefined) return known ? { valid: this.valid, index: this.index, lines: { ids: [], starts: [] }, known, cutEvents } : { valid: 0, events: [], cutEvents };
    this.index.size = this.valid;
    endIndex(this.index, this.last, this.lastLine);
    const checked: Checked = { valid: this.valid, index: this.index, lines: { ids: this.ids, starts: this.starts }, cutEvents };
    if (known) checked.known = known;
    if (this.events) checked.events = this.events;
    return checked;
  }
}

/**
 * A file of ASCII lines in memory (whole lines end at `end`): checked as AsciiChecker does, its events
 * kept (parsing them again for the command cost as much as the check's own parse), or the long way.
 */
export function checkAscii(file: string, text: string, end: number): Checked {
  const checker = new AsciiChecker(file, undefined, true);
  for (let at = 0; at < end; ) {
    const stop = lineEnd(text, at);
    if (!checker.line(text.slice(at, stop), at)) return checkAny(file, text, end);
    at = stop + 1;
  }
  return checker.done();
}

/** Any other file: parsed whole, its events kept. */
export function checkAny(file: string, text: string, end: number): Checked {
  const parsed = parseLines(file, text.slice(0, end));
  let count = parsed.length;
  while (count > 0 && parsed[count - 1]!.more !== undefined) count--;
  const events = count < parsed.length ? parsed.slice(0, count) : parsed;
  checkAll(file, events, 0);
  return { valid: count === parsed.length ? end : count === 0 ? 0 : nthLineEnd(text, count), events, cutEvents: parsed.length - count };
}

function checkAll(file: string, events: readonly LedgerEvent[], before: number): void {
  for (const [i, event] of events.entries()) checkOne(file, event, before + i + 1);
}

function checkOne(file: string, event: LedgerEvent, line: number): void {
  try {
    check(event, `line ${line}`);
  } catch (error) {
    throw damaged(file, describe(error));
  }
}
