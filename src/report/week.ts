// ISO weeks (Monday to Sunday) computed in the chosen time zone: `2026-W47` in Berlin starts at
// midnight Berlin time, and a week that crosses a daylight-saving change is 167 or 169 hours long.
import { addWeeks } from 'date-fns/addWeeks';
import { getISOWeek } from 'date-fns/getISOWeek';
import { getISOWeekYear } from 'date-fns/getISOWeekYear';
import { startOfISOWeek } from 'date-fns/startOfISOWeek';
import { dayOf, zoned, zonedAt } from '../dates.js';
import { usageError } from '../errors.js';

export interface IsoWeek {
  /** "2026-W47" */
  id: string;
  year: number;
  number: number;
  /** Monday 00:00 in the zone, as an instant. */
  start: Date;
  /** The next Monday 00:00 in the zone: the week is [start, end). */
  end: Date;
  /** The week's first and last calendar day, YYYY-MM-DD. */
  firstDay: string;
  lastDay: string;
}

const HINT = 'weeks look like 2026-W47 (ISO 8601: Monday to Sunday, W01 holds the year\'s first Thursday); also: this, last, next';

/** How many ISO weeks a year has: 52, or 53 when it starts or (in a leap year) ends on a Thursday. */
export function isoWeeksInYear(year: number): number {
  // 28 December is always in the last ISO week of its year.
  return getISOWeek(new Date(year, 11, 28));
}

/** The ISO week `number` of `year`, in the zone. The caller has checked that it exists. */
export function isoWeek(year: number, number: number, tz: string): IsoWeek {
  // 4 January is always in week 1.
  const first = startOfISOWeek(zonedAt(year, 0, 4, 0, 0, 0, tz));
  const start = addWeeks(first, number - 1);
  const end = addWeeks(first, number);
  return {
    id: `${year}-W${String(number).padStart(2, '0')}`,
    year,
    number,
    start: new Date(start.getTime()),
    end: new Date(end.getTime()),
    firstDay: dayOf(start, tz),
    lastDay: dayOf(new Date(end.getTime() - 1), tz),
  };
}

/** The ISO week an instant falls in, in the zone. */
export function weekOf(instant: Date, tz: string): IsoWeek {
  const d = zoned(instant.getTime(), tz);
  return isoWeek(getISOWeekYear(d), getISOWeek(d), tz);
}

/** The week `offset` weeks after `week` (negative: before). */
export function shiftWeek(week: IsoWeek, offset: number, tz: string): IsoWeek {
  const d = addWeeks(zoned(week.start.getTime(), tz), offset);
  return weekOf(new Date(d.getTime() + 12 * 3600_000), tz);
}

/** Parses `--week`: 2026-W47 (or 2026w47), this, last or next. */
export function parseWeek(input: string, now: Date, tz: string): IsoWeek {
  const text = input.trim();
  const current = weekOf(now, tz);
  if (/^(this|current)$/i.test(text)) return current;
  if (/^(last|previous)$/i.test(text)) return shiftWeek(current, -1, tz);
  if (/^next$/i.test(text)) return shiftWeek(current, 1, tz);
  const m = /^(\d{4})-?W(\d{1,2})$/i.exec(text);
  if (!m) throw usageError(`--week "${input}" is not an ISO week like 2026-W47`, HINT);
  const year = Number(m[1]);
  const number = Number(m[2]);
  if (year < 1970) throw usageError(`--week "${input}": the year must be 1970 or later`);
  const weeks = isoWeeksInYear(year);
  if (number < 1 || number > weeks) {
    throw usageError(`--week "${input}": ${year} has ISO weeks W01 to W${weeks}, so there is no week ${String(number).padStart(2, '0')}`, HINT);
  }
  return isoWeek(year, number, tz);
}
