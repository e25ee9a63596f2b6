import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { commit, openLedger, selectCycle } from '../ledger/ledger.js';
import { checklistView } from '../ledger/queries.js';
import { closest } from '../names.js';
import { renderTable, styled } from '../table.js';
import { dayOf } from '../dates.js';
import { printJson } from './common.js';

export function show(ctx: Context): void {
  const { cycle } = openLedger(ctx);
  const items = checklistView(cycle);
  const done = items.filter((i) => i.done).length;
  if (ctx.json) return printJson(ctx, { cycle: cycle.id, done, total: items.length, items });
  const rows = items.map((i, n) => [String(n + 1), i.done ? styled(ctx.chalk.green('✔')) : '☐', i.id, i.text, i.done ? `${i.done.actor}, ${dayOf(new Date(i.done.at), ctx.tz)}` : '']);
  ctx.print(renderTable(ctx, ['#', '', 'id', 'item', 'done'], rows, { wrap: [0, 0, 0, 70, 0] }));
  ctx.print(`${done} of ${items.length} done`);
}

export function done(ctx: Context, [typed]: [string]): void {
  let item = '';
  commit(ctx, (state) => {
    const cycle = selectCycle(ctx, state);
    const list = cycle.snapshot.checklist;
    const byNumber = /^\d+$/.test(typed) ? list[Number(typed) - 1] : undefined;
    const found = byNumber ?? list.find((i) => i.id === typed.trim().toLowerCase());
    if (!found) {
      const guess = closest(typed, list.map((i) => i.id));
      throw usageError(`no checklist item "${typed}" in cycle ${cycle.id}${guess ? `; did you mean "${guess}"?` : ''}`, 'see `playbook checklist` for the ids and numbers');
    }
    if (cycle.checklistDone.has(found.id)) throw usageError(`"${found.id}" is already done`);
    item = found.id;
    return [{ type: 'checklist.done', data: { item } }];
  });
  ctx.print(`${item} done`);
}
