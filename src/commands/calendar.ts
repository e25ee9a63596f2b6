// playbook calendar: the current cycle's due dates, checkpoints and blocker deadlines as iCalendar.
import type { Context } from '../context.js';
import { openLedger, selectCycle } from '../ledger/ledger.js';
import { cycleCalendar } from '../report/calendar.js';

export function run(ctx: Context): void {
  const { state } = openLedger(ctx);
  const cycle = selectCycle(ctx, state);
  ctx.print(cycleCalendar(cycle, ctx.now));
}
