// The weekly review as data: what it walks through (blockers that are breached or due soon,
// a reading per metric, open checklist items and decisions, the next checkpoint) and the events
// each answer becomes. Pure; commands/review.ts asks and records.
import type { NewEvent } from '../ledger/events.js';
import { nextPlannedCheckpoint } from '../ledger/agenda.js';
import { checklistView, listBlockers, listDecisions, type ChecklistView } from '../ledger/queries.js';
import { isBreached, sortedReadings, type Blocker, type Checkpoint, type Cycle, type Decision } from '../ledger/state.js';
import { readValue } from '../metric-values.js';
import { closest } from '../names.js';
import { AnswerError, asText, extendedDue } from './answer-checks.js';

export const BLOCKER_ACTIONS = ['resolve', 'extend', 'escalate', 'keep'] as const;
export type BlockerAction = (typeof BLOCKER_ACTIONS)[number];

export interface ReviewPlan {
  /** Breached first, then those falling due within the next review interval. */
  blockers: { blocker: Blocker; breached: boolean }[];
  metrics: { id: string; name: string; unit: string; latest: number | null; target: number | null }[];
  checklist: ChecklistView[];
  decisions: Decision[];
  nextCheckpoint: Checkpoint | null;
}

export function reviewPlan(cycle: Cycle, now: Date, today: string): ReviewPlan {
  const horizon = now.getTime() + cycle.snapshot.cadence.reviewEveryDays * 86400_000;
  const blockers = listBlockers(cycle, now)
    .filter((b) => isBreached(b, now) || Date.parse(b.due) <= horizon)
    .map((blocker) => ({ blocker, breached: isBreached(blocker, now) }));
  const metrics = cycle.metrics.map((m) => {
    const readings = sortedReadings(cycle, m.id);
    return { id: m.id, name: m.name, unit: m.unit, latest: readings.length ? readings[readings.length - 1]!.value : null, target: cycle.plans.get(m.id)?.target ?? null };
  });
  const nextCheckpoint = nextPlannedCheckpoint(cycle, today);
  return {
    blockers,
    metrics,
    checklist: checklistView(cycle).filter((c) => !c.done),
    decisions: listDecisions(cycle, { status: 'open' }),
    nextCheckpoint,
  };
}

export interface BlockerAnswer {
  action: BlockerAction;
  note?: string;
  due?: string;
  reason?: string;
}

/** What each action takes besides itself. */
const BLOCKER_FIELDS: Record<BlockerAction, string[]> = { resolve: ['note'], escalate: ['note'], extend: ['due', 'reason'], keep: [] };

/** Reads one blocker's answer from an answers file: "resolve", or a mapping with action and details. */
export function blockerAnswer(value: unknown): BlockerAnswer {
  if (typeof value === 'string') return { action: action(value) };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    for (const key of Object.keys(v)) if (!['action', 'note', 'due', 'reason'].includes(key)) throw new AnswerError(`"${key}" is not part of a blocker answer (action, note, due, reason)`, key);
    if (v.action === undefined || v.action === null) throw new AnswerError(`a blocker answer needs an action: ${BLOCKER_ACTIONS.join(', ')}`, 'action');
    const act = action(v.action);
    for (const key of ['note', 'due', 'reason']) {
      if (v[key] !== undefined && v[key] !== null && !BLOCKER_FIELDS[act].includes(key)) {
        throw new AnswerError(`"${key}" does not go with ${act} (${BLOCKER_FIELDS[act].length ? `${act} takes ${BLOCKER_FIELDS[act].join(' and ')}` : `${act} records nothing`})`, key);
      }
    }
    const field = (key: string, max?: number) => {
      try {
        return asText(v[key], key, key, max);
      } catch (error) {
        throw error instanceof AnswerError ? new AnswerError(error.message, key) : error;
      }
    };
    const present = (key: string) => v[key] !== undefined && v[key] !== null;
    return {
      action: act,
      ...(present('note') ? { note: field('note') } : {}),
      ...(present('due') ? { due: field('due', 100) } : {}),
      ...(present('reason') ? { reason: field('reason') } : {}),
    };
  }
  throw new AnswerError('a blocker answer is resolve, extend, escalate or keep, or a mapping with action (and due and reason to extend)');
}

