import type { Context } from '../context.js';
import { failure } from '../errors.js';
import { stamp } from '../dates.js';
import { describeEvent } from '../ledger/describe.js';
import { commit, openLedger } from '../ledger/ledger.js';
import { oneLine } from '../terminal.js';

export function run(ctx: Context, _args: [], opts: { dryRun?: boolean }): void {
  if (opts.dryRun) {
    const { state } = openLedger(ctx);
    if (!state.lastChange) throw failure('nothing to undo');
    ctx.print(`would undo #${state.lastChange.id} ${stamp(new Date(state.lastChange.at), ctx.tz)} ${oneLine(state.lastChange.actor)}: ${oneLine(describeEvent(state.lastChange, ctx.tz))}`);
    return;
  }
  let undone = '';
  commit(ctx, (state) => {
    const last = state.lastChange;
    if (!last) throw failure('nothing to undo');
    undone = `#${last.id} ${stamp(new Date(last.at), ctx.tz)} ${oneLine(last.actor)}: ${oneLine(describeEvent(last, ctx.tz))}`;
    return [{ type: 'undo', cycle: last.cycle, data: { target: last.id } }];
  });
  ctx.print(`undid ${undone}`);
}
