import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { parseWhen } from '../dates.js';
import { commit, selectCycle } from '../ledger/ledger.js';
import { closest } from '../names.js';
import { text } from './common.js';

export function parseNumber(value: string, what: string): number {
  const n = Number(value.trim().replace(/%$/, ''));
  if (value.trim() === '' || !Number.isFinite(n)) throw usageError(`${what} "${value}" is not a number`);
  return n + 0; // -0 would not survive the JSON ledger as itself
}

export function record(ctx: Context, [name, rawValue]: [string, string], opts: { at?: string; note?: string }): void {
  const value = parseNumber(rawValue, 'the value');
  const at = opts.at ? parseWhen(opts.at, ctx.now, ctx.tz, '--at', false) : ctx.now;
  if (at.getTime() > ctx.now.getTime()) throw usageError(`--at "${opts.at}" is in the future; a reading describes a time that has passed`);
  let metric = '';
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
    const data = { metric, value, at: at.toISOString(), ...(opts.note ? { note: text(opts.note, '--note', 2000) } : {}) };
    return [{ type: 'metric.recorded', data }];
  });
  ctx.print(`${metric} recorded: ${value}`);
}
