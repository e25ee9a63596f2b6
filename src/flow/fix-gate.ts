// Fixing a gate that does not hold, on the spot: the session asks for what is missing (a due date,
// an owner, acceptance criteria, an approval, a mitigation, a record) and records it.
import type { Context } from '../context.js';
import { parseDay } from '../dates.js';
import type { Playbook, Step } from '../playbook/schema.js';
import type { Prompter } from '../prompts/prompter.js';
import { oneLine } from '../terminal.js';
import { askCriteria, askOneRecord, dateCheck } from './ask-record.js';
import type { Fix } from './gates.js';
import { asOwner, dueFrom } from './records.js';
import { flowOf, type Recorder } from './recorder.js';

/** Whether the session can fix this failure on the spot. */
export function canFix(step: Step, fix: Fix): boolean {
  return fix.kind !== 'add-record' || step.questions.some((q) => q.type === 'records' && q.into === fix.target);
}

export async function fixGate(p: Prompter, recorder: Recorder, playbook: Playbook, cycleId: string, step: Step, fix: Fix, ctx: Pick<Context, 'now' | 'tz' | 'chalk'>): Promise<void> {
  const f = flowOf(playbook, recorder.state, cycleId, ctx);
  switch (fix.kind) {
    case 'decision-due': {
      const d = f.cycle.decisions.get(fix.id)!;
      const due = await p.input({ message: `Due date for ${d.id} "${oneLine(d.title)}"`, validate: dateCheck(f, dueFrom(f)) });
      recorder.record(() => [{ type: 'decision.updated', data: { id: d.id, due: parseDay(due, f.now, f.tz) } }]);
      return;
    }
    case 'decision-owner': {
      const d = f.cycle.decisions.get(fix.id)!;
      const owner = await p.input({
        message: `The one owner of ${d.id} "${oneLine(d.title)}"`,
        validate: (v) => {
          try {
            asOwner(v, 'Owner');
            return true;
          } catch (e) {
            return (e as Error).message;
          }
        },
      });
      recorder.record(() => [{ type: 'decision.updated', data: { id: d.id, owner: asOwner(owner, 'Owner') } }]);
      return;
    }
    case 'decision-criteria':
      return askCriteria(p, recorder, fix.id);
    case 'decision-approval': {
      const d = f.cycle.decisions.get(fix.id)!;
      if (await p.confirm({ message: `Has ${oneLine(d.owner)} approved ${d.id} "${oneLine(d.title)}"?`, default: false })) {
        recorder.record(() => [{ type: 'decision.approved', data: { id: d.id } }]);
      }
      return;
    }
    case 'risk-mitigation': {
      const r = f.cycle.risks.get(fix.id)!;
      const mitigation = await p.input({ message: `Mitigation for ${r.id} "${oneLine(r.title)}"`, validate: (v) => (v.trim() ? true : 'a mitigation must not be empty') });
      recorder.record(() => [{ type: 'risk.updated', data: { id: r.id, mitigation: mitigation.trim() } }]);
      return;
    }
    case 'add-record': {
      const q = step.questions.find((x) => x.type === 'records' && x.into === fix.target)!;
      return askOneRecord(p, recorder, step, q, ctx);
    }
  }
}
