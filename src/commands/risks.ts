import type { Context } from '../context.js';
import { openLedger } from '../ledger/ledger.js';
import { listRisks } from '../ledger/queries.js';
import { renderTable } from '../table.js';
import { printJson } from './common.js';

export function run(ctx: Context, _args: [], opts: { all?: boolean }): void {
  const { cycle } = openLedger(ctx);
  const risks = listRisks(cycle, Boolean(opts.all));
  if (ctx.json) return printJson(ctx, { cycle: cycle.id, risks: risks.map(({ id, title, impact, cost, mitigation, owner, status, created, closed }) => ({ id, title, impact, cost, mitigation, owner, status, created, closed })) });
  if (risks.length === 0) return ctx.note(`no ${opts.all ? '' : 'open '}risks in ${cycle.id}`);
  const rows = risks.map((r) => [r.status === 'closed' ? `${r.id} closed` : r.id, r.title, r.impact, r.cost, r.mitigation, r.owner]);
  ctx.print(renderTable(ctx, ['id', 'risk', 'impact', 'cost', 'mitigation', 'owner'], rows, { wrap: [0, 34, 0, 0, 40, 0] }));
}
