// The summary model: what a weekly summary says, as a plain, versioned object. It is a pure
// function of the ledger, the cycle, the week, the zone and the clock, so the same inputs give
// the same bytes in every format. Every list is sorted explicitly.
//
// "As of" is the end of the week, or now when the week is not over. Records (decisions, blockers,
// risks, checklist, checkpoints) are taken from the ledger as it stood then, so re-running last
// week's summary says what it said on Friday. Metric readings are taken by the time they describe,
// so a reading entered on Monday for last Thursday counts for last week.
import { dayOf, shortTime, span, dayLabel } from '../dates.js';
import { nextPlannedCheckpoint, nextReviewDay, openDecisions, type OpenDecision } from '../ledger/agenda.js';
import type { LedgerEvent } from '../ledger/events.js';
import { byText, checkpointOrder, idOrder, listBlockers, listRisks } from '../ledger/queries.js';
import { deriveState, isBreached, sortedReadings, type Checkpoint, type Cycle, type Stamp } from '../ledger/state.js';
import { weekChanges, type WeekChange } from './changes.js';
import { contacts, shipping } from './release.js';
import { checklistSection, checkpointSections, type ChecklistSection, type CheckpointSections } from './sections.js';
import { weeklyTrend } from './trend.js';
import { shiftWeek, type IsoWeek } from './week.js';

export const SUMMARY_MODEL_VERSION = 1;

export interface WeekRef {
  id: string;
  /** First and last calendar day, YYYY-MM-DD, in the zone. */
  firstDay: string;
  lastDay: string;
  /** [start, end) as instants. */
  start: string;
  end: string;
}

export interface ClosedRecord {
  id: string;
  title: string;
  owner: string;
  at: string;
  /** The day it closed, in the zone. */
  day: string;
  by: string;
  /** What it was closed or resolved with: what was decided, how the blocker was resolved. */
  note: string | null;
}

export interface ActiveBlocker {
  id: string;
  title: string;
  owner: string;
  status: 'open' | 'escalated';
  breached: boolean;
  /** Escalated (it may be breached as well), and the note it was escalated with. */
  escalated: boolean;
  escalationNote: string | null;
  raised: string;
  ageHours: number;
  /** "3d 4h" */
  age: string;
  due: string;
  /** "Wed 18 Nov 09:00" in the zone. */
  dueLabel: string;
  /** How long past due ("2d 7h") when breached, else null. */
  overdue: string | null;
  fallback: string;
  decision: string | null;
}

export interface MetricSummary {
  id: string;
  name: string;
  unit: string;
  direction: 'up' | 'down';
  baseline: number | null;
  target: number | null;
  latest: { value: number; at: string; day: string; note: string | null } | null;
  /** Whether the latest reading has reached the target in the good direction. */
  onTarget: boolean | null;
  /** How far the latest reading has moved from baseline to target, in percent (may pass 100 or go below 0). */
  progress: number | null;
  /** The last reading of each of the last six ISO weeks up to this one, oldest first. */
  trend: { weeks: string[]; values: (number | null)[] };
}

export interface DueItem {
  kind: 'decision' | 'blocker' | 'checkpoint';
  id: string;
  title: string;
  owner: string;
  /** A day (decisions, checkpoints) or an instant (blockers). */
  due: string;
  day: string;
  /** "Tue 24 Nov" for a day, "Tue 24 Nov 13:00" for an instant. */
  dueLabel: string;
}

export interface CheckpointSummary {
  id: string;
  title: string;
  kind: Checkpoint['kind'];
  date: string;
  dateLabel: string;
  owner: string;
}

export interface RiskSummary {
  id: string;
  title: string;
  impact: 'low' | 'medium' | 'high';
  cost: 'low' | 'medium' | 'high';
  mitigation: string;
  owner: string;
}

export interface ShippingDecision {
  id: string;
  title: string;
  owner: string;
  status: 'open' | 'closed';
  approved: boolean;
  due: string | null;
  behaviour: string;
  constraints: string;
  metric: { id: string; name: string; unit: string; direction: 'up' | 'down' };
  target: number;
}

