// The current state, derived from the events in one pass. Undone events are skipped, so
// undo is the exact inverse of the change it names.
import type { StepId } from '../steps.js';
import type { CycleSnapshot, Each, EventData, FieldName, LedgerEvent } from './events.js';
import { addRecord, claim, changed, record, stamp, suffix, target, type AnyRecord, type Blocker, type Checkpoint, type Decision, type Risk, type Stamp } from './records.js';

export * from './records.js';

export type MetricDef = CycleSnapshot['metrics'][number];

export interface Reading {
  value: number;
  at: string;
  note?: string;
  event: string;
}

export interface Cycle {
  /** The id of the event that started it: how events name the cycle. */
  key: string;
  /** The id people use: `pm-2026-11-02`, with a letter after it when two cycles were given the same one. */
  id: string;
  /** The replica that started it. */
  replica: string;
  name: string;
  snapshot: CycleSnapshot;
  created: Stamp;
  fields: Partial<Record<FieldName, string | string[]>>;
  decisions: Map<string, Decision>;
  blockers: Map<string, Blocker>;
  risks: Map<string, Risk>;
  checkpoints: Map<string, Checkpoint>;
  /** The cycle's metrics: the playbook's, then those the team added (`metric add`). */
  metrics: MetricDef[];
  readings: Map<string, Reading[]>;
  plans: Map<string, { baseline: number; target: number }>;
  checklistDone: Map<string, Stamp>;
  notes: EventData<'note.added'>[];
  /** Session progress: "step/question" keys answered in full, and the steps whose gate held. */
  answered: Set<string>;
  passed: Set<StepId>;
  /** How many records each records question of the session has added. */
  sessionRecords: Map<string, number>;
  /** The highest number ever claimed per record kind, undone records included: a number is never given out twice. */
  counters: { D: number; B: number; R: number; C: number };
  /** Every record by the id of the event that added it. */
  byKey: Map<string, AnyRecord>;
}

export interface LedgerState {
  /** Every cycle by the id of the event that started it, oldest first. */
  cycles: Map<string, Cycle>;
  /** The cycle this clone works on: its own choice, else the most recently started. */
  current: string | null;
  /** The newest event id: a new event's clock starts after it. */
  lastEventId: string | undefined;
}

export function emptyState(): LedgerState {
  return { cycles: new Map(), current: null, lastEventId: undefined };
}

export interface Focus {
  /** Derive only this cycle's records (its key, or the id people use); else the current one's. */
  cycle?: string | undefined;
  /** This clone's choice of current cycle, when it made one (the key). */
  current?: string | undefined;
  /** Derive every cycle's records. */
  all?: boolean;
}

/**
 * The state the events add up to: a pure function of the set of events, which arrive in the order
 * of their ids. Only one cycle's records are derived (the focused one, else the current one) unless
 * `focus.all`: every cycle is still created, so the cycle ids, `current` and `lastEventId` are those
 * of the full state. A long-lived ledger holds many finished cycles; a command about one need not
 * replay them all.
 */
export function deriveState(events: readonly LedgerEvent[], focus: Focus = { all: true }): LedgerState {
  return deriveFrom((visit) => events.forEach(visit), events, focus);
}

/**
 * deriveState of the events `each` hands over one at a time, in the order of their ids, none kept
 * (the full log of a long-lived ledger: replica-read.ts: walk). `undos`: events that hold every
 * undo among them, known before the others are applied.
 */
export function deriveFrom(each: Each, undos: readonly LedgerEvent[], focus: Focus = { all: true }): LedgerState {
  const undone = new Set<string>();
  for (const e of undos) if (e.type === 'undo') undone.add(e.data.target);
  const state = emptyState();
  // Each cycle's own events wait here until the focused cycle is known.
  const waiting = focus.all ? undefined : new Map<string, LedgerEvent[]>();
  const claims: LedgerEvent[] = [];
  each((e) => {
    state.lastEventId = e.id;
    if (e.type === 'undo') return;
    if (undone.has(e.id)) {
      // An undone record keeps its number: it is never given out again.
      if (e.type.endsWith('.added')) claims.push(e);
      return;
    }
    if (waiting === undefined || e.type === 'cycle.created' || e.type === 'cycle.selected') {
      apply(state, e);
      if (waiting && e.type === 'cycle.created') waiting.set(e.id, []);
    } else if (e.cycle) waiting.get(e.cycle)?.push(e);
  });
  if (focus.current !== undefined && state.cycles.has(focus.current)) state.current = focus.current;
  const focused = waiting === undefined ? undefined : focus.cycle === undefined ? state.current : findCycleKey(state, focus.cycle);
  if (waiting && focused) for (const e of waiting.get(focused) ?? []) apply(state, e);
  for (const e of claims) {
    // With a focus, the other cycles stay empty: their numbers too.
    if (waiting && e.cycle !== focused) continue;
    const cycle = e.cycle ? state.cycles.get(e.cycle) : undefined;
    const id = (e.data as { id?: unknown }).id;
    if (cycle && typeof id === 'string') claim(cycle, id);
  }
  return state;
}

