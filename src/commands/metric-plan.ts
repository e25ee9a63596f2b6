// The team's own metrics and the baseline and target of any metric, after kickoff.
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { commit, selectCycle } from '../ledger/ledger.js';
import { planProblem } from '../metric-values.js';
import { oneLine } from '../terminal.js';
import { metricNamed, metricValue, text } from './common.js';

interface AddOptions {
  unit?: string;
  better?: 'up' | 'down';
  baseline?: string;
  target?: string;
}

/** "Outcome: first value in 14 days" → "outcome-first-value-in-14-days". */
export function metricId(name: string): string {
  return name.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64).replace(/-+$/, '');
}

export function add(ctx: Context, [name]: [string], opts: AddOptions): void {
  const title = text(name, 'the metric name');
  const id = metricId(title);
  if (!id) throw usageError(`"${title}" gives no metric id: use letters or digits in the name`);
  const unit = text(opts.unit, '--unit', 40);
  const direction = opts.better ?? 'up';
  const shape = { id, unit, direction };
  const baseline = metricValue(shape, opts.baseline ?? '', 'the baseline');
  const target = metricValue(shape, opts.target ?? '', 'the target');
  const problem = planProblem(shape, baseline, target);
  if (problem) throw usageError(problem);
  commit(ctx, (state) => {
    const cycle = selectCycle(ctx, state);
    const taken = cycle.metrics.find((m) => m.id === id || m.name.toLowerCase() === title.toLowerCase());
    if (taken) throw usageError(`cycle ${cycle.id} already has the metric ${taken.id} (${oneLine(taken.name)})`, `\`playbook metric set ${taken.id} --baseline N --target N\` changes its baseline and target`);
    return [{ type: 'metric.added', data: { metric: id, name: title, unit, direction, baseline, target } }];
  });
  ctx.print(`${id} added: ${oneLine(title)} (${oneLine(unit)}, ${direction === 'up' ? 'higher' : 'lower'} is better; baseline ${baseline}, target ${target})`);
}

/** Sets a metric's baseline, its target, or both; the one not given stays as it was. */
export function set(ctx: Context, [typed]: [string], opts: { baseline?: string; target?: string }): void {
  if (opts.baseline === undefined && opts.target === undefined) throw usageError('nothing to change: give --baseline, --target or both');
  let line = '';
  commit(ctx, (state) => {
    const cycle = selectCycle(ctx, state);
    const metric = metricNamed(cycle, typed);
    const wantBaseline = opts.baseline === undefined ? undefined : metricValue(metric, opts.baseline, 'the baseline');
    const wantTarget = opts.target === undefined ? undefined : metricValue(metric, opts.target, 'the target');
    const plan = cycle.plans.get(metric.id);
    const baseline = wantBaseline ?? plan?.baseline;
    const target = wantTarget ?? plan?.target;
    if (baseline === undefined || target === undefined) {
      throw usageError(`${metric.id} has no ${baseline === undefined ? 'baseline' : 'target'} yet: give --baseline and --target together`);
    }
    const problem = planProblem(metric, baseline, target);
    if (problem) throw usageError(problem);
    line = `${metric.id}: baseline ${baseline}, target ${target}`;
    if (plan && plan.baseline === baseline && plan.target === target) {
      line += ' (unchanged)';
      return [];
    }
    return [{ type: 'metric.planned', data: { metric: metric.id, baseline, target } }];
  });
  ctx.print(line);
}
