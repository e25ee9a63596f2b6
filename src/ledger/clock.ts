// Event ids: 26 characters of Crockford base32, sortable as text. The first 10 hold a time in
// milliseconds, the last 16 eighty bits that make the id unique (random for a new event, a hash
// for an event converted from a version-1 ledger). The time is a hybrid logical clock: the larger of
// the wall clock and one more than the newest id the writer has read or written, so an event sorts
// after everything its writer had seen even when the machine's clock steps back, and every clone
// that holds the same events puts them in the same order.
//
// Twenty-five lines of our own rather than a ULID library: a library's monotonic factory only knows
// the ids of its own process, while the clock here must also step past the ids read from teammates.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
export const EVENT_ID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** The time part of an event id, in milliseconds since the epoch. */
export function idTime(id: string): number {
  let ms = 0;
  for (let i = 0; i < TIME_CHARS; i++) ms = ms * 32 + ALPHABET.indexOf(id[i]!);
  return ms;
}

/** The ten characters an id made at `ms` starts with: ids compare as their times do. */
export function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < TIME_CHARS; i++, ms = Math.floor(ms / 32)) out = ALPHABET[ms % 32]! + out;
  return out;
}

/** Sixteen base32 characters from the first ten bytes. */
export function encodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < 10; i += 5) {
    // Five bytes are forty bits: eight characters.
    let bits = 0n;
    for (let j = 0; j < 5; j++) bits = (bits << 8n) | BigInt(bytes[i + j]!);
    for (let k = 7; k >= 0; k--) out += ALPHABET[Number((bits >> BigInt(k * 5)) & 31n)];
  }
  return out;
}

/**
 * The id of an event written at `nowMs` by a writer whose newest known id is `after` (or none):
 * its time is never earlier than the wall clock and always later than `after`.
 */
export function nextEventId(after: string | undefined, nowMs: number, unique: string): string {
  const time = Math.max(nowMs, after === undefined ? 0 : idTime(after) + 1);
  return encodeTime(time) + unique;
}

/**
 * Eighty random bits for a new event id, or a replica's name (lower case, 16 characters). They must
 * be unique, not secret: two writers would also need the same millisecond to clash. Math.random
 * (V8 seeds it from the system's entropy) serves, as for the store's temporary names; Web Crypto's
 * getRandomValues cost every write about a millisecond to load.
 */
export function randomPart(): string {
  const bytes = new Uint8Array(10);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return encodeBytes(bytes);
}

/** The part of an id people see and type (`log`, `undo`): eight characters of its unique part, lower case. */
export function shortEventId(id: string): string {
  return id.slice(TIME_CHARS, TIME_CHARS + 8).toLowerCase();
}
