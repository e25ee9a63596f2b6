// The weekly review at the terminal: each blocker breached or falling due, a reading per metric, the
// checklist, the decisions closed, then the next checkpoint. Each answer is recorded as it is given.
import type { Context } from '../context.js';
import { shortTime, span } from '../dates.js';
import type { NewEvent } from '../ledger/events.js';
import { commit } from '../ledger/ledger.js';
import type { Blocker } from '../ledger/state.js';
import type { Prompter } from '../prompts/prompter.js';
import { readValue } from '../metric-values.js';
import { oneLine } from '../terminal.js';
import { AnswerError } from './records.js';
import { extendedDue } from './answer-checks.js';
import { blockerEvents, readingEvents, type AnsweredIds, type BlockerAnswer, type ReviewPlan } from './review.js';


export function nextCheckpoint(plan: ReviewPlan): string {
  const c = plan.nextCheckpoint;
  return c ? `next checkpoint: ${c.id} ${oneLine(c.title)} on ${c.date} (${c.kind}, ${oneLine(c.owner)})` : 'next checkpoint: none ahead in this cycle';
}

/** One line for what a review answer recorded, with the user's text neutralised. */
export function describe(ctx: Pick<Context, 'tz'>, e: NewEvent): string {
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

/** Asks at the terminal for everything the answers file did not answer, recording each answer at once. */
export async function askReview(ctx: Context, p: Prompter, plan: ReviewPlan, answered: AnsweredIds): Promise<void> {
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
      validate: (v) => {
        const read = v.trim() === '' ? null : readValue(m, v);
        return read && 'problem' in read ? `${oneLine(read.problem)}, or empty to skip` : true;
      },
    });
    record(readingEvents(m, value, ctx.now));
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

async function askBlocker(ctx: Context, p: Prompter, b: Blocker, breached: boolean, record: (events: NewEvent[]) => void): Promise<void> {
  const c = ctx.chalk;
  const due = Date.parse(b.due) - ctx.now.getTime();
  const status = b.status === 'escalated' ? c.yellow(' (escalated)') : '';
  p.say(`${breached ? c.red.bold(`${b.id} BREACHED`) : c.bold(b.id)}${status} ${oneLine(b.title)} (${oneLine(b.owner)}; due ${shortTime(new Date(b.due), ctx.tz)}, ${breached ? `${span(due)} overdue` : `in ${span(due)}`})`);
  if (b.status === 'escalated' && b.escalationNote) p.say(`   ${c.yellow('escalated:')} ${oneLine(b.escalationNote)}`);
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
