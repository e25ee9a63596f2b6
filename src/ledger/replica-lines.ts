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
 * numbers of a complaint). One JSON.parse of the lines joined into an array is about twice as fast
 * as a parse per line.
 */
export function parseLines(file: string, text: string, before = 0): LedgerEvent[] {
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
      throw failure(`${file}:${before + i + 1}: a git conflict marker in the ledger`, 'the events files are merged by lines (.gitattributes: merge=union); run `playbook team` to write that file, then `playbook doctor`');
    }
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch (error) {
      throw damaged(file, `line ${before + i + 1} is not valid JSON: ${describe(error)}`);
    }
    if (event === null || typeof event !== 'object' || Array.isArray(event)) throw damaged(file, `line ${before + i + 1} is not an event`);
    return event as LedgerEvent;
  });
}

/**
 * All files' events in the order of their ids, each once. The same event in two files (a conflicted
 * copy, a converted file two clones both wrote) is one event; two different events under one id
 * are damage.
 */
export function merge(layout: Layout, parts: LedgerEvent[][]): LedgerEvent[] {
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
