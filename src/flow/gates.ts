// The gate before each next step, as PRODUCT.md states them. A failure names the record and
// what is missing, and says how the session can fix it on the spot.
import type { Cycle } from '../ledger/state.js';
import type { RecordTarget, StepId } from '../playbook/schema.js';
import { namesMoreThanOne } from '../names.js';

export type Fix =
  | { kind: 'decision-due'; id: string }
  | { kind: 'decision-owner'; id: string }
  | { kind: 'decision-criteria'; id: string }
  | { kind: 'decision-approval'; id: string }
  | { kind: 'risk-mitigation'; id: string }
  /** Nothing of the kind was recorded: the session can ask for one now. */
  | { kind: 'add-record'; target: RecordTarget };

export interface GateFailure {
  message: string;
  fix?: Fix;
}

export interface GateResult {
  holds: boolean;
  failures: GateFailure[];
  /** Things worth saying that do not stop the gate, e.g. decisions that stay open for lack of evidence. */
  notes: string[];
}

/** Said when a cycle's build scope is empty: what adds an entry later. */
export const BUILD_SCOPE_EMPTY = 'build scope is empty: no approved decision has entered it yet; `playbook decision scope D-n --constraints .. --behaviour .. --metric .. --target ..` adds an entry later';

export function checkGate(step: StepId, cycle: Cycle): GateResult {
  const failures: GateFailure[] = [];
  const notes: string[] = [];
  const open = [...cycle.decisions.values()].filter((d) => d.status === 'open');
  switch (step) {
    case 'scope':
      if (!cycle.fields.outcome || String(cycle.fields.outcome).trim() === '') failures.push({ message: 'no outcome is stated for the cycle' });
      break;
    case 'risk':
      for (const r of cycle.risks.values()) {
        if (r.status === 'open' && r.mitigation.trim() === '') failures.push({ message: `${r.id} has no mitigation`, fix: { kind: 'risk-mitigation', id: r.id } });
      }
      break;
    case 'ownership':
      if (cycle.decisions.size === 0) failures.push({ message: 'no decision has been recorded', fix: { kind: 'add-record', target: 'decisions' } });
      for (const d of open) {
        if (!d.owner.trim()) failures.push({ message: `${d.id} has no owner`, fix: { kind: 'decision-owner', id: d.id } });
        else if (namesMoreThanOne(d.owner)) failures.push({ message: `${d.id} has more than one owner (${d.owner})`, fix: { kind: 'decision-owner', id: d.id } });
        if (!d.due) failures.push({ message: `${d.id} has no due date`, fix: { kind: 'decision-due', id: d.id } });
      }
      break;
    case 'evidence':
      for (const d of open) {
        if (!d.evidence.some((e) => e.meets)) notes.push(`${d.id} has no evidence that meets its criteria; it stays open`);
      }
      break;
    case 'build-scope': {
      const inScope = [...cycle.decisions.values()].filter((d) => d.buildScope);
      // The gate says what may enter, not that something must: with no approved decision yet, build scope stays empty.
      if (inScope.length === 0) notes.push(BUILD_SCOPE_EMPTY);
      for (const d of inScope) {
        if (!d.approved) failures.push({ message: `${d.id} is in build scope without its owner's approval`, fix: { kind: 'decision-approval', id: d.id } });
        if (d.criteria.length === 0) failures.push({ message: `${d.id} is in build scope without testable acceptance criteria`, fix: { kind: 'decision-criteria', id: d.id } });
      }
      break;
    }
    case 'post-release':
      if (cycle.checkpoints.size === 0) failures.push({ message: 'no post-release checkpoint is planned', fix: { kind: 'add-record', target: 'checkpoints' } });
      break;
  }
  return { holds: failures.length === 0, failures, notes };
}
