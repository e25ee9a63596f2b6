// A cycle's records (decisions, blockers, risks, checkpoints): what each carries, how records that
// claimed the same number are told apart (D-3a, D-3b), and how changes made on two clones without
// seeing each other are noticed (state.ts applies the events).
import type { EventData, LedgerEvent } from './events.js';
import type { Cycle } from './state.js';

export interface Stamp {
  at: string;
  actor: string;
  /** The id of the event. */
  event: string;
}

/** What every record carries besides its own fields. */
export interface RecordBase {
  /** The id of the event that added it: how events name it, whatever its short id. */
  key: string;
  /**
   * The newest events on it that no other event on it has seen (one, unless two clones changed it
   * without seeing each other): a new change names them as what it had seen (`after`).
   */
  heads: string[];
  /**
   * Two changes made without seeing each other, and which one holds: shown until somebody who has
   * seen both acts on the record again.
   */
  conflict: string | null;
  /** Every event on it, in the order applied: what each had seen and what it set. */
  history: Map<string, Step>;
}

interface Step {
  /** Its place in the record's history. */
  index: number;
  actor: string;
  /** What its writer had seen of the record; null: everything before it (an event converted from version 1). */
  after: string[] | null;
  fields: [string, string][];
}

export interface Decision extends EventData<'decision.added'>, RecordBase {
  status: 'open' | 'closed';
  approved: Stamp | null;
  created: Stamp;
  closed: Stamp | null;
  /** What was decided: the note it was closed with. */
  closeNote: string | null;
  evidence: EventData<'evidence.added'>[];
  buildScope: EventData<'build-scope.added'> | null;
}

export interface Blocker extends EventData<'blocker.added'>, RecordBase {
  status: 'open' | 'escalated' | 'resolved';
  created: Stamp;
  resolved: Stamp | null;
  escalated: Stamp | null;
  escalationNote: string | null;
  resolutionNote: string | null;
  notes: string[];
  /** The key of the decision it holds up, when it names one: `decision` follows that record's short id. */
  link?: string;
}

export interface Risk extends EventData<'risk.added'>, RecordBase {
  status: 'open' | 'closed';
  created: Stamp;
  closed: Stamp | null;
  /** The note it was closed with. */
  closeNote: string | null;
}

export interface Checkpoint extends EventData<'checkpoint.added'>, RecordBase {
  created: Stamp;
  status: 'planned' | 'held' | 'missed';
  /** When it was marked held or missed, and by whom. */
  outcome: Stamp | null;
  outcomeNote: string | null;
}

export type AnyRecord = Decision | Blocker | Risk | Checkpoint;
export type Kind = keyof Cycle['counters'];

export function stamp(e: LedgerEvent): Stamp {
  return { at: e.at, actor: e.actor, event: e.id };
}

/**
 * A record's own copy of its event's data, to which the caller adds the record's fields one by
 * one. In V8, an object spread followed by more properties ({ ...data, status }) takes about ten
 * times as long, which at 100,000 events was most of the time spent deriving the state.
 */
export function record<T extends RecordBase & { created: Stamp }>(e: LedgerEvent): T {
  const r = Object.assign({}, e.data) as unknown as T;
  r.key = e.id; r.heads = [e.id]; r.conflict = null; r.history = new Map([[e.id, { index: 0, actor: e.actor, after: null, fields: [] }]]); r.created = stamp(e);
  return r;
}

const MAPS = { D: 'decisions', B: 'blockers', R: 'risks', C: 'checkpoints' } as const;

/** A cycle's records of one kind by their short ids: `D` decisions, `B` blockers, `R` risks, `C` checkpoints. */
export function recordsOf(cycle: Cycle, kind: string): Map<string, AnyRecord> | undefined {
  return Object.hasOwn(MAPS, kind) ? (cycle[MAPS[kind as Kind]]) : undefined;
}

/** `a`, `b`, ... `z`, `aa`, ...: the letter that tells apart records that claimed the same number. */
export function suffix(i: number): string {
  return i < 26 ? String.fromCharCode(97 + i) : suffix(Math.floor(i / 26) - 1) + String.fromCharCode(97 + (i % 26));
}

/**
 * Adds a record under its short id. When two replicas claimed the same number between syncs, both
 * keep it and each is shown with a letter in the order of their keys (D-3a, D-3b): nothing is ever
 * renumbered. Maps keep the order records were added in.
 */
