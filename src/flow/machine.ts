// The six-step session as a pure state machine: given the playbook and the cycle as the ledger
// has it, what comes next (a question, a gate to pass or fix, or the end), and which events an
// answer becomes. It knows nothing of terminals or files; run.ts drives it.
import { dayOf } from '../dates.js';
import type { NewEvent } from '../ledger/events.js';
import type { FieldName } from '../ledger/events.js';
import type { Question, Step } from '../playbook/schema.js';
import { checkGate, type GateFailure } from './gates.js';
import { AnswerError, asBoolean, asList, asNumber, asOwner, asText, recordEvents, type FlowContext } from './records.js';
import { parseDay } from '../dates.js';
import type { RecordTarget } from '../playbook/schema.js';

export type Next =
  | { kind: 'question'; step: Step; index: number; question: Question }
  | { kind: 'gate'; step: Step; index: number; failures: GateFailure[] }
  | { kind: 'pass'; step: Step; index: number; notes: string[] }
  | { kind: 'done' };

export const questionKey = (step: Step, q: Question) => `${step.id}/${q.id}`;

export function next(f: Pick<FlowContext, 'playbook' | 'cycle'>): Next {
  const { playbook, cycle } = f;
  for (const [index, step] of playbook.steps.entries()) {
    if (cycle.passed.has(step.id)) continue;
    for (const question of step.questions) {
      if (!cycle.answered.has(questionKey(step, question))) return { kind: 'question', step, index, question };
    }
    const gate = checkGate(step.id, cycle);
    if (!gate.holds) return { kind: 'gate', step, index, failures: gate.failures };
    return { kind: 'pass', step, index, notes: gate.notes };
  }
  return { kind: 'done' };
}

const FIELD: Partial<Record<Question['into'], FieldName>> = {
  'cycle.outcome': 'outcome',
  'cycle.in-scope': 'inScope',
  'cycle.out-of-scope': 'outOfScope',
  'cycle.filter': 'filter',
  'cycle.window-start': 'windowStart',
  'cycle.window-end': 'windowEnd',
  'cycle.post-launch-owner': 'postLaunchOwner',
};

/** The events one answer becomes. A records question takes one record per call; `finish` closes it. */
export function answerEvents(f: FlowContext, step: Step, q: Question, value: unknown): NewEvent[] {
  const answer = { step: step.id, question: q.id };
  if (q.type === 'records') {
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new AnswerError(`${q.id} takes records (a list of mappings)`);
    return recordEvents(q.into as RecordTarget, value as Record<string, unknown>, f).map((e) => ({ ...e, answer }));
  }
  const v = singleValue(f, q, value);
  const field = FIELD[q.into];
  if (field) {
    if (field === 'windowEnd' && typeof v === 'string' && f.cycle.fields.windowStart && v < String(f.cycle.fields.windowStart)) {
      throw new AnswerError(`the window cannot end (${v}) before it starts (${String(f.cycle.fields.windowStart)})`);
    }
    return [{ type: 'cycle.field', data: { field, value: v as string | string[] }, answer }];
  }
  return [{ type: 'note.added', data: { step: step.id, question: q.id, value: v }, answer }];
}

/**
 * Records a step may close with none of, whatever the playbook says (PRODUCT.md, the gates of steps
 * 4 and 5): a decision may wait for its evidence and stays open, and with no approved decision build
 * scope stays empty until `playbook decision scope` adds an entry.
 */
const MAY_BE_EMPTY: ReadonlySet<Question['into']> = new Set(['evidence', 'build-scope']);

/** Whether the question cannot close without at least one record. */
export const needsRecord = (q: Question): boolean => q.required && q.type === 'records' && !MAY_BE_EMPTY.has(q.into);

/** Closes a question without (more) answers: the end of a records list, or a skipped optional question. */
export function finishEvents(f: Pick<FlowContext, 'cycle'>, step: Step, q: Question): NewEvent[] {
  if (needsRecord(q) && recordCount(f.cycle, step, q) === 0) {
    throw new AnswerError(`${step.id}.${q.id} needs at least one record`);
  }
  // A choice among the cycle's records has nothing to answer while there is none.
  if (q.required && q.type !== 'records' && !(q.choicesFrom && choicesOf(f, q).length === 0)) throw new AnswerError(`${step.id}.${q.id} needs an answer`);
  return [{ type: 'answer.completed', data: { step: step.id, question: q.id } }];
}

