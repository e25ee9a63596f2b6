import type { Context } from '../context.js';
import { failure } from '../errors.js';
import { shortTime, span } from '../dates.js';
import { openLedger } from '../ledger/ledger.js';
import { listBlockers } from '../ledger/queries.js';
import { isBreached } from '../ledger/state.js';
import { renderTable, styled } from '../table.js';
import { neutralize } from '../terminal.js';
import { printJson } from './common.js';

export function run(ctx: Context, _args: [], opts: { owner?: string; breached?: boolean; all?: boolean; check?: boolean }): void {
  const { cycle } = openLedger(ctx);
  const blockers = listBlockers(cycle, ctx.now, { ...(opts.owner ? { owner: opts.owner } : {}), breachedOnly: Boolean(opts.breached), all: Boolean(opts.all) });
  const breached = blockers.filter((b) => isBreached(b, ctx.now));
  if (ctx.json) {
    printJson(ctx, {
      cycle: cycle.id,
      now: ctx.now.toISOString(),
      blockers: blockers.map((b) => ({
        id: b.id,
        title: b.title,
        owner: b.owner,
        status: b.status,
        breached: isBreached(b, ctx.now),
        escalated: b.escalated !== null && b.status !== 'resolved',
        escalationNote: b.escalationNote,
        resolutionNote: b.resolutionNote,
        raised: b.created.at,
        due: b.due,
        ageHours: Math.floor((ctx.now.getTime() - Date.parse(b.created.at)) / 3600_000),
        fallback: b.fallback,
        decision: b.decision ?? null,
        notes: b.notes,
        resolved: b.resolved,
      })),
    });
  } else if (blockers.length === 0) {
    ctx.note(`no ${opts.breached ? 'breached ' : opts.all ? '' : 'active '}blockers in ${cycle.id}`);
  } else {
    const rows = blockers.map((b) => {
      const dueMs = Date.parse(b.due) - ctx.now.getTime();
      const late = isBreached(b, ctx.now);
      const due = `${shortTime(new Date(b.due), ctx.tz)}\n${b.status === 'resolved' ? 'resolved' : late ? `${span(dueMs)} overdue` : `in ${span(dueMs)}`}`;
      const escalated = b.status === 'escalated';
      // An escalated blocker shows the note it was escalated with under its title.
      const title = escalated && b.escalationNote ? styled(`${neutralize(b.title)}\n${ctx.chalk.yellow('escalated:')} ${neutralize(b.escalationNote)}`) : b.title;
      return [
        late ? styled(ctx.chalk.red.bold(`${b.id} BREACHED${escalated ? ', escalated' : ''}`)) : b.status === 'escalated' ? styled(ctx.chalk.yellow(`${b.id} escalated`)) : b.status === 'resolved' ? styled(ctx.chalk.dim(`${b.id} resolved`)) : b.id,
        title,
        b.owner,
        span(ctx.now.getTime() - Date.parse(b.created.at)),
        late ? styled(ctx.chalk.red(due)) : due,
        b.fallback || styled(ctx.chalk.dim('none')),
      ];
    });
    ctx.print(renderTable(ctx, ['id', 'blocker', 'owner', 'age', 'due', 'fallback'], rows, { wrap: [0, 36, 0, 0, 0, 36] }));
    if (breached.length) ctx.note(`${breached.length} breached: past the ${cycle.snapshot.cadence.blockerWindowHours}-hour window or their due time`);
  }
  if (opts.check && breached.length > 0) {
    throw failure(`${breached.length} blocker${breached.length === 1 ? ' is' : 's are'} breached: ${breached.map((b) => b.id).join(', ')}`);
  }
}
