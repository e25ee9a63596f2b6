import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { parseWhen, shortTime } from '../dates.js';
import { commit, selectCycle } from '../ledger/ledger.js';
import { nextId } from '../ledger/state.js';
import { oneLine } from '../terminal.js';
import { extendedDue } from '../flow/answer-checks.js';
import { asUsage, find, owner, recordId, text } from './common.js';

export function add(ctx: Context, [title]: [string], opts: { owner?: string; due?: string; fallback?: string; decision?: string }): void {
  const t = text(title, 'the blocker title');
  const who = owner(opts.owner);
  const explicitDue = opts.due ? parseWhen(opts.due, ctx.now, ctx.tz, '--due') : undefined;
  if (explicitDue && explicitDue.getTime() <= ctx.now.getTime()) throw usageError(`--due "${opts.due}" is already past`);
  const fallback = opts.fallback ? text(opts.fallback, '--fallback', 2000) : '';
  let id = '';
  let due = '';
  commit(ctx, (state) => {
    const cycle = selectCycle(ctx, state);
    const decision = opts.decision ? find(cycle, 'decision', opts.decision).id : undefined;
    id = nextId(cycle, 'B');
    due = (explicitDue ?? new Date(ctx.now.getTime() + cycle.snapshot.cadence.blockerWindowHours * 3600_000)).toISOString();
    return [{ type: 'blocker.added', data: { id, title: t, owner: who, due, fallback, ...(decision ? { decision } : {}) } }];
  });
  ctx.print(`${id} added: ${oneLine(t)} (owner ${oneLine(who)}, due ${shortTime(new Date(due), ctx.tz)})`);
  if (!fallback) ctx.note(`hint: ${id} has no fallback plan; a breached blocker shows its fallback. Add one with --fallback next time.`);
}

function transition(kind: 'resolve' | 'escalate') {
  return (ctx: Context, [typed]: [string], opts: { note?: string }): void => {
    recordId('blocker', typed);
    let id = '';
    commit(ctx, (state) => {
      const b = find(selectCycle(ctx, state), 'blocker', typed);
      id = b.id;
      if (b.status === 'resolved') throw usageError(`${b.id} is already resolved`);
      if (kind === 'escalate' && b.status === 'escalated') throw usageError(`${b.id} is already escalated`);
      const data = opts.note ? { id, note: text(opts.note, '--note', 2000) } : { id };
      return [kind === 'resolve' ? { type: 'blocker.resolved', data } : { type: 'blocker.escalated', data }];
    });
    ctx.print(`${id} ${kind === 'resolve' ? 'resolved' : 'escalated'}`);
  };
}

export const resolve = transition('resolve');
export const escalate = transition('escalate');

/** Moves a blocker's due time later, outside the weekly review; the reason is kept with it, as in the review. */
export function extend(ctx: Context, [typed]: [string], opts: { due?: string; reason?: string }): void {
  if (!opts.due) throw usageError('extending a blocker needs its new due time: --due WHEN', 'e.g. --due +48h, --due friday, --due 2026-12-04T17:00');
  const reason = text(opts.reason, '--reason', 2000);
  let line = '';
  commit(ctx, (state) => {
    const b = find(selectCycle(ctx, state), 'blocker', typed);
    if (b.status === 'resolved') throw usageError(`${b.id} is already resolved`);
    const due = asUsage(() => extendedDue(b, opts.due!, ctx.now, ctx.tz));
    line = `${b.id} extended to ${shortTime(due, ctx.tz)}`;
    return [{ type: 'blocker.extended', data: { id: b.id, due: due.toISOString(), reason } }];
  });
  ctx.print(line);
}