export function addRecord(cycle: Cycle, kind: Kind, r: AnyRecord): void {
  claim(cycle, r.id);
  cycle.byKey.set(r.key, r);
  const map = cycle[MAPS[kind]] as Map<string, AnyRecord>;
  if (!map.has(r.id) && !map.has(`${r.id}a`)) {
    map.set(r.id, r);
    return;
  }
  const base = r.id;
  const all = [...map.values(), r];
  const same = all.filter((x) => baseId(x.id) === base);
  same.forEach((x, i) => (x.id = `${base}${suffix(i)}`));
  map.clear();
  for (const x of all) map.set(x.id, x);
  // A blocker names the decision it holds up by the short id it has now.
  if (kind === 'D') for (const b of cycle.blockers.values()) if (b.link !== undefined) b.decision = cycle.byKey.get(b.link)?.id ?? b.decision;
}

/** D-3 of D-3a. */
export function baseId(id: string): string {
  return id.replace(/[a-z]+$/, '');
}

export function claim(cycle: Cycle, id: string): void {
  const kind = id[0] as Kind;
  if (kind in cycle.counters) cycle.counters[kind] = Math.max(cycle.counters[kind], idNumber(id));
}

/** The record an event acts on: by its key, or (an event without one) by its short id. */
export function target<T extends AnyRecord>(cycle: Cycle, e: LedgerEvent, kind: Kind, id?: string): T | undefined {
  const r = e.rec !== undefined ? cycle.byKey.get(e.rec) : (cycle[MAPS[kind]] as Map<string, AnyRecord>).get(id ?? (e.data as { id: string }).id);
  return r !== undefined && r.id.startsWith(`${kind}-`) ? (r as T) : undefined;
}

/**
 * Notes an event on a record and the properties it sets. A change that did not see another change of
 * the same property (not among what its writer had seen, by the record's history of `after` links)
 * is concurrent with it: the later in the order of ids holds, and the record says so until an event
 * whose writer had seen every change on it.
 */
export function changed(r: AnyRecord, e: LedgerEvent, fields: [string, string | undefined][]): void {
  const set = fields.filter((f): f is [string, string] => f[1] !== undefined);
  const after = e.after ?? null;
  r.history.set(e.id, { index: r.history.size, actor: e.actor, after, fields: set });
  // The common case: the writer had seen every head, and so every change on the record (each
  // change is a head or seen by a later one). Nothing is concurrent with it; no walk is needed.
  if (after === null || r.heads.every((h) => after.includes(h))) {
    r.conflict = null;
    r.heads = [e.id];
    return;
  }
  const seen = seenBy(r, after);
  seen.add(e.id);
  const notes: string[] = [];
  for (const [field, value] of set) {
    let other: { actor: string; value: string } | undefined;
    for (const [id, step] of r.history) {
      if (seen.has(id)) continue;
      const theirs = step.fields.find(([f]) => f === field);
      if (theirs && theirs[1] !== value) other = { actor: step.actor, value: theirs[1] };
    }
    if (other) notes.push(`${field} set to ${other.value} by ${other.actor} and to ${value} by ${e.actor} without seeing each other; ${value} holds`);
  }
  const sawAll = r.heads.every((h) => seen.has(h));
  if (notes.length) r.conflict = notes.join('; ');
  else if (sawAll) r.conflict = null;
  r.heads = [...r.heads.filter((h) => !seen.has(h)), e.id];
}

/** The events on a record a writer had seen, given the heads it named (null: all of them). */
function seenBy(r: AnyRecord, after: string[] | null): Set<string> {
  if (after === null) return new Set(r.history.keys());
  const seen = new Set<string>();
  const order = [...r.history.keys()];
  const stack = after.filter((id) => r.history.has(id));
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const step = r.history.get(id)!;
    // A converted version-1 event had seen everything before it.
    if (step.after === null) for (const earlier of order.slice(0, step.index)) seen.add(earlier);
    else stack.push(...step.after.filter((a) => r.history.has(a)));
  }
  return seen;
}

function idNumber(id: string): number {
  return Number(baseId(id).slice(2));
}

/** The next short id of a kind in a cycle: D-4 after D-3. */
export function nextId(cycle: Cycle, kind: 'D' | 'B' | 'R' | 'C'): string {
  return `${kind}-${cycle.counters[kind] + 1}`;
}
