import { resolve } from 'node:path';
import type { Context } from '../context.js';
import { dayOf, shortTime, span } from '../dates.js';
import { usageError } from '../errors.js';
import { blockerAnswer, blockerEvents, readingEvents, reviewPlan, type BlockerAnswer } from '../flow/review.js';
import { AnswerError } from '../flow/records.js';
import type { NewEvent } from '../ledger/events.js';
import { commit, openLedger, selectCycle } from '../ledger/ledger.js';
import type { Prompter } from '../prompts/prompter.js';
import { oneLine } from '../terminal.js';

/**
 * The review's answers file:
 *   blockers: { B-2: resolve, B-3: { action: extend, due: +48h, reason: ... } }
 *   metrics: { approval-cycle-time: 6 }
 *   checklist: [kickoff-scope-alignment]
 *   decisions: [D-1]            # to close
 */
interface ReviewAnswers {
  file: string;
  blockers: Map<string, unknown>;
  metrics: Map<string, unknown>;
  checklist: string[];
  decisions: string[];
}

async function loadReviewAnswers(ctx: Context, file: string): Promise<ReviewAnswers> {
  const { readFileSync } = await import('node:fs');
  const { parseStrictYaml } = await import('../playbook/load.js');
  let source: string;
  try {
    source = readFileSync(resolve(ctx.cwd, file), 'utf8');
  } catch (error) {
    throw usageError(`${file}: cannot read the answers file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const data = (parseStrictYaml(source, file).doc.toJS() ?? {}) as Record<string, unknown>;
  if (typeof data !== 'object' || Array.isArray(data)) throw usageError(`${file}: a review answers file is a mapping (blockers, metrics, checklist, decisions)`);
  for (const key of Object.keys(data)) if (!['blockers', 'metrics', 'checklist', 'decisions'].includes(key)) throw usageError(`${file}: "${key}" is not part of a review (blockers, metrics, checklist, decisions)`);
  const map = (v: unknown, what: string, key: (k: string) => string = (k) => k) => {
    if (v === undefined || v === null) return new Map<string, unknown>();
    if (typeof v !== 'object' || Array.isArray(v)) throw usageError(`${file}: ${what} must be a mapping`);
    return new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [key(k), x]));
  };
  const list = (v: unknown, what: string) => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw usageError(`${file}: ${what} must be a list`);
    return v.map(String);
  };
  return { file, blockers: map(data.blockers, 'blockers', (k) => k.toUpperCase()), metrics: map(data.metrics, 'metrics'), checklist: list(data.checklist, 'checklist'), decisions: list(data.decisions, 'decisions').map((d) => d.toUpperCase()) };
}

export async function run(ctx: Context, _args: [], opts: { answers?: string; summary?: boolean }): Promise<void> {
  const { state } = openLedger(ctx);
  const cycle = selectCycle(ctx, state);
  const plan = reviewPlan(cycle, ctx.now, dayOf(ctx.now, ctx.tz));
  const answers = opts.answers ? await loadReviewAnswers(ctx, opts.answers) : undefined;
  const scoped = { ...ctx, options: { ...ctx.options, cycle: cycle.id } };

  // Check the whole file before writing anything, and that nothing would need asking without a terminal.
  if (answers) {
    for (const id of answers.blockers.keys()) if (!cycle.blockers.has(id)) throw usageError(`${answers.file}: blockers.${id}: there is no blocker ${id} in ${cycle.id}`);
    for (const id of answers.metrics.keys()) if (!cycle.snapshot.metrics.some((m) => m.id === id)) throw usageError(`${answers.file}: metrics.${id}: not a metric of ${cycle.id}`);
    for (const id of answers.checklist) if (!cycle.snapshot.checklist.some((c) => c.id === id)) throw usageError(`${answers.file}: checklist: "${id}" is not a checklist item of ${cycle.id}`);
    for (const id of answers.decisions) if (!cycle.decisions.has(id)) throw usageError(`${answers.file}: decisions: there is no decision ${id} in ${cycle.id}`);
  }
  if (!ctx.interactive) {
    const missing = plan.blockers.filter(({ blocker }) => !answers?.blockers.has(blocker.id)).map(({ blocker }) => `blockers.${blocker.id}`);
    if (missing.length) {
      throw usageError(`no terminal to ask on, and ${missing.length} blocker${missing.length === 1 ? ' needs' : 's need'} an answer: ${missing.join(', ')}`, 'pass --answers FILE with resolve, extend (due, reason), escalate or keep for each');
    }
  }
  const events: NewEvent[] = [];
  const fail = (where: string, error: unknown) => (error instanceof AnswerError ? usageError(`${answers?.file ?? 'review'}: ${where}: ${error.message}`) : error);
  if (answers) {
    for (const [id, value] of answers.blockers) {
      try {
        events.push(...blockerEvents(cycle.blockers.get(id)!, blockerAnswer(value), ctx.now, ctx.tz));
      } catch (error) {
        throw fail(`blockers.${id}`, error);
      }
    }
    for (const [id, value] of answers.metrics) {
      try {
        events.push(...readingEvents(id, value, ctx.now));
      } catch (error) {
        throw fail(`metrics.${id}`, error);
      }
    }
    for (const id of answers.checklist) if (!cycle.checklistDone.has(id)) events.push({ type: 'checklist.done', data: { item: id } });
    for (const id of answers.decisions) if (cycle.decisions.get(id)?.status === 'open') events.push({ type: 'decision.closed', data: { id } });
    if (events.length) commit(scoped, () => events);
  }
  if (ctx.interactive) {
    const prompter = (await import('../prompts/inquirer.js')).createPrompter(ctx);
    await ask(scoped, prompter, plan, answers);
  }
  if (opts.summary !== false) {
    const summary = (await import('./summary.js')) as { run: (ctx: Context, args: [], opts: Record<string, unknown>) => Promise<void> | void };
    ctx.print('');
    await summary.run(scoped, [], { format: 'text', template: 'weekly' });
  }
}

async function ask(ctx: Context, p: Prompter, plan: ReturnType<typeof reviewPlan>, answers: ReviewAnswers | undefined): Promise<void> {
  const c = ctx.chalk;
  const record = (events: NewEvent[]) => events.length && commit(ctx, () => events);
  p.say(c.bold.cyan('Weekly review'));
  const blockers = plan.blockers.filter(({ blocker }) => !answers?.blockers.has(blocker.id));
  if (blockers.length) p.say(c.bold('\nBlockers breached or falling due before the next review'));
  for (const { blocker: b, breached } of blockers) {
    const due = Date.parse(b.due) - ctx.now.getTime();
    p.say(`${breached ? c.red.bold(`${b.id} BREACHED`) : c.bold(b.id)} ${oneLine(b.title)} (${oneLine(b.owner)}; due ${shortTime(new Date(b.due), ctx.tz)}, ${breached ? `${span(due)} overdue` : `in ${span(due)}`})`);
    if (b.fallback) p.say(c.dim(`   fallback: ${oneLine(b.fallback)}`));
    for (;;) {
      const action = await p.select({
        message: `What happens to ${b.id}?`,
        choices: [
          { value: 'resolve', name: 'Resolved' },
          { value: 'extend', name: 'Extend, with a reason' },
          { value: 'escalate', name: 'Escalate' },
          { value: 'keep', name: 'Keep as it is' },
        ],
      });
      const answer: BlockerAnswer = { action: action as BlockerAnswer['action'] };
      if (action === 'extend') {
        answer.due = await p.input({ message: 'New due (e.g. +48h, friday, 2026-12-04T17:00)' });
        answer.reason = await p.input({ message: 'Reason', validate: (v) => (v.trim() ? true : 'a reason is required to extend') });
      } else if (action !== 'keep') {
        const note = await p.input({ message: 'Note (optional)' });
        if (note.trim()) answer.note = note.trim();
      }
      try {
        record(blockerEvents(b, answer, ctx.now, ctx.tz));
        break;
      } catch (error) {
        if (!(error instanceof AnswerError)) throw error;
        p.say(c.red(`  ✘ ${error.message}`));
      }
    }
  }
  const metrics = plan.metrics.filter((m) => !answers?.metrics.has(m.id));
  if (metrics.length) p.say(c.bold('\nA reading for each metric (empty to skip)'));
  for (const m of metrics) {
    const value = await p.input({
      message: `${oneLine(m.name)} (${oneLine(m.unit)}${m.latest !== null ? `, last ${m.latest}` : ''})`,
      validate: (v) => (v.trim() === '' || Number.isFinite(Number(v.trim().replace(/%$/, ''))) ? true : 'a number, or empty to skip'),
    });
    if (value.trim() !== '') record(readingEvents(m.id, value, ctx.now));
  }
  const items = plan.checklist.filter((i) => !answers?.checklist.includes(i.id));
  if (items.length) {
    const done = await p.checkbox({ message: 'Checklist items done this week (space selects, enter confirms)', choices: items.map((i) => ({ value: i.id, name: oneLine(i.text) })) });
    record(done.map((item) => ({ type: 'checklist.done', data: { item } }) as NewEvent));
  }
  const decisions = plan.decisions.filter((d) => !answers?.decisions.includes(d.id));
  if (decisions.length) {
    const closed = await p.checkbox({ message: 'Decisions closed this week', choices: decisions.map((d) => ({ value: d.id, name: `${d.id} ${oneLine(d.title)} (${oneLine(d.owner)})` })) });
    record(closed.map((id) => ({ type: 'decision.closed', data: { id } }) as NewEvent));
  }
  p.say(plan.nextCheckpoint ? `\nNext checkpoint: ${plan.nextCheckpoint.id} ${oneLine(plan.nextCheckpoint.title)} on ${plan.nextCheckpoint.date} (${oneLine(plan.nextCheckpoint.owner)})` : c.yellow('\nNo checkpoint ahead in this cycle.'));
}
