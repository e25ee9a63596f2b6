// Which values a metric can take, read from its unit, and which baseline and target make sense for
// its direction. Pure and small: the session, the review, answers files and the commands all ask
// here, so "150%" is refused everywhere or nowhere.

export interface MetricShape {
  id: string;
  unit: string;
  direction: 'up' | 'down';
}

export interface ValueRange {
  min: number;
  max: number | null;
  /** "0 to 100", "1 to 5", "0 or more" */
  label: string;
}

/** "score (1-5)", "rating (0 to 10)", "NPS (-100–100)": the range written in the unit. */
const STATED = /\(\s*(-?\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(-?\d+(?:\.\d+)?)\s*\)/;

/**
 * The values a unit allows: a percentage (a unit starting with %) lies within 0-100, a unit that
 * states its scale ("score (1-5)") within it, and anything else (days, hours, a count per week) is
 * a quantity, never negative.
 */
export function valueRange(unit: string): ValueRange {
  const u = unit.trim();
  const stated = STATED.exec(u);
  if (stated) {
    const [a, b] = [Number(stated[1]), Number(stated[2])];
    const [min, max] = a <= b ? [a, b] : [b, a];
    return { min, max, label: `${min} to ${max}` };
  }
  if (u.startsWith('%')) return { min: 0, max: 100, label: '0 to 100' };
  return { min: 0, max: null, label: '0 or more' };
}

/** True for a unit that is a percentage: "%", "% of cohorts at target". */
export const isPercentage = (unit: string): boolean => unit.trim().startsWith('%');

/**
 * The number a person wrote: "85", "-2.5", "85%" (the "%" is dropped: 85, never 0.85). NaN when it
 * is none. The one reading of typed numbers: the commands' flags and the answers of the session and
 * the review all come here.
 */
export function numberIn(text: string): number {
  const t = text.trim().replace(/%$/, '').trim();
  return t === '' ? NaN : Number(t) + 0; // -0 would not survive the JSON ledger as itself
}

/**
 * A value of the metric as typed or read from a file, or why it cannot be one: a number within the
 * metric's range, written with a "%" only when the metric is a percentage ("5%" of a count of days
 * is no count of days).
 */
export function readValue(metric: Pick<MetricShape, 'id' | 'unit'>, raw: unknown, what = 'a reading'): { value: number } | { problem: string } {
  const range = valueRange(metric.unit).label;
  if (typeof raw === 'string' && raw.trim().endsWith('%') && !isPercentage(metric.unit)) {
    return { problem: `${what} of ${metric.id} is in ${metric.unit}, not a percentage: write it without "%" (${range})` };
  }
  const n = typeof raw === 'number' ? raw + 0 : typeof raw === 'string' ? numberIn(raw) : NaN;
  if (!Number.isFinite(n)) return { problem: `${what} of ${metric.id} (${metric.unit}) must be a number (${range})${raw === undefined || raw === null ? '' : `, not "${String(raw)}"`}` };
  const problem = valueProblem(metric, n, what);
  return problem ? { problem } : { value: n };
}

/** Why `value` cannot be a value of the metric (a reading, a baseline, a target), or null. */
export function valueProblem(metric: Pick<MetricShape, 'id' | 'unit'>, value: number, what = 'a reading'): string | null {
  const range = valueRange(metric.unit);
  if (value >= range.min && (range.max === null || value <= range.max)) return null;
  return `${what} of ${metric.id} (${metric.unit}) must be ${range.label}, not ${value}`;
}

/** Why a baseline and target do not fit the metric: each within its range, the target on the better side of the baseline. */
export function planProblem(metric: MetricShape, baseline: number, target: number): string | null {
  const problem = valueProblem(metric, baseline, 'the baseline') ?? valueProblem(metric, target, 'the target');
  if (problem) return problem;
  if (metric.direction === 'up' && target <= baseline) return `higher is better for ${metric.id}, so the target must be above the baseline (${baseline}), not ${target}`;
  if (metric.direction === 'down' && target >= baseline) return `lower is better for ${metric.id}, so the target must be below the baseline (${baseline}), not ${target}`;
  return null;
}
