import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { dayOf, parseWhen } from '../dates.js';
import { commit, selectCycle } from '../ledger/ledger.js';
import { numberIn, readValue, valueRange } from '../metric-values.js';
import { closest } from '../names.js';
import { text } from './common.js';

export function parseNumber(value: string, what: string): number {
  const n = numberIn(value);
  if (!Number.isFinite(n)) throw usageError(`${what} "${value}" is not a number`);
  return n;
}

export function record(ctx: Context, [name, rawValue]: [string, string], opts: { at?: string; note?: string }): void {
  const at = opts.at ? parseWhen(opts.at, ctx.now, ctx.tz, '--at', false) : ctx.now;
  if (at.getTime() > ctx.now.getTime()) throw usageError(`--at "${opts.at}" is in the future; a reading describes a time that has passed`);
  let metric = '';
  let value = 0;
  commit(ctx, (state) => {
    const cycle = selectCycle(ctx, state);
    const wanted = name.trim().toLowerCase();
    const def = cycle.metrics.find((m) => m.id === wanted || m.name.toLowerCase() === wanted);
    if (!def) {
      const ids = cycle.metrics.map((m) => m.id);
      const guess = closest(wanted, ids);
      throw usageError(`no metric "${name}" in cycle ${cycle.id}${guess ? `; did you mean "${guess}"?` : ''}`, `metrics: ${ids.join(', ')}`);
    }
    metric = def.id;
    const read = readValue(def, rawValue);
    if ('problem' in read) throw usageError(read.problem, `readings of ${def.id} are in ${def.unit}: ${valueRange(def.unit).label}`);
    value = read.value;
    // A reading on the day the cycle began is its first; one from before belongs to no cycle of this ledger.
    const began = dayOf(new Date(cycle.created.at), ctx.tz);
    if (dayOf(at, ctx.tz) < began) throw usageError(`--at "${opts.at}" is before cycle ${cycle.id} began (${began}); a reading of this cycle is taken from ${began} on`);
    const data = { metric, value, at: at.toISOString(), ...(opts.note ? { note: text(opts.note, '--note', 2000) } : {}) };
    return [{ type: 'metric.recorded', data }];
  });
  ctx.print(`${metric} recorded: ${value}`);
}
