// The weekly review as data: what it walks through (blockers that are breached or due soon,
// a reading per metric, open checklist items and decisions, the next checkpoint) and the events
// each answer becomes. Pure; commands/review.ts asks and records.
import { parseWhen } from '../dates.js';
import type { NewEvent } from '../ledger/events.js';
import { checklistView, listBlockers, listDecisions, type ChecklistView } from '../ledger/queries.js';
import { isBreached, sortedReadings, type Blocker, type Checkpoint, type Cycle, type Decision } from '../ledger/state.js';
import { AnswerError, asNumber, asText } from './records.js';

export const BLOCKER_ACTIONS = ['resolve', 'extend', 'escalate', 'keep'] as const;
export type BlockerAction = (typeof BLOCKER_ACTIONS)[number];

export interface ReviewPlan {
  /** Breached first, then those falling due within the next review interval. */
  blockers: { blocker: Blocker; breached: boolean }[];
  metrics: { id: string; name: string; unit: string; latest: number | null }[];
  checklist: ChecklistView[];
  decisions: Decision[];
  nextCheckpoint: Checkpoint | null;
}

export function reviewPlan(cycle: Cycle, now: Date, today: string): ReviewPlan {
  const horizon = now.getTime() + cycle.snapshot.cadence.reviewEveryDays * 86400_000;
  const blockers = listBlockers(cycle, now)
    .filter((b) => isBreached(b, now) || Date.parse(b.due) <= horizon)
    .map((blocker) => ({ blocker, breached: isBreached(blocker, now) }));
  const metrics = cycle.snapshot.metrics.map((m) => {
    const readings = sortedReadings(cycle, m.id);
    return { id: m.id, name: m.name, unit: m.unit, latest: readings.length ? readings[readings.length - 1]!.value : null };
  });
  const nextCheckpoint = [...cycle.checkpoints.values()].filter((c) => c.date >= today).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))[0] ?? null;
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

/** Reads one blocker's answer from an answers file: "resolve", or a mapping with action and details. */
export function blockerAnswer(value: unknown): BlockerAnswer {
  if (typeof value === 'string') return { action: action(value) };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    for (const key of Object.keys(v)) if (!['action', 'note', 'due', 'reason'].includes(key)) throw new AnswerError(`"${key}" is not part of a blocker answer (action, note, due, reason)`);
    return {
      action: action(v.action),
      ...(v.note !== undefined ? { note: asText(v.note, 'note') } : {}),
      ...(v.due !== undefined ? { due: asText(v.due, 'due', undefined, 100) } : {}),
      ...(v.reason !== undefined ? { reason: asText(v.reason, 'reason') } : {}),
    };
  }
  throw new AnswerError('a blocker answer is resolve, extend, escalate or keep, or a mapping with action (and due and reason to extend)');
}

function action(value: unknown): BlockerAction {
  const t = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!(BLOCKER_ACTIONS as readonly string[]).includes(t)) throw new AnswerError(`"${String(value)}" is not one of ${BLOCKER_ACTIONS.join(', ')}`);
  return t as BlockerAction;
}

export function blockerEvents(b: Blocker, answer: BlockerAnswer, now: Date, tz: string): NewEvent[] {
  switch (answer.action) {
    case 'keep':
      return [];
    case 'resolve':
      return [{ type: 'blocker.resolved', data: { id: b.id, ...(answer.note ? { note: answer.note } : {}) } }];
    case 'escalate':
      if (b.status === 'escalated') throw new AnswerError(`${b.id} is already escalated`);
      return [{ type: 'blocker.escalated', data: { id: b.id, ...(answer.note ? { note: answer.note } : {}) } }];
    case 'extend': {
      if (!answer.due) throw new AnswerError(`extending ${b.id} needs a new due time`);
      if (!answer.reason) throw new AnswerError(`extending ${b.id} needs a reason`);
      let due: Date;
      try {
        due = parseWhen(answer.due, now, tz, 'due');
      } catch {
        throw new AnswerError(`"${answer.due}" is not a date or time (try +48h, friday, 2026-12-04T17:00)`);
      }
      if (due.getTime() <= now.getTime()) throw new AnswerError(`the new due time "${answer.due}" is already past`);
      return [{ type: 'blocker.extended', data: { id: b.id, due: due.toISOString(), reason: answer.reason } }];
    }
  }
}

export function readingEvents(metric: string, value: unknown, now: Date): NewEvent[] {
  return [{ type: 'metric.recorded', data: { metric, value: asNumber(value, metric), at: now.toISOString() } }];
}