/**
 * The options of a choice question: the playbook's list, or with `choicesFrom: risks` the open
 * risks of this cycle, each answered as "R-n title" (an answer may give the id alone).
 */
export function choicesOf(f: Pick<FlowContext, 'cycle'>, q: Question): { value: string; name: string }[] {
  if (q.choicesFrom === 'risks') {
    return [...f.cycle.risks.values()].filter((r) => r.status === 'open').map((r) => ({ value: `${r.id} ${r.title}`, name: `${r.id} ${r.title}` }));
  }
  return (q.choices ?? []).map((c) => ({ value: c, name: c }));
}

/** The option an answer names (case aside; a risk by its id, R-2 or r2, too), or undefined. */
function matchChoice(f: Pick<FlowContext, 'cycle'>, q: Question, typed: string): string | undefined {
  const options = choicesOf(f, q);
  const id = q.choicesFrom === 'risks' ? /^r-?(\d+)([a-z]*)$/i.exec(typed.trim()) : null;
  if (id) return options.find((o) => o.value.startsWith(`R-${Number(id[1])}${id[2]!.toLowerCase()} `))?.value;
  const t = typed.trim().toLowerCase();
  return options.find((o) => o.value.toLowerCase() === t || (q.choicesFrom !== undefined && o.value.slice(o.value.indexOf(' ') + 1).toLowerCase() === t))?.value;
}

/** Why an answer is not one of the options: the options, or that the cycle has none to offer. */
function notAChoice(f: Pick<FlowContext, 'cycle'>, q: Question, typed: string): AnswerError {
  const options = choicesOf(f, q);
  if (options.length === 0 && q.choicesFrom) return new AnswerError(`"${typed}" is not one of this cycle's ${q.choicesFrom}: none is open`);
  return new AnswerError(`"${typed}" is not one of: ${options.map((o) => o.value).join('; ')}`);
}

/** How many records the session has added for a records question so far. */
export function recordCount(cycle: FlowContext['cycle'], step: Step, q: Question): number {
  return cycle.sessionRecords.get(`${step.id}/${q.id}`) ?? 0;
}

function singleValue(f: FlowContext, q: Question, value: unknown): string | string[] | number | boolean {
  switch (q.type) {
    case 'text':
    case 'editor':
      // The post-launch owner is one person, like every other owner in the ledger.
      if (q.into === 'cycle.post-launch-owner') return asOwner(value, 'The owner');
      return asText(value, 'The answer', undefined, q.type === 'editor' ? 10_000 : 2000);
    case 'number':
      return asNumber(value, 'The answer');
    case 'confirm':
      return asBoolean(value, 'The answer');
    case 'date': {
      const t = asText(value, 'The date', undefined, 100);
      try {
        return parseDay(t, f.now, f.tz);
      } catch {
        throw new AnswerError(`"${t}" is not a date (try 2026-12-04, today, +30d, next friday)`);
      }
    }
    case 'choice': {
      const t = asText(value, 'The choice', undefined, 300);
      if (q.into === 'cycle.filter' || q.into === 'cycle.outcome') return t; // the listed choices are suggestions
      const match = matchChoice(f, q, t);
      if (match === undefined) throw notAChoice(f, q, t);
      return match;
    }
    case 'multichoice': {
      const items = asList(value, 'The answer');
      if (q.into === 'cycle.in-scope' || q.into === 'cycle.out-of-scope') {
        if (items.length === 0) throw new AnswerError('choose at least one');
        return items;
      }
      return items.map((item) => {
        const match = matchChoice(f, q, item);
        if (match === undefined) throw notAChoice(f, q, item);
        return match;
      });
    }
    case 'list': {
      const items = asList(value, 'The list');
      if (items.length === 0 && q.required) throw new AnswerError('give at least one item');
      return items;
    }
    case 'records':
      throw new AnswerError('records are answered one at a time');
  }
}

/** A sensible default for a question: the playbook's filter, the window from today. */
export function defaultFor(f: FlowContext, q: Question): string | undefined {
  if (q.into === 'cycle.filter') return f.playbook.decisionFilter;
  if (q.into === 'cycle.window-start') return dayOf(f.now, f.tz);
  if (q.into === 'cycle.window-end') {
    const start = f.cycle.fields.windowStart ? String(f.cycle.fields.windowStart) : dayOf(f.now, f.tz);
    const end = new Date(Date.parse(`${start}T12:00:00Z`) + f.playbook.cadence.reviewWindowDays * 86400_000);
    return end.toISOString().slice(0, 10);
  }
  return undefined;
}
