// The ledger's events as code uses them. Every change a user makes is one event; the current state
// is derived from them (state.ts). Events are checked by a validator generated from the zod schema
// in event-schema.ts, so no command loads zod.
import type { LedgerEvent } from './event-schema.js';
import { validateEvent, type ValidationError } from './validate-ledger.generated.js';

export { FIELD_NAMES, LEDGER_SCHEMA_VERSION, type FieldName } from './constants.js';
export type { CycleSnapshot, EventData, EventType, LedgerEvent, NewEvent } from './event-schema.js';

/** A ledger written by a newer version of playbook: not damage, and never written over. */
export class NewerLedgerError extends Error {}

/** Events in the order of their ids, which is the order of the ledger (clock.ts). */
export function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Hands every event of a sequence to `visit`, in turn: the events of a ledger read as they come (replica-read.ts: walk), or of an array. */
export type Each = (visit: (e: LedgerEvent) => void) => void;

/** Validates one new event before it is appended. */
export function checkEvent(event: LedgerEvent): void {
  if (!validateEvent(event)) throw new Error(`invalid ${event.type} event${describeError(validateEvent.errors?.[0])}`);
}

/** Where in an event the first problem is ("data.owner"), and what it is. */
export function describeError(error: ValidationError | undefined): string {
  if (!error) return ': invalid';
  const path = error.instancePath.slice(1).replace(/\//g, '.');
  let message = error.message ?? error.keyword;
  if (error.keyword === 'required') message = `"${String(error.params.missingProperty)}" is missing`;
  if (error.keyword === 'discriminator') message = `unknown event type ${JSON.stringify(error.params.tagValue ?? null)}`;
  if (error.keyword === 'pattern') message = 'has the wrong format';
  if (error.keyword === 'enum') message = `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  return `${path ? ` (${path})` : ''}: ${message}`;
}

/** Types whose `data.id` names the record they act on. */
const ACTS_ON_ID = /^(decision|blocker|risk|checkpoint)\.(updated|approved|closed|reopened|resolved|escalated|extended|held|missed)$/;

/** The short id of the record an event acts on (not the one it adds): `data.id`, or `data.decision` for evidence and build scope. */
export function actedOn(type: string, data: Record<string, unknown>): string | undefined {
  const named = ACTS_ON_ID.test(type) ? data.id : type === 'evidence.added' || type === 'build-scope.added' ? data.decision : undefined;
  return typeof named === 'string' ? named : undefined;
}
