// The ledger file: a version number and the list of events. Every change a user makes is one
// event; the current state is derived from them (state.ts). This schema validates what is read.
import * as z from 'zod';
import { STEP_IDS } from '../playbook/schema.js';

export const LEDGER_SCHEMA_VERSION = 1;

const str = z.string().max(10_000);
const name = z.string().min(1).max(200);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const instant = z.string().datetime({ offset: true });
const level = z.enum(['low', 'medium', 'high']);
const decisionId = z.string().regex(/^D-\d+$/);
const blockerId = z.string().regex(/^B-\d+$/);
const riskId = z.string().regex(/^R-\d+$/);
const checkpointId = z.string().regex(/^C-\d+$/);
const step = z.enum(STEP_IDS);

const cycleSnapshot = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  name: name,
  playbook: z.object({ id: z.string(), title: str, industry: z.string(), role: z.string() }),
  cadence: z.object({ reviewWindowDays: z.number(), reviewEveryDays: z.number(), blockerWindowHours: z.number() }),
  steps: z.array(z.object({ id: step, title: str })),
  checklist: z.array(z.object({ id: z.string(), text: str })),
  metrics: z.array(
    z.object({ id: z.string(), name: str, unit: z.string(), direction: z.enum(['up', 'down']), targetSignal: str }),
  ),
});
export type CycleSnapshot = z.infer<typeof cycleSnapshot>;

export const FIELD_NAMES = ['outcome', 'inScope', 'outOfScope', 'filter', 'windowStart', 'windowEnd', 'postLaunchOwner'] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

/** Each event type and what it carries. */
export const eventData = {
  'cycle.created': z.object({ cycle: cycleSnapshot }),
  'cycle.selected': z.object({ cycle: z.string() }),
  'cycle.field': z.object({ field: z.enum(FIELD_NAMES), value: z.union([str, z.array(str)]) }),
  /** `due` may be missing when the session deferred it; the ownership gate then asks for it. */
  'decision.added': z.object({ id: decisionId, title: name, owner: name, due: day.optional(), criteria: z.array(str) }),
  'decision.updated': z.object({ id: decisionId, owner: name.optional(), due: day.optional(), criteria: z.array(str).optional() }),
  'decision.approved': z.object({ id: decisionId }),
  'decision.closed': z.object({ id: decisionId, note: str.optional() }),
  'decision.reopened': z.object({ id: decisionId, note: str.optional() }),
  'evidence.added': z.object({ decision: decisionId, evidence: str, meets: z.boolean(), criterion: str.optional() }),
  'build-scope.added': z.object({ decision: decisionId, constraints: str, behaviour: str, metric: z.string(), target: z.number() }),
  'blocker.added': z.object({ id: blockerId, title: name, owner: name, due: instant, fallback: str, decision: decisionId.optional() }),
  'blocker.resolved': z.object({ id: blockerId, note: str.optional() }),
  'blocker.escalated': z.object({ id: blockerId, note: str.optional() }),
  'blocker.extended': z.object({ id: blockerId, due: instant, reason: str }),
  'risk.added': z.object({ id: riskId, title: name, impact: level, cost: level, mitigation: str, owner: name }),
  'risk.updated': z.object({ id: riskId, mitigation: str.optional(), owner: name.optional() }),
  'risk.closed': z.object({ id: riskId, note: str.optional() }),
  'metric.planned': z.object({ metric: z.string(), baseline: z.number(), target: z.number() }),
  'metric.recorded': z.object({ metric: z.string(), value: z.number(), at: instant, note: str.optional() }),
  'checklist.done': z.object({ item: z.string() }),
  'checkpoint.added': z.object({ id: checkpointId, title: name, kind: z.enum(['weekly', 'midpoint', 'retrospective']), date: day, owner: name }),
  'note.added': z.object({ step, question: z.string(), value: z.union([str, z.number(), z.boolean(), z.array(str)]) }),
  /** A question of the session was answered in full (a records question closed with "no more"). */
  'answer.completed': z.object({ step, question: z.string() }),
  /** A step's gate held and the session moved on. */
  'step.passed': z.object({ step }),
  'undo': z.object({ target: z.number().int().positive() }),
} as const;

