import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { dayOf, parseDay } from '../dates.js';
import { commit, selectCycle } from '../ledger/ledger.js';
import { nextId, type Cycle, type Decision } from '../ledger/state.js';
import { oneLine } from '../terminal.js';
import { buildScopeProblem } from '../flow/answer-checks.js';
import { planProblem } from '../metric-values.js';
import { find, metricNamed, metricValue, owner, text } from './common.js';

export function add(ctx: Context, [title]: [string], opts: { owner?: string; due?: string; criteria?: string[] }): void {
  const t = text(title, 'the decision title');
  const who = owner(opts.owner);
  if (!opts.due) throw usageError('a decision needs a due date: --due DATE', 'e.g. --due 2026-12-04, --due +7d, --due "next friday"');
  const due = parseDay(opts.due, ctx.now, ctx.tz, '--due');
  if (due < dayOf(ctx.now, ctx.tz)) throw usageError(`--due ${due} is in the past; a decision is due today or later`);
  const criteria = (opts.criteria ?? []).map((c) => text(c, '--criteria', 1000));
  let id = '';
  commit(ctx, (state) => {
    const cycle = selectCycle(ctx, state);
    id = nextId(cycle, 'D');
    return [{ type: 'decision.added', data: { id, title: t, owner: who, due, criteria } }];
  });
  ctx.print(`${id} added: ${oneLine(t)} (owner ${oneLine(who)}, due ${due})`);
}

interface EditOptions {
  title?: string;
  owner?: string;
  due?: string;
  criteria?: string[];
}

/** Changes what was set when the decision was added: each flag given replaces that field (--criteria all of them). */
export function edit(ctx: Context, [typed]: [string], opts: EditOptions): void {
  if (opts.title === undefined && opts.owner === undefined && opts.due === undefined && (opts.criteria ?? []).length === 0) {
    throw usageError('nothing to change: give --title, --owner, --due or --criteria');
  }
  const title = opts.title === undefined ? undefined : text(opts.title, '--title');
  const who = opts.owner === undefined ? undefined : owner(opts.owner);
  const due = opts.due === undefined ? undefined : parseDay(opts.due, ctx.now, ctx.tz, '--due');
  const criteria = opts.criteria?.length ? opts.criteria.map((c) => text(c, '--criteria', 1000)) : undefined;
  let id = '';
  let changes: string[] = [];
  commit(ctx, (state) => {
    const d = find(selectCycle(ctx, state), 'decision', typed);
    id = d.id;
    if (due !== undefined && d.status === 'open' && due < dayOf(ctx.now, ctx.tz)) {
      throw usageError(`--due ${due} is in the past; an open decision is due today or later`, `${d.id} is open; close it first if it was decided, or give a date from ${dayOf(ctx.now, ctx.tz)} on`);
    }
    const data = {
      id,
      ...(title !== undefined && title !== d.title ? { title } : {}),
      ...(who !== undefined && who !== d.owner ? { owner: who } : {}),
      ...(due !== undefined && due !== d.due ? { due } : {}),
      ...(criteria !== undefined && criteria.join('\n') !== d.criteria.join('\n') ? { criteria } : {}),
    };
    changes = Object.entries(data).flatMap(([k, v]) => (k === 'id' ? [] : [`${k} ${Array.isArray(v) ? v.map((c) => `"${oneLine(c)}"`).join(', ') : k === 'title' ? `"${oneLine(String(v))}"` : oneLine(String(v))}`]));
    return changes.length ? [{ type: 'decision.updated', data }] : [];
  });
  ctx.print(changes.length ? `${id} changed: ${changes.join('; ')}` : `${id} already reads so; nothing changed`);
}

interface ScopeOptions {
  constraints?: string;
  behaviour?: string;
  metric?: string;
  target?: string;
}

/** Puts an approved decision into build scope after kickoff, as step 5 of the session does. */
export function scope(ctx: Context, [typed]: [string], opts: ScopeOptions): void {
  const constraints = text(opts.constraints, '--constraints', 2000);
  const behaviour = text(opts.behaviour, '--behaviour', 2000);
  let entry = '';
  commit(ctx, (state) => {
    const cycle = selectCycle(ctx, state);
    const d: Decision = find(cycle, 'decision', typed);
    const problem = buildScopeProblem({ cycle }, d.id, false);
    if (problem) throw usageError(problem.message, hintFor(cycle, d, problem.field));
    const metric = metricNamed(cycle, opts.metric ?? '');
    const target = metricValue(metric, opts.target ?? '', 'the target');
    const plan = cycle.plans.get(metric.id);
    const wrongWay = plan ? planProblem(metric, plan.baseline, target) : null;
    if (wrongWay) throw usageError(wrongWay, `\`playbook metric set ${metric.id} --baseline N\` changes the baseline`);
    entry = `${d.id} in build scope: moves ${metric.id} to ${target}`;
    return [{ type: 'build-scope.added', data: { decision: d.id, constraints, behaviour, metric: metric.id, target } }];
  });
  ctx.print(entry);
}

function hintFor(cycle: Cycle, d: Decision, field: string | undefined): string | undefined {
  if (field === 'approved') return `its owner approves it with \`playbook decision approve ${d.id}\``;
  if (d.criteria.length === 0 && !d.buildScope) return `add criteria with \`playbook decision edit ${d.id} --criteria "..."\``;
  return cycle.decisions.size ? undefined : 'add a decision with `playbook decision add`';
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
    if (kind === 'close' && !opts.note) ctx.note(`hint: the week's summary says what a decision decided from its closing note: \`playbook decision close ${id} --note "..."\` next time`);
  };
}

export const approve = transition('approve');
export const close = transition('close');
export const reopen = transition('reopen');