export interface Contact {
  name: string;
  roles: string[];
}

export interface SummaryModel {
  version: typeof SUMMARY_MODEL_VERSION;
  generatedAt: string;
  timeZone: string;
  asOf: string;
  /** "Fri 20 Nov 17:00" in the zone. */
  asOfLabel: string;
  week: WeekRef;
  nextWeek: WeekRef;
  cycle: {
    id: string;
    name: string;
    playbook: { id: string; title: string };
    outcome: string | null;
    window: { start: string | null; end: string | null };
    postLaunchOwner: string | null;
  };
  counts: {
    closedDecisions: number;
    resolvedBlockers: number;
    closedRisks: number;
    activeBlockers: number;
    breachedBlockers: number;
    openDecisions: number;
    openRisks: number;
  };
  closed: { decisions: ClosedRecord[]; blockers: ClosedRecord[]; risks: ClosedRecord[] };
  blockers: ActiveBlocker[];
  /** Open decisions: overdue first (most late first), then due by the next review, then without a due date. */
  openDecisions: OpenDecision[];
  /** The day of the next review: the next weekly checkpoint still planned within the review interval, else the as-of day plus that interval (agenda.ts). */
  nextReview: string;
  metrics: MetricSummary[];
  checklist: ChecklistSection;
  dueNextWeek: DueItem[];
  /** The next checkpoint still planned. */
  nextCheckpoint: CheckpointSummary | null;
  checkpoints: CheckpointSections;
  /** The edits made to the plan during the week, oldest first. */
  changes: WeekChange[];
  risks: RiskSummary[];
  release: {
    ships: ShippingDecision[];
    inScope: string[];
    outOfScope: string[];
    contacts: Contact[];
  };
}

export interface SummaryInput {
  /** The ledger's events. */
  events: readonly LedgerEvent[];
  cycle: Cycle;
  week: IsoWeek;
  tz: string;
  now: Date;
}

/** The moment a week's summary describes: the end of the week, or now while the week is not over. */
export function summaryAsOf(week: IsoWeek, now: Date): Date {
  return new Date(Math.min(now.getTime(), week.end.getTime() - 1));
}

/**
 * The cycle a past week's summary is of, when no cycle was named: the one most recently started at
 * `asOf`, as the ledger stood then, the same on every clone (a later `init`, `undo`, or this clone's
 * `use` does not change last week's summary); the current one when no cycle existed yet.
 */
export function cycleOfWeek(eventsOf: (key: string | null) => readonly LedgerEvent[], current: Cycle, asOf: Date): Cycle {
  const limit = asOf.getTime();
  const then = deriveState(eventsOf(null).filter((e) => Date.parse(e.at) <= limit), {});
  const id = then.current;
  if (id === null || id === current.key) return current;
  const events = eventsOf(id);
  // A cycle whose start was undone since exists only in the ledger as it stood.
  return deriveState(events, { cycle: id }).cycles.get(id) ?? deriveState(events.filter((e) => Date.parse(e.at) <= limit), { cycle: id }).cycles.get(id)!;
}

