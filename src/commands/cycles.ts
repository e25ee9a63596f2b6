import type { Context } from '../context.js';
import { dayOf } from '../dates.js';
import { findCycle, openLedger, updateLocal } from '../ledger/ledger.js';
import { currentStep } from '../ledger/queries.js';
import { renderTable } from '../table.js';
import { printJson } from './common.js';

export function list(ctx: Context): void {
  const { overview: state } = openLedger(ctx);
  const cycles = [...state.cycles.values()];
  const current = (key: string) => key === state.current;
  if (ctx.json) {
    return printJson(ctx, {
      current: state.current === null ? null : (state.cycles.get(state.current)?.id ?? null),
      cycles: cycles.map((c) => ({ id: c.id, name: c.name, playbook: c.snapshot.playbook.id, created: c.created.at, startedBy: c.created.actor, current: current(c.key), step: currentStep(c)?.id ?? null })),
    });
  }
  if (cycles.length === 0) return ctx.note('the ledger has no cycles; start one with `playbook init <industry> <role>`');
  const rows = cycles.map((c) => [current(c.key) ? '*' : '', c.id, c.name, c.snapshot.playbook.id, dayOf(new Date(c.created.at), ctx.tz), currentStep(c)?.title ?? 'all six steps done']);
  ctx.print(renderTable(ctx, ['', 'cycle', 'name', 'playbook', 'started', 'session at'], rows));
}

/** Which cycle is current is this clone's own choice: it is kept on this machine, not in the shared ledger. */
export function use(ctx: Context, [id]: [string]): void {
  let name = id;
  updateLocal(ctx, (state, local) => {
    const cycle = findCycle(state, id);
    name = cycle.id;
    return { ...local, current: cycle.key };
  });
  ctx.print(`current cycle: ${name}`);
}
