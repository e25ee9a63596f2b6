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

/** Why `value` cannot be a value of the metric (a reading, a baseline, a target), or null. */
export function valueProblem(metric: MetricShape, value: number, what = 'a reading'): string | null {
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