export function buildSummary(input: SummaryInput): SummaryModel {
  const { week, tz, now } = input;
  const asOf = summaryAsOf(week, now);
  const then = cycleAsOf(input, asOf);
  const current = input.cycle;
  const inWeek = (s: Stamp | null): s is Stamp => s !== null && Date.parse(s.at) >= week.start.getTime() && Date.parse(s.at) < week.end.getTime();
  const closedRecord = (r: { id: string; title: string; owner: string }, s: Stamp, note: string | null): ClosedRecord => ({
    id: r.id,
    title: r.title,
    owner: r.owner,
    at: s.at,
    day: dayOf(new Date(s.at), tz),
    by: s.actor,
    note,
  });
  // A risk keeps no closing note of its own: it is the note of the event that closed it.
  const byTime = (a: ClosedRecord, b: ClosedRecord) => byText(a.at, b.at) || idOrder(a.id, b.id);

  const decisions = [...then.decisions.values()];
  const closedDecisions = decisions.filter((d) => d.status === 'closed' && inWeek(d.closed)).map((d) => closedRecord(d, d.closed!, d.closeNote)).sort(byTime);
  const resolvedBlockers = [...then.blockers.values()].filter((b) => inWeek(b.resolved)).map((b) => closedRecord(b, b.resolved!, b.resolutionNote)).sort(byTime);
  const closedRisks = [...then.risks.values()].filter((r) => r.status === 'closed' && inWeek(r.closed)).map((r) => closedRecord(r, r.closed!, r.closeNote)).sort(byTime);

  const blockers: ActiveBlocker[] = listBlockers(then, asOf).map((b) => {
    const breached = isBreached(b, asOf);
    const raisedMs = asOf.getTime() - Date.parse(b.created.at);
    return {
      id: b.id,
      title: b.title,
      owner: b.owner,
      status: b.status === 'escalated' ? 'escalated' : 'open',
      breached,
      escalated: b.status === 'escalated',
      escalationNote: b.status === 'escalated' ? b.escalationNote : null,
      raised: b.created.at,
      ageHours: Math.max(0, Math.floor(raisedMs / 3600_000)),
      age: span(Math.max(0, raisedMs)),
      due: b.due,
      dueLabel: shortTime(new Date(b.due), tz),
      overdue: breached ? span(asOf.getTime() - Date.parse(b.due)) : null,
      fallback: b.fallback,
      decision: b.decision ?? null,
    };
  });

  const nextWeek = shiftWeek(week, 1, tz);
  const asOfDay = dayOf(asOf, tz);
  const checkpoints = [...then.checkpoints.values()].sort(checkpointOrder);
  const dueNextWeek: DueItem[] = [
    ...decisions
      .filter((d) => d.status === 'open' && d.due !== undefined && d.due >= nextWeek.firstDay && d.due <= nextWeek.lastDay)
      .map((d) => dayItem('decision', d.id, d.title, d.owner, d.due!)),
    ...listBlockers(then, asOf)
      .filter((b) => Date.parse(b.due) >= nextWeek.start.getTime() && Date.parse(b.due) < nextWeek.end.getTime())
      .map((b): DueItem => ({ kind: 'blocker', id: b.id, title: b.title, owner: b.owner, due: b.due, day: dayOf(new Date(b.due), tz), dueLabel: shortTime(new Date(b.due), tz) })),
    ...checkpoints.filter((c) => c.status === 'planned' && c.date >= nextWeek.firstDay && c.date <= nextWeek.lastDay).map((c) => dayItem('checkpoint', c.id, c.title, c.owner, c.date)),
  ].sort((a, b) => byText(a.day, b.day) || byText(a.due, b.due) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || idOrder(a.id, b.id));
  const next = nextPlannedCheckpoint(then, asOfDay);
  const nextReview = nextReviewDay(then, asOfDay);
  const risks = listRisks(then).map((r): RiskSummary => ({ id: r.id, title: r.title, impact: r.impact, cost: r.cost, mitigation: r.mitigation, owner: r.owner }));
  const fields = then.fields;
  const field = (v: string | string[] | undefined): string | null => (v === undefined ? null : Array.isArray(v) ? v.join('; ') : v);
  const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? [...v] : [v]);

  const metrics = metricSummaries(current, week, asOf, tz);
  const ships = shipping(then, current);
  const postLaunchOwner = field(fields.postLaunchOwner);

  return {
    version: SUMMARY_MODEL_VERSION,
    generatedAt: now.toISOString(),
    timeZone: tz,
    asOf: asOf.toISOString(),
    asOfLabel: shortTime(asOf, tz),
    week: weekRef(week),
    nextWeek: weekRef(nextWeek),
    cycle: {
      id: current.id,
      name: current.name,
      playbook: { id: current.snapshot.playbook.id, title: current.snapshot.playbook.title },
      outcome: field(fields.outcome),
      window: { start: field(fields.windowStart), end: field(fields.windowEnd) },
      postLaunchOwner,
    },
    counts: {
      closedDecisions: closedDecisions.length,
      resolvedBlockers: resolvedBlockers.length,
      closedRisks: closedRisks.length,
      activeBlockers: blockers.length,
      breachedBlockers: blockers.filter((b) => b.breached).length,
      openDecisions: decisions.filter((d) => d.status === 'open').length,
      openRisks: risks.length,
    },
    closed: { decisions: closedDecisions, blockers: resolvedBlockers, risks: closedRisks },
    blockers,
    openDecisions: openDecisions(then, asOfDay, nextReview),
    nextReview,
    metrics,
    checklist: checklistSection(then, inWeek, tz),
    dueNextWeek,
    nextCheckpoint: next ? { id: next.id, title: next.title, kind: next.kind, date: next.date, dateLabel: dayLabel(next.date), owner: next.owner } : null,
    checkpoints: checkpointSections(then, inWeek, asOfDay, tz),
    changes: weekChanges(input.events, then, { start: week.start, end: week.end, asOf }, tz),
    risks,
    release: {
      ships,
      inScope: list(fields.inScope),
      outOfScope: list(fields.outOfScope),
      contacts: contacts(postLaunchOwner, ships, blockers),
    },
  };
}

