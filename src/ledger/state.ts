// The current state, derived from the events in one pass. Undone events are skipped, so
// undo is the exact inverse of the change it names.
import type { StepId } from '../steps.js';
import type { CycleSnapshot, EventData, FieldName, LedgerEvent } from './events.js';

export interface Stamp {
  at: string;
  actor: string;
  event: number;
}

export interface Decision extends Omit<EventData<'decision.added'>, never> {
  status: 'open' | 'closed';
  approved: Stamp | null;
  created: Stamp;
  closed: Stamp | null;
  evidence: EventData<'evidence.added'>[];
  buildScope: EventData<'build-scope.added'> | null;
}

export interface Blocker extends EventData<'blocker.added'> {
  status: 'open' | 'escalated' | 'resolved';
  created: Stamp;
  resolved: Stamp | null;
  escalated: Stamp | null;
  notes: string[];
}

export interface Risk extends EventData<'risk.added'> {
  status: 'open' | 'closed';
  created: Stamp;
  closed: Stamp | null;
}

export interface Reading {
  value: number;
  at: string;
  note?: string;
  event: number;
}

export interface Checkpoint extends EventData<'checkpoint.added'> {
  created: Stamp;
}

export interface Cycle {
  id: string;
  name: string;
  snapshot: CycleSnapshot;
  created: Stamp;
  fields: Partial<Record<FieldName, string | string[]>>;
  decisions: Map<string, Decision>;
  blockers: Map<string, Blocker>;
  risks: Map<string, Risk>;
  checkpoints: Map<string, Checkpoint>;
  readings: Map<string, Reading[]>;
  plans: Map<string, { baseline: number; target: number }>;
  checklistDone: Map<string, Stamp>;
  notes: EventData<'note.added'>[];
  /** Session progress: "step/question" keys answered in full, and the steps whose gate held. */
  answered: Set<string>;
  passed: Set<StepId>;
  /** How many records each records question of the session has added. */
  sessionRecords: Map<string, number>;
  /** The highest number in use per record kind; an id freed by undo is given out again. */
  counters: { D: number; B: number; R: number; C: number };
}

export interface LedgerState {
  cycles: Map<string, Cycle>;
  current: string | null;
  /** The last event that can be undone, if any. */
  lastChange: LedgerEvent | null;
  lastEventId: number;
}

function stamp(e: LedgerEvent): Stamp {
  return { at: e.at, actor: e.actor, event: e.id };
}

export function emptyState(): LedgerState {
  return { cycles: new Map(), current: null, lastChange: null, lastEventId: 0 };
}

/** For a command that looks at one cycle only: the cycle named, else the current one. */
export interface Focus {
  cycle?: string | undefined;
}

/**
 * The state the events add up to. With a focus, only the focused cycle's records are derived:
 * every cycle is still created and selected as the events say (so `current`, the cycle ids,
 * `lastChange` and `lastEventId` are those of the full state), but the other cycles stay empty.
 * A long-lived ledger holds many finished cycles; a command about one need not replay them all.
 */
export function deriveState(events: readonly LedgerEvent[], focus?: Focus): LedgerState {
  const undone = new Set<number>();
  for (const e of events) if (e.type === 'undo') undone.add(e.data.target);
  const state = emptyState();
  // With a focus, each cycle's own events wait here until the focused cycle is known; a cycle
  // created again starts afresh, as apply() does.
  const waiting = focus ? new Map<string, LedgerEvent[]>() : undefined;
  for (const e of events) {
    state.lastEventId = e.id;
    if (e.type === 'undo' || undone.has(e.id)) continue;
    state.lastChange = e;
    if (waiting === undefined) apply(state, e);
    else if (e.type === 'cycle.created') {
      apply(state, e);
      waiting.set(e.data.cycle.id, []);
    } else if (e.type === 'cycle.selected') apply(state, e);
    else if (e.cycle) waiting.get(e.cycle)?.push(e);
  }
  const focused = focus ? (focus.cycle ?? state.current) : null;
  if (waiting && focused !== null) for (const e of waiting.get(focused) ?? []) apply(state, e);
  return state;
}

