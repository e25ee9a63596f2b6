import type { Context } from '../context.js';
import { openLedger } from '../ledger/ledger.js';
import { listDecisions } from '../ledger/queries.js';
import { dayOf } from '../dates.js';
import { renderTable, styled } from '../table.js';
import { neutralize, oneLine } from '../terminal.js';
import { printJson } from './common.js';

export function run(ctx: Context, _args: [], opts: { open?: boolean; closed?: boolean; all?: boolean; owner?: string }): void {
  const { cycle } = openLedger(ctx);
  const status = opts.all ? 'all' : opts.closed ? 'closed' : 'open';
  const decisions = listDecisions(cycle, { status, ...(opts.owner ? { owner: opts.owner } : {}) });
  if (ctx.json) {
    return printJson(ctx, {
      cycle: cycle.id,
      decisions: decisions.map((d) => ({
        id: d.id,
        title: d.title,
        owner: d.owner,
        due: d.due ?? null,
        status: d.status,
        approved: d.approved !== null,
        criteria: d.criteria,
        evidence: d.evidence,
        buildScope: d.buildScope,
        created: d.created,
        closed: d.closed,
        closeNote: d.closeNote,
        conflict: d.conflict,
      })),
    });
  }
  if (decisions.length === 0) return ctx.note(`no ${status === 'all' ? '' : `${status} `}decisions${opts.owner ? ` owned by ${oneLine(opts.owner)}` : ''} in ${cycle.id}`);
  // "Late" is judged on the calendar of the user's zone, like the due dates themselves.
  const today = dayOf(ctx.now, ctx.tz);
  const rows = decisions.map((d) => [
    d.id,
    d.closeNote ? styled(`${neutralize(d.title)}\n${ctx.chalk.dim(`decided: ${neutralize(d.closeNote)}`)}`) : d.title,
    d.owner,
    !d.due ? styled(ctx.chalk.yellow('not set')) : d.status === 'open' && d.due < today ? styled(ctx.chalk.red(`${d.due} (late)`)) : d.due,
    [d.status, d.approved ? 'approved' : '', d.evidence.length ? `${d.evidence.length} evidence` : ''].filter(Boolean).join(', '),
  ]);
  ctx.print(renderTable(ctx, ['id', 'decision', 'owner', 'due', 'status'], rows, { wrap: [0, 50, 0, 0, 0] }));
  for (const d of decisions) if (d.conflict) ctx.print(ctx.chalk.yellow(`conflict on ${d.id}: ${oneLine(d.conflict)}`));
}