const KIND_ORDER = { checkpoint: 0, decision: 1, blocker: 2 } as const;

/** The cycle as the ledger stood at `asOf`: the current state when nothing happened after it. */
function cycleAsOf(input: SummaryInput, asOf: Date): Cycle {
  const limit = asOf.getTime();
  const after = (at: string) => Date.parse(at) > limit;
  if (!input.events.some((e) => after(e.at))) return input.cycle;
  const id = input.cycle.key;
  const created = (e: LedgerEvent) => e.type === 'cycle.created' && e.id === id;
  const before = input.events.filter((e) => !after(e.at));
  // A week before the cycle began shows it empty: its creation is kept. Not when a cycle of that id
  // already existed then (the id was used again since): that one is the cycle as it stood.
  const kept = before.some(created) ? before : input.events.filter((e) => !after(e.at) || created(e));
  return deriveState(kept, { cycle: id }).cycles.get(id) ?? input.cycle;
}

function metricSummaries(cycle: Cycle, week: IsoWeek, asOf: Date, tz: string): MetricSummary[] {
  const known = new Map(cycle.metrics.map((m) => [m.id, m]));
  const extra = [...cycle.readings.keys()].filter((k) => !known.has(k)).sort();
  return [...known.keys(), ...extra].map((id) => {
    const def = known.get(id);
    const last = sortedReadings(cycle, id).filter((r) => Date.parse(r.at) <= asOf.getTime()).at(-1);
    const plan = cycle.plans.get(id);
    const direction = def?.direction ?? 'up';
    const baseline = plan?.baseline ?? null;
    const target = plan?.target ?? null;
    const trend = weeklyTrend(cycle, id, week, asOf, tz);
    return {
      id,
      name: def?.name ?? id,
      unit: def?.unit ?? '',
      direction,
      baseline,
      target,
      latest: last ? { value: last.value, at: last.at, day: dayOf(new Date(last.at), tz), note: last.note ?? null } : null,
      onTarget: last && target !== null ? (direction === 'up' ? last.value >= target : last.value <= target) : null,
      progress: last && target !== null && baseline !== null && target !== baseline ? Math.round(((last.value - baseline) / (target - baseline)) * 100) : null,
      trend: { weeks: trend.weeks.map((w) => w.id), values: trend.values },
    };
  });
}

function weekRef(w: IsoWeek): WeekRef {
  return { id: w.id, firstDay: w.firstDay, lastDay: w.lastDay, start: w.start.toISOString(), end: w.end.toISOString() };
}

function dayItem(kind: DueItem['kind'], id: string, title: string, owner: string, day: string): DueItem {
  return { kind, id, title, owner, due: day, day, dueLabel: dayLabel(day) };
}
