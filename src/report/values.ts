// Numbers as a summary shows them: "72%", "19 days", "–" for no value; and a few words like them.
import { dayLabel } from '../dates.js';
import type { OpenDecision } from '../ledger/agenda.js';

export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(2)));
}

export function formatValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined) return '–';
  const n = formatNumber(value);
  if (unit === '%') return `${n}%`;
  return unit ? `${n} ${unit}` : n;
}

/** "7 days late, due Fri 13 Nov", "due Thu 26 Nov", "no due date": how an open decision stands, in words. */
export function decisionStanding(d: OpenDecision): string {
  if (d.due === null) return 'no due date';
  if (d.overdue) return `${plural(d.daysLate ?? 0, 'day')} late, due ${dayLabel(d.due)}`;
  return `due ${dayLabel(d.due)}`;
}

/** "1 blocker", "3 blockers". */
export function plural(count: number, noun: string, many = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : many}`;
}

/** Cuts text to at most `max` characters (not splitting a surrogate pair), marking the cut with "…". */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}
