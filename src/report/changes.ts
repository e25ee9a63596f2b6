// "Changed this week": the edits to the plan made during a week (a decision's title, owner, due date
// or criteria; evidence; build scope; a blocker's new due time; a risk's impact, cost, mitigation or
// owner; a metric added or planned; a checkpoint added, held or missed), one line each in words.
// Pure. Undone events are left out, and so is anything after the summary's as-of moment, so last
// week's summary keeps saying what it said.
import { dayOf } from '../dates.js';
import { describeEvent } from '../ledger/describe.js';
import type { LedgerEvent } from '../ledger/events.js';
import type { Cycle } from '../ledger/state.js';

export interface WeekChange {
  /** The event's type, e.g. "decision.updated". */
  type: string;
  /** The short id of the record it changed (D-3, B-1, C-2), or the metric's id; null when none. */
  record: string | null;
  at: string;
  /** The day it was made, in the zone. */
  day: string;
  by: string;
  /** What changed, in words: "updated D-3 due 2026-11-26". */
  text: string;
}

const EDITS = new Set<string>([
  'decision.updated',
  'evidence.added',
  'build-scope.added',
  'blocker.extended',
  'risk.updated',
  'metric.added',
  'metric.planned',
  'checkpoint.added',
  'checkpoint.held',
  'checkpoint.missed',
]);

export function weekChanges(events: readonly LedgerEvent[], cycle: Cycle, range: { start: Date; end: Date; asOf: Date }, tz: string): WeekChange[] {
  const [start, end, limit] = [range.start.getTime(), Math.min(range.end.getTime(), range.asOf.getTime() + 1), range.asOf.getTime()];
  const undone = new Set<string>();
  for (const e of events) if (e.type === 'undo' && Date.parse(e.at) <= limit) undone.add(e.data.target);
  const out: WeekChange[] = [];
  for (const e of events) {
    if (!EDITS.has(e.type) || e.cycle !== cycle.key || undone.has(e.id)) continue;
    const at = Date.parse(e.at);
    if (at < start || at >= end) continue;
    const data = e.data as { id?: string; decision?: string; metric?: string };
    const record = cycle.byKey.get(e.rec ?? e.id)?.id ?? data.id ?? data.decision ?? data.metric ?? null;
    out.push({ type: e.type, record, at: e.at, day: dayOf(new Date(e.at), tz), by: e.actor, text: describeEvent(e, tz, cycle.byKey) });
  }
  // The ledger's order is the order they were made in; equal times keep it.
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}
