// The lines of replica files: parsed, checked against the event schema, merged in the order of their
// ids, and damage named by file and line (replicas.ts).
import { CliError, failure } from '../errors.js';
import type { LedgerEvent } from './event-schema.js';
import { byId, describeError } from './events.js';
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

const CONFLICT_MARKER = /^(<<<<<<<|=======|>>>>>>>)/;

/** Whether a line starts with a git conflict marker. */
export function isConflictMarker(line: string): boolean {
  return CONFLICT_MARKER.test(line);
}

const CONFLICT_MARKER_LINE = new RegExp(CONFLICT_MARKER.source, 'm');

/** Whether any line of `text` starts with a git conflict marker. */
export function hasConflictMarker(text: string): boolean {
  return CONFLICT_MARKER_LINE.test(text);
}

/** Whether the line `text` leads with the id `id` (as leadingId reads it); the way playbook writes it is tested first, without a regular expression. */
export function leadsWith(text: string, id: unknown): boolean {
  if (typeof id !== 'string') return false;
  if (text.startsWith('{"id":"') && text.startsWith(id, 7) && text.charCodeAt(7 + id.length) === 34) return true;
  return leadingId(text, 0) === id;
}

/**
 * Walks lists of keys that each rise, in the order of the keys, handing `visit` the place of every
 * key (equal keys one after the other), by comparing the lists' heads. False, and nothing visited,
 * when a list is out of order (an edited file) or there are more lists than a comparison of every
 * head per key pays for: the callers then sort or count with a set. Measured on the benchmark's 100,000-event
 * ledger over five files, each in a new process (medians, a loaded 2-core machine): the ids seen
 * twice in 25-28 ms against 52 ms with a set, the events merged in 64 ms against 95 ms for a sort.
 */
function walkRuns(lists: readonly (readonly string[])[], visit: (list: number, at: number) => void): boolean {
  if (lists.length > 16) return false;
  for (const list of lists) for (let i = 1; i < list.length; i++) if (list[i - 1]! >= list[i]!) return false;
  const at = lists.map(() => 0);
  for (;;) {
    let min = -1;
    let least = '';
    for (let l = 0; l < lists.length; l++) {
      const list = lists[l]!;
      if (at[l]! === list.length) continue; // (a read past the end would make V8 give up on the loop)
      const key = list[at[l]!]!;
      if (min === -1 || key < least) {
        min = l;
        least = key;
      }
    }
    if (min === -1) return true;
    visit(min, at[min]!);
    at[min] = at[min]! + 1;
  }
}

/** The ids in more than one place of `lists` (each file's ids, line after line). */
export function seenTwice(lists: readonly (readonly string[])[]): Set<string> {
  const twice = new Set<string>();
  let last: string | undefined;
  const inOrder = walkRuns(lists, (l, at) => {
    const id = lists[l]![at]!;
    if (id === last) twice.add(id);
    last = id;
  });
  if (!inOrder) {
    const seen = new Set<string>();
    for (const list of lists) for (const id of list) if (seen.size === seen.add(id).size) twice.add(id);
  }
  return twice;
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
    if (isConflictMarker(line)) {
      throw failure(`${file}:${number}: a git conflict marker in the ledger`, 'the events files are merged by lines (.gitattributes: merge=union); run `playbook team` to write that file, then `playbook doctor`');
    }
    throw damaged(file, `line ${number} is not valid JSON: ${describe(error)}`);
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event)) throw damaged(file, `line ${number} is not an event`);
  return event as LedgerEvent;
}

/**
 * All files' events in the order of their ids, each once (walkRuns, else a sort). The same event in
 * two files (a conflicted copy, a converted file two clones both wrote) is one event; two different
 * events under one id are damage.
 */
export function merge(layout: Layout, parts: LedgerEvent[][]): LedgerEvent[] {
  const runs = parts.filter((p) => p.length > 0);
  const out: LedgerEvent[] = [];
  const keepOnce = (event: LedgerEvent) => {
    const last = out[out.length - 1];
    if (last === undefined || last.id !== event.id) out.push(event);
    else if (asciiJson(event) !== asciiJson(last)) throw damaged(layout.events, `two different events have the id ${event.id}`);
  };
  const ids = runs.map((run) => run.map((e) => e.id));
  if (!walkRuns(ids, (r, at) => keepOnce(runs[r]![at]!))) {
    for (const event of ([] as LedgerEvent[]).concat(...runs).sort(byId)) keepOnce(event);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
