// The ledger's events: the single source of truth for what an event holds. Commands never load
// this at run time: the build turns it into a JSON Schema and a precompiled validator
// (validate-ledger.generated.js, see scripts/generate-validators.mjs), and the types come from it.
import * as z from 'zod';
import { STEP_IDS } from '../steps.js';
import { CHECKPOINT_KINDS, FIELD_NAMES } from './constants.js';

export { FIELD_NAMES, LEDGER_SCHEMA_VERSION, type FieldName } from './constants.js';

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
const metricId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/);
/**
 * An event id (clock.ts): the time it sorts by, then sixteen characters that make it unique. The
 * time starts with 0-7 (at most 2^48 ms, the year 10889): the clock then never runs out of digits.
 */
const eventId = z.string().regex(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
/** The replica that wrote an event: a clone, or a synced folder on one machine ("v1": converted from a version-1 ledger). */
const replica = z.string().regex(/^[0-9a-z][0-9a-z-]{0,63}$/);

const cycleSnapshot = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  name: name,
  playbook: z.object({ id: z.string(), title: str, industry: z.string(), role: z.string() }),
  // Bounded as the playbook format bounds them: date arithmetic on them cannot leave the calendar.
  cadence: z.object({ reviewWindowDays: z.number().int().min(1).max(366), reviewEveryDays: z.number().int().min(1).max(31), blockerWindowHours: z.number().int().min(1).max(24 * 60) }),
  steps: z.array(z.object({ id: step, title: str })),
  checklist: z.array(z.object({ id: z.string(), text: str })),
  metrics: z.array(
    z.object({ id: z.string(), name: str, unit: z.string(), direction: z.enum(['up', 'down']), targetSignal: str }),
  ),
});
export type CycleSnapshot = z.infer<typeof cycleSnapshot>;


/** Each event type and what it carries. */
export const eventData = {
  'cycle.created': z.object({ cycle: cycleSnapshot }),
  'cycle.selected': z.object({ cycle: z.string() }),
  'cycle.field': z.object({ field: z.enum(FIELD_NAMES), value: z.union([str, z.array(str)]) }),
  /** `due` may be missing when the session deferred it; the ownership gate then asks for it. */
  'decision.added': z.object({ id: decisionId, title: name, owner: name, due: day.optional(), criteria: z.array(str) }),
  'decision.updated': z.object({ id: decisionId, title: name.optional(), owner: name.optional(), due: day.optional(), criteria: z.array(str).optional() }),
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
  'risk.updated': z.object({ id: riskId, impact: level.optional(), cost: level.optional(), mitigation: str.optional(), owner: name.optional() }),
  'risk.closed': z.object({ id: riskId, note: str.optional() }),
  /** A metric of the team's own, beside the playbook's (the cycle's outcome metric, a segment target), with its baseline and target. */
  'metric.added': z.object({ metric: metricId, name: name, unit: z.string().min(1).max(40), direction: z.enum(['up', 'down']), baseline: z.number(), target: z.number(), targetSignal: str.optional() }),
  'metric.planned': z.object({ metric: z.string(), baseline: z.number(), target: z.number() }),
  'metric.recorded': z.object({ metric: z.string(), value: z.number(), at: instant, note: str.optional() }),
  'checklist.done': z.object({ item: z.string() }),
  'checkpoint.added': z.object({ id: checkpointId, title: name, kind: z.enum(CHECKPOINT_KINDS), date: day, owner: name }),
  'checkpoint.held': z.object({ id: checkpointId, note: str.optional() }),
  'checkpoint.missed': z.object({ id: checkpointId, note: str.optional() }),
  'note.added': z.object({ step, question: z.string(), value: z.union([str, z.number(), z.boolean(), z.array(str)]) }),
  /** A question of the session was answered in full (a records question closed with "no more"). */
  'answer.completed': z.object({ step, question: z.string() }),
  /** A step's gate held and the session moved on. */
  'step.passed': z.object({ step }),
  'undo': z.object({ target: eventId }),
} as const;

export type EventType = keyof typeof eventData;
export type EventData<T extends EventType> = z.infer<(typeof eventData)[T]>;

const envelope = {
  id: eventId,
  replica,
  /** The event's place in its replica's own file: 1, 2, 3, ... */
  seq: z.number().int().positive(),
  /** The hash (FNV-1a, 64 bits) of the line before it in its replica's file (none for the first, nor for converted events). */
  prev: z.string().regex(/^[0-9a-f]{16}$/).optional(),
  at: instant,
  actor: name,
  command: z.string().max(500),
  /** The cycle: the id of the event that started it (a cycle.created event names itself). */
  cycle: eventId.nullable(),
  /** The record the event acts on: the id of the event that added it. */
  rec: eventId.optional(),
  /** The newest events on that record the writer had seen (its heads): a change that did not see another is concurrent with it. */
  after: z.array(eventId).min(1).max(64).optional(),
  /** A record the event links to (a blocker's decision). */
  link: eventId.optional(),
  /** How many events of the same change follow this one: a change is read whole or not at all. */
  more: z.number().int().positive().optional(),
  /** The session question this event answers, when it came from one. */
  answer: z.object({ step, question: z.string() }).optional(),
};

export const eventSchema = z.discriminatedUnion(
  'type',
  Object.entries(eventData).map(([type, data]) => z.object({ ...envelope, type: z.literal(type), data })) as unknown as [
    z.ZodObject<{ type: z.ZodLiteral<string> }>,
    ...z.ZodObject<{ type: z.ZodLiteral<string> }>[],
  ],
);

export type LedgerEvent = {
  [T in EventType]: {
    id: string;
    replica: string;
    seq: number;
    prev?: string;
    at: string;
    actor: string;
    command: string;
    cycle: string | null;
    rec?: string;
    after?: string[];
    link?: string;
    more?: number;
    answer?: { step: (typeof STEP_IDS)[number]; question: string };
    type: T;
    data: EventData<T>;
  };
}[EventType];

export type NewEvent = { [T in EventType]: { type: T; data: EventData<T>; cycle?: string | null; answer?: LedgerEvent['answer'] } }[EventType];

/** The small file at the ledger's path; the events live beside it, one file per replica. */
export const ledgerSchema = z.object({ schemaVersion: z.literal(2) });
