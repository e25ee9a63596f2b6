// Reading the ledger file: a version number and the list of events. Every change a user makes
// is one event; the current state is derived from them (state.ts). Events are checked by a
// validator generated from the zod schema in event-schema.ts, so no command loads zod.
import type { LedgerEvent } from './event-schema.js';
import { LEDGER_SCHEMA_VERSION } from './constants.js';
import { validateEvent, type ValidationError } from './validate-ledger.generated.js';

export { FIELD_NAMES, LEDGER_SCHEMA_VERSION, type FieldName } from './constants.js';
export type { CycleSnapshot, EventData, EventType, LedgerEvent, NewEvent } from './event-schema.js';

export interface LedgerFile {
  schemaVersion: number;
  events: LedgerEvent[];
}

/** Older ledgers are brought up to date on read, one version at a time. */
const MIGRATIONS: Record<number, (old: { schemaVersion: number; events: unknown[] }) => { schemaVersion: number; events: unknown[] }> = {};

export class NewerLedgerError extends Error {}

/**
 * Validates parsed JSON as a ledger; throws with the first problem and where it is. `known`: the
 * bytes are those of a file already checked in full (checked.ts), so each event need not be again.
 */
export function parseLedger(data: unknown, known = false): LedgerFile {
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error('not a ledger (expected an object with schemaVersion and events)');
  let file = data as { schemaVersion: unknown; events: unknown };
  if (file.schemaVersion === undefined) throw new Error('schemaVersion is missing');
  // Only a whole number names a version; "1", 1.5 or 1e999 is damage, not a ledger from a newer playbook.
  if (typeof file.schemaVersion !== 'number' || !Number.isSafeInteger(file.schemaVersion)) {
    throw new Error(`schemaVersion must be a whole number, not ${typeof file.schemaVersion === 'number' ? String(file.schemaVersion) : JSON.stringify(file.schemaVersion) ?? typeof file.schemaVersion}`);
  }
  if (file.schemaVersion > LEDGER_SCHEMA_VERSION) {
    throw new NewerLedgerError(
      `the ledger was written by a newer version of playbook (schema ${file.schemaVersion}; this one reads up to ${LEDGER_SCHEMA_VERSION}); upgrade playbook to use it`,
    );
  }
  const migrated = file.schemaVersion !== LEDGER_SCHEMA_VERSION;
  while ((file.schemaVersion as number) < LEDGER_SCHEMA_VERSION) {
    const migrate = MIGRATIONS[file.schemaVersion as number];
    if (!migrate) throw new Error(`schemaVersion ${String(file.schemaVersion)} is not one this version knows`);
    file = migrate(file as { schemaVersion: number; events: unknown[] });
  }
  if (!Number.isInteger(file.schemaVersion)) throw new Error('schemaVersion must be a whole number');
  if (!Array.isArray(file.events)) throw new Error('events must be a list');
  if (known && !migrated) return { schemaVersion: LEDGER_SCHEMA_VERSION, events: file.events as LedgerEvent[] };
  for (const [i, event] of (file.events as unknown[]).entries()) {
    if (!validateEvent(event)) {
      const id = (event as { id?: unknown } | null)?.id;
      throw new Error(`event ${typeof id === 'number' ? id : `#${i + 1}`}${describeError(validateEvent.errors?.[0])}`);
    }
  }
  const events = file.events as LedgerEvent[];
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.id <= events[i - 1]!.id) throw new Error(`event ${events[i]!.id}: ids must increase (after ${events[i - 1]!.id})`);
  }
  return { schemaVersion: LEDGER_SCHEMA_VERSION, events };
}

/** Validates one new event before it is appended. */
export function checkEvent(event: LedgerEvent): void {
  if (!validateEvent(event)) throw new Error(`invalid ${event.type} event${describeError(validateEvent.errors?.[0])}`);
}

/** Where in an event the first problem is ("data.owner"), and what it is. */
function describeError(error: ValidationError | undefined): string {
  if (!error) return ': invalid';
  const path = error.instancePath.slice(1).replace(/\//g, '.');
  let message = error.message ?? error.keyword;
  if (error.keyword === 'required') message = `"${String(error.params.missingProperty)}" is missing`;
  if (error.keyword === 'discriminator') message = `unknown event type ${JSON.stringify(error.params.tagValue ?? null)}`;
  if (error.keyword === 'pattern') message = 'has the wrong format';
  if (error.keyword === 'enum') message = `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  return `${path ? ` (${path})` : ''}: ${message}`;
}
