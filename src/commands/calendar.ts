// playbook calendar: the current cycle's due dates, checkpoints and blocker deadlines as iCalendar.
import type { Context } from '../context.js';
import { openLedger } from '../ledger/ledger.js';
import { cycleCalendar } from '../report/calendar.js';

export function run(ctx: Context): void {
  const { cycle } = openLedger(ctx);
  ctx.print(cycleCalendar(cycle, ctx.now));
}
