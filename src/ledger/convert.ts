// A version-1 ledger (one JSON file holding every event, numbered 1, 2, 3, ...) as events of today's
// format. The conversion is a pure function of the file's content: two clones that convert the same
// file make the same events, byte for byte, so their converted files merge into one. An event's id
// takes its time from the old event (stepped forward where the old clock stepped back) and its
// unique part from a hash of the old event; a reference by short id ("D-3") becomes a reference to
// the event that added that record, as the old ledger stood at that point.
import { asciiJson } from './json.js';
import { encodeBytes, nextEventId } from './clock.js';
import { fnv1a64 } from './hash.js';
import type { LedgerEvent } from './event-schema.js';
import { actedOn, NewerLedgerError } from './events.js';

/** Events converted from a version-1 ledger carry this replica name. */
export const V1_REPLICA = 'v1';

/** The hash each line of a replica's file carries of the line before it (hash.ts). */
export function lineHash(line: string): string {
  return fnv1a64(line);
}

function sha256(text: string): Buffer {
  const crypto = process.getBuiltinModule('node:crypto');
  return crypto.createHash('sha256').update(text, 'utf8').digest();
}

/** A short name for a version-1 file's content: the converted file is `v1-<this>.jsonl`. */
export function contentName(bytes: Buffer | string): string {
  return (typeof bytes === 'string' ? sha256(bytes) : sha256(bytes.toString('latin1'))).subarray(0, 6).toString('hex');
}

type Raw = Record<string, unknown> & { id: number; at: string; type: string; data: Record<string, unknown>; cycle: string | null };

/** Checks the outside of a version-1 file (the events are checked one by one after conversion). */
export function v1Events(data: unknown): Raw[] {
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error('not a ledger (expected an object with schemaVersion)');
  const file = data as { schemaVersion: unknown; events: unknown };
  if (file.schemaVersion === undefined) throw new Error('schemaVersion is missing');
  // Only a whole number names a version; "1", 1.5 or 1e999 is damage, not a ledger from a newer playbook.
  if (typeof file.schemaVersion !== 'number' || !Number.isSafeInteger(file.schemaVersion)) {
    throw new Error(`schemaVersion must be a whole number, not ${typeof file.schemaVersion === 'number' ? String(file.schemaVersion) : (JSON.stringify(file.schemaVersion) ?? typeof file.schemaVersion)}`);
  }
  if (file.schemaVersion > 2) {
    throw new NewerLedgerError(`the ledger was written by a newer version of playbook (schema ${file.schemaVersion}; this one reads up to 2); upgrade playbook to use it`);
  }
  if (file.schemaVersion !== 1) throw new Error(`schemaVersion ${file.schemaVersion} is not one this version knows`);
  if (!Array.isArray(file.events)) throw new Error('events must be a list');
  let last = 0;
  for (const [i, event] of (file.events as unknown[]).entries()) {
    const e = event as Partial<Raw> | null;
    const where = typeof e?.id === 'number' ? `event ${e.id}` : `event #${i + 1}`;
    if (!e || typeof e !== 'object' || Array.isArray(e)) throw new Error(`${where}: not an object`);
    if (typeof e.id !== 'number' || !Number.isSafeInteger(e.id) || e.id <= 0) throw new Error(`${where} (id): must be a positive whole number`);
    if (e.id <= last) throw new Error(`event ${e.id}: ids must increase (after ${last})`);
    last = e.id;
    if (typeof e.at !== 'string' || Number.isNaN(Date.parse(e.at))) throw new Error(`${where} (at): must be a date-time`);
    if (typeof e.type !== 'string') throw new Error(`${where} (type): must be a string`);
    if (!e.data || typeof e.data !== 'object' || Array.isArray(e.data)) throw new Error(`${where} (data): must be an object`);
    if (e.cycle !== null && typeof e.cycle !== 'string') throw new Error(`${where} (cycle): must be a string or null`);
  }
  return file.events as Raw[];
}


/**
 * The events of a version-1 ledger in today's format, oldest first. Throws with the first problem
 * and the old event's number, like the version-1 reader did.
 */
export function convertV1(data: unknown): LedgerEvent[] {
  const raws = v1Events(data);
  const ids = new Map<number, string>();
  /** cycle slug -> the id of the event that (last) started it. */
  const cycles = new Map<string, string>();
  /** `${cycle key}/${short id}` -> the id of the event that (last) added it. */
  const records = new Map<string, string>();
  let previous: string | undefined;
  const out: LedgerEvent[] = [];
  for (const raw of raws) {
    const unique = encodeBytes(sha256(asciiJson(raw) ?? ''));
    const id = nextEventId(previous, Date.parse(raw.at), unique);
    previous = id;
    ids.set(raw.id, id);
    const data = { ...raw.data };
    let cycle: string | null = null;
    if (raw.type === 'cycle.created') {
      const slug = (data.cycle as { id?: unknown } | undefined)?.id;
      if (typeof slug === 'string') cycles.set(slug, id);
      cycle = id;
    } else if (raw.cycle !== null) {
      // An event naming a cycle never started was ignored by version 1, as it is now.
      cycle = cycles.get(raw.cycle) ?? null;
    }
    const event = { id, replica: V1_REPLICA, seq: raw.id, at: raw.at, actor: raw.actor, command: raw.command, cycle, type: raw.type, data } as Record<string, unknown>;
    if (raw.type.endsWith('.added') && typeof data.id === 'string') records.set(`${cycle}/${data.id}`, id);
    const target = actedOn(raw.type, data);
    if (target !== undefined) {
      const rec = records.get(`${cycle}/${target}`);
      if (rec !== undefined) event.rec = rec;
    }
    if (raw.type === 'blocker.added' && typeof data.decision === 'string') {
      const link = records.get(`${cycle}/${data.decision}`);
      if (link !== undefined) event.link = link;
    }
    if (raw.type === 'undo') {
      const undone = ids.get(data.target as number);
      if (undone === undefined) throw new Error(`event ${raw.id} (data.target): no event ${String(data.target)} before it`);
      data.target = undone;
    }
    if (raw.answer !== undefined) event.answer = raw.answer;
    out.push(event as unknown as LedgerEvent);
  }
  return out;
}