export type EventType = keyof typeof eventData;
export type EventData<T extends EventType> = z.infer<(typeof eventData)[T]>;

const envelope = {
  id: z.number().int().positive(),
  at: instant,
  actor: name,
  command: z.string().max(500),
  cycle: z.string().nullable(),
  /** The session question this event answers, when it came from one. */
  answer: z.object({ step, question: z.string() }).optional(),
};

const eventSchema = z.discriminatedUnion(
  'type',
  Object.entries(eventData).map(([type, data]) => z.object({ ...envelope, type: z.literal(type), data })) as unknown as [
    z.ZodObject<{ type: z.ZodLiteral<string> }>,
    ...z.ZodObject<{ type: z.ZodLiteral<string> }>[],
  ],
);

export type LedgerEvent = {
  [T in EventType]: {
    id: number;
    at: string;
    actor: string;
    command: string;
    cycle: string | null;
    answer?: { step: (typeof STEP_IDS)[number]; question: string };
    type: T;
    data: EventData<T>;
  };
}[EventType];

export type NewEvent = { [T in EventType]: { type: T; data: EventData<T>; cycle?: string | null; answer?: LedgerEvent['answer'] } }[EventType];

export interface LedgerFile {
  schemaVersion: number;
  events: LedgerEvent[];
}

const ledgerSchema = z.object({ schemaVersion: z.number().int(), events: z.array(eventSchema) });

/** Older ledgers are brought up to date on read, one version at a time. */
const MIGRATIONS: Record<number, (old: { schemaVersion: number; events: unknown[] }) => { schemaVersion: number; events: unknown[] }> = {};

export class NewerLedgerError extends Error {}

/** Validates parsed JSON as a ledger; throws with the first problem and where it is. */
export function parseLedger(data: unknown): LedgerFile {
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error('not a ledger (expected an object with schemaVersion and events)');
  let file = data as { schemaVersion: unknown; events: unknown };
  if (typeof file.schemaVersion !== 'number') throw new Error('schemaVersion is missing');
  if (file.schemaVersion > LEDGER_SCHEMA_VERSION) {
    throw new NewerLedgerError(
      `the ledger was written by a newer version of playbook (schema ${file.schemaVersion}; this one reads up to ${LEDGER_SCHEMA_VERSION}); upgrade playbook to use it`,
    );
  }
  while ((file.schemaVersion as number) < LEDGER_SCHEMA_VERSION) {
    const migrate = MIGRATIONS[file.schemaVersion as number];
    if (!migrate) throw new Error(`schemaVersion ${String(file.schemaVersion)} is not one this version knows`);
    file = migrate(file as { schemaVersion: number; events: unknown[] });
  }
  const result = ledgerSchema.safeParse(file);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.join('.');
    let where = path;
    if (issue.path[0] === 'events' && typeof issue.path[1] === 'number') {
      const raw = (file.events as { id?: unknown }[])[issue.path[1]];
      where = `event ${typeof raw?.id === 'number' ? raw.id : `#${issue.path[1] + 1}`}${issue.path.length > 2 ? ` (${issue.path.slice(2).join('.')})` : ''}`;
    }
    throw new Error(`${where}: ${issue.message}`);
  }
  const events = result.data.events as LedgerEvent[];
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.id <= events[i - 1]!.id) throw new Error(`event ${events[i]!.id}: ids must increase (after ${events[i - 1]!.id})`);
  }
  return { schemaVersion: LEDGER_SCHEMA_VERSION, events };
}

/** Validates one new event before it is appended. */
export function checkEvent(event: LedgerEvent): void {
  eventSchema.parse(event);
}
