// playbook review: the weekly review. Blockers breached or falling due first, then a reading per
// metric, the checklist, the decisions closed, the next checkpoint, and the week's summary. Every
// answer can come from --answers FILE; without a terminal nothing is asked.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isCollection, isMap, isNode, isScalar, isSeq, type Node } from 'yaml';
import { withOptions, type Context } from '../context.js';
import { dayOf, shortTime, span } from '../dates.js';
import { CliError, InterruptedError, usageError } from '../errors.js';
import {
  blockerEvents,
  extendedDue,
  pathLabel,
  readingEvents,
  reviewEvents,
  reviewPlan,
  ReviewAnswerError,
  type BlockerAnswer,
  type AnsweredIds,
  type ReviewAnswers,
  type ReviewPlan,
} from '../flow/review.js';
import { AnswerError } from '../flow/records.js';
import type { NewEvent } from '../ledger/events.js';
import { commit, openLedger, selectCycle } from '../ledger/ledger.js';
import type { Blocker } from '../ledger/state.js';
import { MAX_PLAYBOOK_BYTES, parseStrictYaml } from '../playbook/load.js';
import type { Prompter } from '../prompts/prompter.js';
import { oneLine } from '../terminal.js';

const SECTIONS = ['blockers', 'metrics', 'checklist', 'decisions'] as const;

/**
 * The review's answers file:
 *   blockers: { B-2: resolve, B-3: { action: extend, due: +48h, reason: ... } }
 *   metrics: { approval-cycle-time: 6 }
 *   checklist: [kickoff-scope-alignment]
 *   decisions: [D-1]            # to close
 */
interface AnswersFile {
  file: string;
  answers: ReviewAnswers;
  /** "FILE:LINE:COL: blockers.B-1.due" for the deepest node of the path that exists. */
  where(path: (string | number)[]): string;
}

