import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { dayOf, parseDay } from '../dates.js';
import { commit, selectCycle } from '../ledger/ledger.js';
import { nextId } from '../ledger/state.js';
import { oneLine } from '../terminal.js';
import { find, owner, text } from './common.js';

export function add(ctx: Context, [title]: [string], opts: { owner?: string; due?: string; criteria?: string[] }): void {
  const t = text(title, 'the decision title');
  const who = owner(opts.owner);
  if (!opts.due) throw usageError('a decision needs a due date: --due DATE', 'e.g. --due 2026-12-04, --due +7d, --due "next friday"');
  const due = parseDay(opts.due, ctx.now, ctx.tz, '--due');
  const criteria = (opts.criteria ?? []).map((c) => text(c, '--criteria', 1000));
  let id = '';
  commit(ctx, (state) => {
    const cycle = selectCycle(ctx, state);
    id = nextId(cycle, 'D');
    return [{ type: 'decision.added', data: { id, title: t, owner: who, due, criteria } }];
  });
  ctx.print(`${id} added: ${oneLine(t)} (owner ${oneLine(who)}, due ${due})`);
}

function transition(kind: 'approve' | 'close' | 'reopen') {
  return (ctx: Context, [typed]: [string], opts: { note?: string }): void => {
    let id = '';
    commit(ctx, (state) => {
      const cycle = selectCycle(ctx, state);
      const d = find(cycle, 'decision', typed);
      id = d.id;
      if (kind === 'approve') {
        if (d.approved) throw usageError(`${d.id} is already approved (by ${d.approved.actor} on ${dayOf(new Date(d.approved.at), ctx.tz)})`);
        return [{ type: 'decision.approved', data: { id } }];
      }
      if (kind === 'close') {
        if (d.status === 'closed') throw usageError(`${d.id} is already closed`);
        return [{ type: 'decision.closed', data: opts.note ? { id, note: text(opts.note, '--note', 2000) } : { id } }];
      }
      if (d.status === 'open') throw usageError(`${d.id} is already open`);
      return [{ type: 'decision.reopened', data: opts.note ? { id, note: text(opts.note, '--note', 2000) } : { id } }];
    });
    ctx.print(`${id} ${kind === 'approve' ? 'approved' : kind === 'close' ? 'closed' : 'reopened'}`);
  };
}

export const approve = transition('approve');
export const close = transition('close');
export const reopen = transition('reopen');