function action(value: unknown): BlockerAction {
  const t = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!(BLOCKER_ACTIONS as readonly string[]).includes(t)) throw new AnswerError(`"${String(value)}" is not one of ${BLOCKER_ACTIONS.join(', ')}`, 'action');
  return t as BlockerAction;
}


export function blockerEvents(b: Blocker, answer: BlockerAnswer, now: Date, tz: string): NewEvent[] {
  if (answer.action !== 'keep' && b.status === 'resolved') throw new AnswerError(`${b.id} is already resolved`);
  switch (answer.action) {
    case 'keep':
      return [];
    case 'resolve':
      return [{ type: 'blocker.resolved', data: { id: b.id, ...(answer.note ? { note: answer.note } : {}) } }];
    case 'escalate':
      if (b.status === 'escalated') throw new AnswerError(`${b.id} is already escalated`);
      return [{ type: 'blocker.escalated', data: { id: b.id, ...(answer.note ? { note: answer.note } : {}) } }];
    case 'extend': {
      if (!answer.due) throw new AnswerError(`extending ${b.id} needs a new due time`, 'due');
      if (!answer.reason?.trim()) throw new AnswerError(`extending ${b.id} needs a reason`, 'reason');
      const due = extendedDue(b, answer.due, now, tz);
      return [{ type: 'blocker.extended', data: { id: b.id, due: due.toISOString(), reason: answer.reason.trim() } }];
    }
  }
}

/**
 * A metric reading: a number within the metric's range ("72%" too, for a percentage), or { value,
 * note }. Nothing (null or empty) records no reading. -0 is recorded as 0, which is what the JSON
 * ledger would read back anyway.
 */
export function readingEvents(def: { id: string; unit: string }, value: unknown, now: Date): NewEvent[] {
  const metric = def.id;
  let note: string | undefined;
  const mapped = Boolean(value && typeof value === 'object' && !Array.isArray(value));
  if (mapped) {
    const v = value as Record<string, unknown>;
    for (const key of Object.keys(v)) if (!['value', 'note'].includes(key)) throw new AnswerError(`"${key}" is not part of a reading (value, note)`, key);
    if (v.note !== undefined && v.note !== null) note = asText(v.note, 'note', 'note');
    value = v.value;
    if (value === undefined || value === null) throw new AnswerError(`a reading of ${metric} needs a value`, 'value');
  }
  if (value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) return [];
  const read = readValue(def, value);
  if ('problem' in read) throw new AnswerError(read.problem, mapped ? 'value' : undefined);
  return [{ type: 'metric.recorded', data: { metric, value: read.value, at: now.toISOString(), ...(note ? { note } : {}) } }];
}

// ---------------------------------------------------------------------------------------------
// A whole answers file

/** The review's answers, as read from a file: keys and items exactly as written. */
export interface ReviewAnswers {
  blockers: [key: string, value: unknown][];
  metrics: [key: string, value: unknown][];
  checklist: unknown[];
  decisions: unknown[];
}

/** An answer that cannot be recorded; `path` is where it sits in the file, e.g. ['blockers', 'B-1', 'due']. */
export class ReviewAnswerError extends AnswerError {
  constructor(
    message: string,
    readonly path: (string | number)[],
  ) {
    super(message);
  }
}

/** "b-3", "B3" and "3" all name B-3; undefined when it names no record of the kind. */
export function typedId(kind: 'B' | 'D', typed: unknown): string | undefined {
  if (typeof typed !== 'string' && typeof typed !== 'number') return undefined;
  const m = /^(?:([a-z])-?)?(\d{1,6})$/i.exec(String(typed).trim());
  if (!m || (m[1] && m[1].toUpperCase() !== kind)) return undefined;
  return `${kind}-${Number(m[2])}`;
}

/** A checklist item by id (any case) or by its number in the list. */
function checklistItem(cycle: Cycle, typed: unknown): string | undefined {
  const list = cycle.snapshot.checklist;
  const t = typeof typed === 'number' || typeof typed === 'string' ? String(typed).trim() : '';
  if (/^\d+$/.test(t)) return list[Number(t) - 1]?.id;
  return list.find((i) => i.id === t.toLowerCase())?.id;
}