function loadReviewAnswers(ctx: Context, file: string): AnswersFile {
  let source: string;
  try {
    const path = resolve(ctx.cwd, file);
    if (statSync(path).size > MAX_PLAYBOOK_BYTES) throw usageError(`${file}: the answers file is larger than ${MAX_PLAYBOOK_BYTES} bytes`);
    source = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw usageError(`${file}: cannot read the answers file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const { doc, lineCounter } = parseStrictYaml(source, file);
  const pos = (node: Node | null | undefined) => {
    const { line, col } = lineCounter.linePos(node?.range?.[0] ?? 0);
    return `${file}:${line}:${col}`;
  };
  const nodeAt = (path: (string | number)[]): { node: Node | undefined; depth: number } => {
    for (let depth = path.length; depth > 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) return { node, depth };
    }
    return { node: doc.contents ?? undefined, depth: 0 };
  };
  const where = (path: (string | number)[]) => {
    const { node, depth } = nodeAt(path);
    return `${pos(node)}: ${pathLabel(path.slice(0, Math.max(depth, 1)))}`;
  };
  const bad = (node: Node | null | undefined, message: string) => usageError(`${pos(node)}: ${message}`);

  const answers: ReviewAnswers = { blockers: [], metrics: [], checklist: [], decisions: [] };
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { file, answers, where };
  if (!isMap(root)) throw bad(root, `a review answers file is a mapping of ${SECTIONS.join(', ')}`);
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!(SECTIONS as readonly string[]).includes(key)) throw bad(pair.key, `"${key}" is not part of a review (${SECTIONS.join(', ')})`);
    const value = pair.value as Node | null;
    if (value === null || (isScalar(value) && value.value === null)) continue;
    if (key === 'blockers' || key === 'metrics') {
      if (!isMap(value)) throw bad(value, `${key} must be a mapping of ${key === 'blockers' ? 'blocker ids to what happens to each' : 'metric ids to readings'}`);
      for (const item of value.items) {
        const k = isScalar(item.key) ? String(item.key.value) : '';
        answers[key].push([k, isCollection(item.value) || isScalar(item.value) ? item.value.toJSON() : null]);
      }
    } else {
      const list = isSeq(value) ? value.items.map((n): unknown => (isNode(n) ? n.toJSON() : n)) : isScalar(value) ? [value.toJSON()] : undefined;
      if (!list) throw bad(value, `${key} must be a list of ${key === 'checklist' ? 'checklist item ids' : 'decision ids to close'}`);
      answers[key as 'checklist' | 'decisions'] = list;
    }
  }
  return { file, answers, where };
}

type Scoped = Context & { options: Context['options'] & { cycle: string } };

export async function run(ctx: Context, _args: [], opts: { answers?: string; summary?: boolean }): Promise<void> {
  const { cycle } = openLedger(ctx);
  const file = opts.answers !== undefined ? loadReviewAnswers(ctx, opts.answers) : undefined;
  const scoped = withOptions(ctx, { cycle: cycle.key }) as Scoped;
  const fromFile = (c: typeof cycle) => {
    try {
      return reviewEvents(c, file!.answers, ctx.now, ctx.tz);
    } catch (error) {
      if (error instanceof ReviewAnswerError) throw usageError(`${file!.where(error.path)}: ${error.message}`);
      throw error;
    }
  };

  // Check the whole file, and that nothing would need asking without a terminal, before writing anything.
  const answered: AnsweredIds = file ? fromFile(cycle).answered : { blockers: new Set(), metrics: new Set(), checklist: new Set(), decisions: new Set() };
  const plan = reviewPlan(cycle, ctx.now, dayOf(ctx.now, ctx.tz));
  if (!ctx.interactive) {
    const missing = plan.blockers.filter(({ blocker }) => !answered.blockers.has(blocker.id)).map(({ blocker }) => `blockers.${blocker.id}`);
    if (missing.length) {
      const why = ctx.options.input === false ? 'nothing is asked with --no-input' : 'no terminal to ask on';
      throw usageError(
        `${why}, and ${missing.length} blocker${missing.length === 1 ? ' needs' : 's need'} an answer: ${missing.join(', ')}`,
        file ? `add them to ${file.file}: resolve, extend (with due and reason), escalate or keep` : 'pass --answers FILE with resolve, extend (with due and reason), escalate or keep for each',
      );
    }
  }
  if (file) {
    // Built again from the ledger as it is under the lock: all of the file or none of it.
    let recorded: NewEvent[] = [];
    commit(scoped, (locked) => (recorded = fromFile(selectCycle(scoped, locked)).events));
    for (const e of recorded) ctx.note(`${describe(ctx, e)} (from ${file.file})`);
  }
  if (ctx.interactive) {
    const prompter = (await import('../prompts/inquirer.js')).createPrompter(ctx);
    try {
      await ask(scoped, prompter, plan, answered);
    } catch (error) {
      if (error instanceof InterruptedError) throw new InterruptedError('interrupted; everything answered so far is saved; run `playbook review` again for the rest');
      throw error;
    }
  } else {
    ctx.note(nextCheckpoint(plan));
  }
  if (opts.summary !== false) {
    const summary = (await import('./summary.js')) as { run: (ctx: Context, args: [], opts: Record<string, unknown>) => Promise<void> | void };
    if (ctx.interactive) ctx.print('');
    await summary.run(scoped, [], { format: 'text', template: 'weekly' });
  }
}

function nextCheckpoint(plan: ReviewPlan): string {
  const c = plan.nextCheckpoint;
  return c ? `next checkpoint: ${c.id} ${oneLine(c.title)} on ${c.date} (${c.kind}, ${oneLine(c.owner)})` : 'next checkpoint: none ahead in this cycle';
}

/** One line for what a review answer recorded, with the user's text neutralised. */
function describe(ctx: Context, e: NewEvent): string {
  const d = e.data as Record<string, unknown>;
  const note = typeof d.note === 'string' ? `: ${oneLine(d.note)}` : '';
  switch (e.type) {
    case 'blocker.resolved':
      return `${String(d.id)} resolved${note}`;
    case 'blocker.escalated':
      return `${String(d.id)} escalated${note}`;
    case 'blocker.extended':
      return `${String(d.id)} extended to ${shortTime(new Date(String(d.due)), ctx.tz)}: ${oneLine(String(d.reason))}`;
    case 'metric.recorded':
      return `${oneLine(String(d.metric))} = ${String(d.value)}${typeof d.note === 'string' ? ` (${oneLine(d.note)})` : ''}`;
    case 'checklist.done':
      return `checklist item ${oneLine(String(d.item))} done`;
    case 'decision.closed':
      return `${String(d.id)} closed`;
    default:
      return e.type;
  }
}

async function ask(ctx: Scoped, p: Prompter, plan: ReviewPlan, answered: AnsweredIds): Promise<void> {
  const c = ctx.chalk;
  const record = (events: NewEvent[]) => {
    if (!events.length) return;
    commit(ctx, () => events);
    for (const e of events) p.say(c.green(`  → ${describe(ctx, e)}`));
  };
  p.say(c.bold.cyan('Weekly review'));

  const blockers = plan.blockers.filter(({ blocker }) => !answered.blockers.has(blocker.id));
  if (blockers.length) p.say(c.bold('\nBlockers breached or falling due before the next review'));
  for (const { blocker: b, breached } of blockers) await askBlocker(ctx, p, b, breached, record);

  const metrics = plan.metrics.filter((m) => !answered.metrics.has(m.id));
  if (metrics.length) p.say(c.bold('\nA reading for each metric (empty to skip)'));
  for (const m of metrics) {
    const last = [m.latest !== null ? `last ${m.latest}` : 'no reading yet', m.target !== null ? `target ${m.target}` : ''].filter(Boolean).join(', ');
    const value = await p.input({
      message: `${oneLine(m.name)} (${oneLine(m.unit)}; ${last})`,
      validate: (v) => (v.trim() === '' || Number.isFinite(Number(v.trim().replace(/%$/, ''))) ? true : 'a number, or empty to skip'),
    });
    record(readingEvents(m.id, value, ctx.now));
  }

  const items = plan.checklist.filter((i) => !answered.checklist.has(i.id));
  if (items.length) {
    const done = await p.checkbox({ message: 'Checklist items done this week (space ticks, enter confirms)', choices: items.map((i) => ({ value: i.id, name: `${i.id}: ${short(oneLine(i.text), 90)}` })) });
    record(done.map((item) => ({ type: 'checklist.done', data: { item } })));
  }

  const decisions = plan.decisions.filter((d) => !answered.decisions.has(d.id));
  if (decisions.length) {
    const closed = await p.checkbox({ message: 'Decisions closed this week', choices: decisions.map((d) => ({ value: d.id, name: `${d.id} ${short(oneLine(d.title), 90)} (${oneLine(d.owner)}${d.due ? `, due ${d.due}` : ''})` })) });
    record(closed.map((id) => ({ type: 'decision.closed', data: { id } })));
  }
  p.say(plan.nextCheckpoint ? c.bold(`\nNext ${nextCheckpoint(plan).slice('next '.length)}`) : c.yellow('\nNo checkpoint ahead in this cycle.'));
}

async function askBlocker(ctx: Scoped, p: Prompter, b: Blocker, breached: boolean, record: (events: NewEvent[]) => void): Promise<void> {
  const c = ctx.chalk;
  const due = Date.parse(b.due) - ctx.now.getTime();
  const status = b.status === 'escalated' ? c.yellow(' (escalated)') : '';
  p.say(`${breached ? c.red.bold(`${b.id} BREACHED`) : c.bold(b.id)}${status} ${oneLine(b.title)} (${oneLine(b.owner)}; due ${shortTime(new Date(b.due), ctx.tz)}, ${breached ? `${span(due)} overdue` : `in ${span(due)}`})`);
  p.say(c.dim(`   fallback: ${b.fallback ? oneLine(b.fallback) : 'none'}`));
  for (;;) {
    const choices = [
      { value: 'resolve' as const, name: 'Resolved' },
      { value: 'extend' as const, name: 'Extend, with a reason' },
      ...(b.status === 'escalated' ? [] : [{ value: 'escalate' as const, name: 'Escalate' }]),
      { value: 'keep' as const, name: 'Keep as it is' },
    ];
    const action = await p.select({ message: `What happens to ${b.id}?`, choices });
    const answer: BlockerAnswer = { action };
    if (action === 'extend') {
      answer.due = await p.input({
        message: 'New due (e.g. +48h, friday, 2026-12-04T17:00)',
        validate: (v) => {
          try {
            extendedDue(b, v, ctx.now, ctx.tz);
            return true;
          } catch (error) {
            if (error instanceof AnswerError) return oneLine(error.message);
            throw error;
          }
        },
      });
      answer.reason = await p.input({ message: 'Reason', validate: (v) => (!v.trim() ? 'a reason is required to extend' : tooLong(v) ?? true) });
    } else if (action !== 'keep') {
      const note = await p.input({ message: 'Note (optional)', validate: (v) => tooLong(v) ?? true });
      if (note.trim()) answer.note = note.trim();
    }
    try {
      record(blockerEvents(b, answer, ctx.now, ctx.tz));
      return;
    } catch (error) {
      if (!(error instanceof AnswerError)) throw error;
      p.say(c.red(`  ✘ ${oneLine(error.message)}`));
    }
  }
}

const MAX_NOTE = 2000;
const tooLong = (v: string) => (v.trim().length > MAX_NOTE ? `at most ${MAX_NOTE} characters (this is ${v.trim().length})` : undefined);

function short(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
