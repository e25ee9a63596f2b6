// One line per event, in the user's words, for the audit trail and for undo.
import { stamp } from '../dates.js';
import { shortEventId } from './clock.js';
import type { LedgerEvent } from './events.js';

/**
 * The event in a line. `tz`: the zone a blocker's due time is shown in, as the event times are.
 * `names`: records by key, to show the short id a record has now (D-3a when two clones claimed D-3).
 */
export function describeEvent(e: LedgerEvent, tz: string, names?: Map<string, { id: string }>): string {
  const at = (instant: string) => stamp(new Date(instant), tz);
  // The record's short id now, in place of the one it was given (not a copy of the event: log names
  // 100,000 of them).
  const named = names?.get(e.rec ?? e.id)?.id;
  switch (e.type) {
    case 'cycle.created':
      return `started cycle ${e.data.cycle.id} from ${e.data.cycle.playbook.id}`;
    case 'cycle.selected':
      return `switched to cycle ${e.data.cycle}`;
    case 'cycle.field':
      return `set ${e.data.field} to ${Array.isArray(e.data.value) ? e.data.value.join('; ') : e.data.value}`;
    case 'decision.added':
      return `added ${named ?? e.data.id} "${e.data.title}" (owner ${e.data.owner}, due ${e.data.due ?? 'not set'})`;
    case 'decision.updated':
      return `updated ${named ?? e.data.id}${e.data.title ? ` title "${e.data.title}"` : ''}${e.data.owner ? ` owner ${e.data.owner}` : ''}${e.data.due ? ` due ${e.data.due}` : ''}${e.data.criteria ? ` criteria (${e.data.criteria.length})` : ''}`;
    case 'decision.approved':
      return `approved ${named ?? e.data.id}`;
    case 'decision.closed':
      return `closed ${named ?? e.data.id}${e.data.note ? `: ${e.data.note}` : ''}`;
    case 'decision.reopened':
      return `reopened ${named ?? e.data.id}${e.data.note ? `: ${e.data.note}` : ''}`;
    case 'evidence.added':
      return `added evidence to ${named ?? e.data.decision} (${e.data.meets ? 'meets' : 'does not meet'} its criteria): ${e.data.evidence}`;
    case 'build-scope.added':
      return `put ${named ?? e.data.decision} in build scope (${e.data.metric} → ${e.data.target})`;
    case 'blocker.added':
      return `raised ${named ?? e.data.id} "${e.data.title}" (owner ${e.data.owner}, due ${at(e.data.due)})`;
    case 'blocker.resolved':
      return `resolved ${named ?? e.data.id}${e.data.note ? `: ${e.data.note}` : ''}`;
    case 'blocker.escalated':
      return `escalated ${named ?? e.data.id}${e.data.note ? `: ${e.data.note}` : ''}`;
    case 'blocker.extended':
      return `extended ${named ?? e.data.id} to ${at(e.data.due)}: ${e.data.reason}`;
    case 'risk.added':
      return `added ${named ?? e.data.id} "${e.data.title}" (impact ${e.data.impact}, cost ${e.data.cost})`;
    case 'risk.updated':
      return `updated ${named ?? e.data.id}${e.data.impact ? ` impact ${e.data.impact}` : ''}${e.data.cost ? ` cost ${e.data.cost}` : ''}${e.data.mitigation ? ` mitigation: ${e.data.mitigation}` : ''}${e.data.owner ? ` owner ${e.data.owner}` : ''}`;
    case 'risk.closed':
      return `closed ${named ?? e.data.id}${e.data.note ? `: ${e.data.note}` : ''}`;
    case 'metric.added':
      return `added metric ${e.data.metric} "${e.data.name}" (${e.data.unit}, ${e.data.direction === 'up' ? 'higher' : 'lower'} is better; baseline ${e.data.baseline}, target ${e.data.target})`;
    case 'metric.planned':
      return `set ${e.data.metric} baseline ${e.data.baseline}, target ${e.data.target}`;
    case 'metric.recorded':
      return `recorded ${e.data.metric} = ${e.data.value}${e.data.note ? ` (${e.data.note})` : ''}`;
    case 'checklist.done':
      return `ticked checklist item ${e.data.item}`;
    case 'checkpoint.added':
      return `planned ${named ?? e.data.id} ${e.data.kind} "${e.data.title}" on ${e.data.date} (${e.data.owner})`;
    case 'checkpoint.held':
      return `held ${named ?? e.data.id}${e.data.note ? `: ${e.data.note}` : ''}`;
    case 'checkpoint.missed':
      return `missed ${named ?? e.data.id}${e.data.note ? `: ${e.data.note}` : ''}`;
    case 'note.added':
      return `noted ${e.data.step}/${e.data.question}: ${Array.isArray(e.data.value) ? e.data.value.join('; ') : String(e.data.value)}`;
    case 'answer.completed':
      return `finished ${e.data.step}/${e.data.question}`;
    case 'step.passed':
      return `passed the ${e.data.step} gate`;
    case 'undo':
      return `undid event ${shortEventId(e.data.target)}`;
  }
}
