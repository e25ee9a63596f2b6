// playbook review: the weekly review. Blockers breached or falling due first, then a reading per
// metric, the checklist, the decisions closed, the next checkpoint, and the week's summary. Every
// answer can come from --answers FILE; without a terminal nothing is asked.
import { resolve } from 'node:path';
import { withOptions, type Context } from '../context.js';
import { dayOf } from '../dates.js';
import { InterruptedError, usageError } from '../errors.js';
import { reviewEvents, reviewPlan, ReviewAnswerError, type AnsweredIds } from '../flow/review.js';
import { answerAt, loadReviewAnswers } from '../flow/review-answers.js';
import { askReview, describe, nextCheckpoint } from '../flow/review-session.js';
import type { NewEvent } from '../ledger/events.js';
import { commit, openLedger, selectCycle } from '../ledger/ledger.js';

export async function run(ctx: Context, _args: [], opts: { answers?: string; summary?: boolean }): Promise<void> {
  const { cycle } = openLedger(ctx);
  const file = opts.answers !== undefined ? loadReviewAnswers(resolve(ctx.cwd, opts.answers), opts.answers) : undefined;
  const scoped = withOptions(ctx, { cycle: cycle.key });
  const fromFile = (c: typeof cycle) => {
    try {
      return reviewEvents(c, file!.answers, ctx.now, ctx.tz);
    } catch (error) {
      if (error instanceof ReviewAnswerError) throw usageError(`${answerAt(file!, error.path)}: ${error.message}`);
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
      await askReview(scoped, prompter, plan, answered);
    } catch (error) {
      if (error instanceof InterruptedError) throw new InterruptedError('interrupted; everything answered so far is saved; run `playbook review` again for the rest');
      throw error;
    }
  } else {
    ctx.note(nextCheckpoint(plan));
  }
  if (opts.summary !== false) {
    const { printSummary } = await import('../report/summary.js');
    if (ctx.interactive) ctx.print('');
    await printSummary(scoped, { format: 'text', template: 'weekly' });
  }
}