export interface AnsweredIds {
  blockers: Set<string>;
  metrics: Set<string>;
  checklist: Set<string>;
  decisions: Set<string>;
}

/**
 * Checks every answer of the file against the cycle and returns the events they become, in the
 * file's order (blockers, metrics, checklist, decisions), with the ids they answer. Throws
 * ReviewAnswerError at the first answer that cannot be recorded; nothing is partly valid.
 */
export function reviewEvents(cycle: Cycle, answers: ReviewAnswers, now: Date, tz: string): { events: NewEvent[]; answered: AnsweredIds } {
  const events: NewEvent[] = [];
  const answered: AnsweredIds = { blockers: new Set(), metrics: new Set(), checklist: new Set(), decisions: new Set() };
  const at = (path: (string | number)[], work: () => void) => {
    try {
      work();
    } catch (error) {
      if (error instanceof ReviewAnswerError || !(error instanceof AnswerError)) throw error;
      throw new ReviewAnswerError(error.message, error.field ? [...path, error.field] : path);
    }
  };
  const fail = (path: (string | number)[], message: string): never => {
    throw new ReviewAnswerError(message, path);
  };

  for (const [key, value] of answers.blockers) {
    const path = ['blockers', key];
    const id = typedId('B', key) ?? fail(path, `"${key}" is not a blocker id (like B-3)`);
    const blocker = cycle.blockers.get(id);
    if (!blocker) {
      const known = [...cycle.blockers.values()].filter((b) => b.status !== 'resolved').map((b) => b.id);
      fail(path, `there is no blocker ${id} in ${cycle.id}${known.length ? ` (open: ${known.join(', ')})` : ''}`);
    }
    if (answered.blockers.has(id)) fail(path, `${id} is answered twice`);
    answered.blockers.add(id);
    at(path, () => void events.push(...blockerEvents(blocker!, blockerAnswer(value), now, tz)));
  }

  const metricIds = cycle.metrics.map((m) => m.id);
  for (const [key, value] of answers.metrics) {
    const path = ['metrics', key];
    const def = cycle.metrics.find((m) => m.id === key);
    if (!def) {
      const guess = closest(key, metricIds);
      fail(path, `"${key}" is not a metric of ${cycle.id}${guess ? `; did you mean "${guess}"?` : ` (metrics: ${metricIds.join(', ')})`}`);
    }
    answered.metrics.add(key);
    at(path, () => void events.push(...readingEvents(def!, value, now)));
  }

  answers.checklist.forEach((typed, i) => {
    const path = ['checklist', i];
    const item = checklistItem(cycle, typed);
    if (!item) {
      const guess = typeof typed === 'string' ? closest(typed.trim().toLowerCase(), cycle.snapshot.checklist.map((c) => c.id)) : undefined;
      fail(path, `"${String(typed)}" is not a checklist item of ${cycle.id}${guess ? `; did you mean "${guess}"?` : ' (see `playbook checklist` for the ids and numbers)'}`);
    }
    if (answered.checklist.has(item!)) return;
    if (cycle.checklistDone.has(item!)) fail(path, `"${item}" is already done`);
    answered.checklist.add(item!);
    events.push({ type: 'checklist.done', data: { item: item! } });
  });

  answers.decisions.forEach((typed, i) => {
    const path = ['decisions', i];
    const id = typedId('D', typed) ?? fail(path, `"${String(typed)}" is not a decision id (like D-3)`);
    const decision = cycle.decisions.get(id);
    if (!decision) fail(path, `there is no decision ${id} in ${cycle.id}`);
    if (answered.decisions.has(id)) return;
    if (decision!.status === 'closed') fail(path, `${id} is already closed`);
    answered.decisions.add(id);
    events.push({ type: 'decision.closed', data: { id } });
  });

  return { events, answered };
}

/** "blockers.B-1.due", "checklist[2]": a path in an answers file, as a person reads it. */
export function pathLabel(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p + 1}]` : i ? `.${p}` : p)).join('');
}
