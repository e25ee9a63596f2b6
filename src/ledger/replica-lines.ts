// The lines of replica files: parsed, checked against the event schema, merged in the order of their
// ids, and damage named by file and line (replicas.ts).
import { CliError, failure } from '../errors.js';
import type { LedgerEvent } from './event-schema.js';
import { describeError } from './events.js';
import { describe } from './files.js';
import { asciiJson } from './json.js';
import type { Layout } from './replica-layout.js';
import { validateEvent } from './validate-ledger.generated.js';

const DAMAGED_HINT = 'run `playbook doctor` to see what is wrong and what to do';

export function damaged(path: string, reason: string): CliError {
  return failure(`${path}: ledger is damaged: ${reason}`, DAMAGED_HINT);
}

const LEADING_ID = /\{\s*"id"\s*:\s*"([^"\\]{1,64})"/y;

/** The id a line at `at` starts with (`{"id":"…"`, spaces allowed, as other JSON tools write it), or undefined. */
export function leadingId(text: string, at: number): string | undefined {
  LEADING_ID.lastIndex = at;
  return LEADING_ID.exec(text)?.[1];
}

/** Whether the line `text` leads with the id `id` (as leadingId reads it); the way playbook writes it is tested first, without a regular expression. */
export function leadsWith(text: string, id: unknown): boolean {
  if (typeof id !== 'string') return false;
  if (text.startsWith('{"id":"') && text.startsWith(id, 7) && text.charCodeAt(7 + id.length) === 34) return true;
  return leadingId(text, 0) === id;
}

/**
 * The ids in more than one place of `lists`. Each file's ids rise line after line, so the lists are
 * merged as sorted runs, comparing heads: 6-10 ms for 100,000 ids over five files, against 32-35 ms
 * for a set of every id (measured on the benchmark's 100,000-event ledger). A list out of order
 * (an edited file), or more lists than a comparison of every head per id pays for, are counted with
 * a set.
 */
export function seenTwice(lists: readonly (readonly string[])[]): Set<string> {
  const twice = new Set<string>();
  if (lists.length > 16 || !lists.every(rising)) {
    const seen = new Set<string>();
    for (const list of lists) for (const id of list) if (seen.size === seen.add(id).size) twice.add(id);
    return twice;
  }
  const at = lists.map(() => 0);
  let last: string | undefined;
  for (;;) {
    let min = -1;
    let least = '';
    for (let l = 0; l < lists.length; l++) {
      const list = lists[l]!;
      if (at[l]! === list.length) continue; // (a read past the end would make V8 give up on the loop)
      const id = list[at[l]!]!;
      if (min === -1 || id < least) {
        min = l;
        least = id;
      }
    }
    if (min === -1) return twice;
    at[min] = at[min]! + 1;
    if (least === last) twice.add(least);
    last = least;
  }
}

function rising(list: readonly string[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i - 1]! >= list[i]!) return false;
  return true;
}

/** The offset of each line of whole lines. */
export function lineStarts(text: string): number[] {
  const starts: number[] = [];
  for (let at = 0; at < text.length; at = text.indexOf('\n', at) + 1) starts.push(at);
  return starts;
}

export function check(event: unknown, where: string): void {
  if (!validateEvent(event)) throw new Error(`${where}${describeError(validateEvent.errors?.[0])}`);
}

export function newestOf(events: readonly LedgerEvent[]): string | undefined {
  return events.reduce<string | undefined>((max, e) => (max === undefined || e.id > max ? e.id : max), undefined);
}

/** The offset just after the n-th newline of `text` from offset `from` (n >= 1); the end of the text when it has fewer. */
export function nthLineEnd(text: string, n: number, from = 0): number {
  let at = from - 1;
  for (let i = 0; i < n; i++) {
    at = text.indexOf('\n', at + 1);
    if (at === -1) return text.length;
  }
  return at + 1;
}

/**
 * The events of whole lines (`before`: how many lines of the file come before them, for the line
 * numbers of a complaint). A parse per line is about twice as fast as one parse of the lines joined
 * into an array, which copies the text twice first (measured on the 34 MB of a 100,000-event ledger:
 * 115-146 ms against 254-356 ms).
 */
export function parseLines(file: string, text: string, before = 0): LedgerEvent[] {
  const events: LedgerEvent[] = [];
  for (let at = 0; at < text.length; ) {
    const end = lineEnd(text, at);
    events.push(parseLine(file, text.slice(at, end), before + events.length + 1));
    at = end + 1;
  }
  return events;
}

/** Where the line at `at` ends: its newline, or the end of the text. */
export function lineEnd(text: string, at: number): number {
  const end = text.indexOf('\n', at);
  return end === -1 ? text.length : end;
}

/** The event on line `number` of a file: `line`, without its newline. */
export function parseLine(file: string, line: string, number: number): LedgerEvent {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch (error) {
    if (/^(<<<<<<<|=======|>>>>>>>)/.test(line)) {
      throw failure(`${file}:${number}: a git conflict marker in the ledger`, 'the events files are merged by lines (.gitattributes: merge=union); run `playbook team` to write that file, then `playbook doctor`');
    }
    throw damaged(file, `line ${number} is not valid JSON: ${describe(error)}`);
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event)) throw damaged(file, `line ${number} is not an event`);
  return event as LedgerEvent;
}

/**
 * All files' events in the order of their ids, each once. The same event in two files (a conflicted
 * copy, a converted file two clones both wrote) is one event; two different events under one id
 * are damage. Each file's ids rise line after line, so the files are merged as sorted runs,
 * comparing heads as seenTwice does: 31 ms for 100,000 events over five files, against 55 ms for a
 * sort of them all (measured on the benchmark's ledger, each in a new process). A file out of order
 * (an edited one) is sorted with the rest.
 */
export function merge(layout: Layout, parts: LedgerEvent[][]): LedgerEvent[] {
  const runs = parts.filter((p) => p.length > 0);
  if (runs.length > 16 || !runs.every(inIdOrder)) {
    const all = ([] as LedgerEvent[]).concat(...runs).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const out: LedgerEvent[] = [];
    for (const event of all) keepOnce(layout, out, event);
    return out;
  }
  if (runs.length <= 1) return runs[0] ?? [];
  const at = runs.map(() => 0);
  const out: LedgerEvent[] = [];
  for (;;) {
    let min = -1;
    let least: LedgerEvent | undefined;
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r]!;
      if (at[r]! === run.length) continue;
      const event = run[at[r]!]!;
      if (min === -1 || event.id < least!.id) {
        min = r;
        least = event;
      }
    }
    if (min === -1) return out;
    at[min] = at[min]! + 1;
    keepOnce(layout, out, least!);
  }
}

/** Adds an event to events in the order of their ids, unless it is the last one again; a different event under its id is damage. */
function keepOnce(layout: Layout, out: LedgerEvent[], event: LedgerEvent): void {
  const last = out[out.length - 1];
  if (last === undefined || last.id !== event.id) out.push(event);
  else if (asciiJson(event) !== asciiJson(last)) throw damaged(layout.events, `two different events have the id ${event.id}`);
}

function inIdOrder(events: readonly LedgerEvent[]): boolean {
  for (let i = 1; i < events.length; i++) if (events[i - 1]!.id >= events[i]!.id) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------