/** Applies one event. Events that name a record or cycle that does not exist are ignored, never fatal. */
export function apply(state: LedgerState, e: LedgerEvent): void {
  if (e.type === 'cycle.created') {
    const s = e.data.cycle;
    state.cycles.set(s.id, {
      id: s.id,
      name: s.name,
      snapshot: s,
      created: stamp(e),
      fields: {},
      decisions: new Map(),
      blockers: new Map(),
      risks: new Map(),
      checkpoints: new Map(),
      readings: new Map(),
      plans: new Map(),
      checklistDone: new Map(),
      notes: [],
      answered: new Set(),
      passed: new Set(),
      sessionRecords: new Map(),
      counters: { D: 0, B: 0, R: 0, C: 0 },
    });
    state.current = s.id;
    return;
  }
  if (e.type === 'cycle.selected') {
    if (state.cycles.has(e.data.cycle)) state.current = e.data.cycle;
    return;
  }
  const cycle = e.cycle ? state.cycles.get(e.cycle) : undefined;
  if (!cycle) return;
  if (e.answer) {
    // A single-valued answer completes its question; records questions complete with answer.completed.
    const key = `${e.answer.step}/${e.answer.question}`;
    if (e.type === 'cycle.field' || e.type === 'note.added') cycle.answered.add(key);
    else if (e.type.endsWith('.added') || e.type === 'metric.planned') cycle.sessionRecords.set(key, (cycle.sessionRecords.get(key) ?? 0) + 1);
  }
  switch (e.type) {
    case 'cycle.field':
      cycle.fields[e.data.field] = e.data.value;
      return;
    case 'decision.added':
      cycle.counters.D = Math.max(cycle.counters.D, idNumber(e.data.id));
      const d = copy<Decision>(e.data);
      [d.status, d.approved, d.created, d.closed, d.evidence, d.buildScope] = ['open', null, stamp(e), null, [], null];
      cycle.decisions.set(e.data.id, d);
      return;
    case 'decision.updated': {
      const d = cycle.decisions.get(e.data.id);
      if (!d) return;
      if (e.data.owner !== undefined) d.owner = e.data.owner;
      if (e.data.due !== undefined) d.due = e.data.due;
      if (e.data.criteria !== undefined) d.criteria = e.data.criteria;
      return;
    }
    case 'decision.approved': {
      const d = cycle.decisions.get(e.data.id);
      if (d) d.approved = stamp(e);
      return;
    }
    case 'decision.closed': {
      const d = cycle.decisions.get(e.data.id);
      if (d) [d.status, d.closed] = ['closed', stamp(e)];
      return;
    }
    case 'decision.reopened': {
      const d = cycle.decisions.get(e.data.id);
      if (d) [d.status, d.closed] = ['open', null];
      return;
    }
    case 'evidence.added':
      cycle.decisions.get(e.data.decision)?.evidence.push(e.data);
      return;
    case 'build-scope.added': {
      const d = cycle.decisions.get(e.data.decision);
      if (d) d.buildScope = e.data;
      return;
    }
    case 'blocker.added':
      cycle.counters.B = Math.max(cycle.counters.B, idNumber(e.data.id));
      const b = copy<Blocker>(e.data);
      [b.status, b.created, b.resolved, b.escalated, b.notes] = ['open', stamp(e), null, null, []];
      cycle.blockers.set(e.data.id, b);
      return;
    case 'blocker.resolved': {
      const b = cycle.blockers.get(e.data.id);
      if (!b) return;
      [b.status, b.resolved] = ['resolved', stamp(e)];
      if (e.data.note) b.notes.push(e.data.note);
      return;
    }
    case 'blocker.escalated': {
      const b = cycle.blockers.get(e.data.id);
      if (!b) return;
      [b.status, b.escalated] = ['escalated', stamp(e)];
      if (e.data.note) b.notes.push(e.data.note);
      return;
    }
    case 'blocker.extended': {
      const b = cycle.blockers.get(e.data.id);
      if (!b) return;
      b.due = e.data.due;
      b.notes.push(e.data.reason);
      return;
    }
    case 'risk.added':
      cycle.counters.R = Math.max(cycle.counters.R, idNumber(e.data.id));
      const r = copy<Risk>(e.data);
      [r.status, r.created, r.closed] = ['open', stamp(e), null];
      cycle.risks.set(e.data.id, r);
      return;
    case 'risk.updated': {
      const r = cycle.risks.get(e.data.id);
      if (!r) return;
      if (e.data.mitigation !== undefined) r.mitigation = e.data.mitigation;
      if (e.data.owner !== undefined) r.owner = e.data.owner;
      return;
    }
    case 'risk.closed': {
      const r = cycle.risks.get(e.data.id);
      if (r) [r.status, r.closed] = ['closed', stamp(e)];
      return;
    }
    case 'metric.planned':
      cycle.plans.set(e.data.metric, { baseline: e.data.baseline, target: e.data.target });
      return;
    case 'metric.recorded': {
      const list = cycle.readings.get(e.data.metric) ?? [];
      const reading: Reading = { value: e.data.value, at: e.data.at, event: e.id };
      if (e.data.note !== undefined) reading.note = e.data.note;
      list.push(reading);
      cycle.readings.set(e.data.metric, list);
      return;
    }
    case 'checklist.done':
      if (!cycle.checklistDone.has(e.data.item)) cycle.checklistDone.set(e.data.item, stamp(e));
      return;
    case 'checkpoint.added':
      cycle.counters.C = Math.max(cycle.counters.C, idNumber(e.data.id));
      const c = copy<Checkpoint>(e.data);
      c.created = stamp(e);
      cycle.checkpoints.set(e.data.id, c);
      return;
    case 'note.added':
      cycle.notes.push(e.data);
      return;
    case 'answer.completed':
      cycle.answered.add(`${e.data.step}/${e.data.question}`);
      return;
    case 'step.passed':
      cycle.passed.add(e.data.step);
      return;
  }
}

/**
 * A record's own copy of its event's data, to which the caller adds the record's fields one by
 * one. In V8, an object spread followed by more properties ({ ...data, status }) takes about ten
 * times as long, which at 100,000 events was most of the time spent deriving the state.
 */
function copy<T>(data: object): T {
  return Object.assign({}, data) as T;
}

function idNumber(id: string): number {
  return Number(id.slice(2));
}

/** The next short id of a kind in a cycle: D-4 after D-3. */
export function nextId(cycle: Cycle, kind: 'D' | 'B' | 'R' | 'C'): string {
  return `${kind}-${cycle.counters[kind] + 1}`;
}

/** Readings sorted by the time they describe (not the time they were typed). */
export function sortedReadings(cycle: Cycle, metric: string): Reading[] {
  return [...(cycle.readings.get(metric) ?? [])].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.event - b.event));
}

export function isBreached(b: Blocker, now: Date): boolean {
  return b.status !== 'resolved' && Date.parse(b.due) < now.getTime();
}
