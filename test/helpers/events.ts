// Events for unit tests, made the way the ledger makes them: drafts written as version-1 events
// (numbered, naming their cycle and records by the ids people use) and converted by the same
// code that converts a version-1 ledger, so each test reads like the story it tells.
import { convertV1 } from '../../src/ledger/convert.js';
import type { LedgerEvent, NewEvent } from '../../src/ledger/events.js';
import { findCycle } from '../../src/ledger/ledger.js';
import type { Cycle, LedgerState } from '../../src/ledger/state.js';

export interface Draft {
  type: string;
  data: unknown;
  /** The cycle's id (as people use it); default: the cycle of the first event. */
  cycle?: string | null;
  at?: string;
  actor?: string;
  answer?: LedgerEvent['answer'];
}

/**
 * Today's events for drafts in the old numbered form: `undo` drafts name their target by its
 * number (1 is the first draft). Each event is at `at` (default 2026-11-23T08:00:00Z).
 */
export function eventsOf(drafts: (Draft | NewEvent)[], defaults: { at?: string; actor?: string; cycle?: string } = {}): LedgerEvent[] {
  const first = drafts[0];
  const cycle = defaults.cycle ?? (first?.type === 'cycle.created' ? (first.data as { cycle: { id: string } }).cycle.id : 'c1');
  const v1 = drafts.map((d, i) => {
    const draft = d as Draft;
    const event: Record<string, unknown> = {
      id: i + 1,
      at: draft.at ?? defaults.at ?? '2026-11-23T08:00:00Z',
      actor: draft.actor ?? defaults.actor ?? 'tester',
      command: 'test',
      cycle: draft.cycle !== undefined ? draft.cycle : draft.type === 'cycle.created' ? (draft.data as { cycle: { id: string } }).cycle.id : cycle,
      type: draft.type,
      data: draft.data,
    };
    if (draft.answer) event.answer = draft.answer;
    return event;
  });
  return convertV1({ schemaVersion: 1, events: v1 });
}

/** The cycle people call `id`. */
export function cycleNamed(state: LedgerState, id: string): Cycle {
  return findCycle(state, id);
}

/** A value with its Maps and Sets as plain lists, for comparing two derived states with toEqual. */
export function project(value: unknown): unknown {
  if (value instanceof Map) return { map: [...value.entries()].map(([k, v]) => [k, project(v)]) };
  if (value instanceof Set) return { set: [...value].map(project) };
  if (Array.isArray(value)) return value.map(project);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, project(v)]),
    );
  }
  return value;
}
