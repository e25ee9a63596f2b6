// playbook summary: the week's summary (src/report/summary.ts).
import type { Context } from '../context.js';
import { printSummary, type SummaryOptions } from '../report/summary.js';

export function run(ctx: Context, _args: [], opts: SummaryOptions): Promise<void> {
  return printSummary(ctx, opts);
}
