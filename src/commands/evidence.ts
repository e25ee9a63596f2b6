import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { asBoolean } from '../flow/answer-checks.js';
import { commit, selectCycle } from '../ledger/ledger.js';
import type { Decision } from '../ledger/state.js';
import { oneLine } from '../terminal.js';
import { asUsage, find, text } from './common.js';

/**
 * Records what was checked for a decision and whether it meets an acceptance criterion, named by
 * its number in the decision's list or by its text.
 */
export function add(ctx: Context, [decision, evidence]: [string, string], opts: { criterion?: string; meets?: string }): void {
  const what = text(evidence, 'the evidence', 2000);
  const meets = asUsage(() => asBoolean(opts.meets, '--meets'));
  let line = '';
  commit(ctx, (state) => {
    const d = find(selectCycle(ctx, state), 'decision', decision);
    const criterion = criterionOf(d, text(opts.criterion, '--criterion', 1000));
    line = `evidence added to ${d.id} (${meets ? 'meets' : 'does not meet'} "${oneLine(criterion)}")`;
    return [{ type: 'evidence.added', data: { decision: d.id, evidence: what, meets, criterion } }];
  });
  ctx.print(line);
}

/**
 * "2": the decision's second criterion; words: the one criterion they are, or are part of. A decision
 * without criteria takes the words as they are; one with criteria takes only one of them.
 */
function criterionOf(d: Decision, typed: string): string {
  const listed = d.criteria.map((c, i) => `${i + 1}. ${oneLine(c)}`).join('; ');
  const none = `${d.id} has no criteria yet; name one in words, or add them with \`playbook decision edit ${d.id} --criteria "..."\``;
  if (/^\d+$/.test(typed)) {
    const n = Number(typed);
    if (n < 1 || n > d.criteria.length) throw usageError(`${d.id} has no criterion ${n}`, listed ? `its criteria: ${listed}` : none);
    return d.criteria[n - 1]!;
  }
  if (d.criteria.length === 0) return typed;
  const words = typed.toLowerCase();
  const exact = d.criteria.find((c) => c.toLowerCase() === words);
  if (exact !== undefined) return exact;
  const matches = d.criteria.filter((c) => c.toLowerCase().includes(words));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw usageError(`no criterion of ${d.id} reads "${oneLine(typed)}"`, `its criteria: ${listed}; name one by its number`);
  throw usageError(`"${oneLine(typed)}" is in ${matches.length} criteria of ${d.id}`, `its criteria: ${listed}; name one by its number`);
}
