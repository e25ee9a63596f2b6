// Small pieces the ledger commands share: finding a record by the id a person typed,
// checking typed text, and printing JSON.
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { baseId, type Blocker, type Checkpoint, type Cycle, type Decision, type MetricDef, type Risk } from '../ledger/state.js';
import { readValue, valueRange, type MetricShape } from '../metric-values.js';
import { closest } from '../names.js';
import { oneLine } from '../terminal.js';
import { AnswerError, asOwner, asText } from '../flow/answer-checks.js';

export const JSON_VERSION = 1;

export function printJson(ctx: Context, value: Record<string, unknown>): void {
  ctx.print(JSON.stringify({ version: JSON_VERSION, ...value }, null, 2));
}

/**
 * printJson of `{ [key]: items, ...rest() }`, the same bytes, with the items handed over one at a
 * time and printed a thousand at a time, none kept: `log --json` of a 100,000-event ledger held them
 * all (4.1 s, 706 MiB).
 */
export function printJsonList(ctx: Context, key: string, each: (emit: (item: unknown) => void) => void, rest: () => Record<string, unknown>): void {
  const head = `{\n  "version": ${JSON_VERSION},\n  ${JSON.stringify(key)}: [`;
  let lines: string[] = [head];
  // The last item waits for the next one, which puts the comma after it, or for the end.
  let last: string | undefined;
  each((item) => {
    if (last !== undefined) lines.push(`${last},`);
    last = `    ${JSON.stringify(item, null, 2).replaceAll('\n', '\n    ')}`;
    if (lines.length >= PRINTED_AT_ONCE) {
      ctx.print(lines.join('\n'));
      lines = [];
    }
  });
  const tail = Object.entries(rest()).map(([name, value]) => `,\n  ${JSON.stringify(name)}: ${JSON.stringify(value, null, 2).replaceAll('\n', '\n  ')}`).join('');
  if (last === undefined) lines.push(`${lines.pop()!}]${tail}\n}`);
  else lines.push(last, `  ]${tail}\n}`);
  ctx.print(lines.join('\n'));
}

/** Lines printed at once by a command that prints many: the lines of a long list are not all held at once (at 100,000 events of `log`, that was a quarter of its time, spent moving them between the heap's generations). */
export const PRINTED_AT_ONCE = 1000;

type Kind = 'decision' | 'blocker' | 'risk' | 'checkpoint';
const PREFIX: Record<Kind, string> = { decision: 'D', blocker: 'B', risk: 'R', checkpoint: 'C' };

/** The kind of record a typed short id's letter names (D-3, b12), if it names one. */
export function kindOf(typed: string): Kind | undefined {
  const letter = typed.trim()[0]?.toUpperCase();
  return (Object.keys(PREFIX) as Kind[]).find((kind) => PREFIX[kind] === letter);
}

/** "d-3", "D3" and "3" all name D-3; "d-3a" names D-3a, one of two D-3s claimed on two clones. */
export function recordId(kind: Kind, typed: string): string {
  const m = /^(?:([a-z])-?)?(\d{1,6})([a-z]{0,3})$/i.exec(typed.trim());
  if (!m || (m[1] && m[1].toUpperCase() !== PREFIX[kind])) {
    throw usageError(`"${typed}" is not a ${kind} id (like ${PREFIX[kind]}-3)`);
  }
  return `${PREFIX[kind]}-${Number(m[2])}${(m[3] ?? '').toLowerCase()}`;
}

type RecordOf<K extends Kind> = K extends 'decision' ? Decision : K extends 'blocker' ? Blocker : K extends 'risk' ? Risk : Checkpoint;
const MAP = { decision: 'decisions', blocker: 'blockers', risk: 'risks', checkpoint: 'checkpoints' } as const;

/**
 * The record a person typed. A short id two clones both claimed (D-3a and D-3b) typed without its
 * letter is ambiguous: exit 2, naming each with its title and author; nothing is renumbered.
 */
export function find<K extends Kind>(cycle: Cycle, kind: K, typed: string): RecordOf<K> {
  const id = recordId(kind, typed);
  const map = cycle[MAP[kind]] as Map<string, RecordOf<K>>;
  const record = map.get(id);
  if (record) return record;
  const candidates = [...map.values()].filter((r) => baseId(r.id) === id);
  if (candidates.length > 0) {
    throw usageError(
      `${id} is ambiguous: ${candidates.map((r) => `${r.id} "${oneLine(r.title)}" (added by ${oneLine(r.created.actor)})`).join(', ')}`,
      `two clones added a ${kind} as ${id} before they synced; name one with its letter, e.g. ${candidates[0]!.id}`,
    );
  }
  const known = [...map.keys()];
  throw usageError(`no ${kind} ${id} in cycle ${cycle.id}`, known.length ? `${kind}s: ${known.slice(-10).join(', ')}` : `the cycle has no ${kind}s yet`);
}

/** The session's checks of typed text, reported as the usage errors of a flag. */
export function asUsage<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof AnswerError) throw usageError(error.message);
    throw error;
  }
}

/** Trimmed, non-empty text of at most `max` characters. */
export function text(value: string | undefined, what: string, max = 200): string {
  return asUsage(() => asText(value, what, undefined, max));
}

/** An owner is one person: a name, not a list. */
export function owner(value: string | undefined, what = '--owner'): string {
  return asUsage(() => asOwner(value, what));
}

/** The cycle's metric a person named, by id or by name ("setup-completion", "Setup completion"). */
export function metricNamed(cycle: Cycle, typed: string): MetricDef {
  const wanted = typed.trim().toLowerCase();
  const def = cycle.metrics.find((m) => m.id === wanted || m.name.toLowerCase() === wanted);
  if (def) return def;
  const ids = cycle.metrics.map((m) => m.id);
  const guess = closest(wanted, ids);
  throw usageError(`no metric "${typed}" in cycle ${cycle.id}${guess ? `; did you mean "${guess}"?` : ''}`, `metrics: ${ids.join(', ')}`);
}

/** A value of the metric typed in a flag: a number within its unit's range ("85%" only for a percentage); else exit 2 with the range. */
export function metricValue(metric: Pick<MetricShape, 'id' | 'unit'>, raw: string, what: string): number {
  const read = readValue(metric, raw, what);
  if ('problem' in read) throw usageError(read.problem, `${what === 'a reading' ? 'readings' : 'values'} of ${metric.id} are in ${metric.unit}: ${valueRange(metric.unit).label}`);
  return read.value;
}
