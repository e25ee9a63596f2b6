// Checks of a single typed or file answer: text, one owner, a number, yes or no, a list, a blocker's
// new due time, a decision's entry into build scope.
// They import nothing heavy, so the flag-parsing commands share them without loading the session.
import { numberIn } from '../metric-values.js';
import { parseWhen, shortTime } from '../dates.js';
import type { Blocker, Cycle } from '../ledger/state.js';
import { namesMoreThanOne } from '../names.js';

/** The answer is wrong; `field` says which part, so the prompt can ask for it again. */
export class AnswerError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function asText(value: unknown, label: string, field?: string, max = 2000): string {
  if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
  if (typeof value !== 'string' || value.trim() === '') throw new AnswerError(`${label} must not be empty`, field);
  const t = value.trim();
  if (t.length > max) throw new AnswerError(`${label} is ${t.length} characters; at most ${max}`, field);
  return t;
}

export function asOwner(value: unknown, label: string, field?: string): string {
  const t = asText(value, label, field, 200);
  if (namesMoreThanOne(t)) throw new AnswerError(`${label} "${t}" names more than one person; give exactly one owner`, field);
  return t;
}

export function asNumber(value: unknown, label: string, field?: string): number {
  const n = typeof value === 'number' ? value + 0 : typeof value === 'string' ? numberIn(value) : NaN;
  if (!Number.isFinite(n)) throw new AnswerError(`${label} must be a number${value === undefined ? '' : `, not "${String(value)}"`}`, field);
  return n;
}

export function asBoolean(value: unknown, label: string, field?: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(y|yes|true)$/i.test(value.trim())) return true;
  if (typeof value === 'string' && /^(n|no|false)$/i.test(value.trim())) return false;
  throw new AnswerError(`${label} must be yes or no`, field);
}

export function asList(value: unknown, label: string, field?: string): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? [value] : undefined;
  if (!items) throw new AnswerError(`${label} must be a list`, field);
  return items.map((v, i) => asText(v, `${label} item ${i + 1}`, field));
}

/** The new due time of an extension: a date or time after both now and the blocker's current due time. */
export function extendedDue(b: Blocker, typed: string, now: Date, tz: string): Date {
  let due: Date;
  try {
    due = parseWhen(typed, now, tz, 'due');
  } catch {
    throw new AnswerError(`"${typed}" is not a date or time (try +48h, friday, 2026-12-04T17:00)`, 'due');
  }
  if (due.getTime() <= now.getTime()) throw new AnswerError(`the new due time "${typed}" is already past`, 'due');
  if (due.getTime() <= Date.parse(b.due)) throw new AnswerError(`the new due time "${typed}" is not later than ${b.id}'s current one (${shortTime(new Date(b.due), tz)})`, 'due');
  return due;
}

/**
 * Why a decision cannot enter build scope, or null when it can: it must exist, not be in build
 * scope yet, have testable acceptance criteria and its owner's approval (given now or before).
 */
export function buildScopeProblem(f: { cycle: Cycle }, id: string, approvedNow: boolean): AnswerError | null {
  const d = f.cycle.decisions.get(id);
  if (!d) return new AnswerError(`there is no decision ${id} in this cycle`, 'decision');
  if (d.buildScope) return new AnswerError(`${id} is already in build scope`, 'decision');
  if (d.criteria.length === 0) return new AnswerError(`${id} has no testable acceptance criteria, so it cannot enter build scope`, 'decision');
  if (!d.approved && !approvedNow) return new AnswerError(`${id} has no approval from its owner (${d.owner}), so it cannot enter build scope`, 'approved');
  return null;
}
