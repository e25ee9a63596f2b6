// Dates as people type them in a meeting: ISO dates and times, today, tomorrow, +48h, +3d,
// next friday. Everything is computed in the chosen time zone.
import { addDays } from 'date-fns/addDays';
import { addHours } from 'date-fns/addHours';
import { addWeeks } from 'date-fns/addWeeks';
import { endOfDay } from 'date-fns/endOfDay';
import { startOfDay } from 'date-fns/startOfDay';
import { usageError } from './errors.js';
import { dateIn, isSystem } from './zones.js';

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const WEEKDAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A Date whose getters and date-fns arithmetic work in `tz`. */
export function zoned(ms: number, tz: string): Date {
  if (isSystem(tz)) return new Date(ms);
  return dateIn(tz, ms);
}

/** The moment a wall-clock time in `tz` names (month from 0, as Date has it). */
export function zonedAt(y: number, mo: number, d: number, h: number, mi: number, s: number, tz: string): Date {
  if (isSystem(tz)) return new Date(y, mo, d, h, mi, s);
  return dateIn(tz, y, mo, d, h, mi, s);
}

const HINT = 'dates look like 2026-11-27, 2026-11-27T15:00, today, tomorrow, +48h, +3d, +2w or next friday';

/** A calendar day, YYYY-MM-DD, in the zone. */
export function dayOf(instant: Date, tz: string): string {
  return ymd(zoned(instant.getTime(), tz));
}

function ymd(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Parses a moment. A bare day means its end (23:59:59.999) when `end` is set, else its start. */
export function parseWhen(input: string, now: Date, tz: string, what = 'date', end = true): Date {
  const text = input.trim().toLowerCase();
  const base = zoned(now.getTime(), tz);
  const edge = (d: Date) => new Date((end ? endOfDay(d) : startOfDay(d)).getTime());
  let m: RegExpExecArray | null;
  if (text === 'now') return new Date(now.getTime());
  if (text === 'today') return edge(base);
  if (text === 'tomorrow') return edge(addDays(base, 1));
  if (text === 'yesterday') return edge(addDays(base, -1));
  if ((m = /^([+-])(\d{1,4})\s*(h|d|w)$/.exec(text))) {
    const n = Number(m[2]) * (m[1] === '-' ? -1 : 1);
    if (m[3] === 'h') return new Date(addHours(base, n).getTime());
    return edge(m[3] === 'd' ? addDays(base, n) : addWeeks(base, n));
  }
  if ((m = /^(next\s+)?(sunday|monday|tuesday|wednesday|thursday|friday|saturday)$/.exec(text))) {
    const target = DAYS.indexOf(m[2]!);
    let ahead = (target - base.getDay() + 7) % 7;
    if (ahead === 0) ahead = 7;
    return edge(addDays(base, ahead));
  }
  if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text))) {
    const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
    const day = zonedAt(y, mo - 1, d, 0, 0, 0, tz);
    if (day.getFullYear() !== y || day.getMonth() !== mo - 1 || day.getDate() !== d) throw badDate(input, what);
    return edge(day);
  }
  if ((m = /^(\d{4})-(\d{2})-(\d{2})[t ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text))) {
    const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
    const at = zonedAt(y, mo - 1, d, h, mi, s, tz);
    if (at.getMonth() !== mo - 1 || at.getDate() !== d || h > 23 || mi > 59 || s > 59) throw badDate(input, what);
    return new Date(at.getTime());
  }
  if ((m = /^(\d{4})-(\d{2})-(\d{2})t(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})$/.exec(text))) {
    // Date() rolls 2026-02-30 over to 2 March instead of refusing it: check the fields first.
    const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
    const day = new Date(Date.UTC(y, mo - 1, d));
    const valid = day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d && h <= 23 && mi <= 59 && s <= 59;
    const at = new Date(input.trim());
    if (valid && !Number.isNaN(at.getTime())) return at;
  }
  throw badDate(input, what);
}

/** Parses a calendar day (YYYY-MM-DD) in the zone. */
export function parseDay(input: string, now: Date, tz: string, what = 'date'): string {
  return dayOf(parseWhen(input, now, tz, what, false), tz);
}

function badDate(input: string, what: string) {
  return usageError(`${what} "${input}" is not a date I understand`, HINT);
}

/** "3d 4h", "5h", "12m": a short span for tables. */
export function span(ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return `${hours}h`;
  return `${minutes % 60}m`;
}

/** "Wed 25 Nov 09:00" in the zone. */
export function shortTime(instant: Date, tz: string): string {
  const d = zoned(instant.getTime(), tz);
  return `${WEEKDAY[d.getDay()]} ${pad(d.getDate())} ${MONTH[d.getMonth()]} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "Tue 24 Nov" for a calendar day (YYYY-MM-DD). */
export function dayLabel(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return `${WEEKDAY[date.getUTCDay()]} ${pad(d)} ${MONTH[m - 1]}`;
}

/** "2026-11-25 09:00" in the zone, for logs. */
export function stamp(instant: Date, tz: string): string {
  const d = zoned(instant.getTime(), tz);
  return `${ymd(d)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
