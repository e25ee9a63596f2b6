// What is open and when it falls due, as pure functions of a cycle and a day: the open decisions
// a view lists (overdue first, then those due by the next review, then those without a due date),
// and the checkpoints that are past their date without being held or missed. `status` and the
// weekly summary ask the same questions here, so both list the same decisions in the same order.
import { byText, checkpointOrder, idOrder } from './queries.js';
import type { Checkpoint, Cycle } from './state.js';

export interface OpenDecision {
  id: string;
  title: string;
  owner: string;
  /** YYYY-MM-DD, or null when no due date was set. */
  due: string | null;
  /** Whole days past its due date, or null when it is not overdue. */
  daysLate: number | null;
  overdue: boolean;
}

const DAY_MS = 86400_000;

/** The calendar day `days` after `day` (both YYYY-MM-DD). */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole calendar days from `from` to `to` (both YYYY-MM-DD). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/**
 * The day of the next review seen from `today`: the next weekly checkpoint still planned after today,
 * when there is one within the playbook's review interval; else today plus that interval.
 */
export function nextReviewDay(cycle: Cycle, today: string): string {
  const interval = addDays(today, cycle.snapshot.cadence.reviewEveryDays);
  const review = [...cycle.checkpoints.values()].filter((c) => c.kind === 'weekly' && c.status === 'planned' && c.date > today && c.date <= interval).sort(checkpointOrder)[0];
  return review?.date ?? interval;
}

/**
 * The open decisions to look at on `today`: overdue ones (due before today), most late first; then
 * those due from today to `horizon` (inclusive), soonest first; then those with no due date. Open
 * decisions due after the horizon are left out (the caller has their count).
 */
export function openDecisions(cycle: Cycle, today: string, horizon: string): OpenDecision[] {
  const open = [...cycle.decisions.values()].filter((d) => d.status === 'open');
  const view = (d: (typeof open)[number]): OpenDecision => {
    const late = d.due !== undefined && d.due < today ? daysBetween(d.due, today) : null;
    return { id: d.id, title: d.title, owner: d.owner, due: d.due ?? null, daysLate: late, overdue: late !== null };
  };
  const rank = (d: OpenDecision) => (d.overdue ? 0 : d.due !== null ? 1 : 2);
  return open
    .filter((d) => d.due === undefined || d.due <= horizon)
    .map(view)
    .sort((a, b) => rank(a) - rank(b) || (b.daysLate ?? 0) - (a.daysLate ?? 0) || byText(a.due ?? '', b.due ?? '') || idOrder(a.id, b.id));
}

/** Checkpoints whose date is before `today` and that were neither held nor missed, oldest first. */
export function overdueCheckpoints(cycle: Cycle, today: string): Checkpoint[] {
  return [...cycle.checkpoints.values()].filter((c) => c.status === 'planned' && c.date < today).sort(checkpointOrder);
}

/** The next checkpoint still planned on or after `today`, or null. */
export function nextPlannedCheckpoint(cycle: Cycle, today: string): Checkpoint | null {
  return [...cycle.checkpoints.values()].filter((c) => c.status === 'planned' && c.date >= today).sort(checkpointOrder)[0] ?? null;
}