/**
 * The key of the cycle people name `typed`: its key, or the id they use. Null when none or several
 * have it (selectCycle says which).
 */
export function findCycleKey(state: LedgerState, typed: string): string | null {
  if (state.cycles.has(typed)) return typed;
  const matches = cyclesNamed(state, typed);
  return matches.length === 1 ? matches[0]!.key : null;
}

/** The cycles people could mean by `typed`: the one whose id it is, else every one started as it. */
export function cyclesNamed(state: LedgerState, typed: string): Cycle[] {
  const all = [...state.cycles.values()];
  const exact = all.filter((c) => c.id === typed);
  return exact.length ? exact : all.filter((c) => c.snapshot.id === typed);
}

/** Applies one event. Events that name a record or cycle that does not exist are ignored, never fatal. */
export function apply(state: LedgerState, e: LedgerEvent): void {
  if (e.type === 'cycle.created') {
    addCycle(state, e);
    return;
  }
  // Written only by version 1, which kept the current cycle in the ledger: a converted ledger starts
  // where its owner left it. Now each clone keeps its own choice (replicas.ts: LocalState).
  if (e.type === 'cycle.selected') {
    if (e.cycle !== null && state.cycles.has(e.cycle)) state.current = e.cycle;
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
    case 'decision.added': {
      const d = record<Decision>(e);
      d.status = 'open'; d.approved = null; d.closed = null; d.closeNote = null; d.evidence = []; d.buildScope = null;
      addRecord(cycle, 'D', d);
      return;
    }
    case 'decision.updated': {
      const d = target<Decision>(cycle, e, 'D');
      if (!d) return;
      changed(d, e, [
        ['title', e.data.title],
        ['owner', e.data.owner],
        ['due', e.data.due],
        ['criteria', e.data.criteria?.join('; ')],
      ]);
      if (e.data.title !== undefined) d.title = e.data.title;
      if (e.data.owner !== undefined) d.owner = e.data.owner;
      if (e.data.due !== undefined) d.due = e.data.due;
      if (e.data.criteria !== undefined) d.criteria = e.data.criteria;
      return;
    }
    case 'decision.approved': {
      const d = target<Decision>(cycle, e, 'D');
      if (!d) return;
      changed(d, e, []);
      d.approved = stamp(e);
      return;
    }
    case 'decision.closed': {
      const d = target<Decision>(cycle, e, 'D');
      if (!d) return;
      changed(d, e, [['status', 'closed']]);
      d.status = 'closed'; d.closed = stamp(e); d.closeNote = e.data.note ?? null;
      return;
    }
    case 'decision.reopened': {
      const d = target<Decision>(cycle, e, 'D');
      if (!d) return;
      changed(d, e, [['status', 'open']]);
      d.status = 'open'; d.closed = null; d.closeNote = null;
      return;
    }
    case 'evidence.added': {
      const d = target<Decision>(cycle, e, 'D', e.data.decision);
      if (!d) return;
      changed(d, e, []);
      d.evidence.push(e.data);
      return;
    }
    case 'build-scope.added': {
      const d = target<Decision>(cycle, e, 'D', e.data.decision);
      if (!d) return;
      changed(d, e, [['build scope', `${e.data.metric} ${e.data.target}`]]);
      d.buildScope = e.data;
      return;
    }
    case 'blocker.added': {
      const b = record<Blocker>(e);
      b.status = 'open'; b.resolved = null; b.escalated = null; b.escalationNote = null; b.resolutionNote = null; b.notes = [];
      if (e.link !== undefined) {
        b.link = e.link;
        const d = cycle.byKey.get(e.link);
        if (d) b.decision = d.id;
      }
      addRecord(cycle, 'B', b);
      return;
    }
    case 'blocker.resolved': {
      const b = target<Blocker>(cycle, e, 'B');
      if (!b) return;
      changed(b, e, [['status', 'resolved']]);
      b.status = 'resolved'; b.resolved = stamp(e); b.resolutionNote = e.data.note ?? null;
      if (e.data.note) b.notes.push(e.data.note);
      return;
    }
    case 'blocker.escalated': {
      const b = target<Blocker>(cycle, e, 'B');
      if (!b) return;
      changed(b, e, [['status', 'escalated']]);
      b.status = 'escalated'; b.escalated = stamp(e); b.escalationNote = e.data.note ?? null;
      if (e.data.note) b.notes.push(e.data.note);
      return;
    }
    case 'blocker.extended': {
      const b = target<Blocker>(cycle, e, 'B');
      if (!b) return;
      changed(b, e, [['due', e.data.due]]);
      b.due = e.data.due;
      b.notes.push(e.data.reason);
      return;
    }
    case 'risk.added': {
      const r = record<Risk>(e);
      r.status = 'open'; r.closed = null; r.closeNote = null;
      addRecord(cycle, 'R', r);
      return;
    }
    case 'risk.updated': {
      const r = target<Risk>(cycle, e, 'R');
      if (!r) return;
      changed(r, e, [
        ['impact', e.data.impact],
        ['cost', e.data.cost],
        ['mitigation', e.data.mitigation],
        ['owner', e.data.owner],
      ]);
      if (e.data.impact !== undefined) r.impact = e.data.impact;
      if (e.data.cost !== undefined) r.cost = e.data.cost;
      if (e.data.mitigation !== undefined) r.mitigation = e.data.mitigation;
      if (e.data.owner !== undefined) r.owner = e.data.owner;
      return;
    }
    case 'risk.closed': {
      const r = target<Risk>(cycle, e, 'R');
      if (!r) return;
      changed(r, e, [['status', 'closed']]);
      r.status = 'closed'; r.closed = stamp(e); r.closeNote = e.data.note ?? null;
      return;
    }
    case 'metric.added': {
      const def: MetricDef = { id: e.data.metric, name: e.data.name, unit: e.data.unit, direction: e.data.direction, targetSignal: e.data.targetSignal ?? '' };
      const i = cycle.metrics.findIndex((m) => m.id === def.id);
      if (i >= 0) cycle.metrics[i] = def;
      else cycle.metrics.push(def);
      cycle.plans.set(def.id, { baseline: e.data.baseline, target: e.data.target });
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
    case 'checkpoint.added': {
      const c = record<Checkpoint>(e);
      c.status = 'planned'; c.outcome = null; c.outcomeNote = null;
      addRecord(cycle, 'C', c);
      return;
    }
    case 'checkpoint.held':
    case 'checkpoint.missed': {
      const c = target<Checkpoint>(cycle, e, 'C');
      if (!c) return;
      const status = e.type === 'checkpoint.held' ? 'held' : 'missed';
      changed(c, e, [['status', status]]);
      c.status = status; c.outcome = stamp(e); c.outcomeNote = e.data.note ?? null;
      return;
    }
    case 'note.added':
      cycle.notes.push(e.data);
      return;
    case 'answer.completed':
      cycle.answered.add(`${e.data.step}/${e.data.question}`);
      return;
    case 'step.passed':
      cycle.passed.add(e.data.step);
      return;
    case 'undo':
      return;
  }
  const unknown: never = e;
  void unknown;
}

function addCycle(state: LedgerState, e: Extract<LedgerEvent, { type: 'cycle.created' }>): void {
  const s = e.data.cycle;
  state.cycles.set(e.id, {
    key: e.id,
    id: s.id,
    replica: e.replica,
    name: s.name,
    snapshot: s,
    created: stamp(e),
    fields: {},
    decisions: new Map(),
    blockers: new Map(),
    risks: new Map(),
    checkpoints: new Map(),
    metrics: s.metrics.map((m) => ({ ...m })),
    readings: new Map(),
    plans: new Map(),
    checklistDone: new Map(),
    notes: [],
    answered: new Set(),
    passed: new Set(),
    sessionRecords: new Map(),
    counters: { D: 0, B: 0, R: 0, C: 0 },
    byKey: new Map(),
  });
  state.current = e.id;
  labelCycles(state);
}

/**
 * Two cycles started with the same id (on two clones) both keep it, told apart by a letter in the
 * order they were started; a letter that would give the id of another cycle is skipped.
 */
function labelCycles(state: LedgerState): void {
  const cycles = [...state.cycles.values()];
  const taken = new Set(cycles.map((c) => c.snapshot.id));
  const groups = new Map<string, Cycle[]>();
  for (const c of cycles) groups.set(c.snapshot.id, [...(groups.get(c.snapshot.id) ?? []), c]);
  for (const [id, group] of groups) {
    if (group.length === 1) {
      group[0]!.id = id;
      continue;
    }
    let n = 0;
    for (const c of group) {
      while (taken.has(`${id}${suffix(n)}`)) n++;
      c.id = `${id}${suffix(n++)}`;
    }
  }
}

/** Readings sorted by the time they describe (not the time they were typed). */
export function sortedReadings(cycle: Cycle, metric: string): Reading[] {
  return [...(cycle.readings.get(metric) ?? [])].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.event < b.event ? -1 : a.event > b.event ? 1 : 0));
}

export function isBreached(b: Blocker, now: Date): boolean {
  return b.status !== 'resolved' && Date.parse(b.due) < now.getTime();
}
