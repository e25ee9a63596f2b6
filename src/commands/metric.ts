import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { dayOf, parseWhen } from '../dates.js';
import { commit, selectCycle } from '../ledger/ledger.js';
import { metricNamed, metricValue, text } from './common.js';

export function record(ctx: Context, [name, rawValue]: [string, string], opts: { at?: string; note?: string }): void {
  const at = opts.at ? parseWhen(opts.at, ctx.now, ctx.tz, '--at', false) : ctx.now;
  if (at.getTime() > ctx.now.getTime()) throw usageError(`--at "${opts.at}" is in the future; a reading describes a time that has passed`);
  let metric = '';
  let value = 0;
  commit(ctx, (state) => {
    const cycle = selectCycle(ctx, state);
    const def = metricNamed(cycle, name);
    metric = def.id;
    value = metricValue(def, rawValue, 'a reading');
    // A reading on the day the cycle began is its first; one from before belongs to no cycle of this ledger.
    const began = dayOf(new Date(cycle.created.at), ctx.tz);
    if (dayOf(at, ctx.tz) < began) throw usageError(`--at "${opts.at}" is before cycle ${cycle.id} began (${began}); a reading of this cycle is taken from ${began} on`);
    const data = { metric, value, at: at.toISOString(), ...(opts.note ? { note: text(opts.note, '--note', 2000) } : {}) };
    return [{ type: 'metric.recorded', data }];
  });
  ctx.print(`${metric} recorded: ${value}`);
}
