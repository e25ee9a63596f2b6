import type { Context } from '../context.js';
import { dayOf } from '../dates.js';
import { commit, openLedger } from '../ledger/ledger.js';
import { currentStep } from '../ledger/queries.js';
import { usageError } from '../errors.js';
import { renderTable } from '../table.js';
import { printJson } from './common.js';

export function list(ctx: Context): void {
  const { state } = openLedger(ctx);
  const cycles = [...state.cycles.values()];
  if (ctx.json) {
    return printJson(ctx, {
      current: state.current,
      cycles: cycles.map((c) => ({ id: c.id, name: c.name, playbook: c.snapshot.playbook.id, created: c.created.at, current: c.id === state.current, step: currentStep(c)?.id ?? null })),
    });
  }
  if (cycles.length === 0) return ctx.note('the ledger has no cycles; start one with `playbook init <industry> <role>`');
  const rows = cycles.map((c) => [c.id === state.current ? '*' : '', c.id, c.name, c.snapshot.playbook.id, dayOf(new Date(c.created.at), ctx.tz), currentStep(c)?.title ?? 'all six steps done']);
  ctx.print(renderTable(ctx, ['', 'cycle', 'name', 'playbook', 'started', 'session at'], rows));
}

export function use(ctx: Context, [id]: [string]): void {
  commit(ctx, (state) => {
    if (!state.cycles.has(id)) throw usageError(`no cycle "${id}" in the ledger`, `cycles: ${[...state.cycles.keys()].join(', ') || 'none'}`);
    if (state.current === id) return [];
    return [{ type: 'cycle.selected', cycle: id, data: { cycle: id } }];
  });
  ctx.print(`current cycle: ${id}`);
}
