// A metric's weekly trend: the last reading of each ISO week (Monday to Sunday in the chosen time
// zone), the same buckets in `playbook metrics` and in every summary.
import { sortedReadings, type Cycle } from '../ledger/state.js';
import { shiftWeek, weekOf, type IsoWeek } from './week.js';

/** How many weeks a trend shows, the week it ends in included. */
export const TREND_WEEKS = 6;

export interface Trend {
  weeks: IsoWeek[];
  /** The last reading of each week up to `asOf` (null where a week had none), oldest first. */
  values: (number | null)[];
}

/** The trend of a metric's readings over the TREND_WEEKS weeks that end with `week`. */
export function weeklyTrend(cycle: Cycle, metric: string, week: IsoWeek, asOf: Date, tz: string): Trend {
  const weeks = Array.from({ length: TREND_WEEKS }, (_, i) => shiftWeek(week, i - (TREND_WEEKS - 1), tz));
  const values: (number | null)[] = weeks.map(() => null);
  // Oldest first: each week keeps the last reading that falls in it.
  for (const reading of sortedReadings(cycle, metric)) {
    const time = Date.parse(reading.at);
    if (time > asOf.getTime()) break;
    const i = weeks.findIndex((w) => time >= w.start.getTime() && time < w.end.getTime());
    if (i >= 0) values[i] = reading.value;
  }
  return { weeks, values };
}

export interface MetricView {
  id: string;
  name: string;
  unit: string;
  direction: 'up' | 'down';
  latest: { value: number; at: string; note?: string } | null;
  baseline: number | null;
  target: number | null;
  /** The last reading of each of the last TREND_WEEKS ISO weeks, this one included (null where a week had none), oldest first. */
  trend: (number | null)[];
  /** Whether the latest reading has reached the target, in the good direction. */
  onTarget: boolean | null;
}

/** Every metric of the cycle as `playbook metrics` shows it: the playbook's first, then any other read. */
export function metricViews(cycle: Cycle, now: Date, tz: string): MetricView[] {
  const known = new Map(cycle.metrics.map((m) => [m.id, m]));
  const ids = [...known.keys(), ...[...cycle.readings.keys()].filter((k) => !known.has(k))];
  const week = weekOf(now, tz);
  return ids.map((id) => {
    const def = known.get(id);
    const readings = sortedReadings(cycle, id).filter((r) => Date.parse(r.at) <= now.getTime());
    const last = readings[readings.length - 1];
    const plan = cycle.plans.get(id);
    const direction = def?.direction ?? 'up';
    const target = plan?.target ?? null;
    return {
      id,
      name: def?.name ?? id,
      unit: def?.unit ?? '',
      direction,
      latest: last ? { value: last.value, at: last.at, ...(last.note !== undefined ? { note: last.note } : {}) } : null,
      baseline: plan?.baseline ?? null,
      target,
      trend: weeklyTrend(cycle, id, week, now, tz).values,
      onTarget: last && target !== null ? (direction === 'up' ? last.value >= target : last.value <= target) : null,
    };
  });
}

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of the values; gaps are spaces. */
export function sparkline(values: (number | null)[]): string {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return '';
  const min = Math.min(...present);
  const max = Math.max(...present);
  return values.map((v) => (v === null ? ' ' : BARS[max === min ? 3 : Math.round(((v - min) / (max - min)) * 7)])).join('');
}
