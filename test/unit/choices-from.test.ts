// A choice question whose options are the cycle's risks (`choicesFrom: risks`): checked when the
// playbook is loaded, so a playbook cannot ask it before risks are recorded or mix it with a fixed list.
import { describe, expect, it } from 'vitest';
import { loadPlaybookFile } from '../../src/playbook/load.js';
import { playbookSchema, type Playbook } from '../../src/playbook/schema.js';
import { shippedPlaybookFiles } from '../helpers/playbooks.js';

const cs = loadPlaybookFile(shippedPlaybookFiles()['healthcare/customer-success']!);

/** The issues of the customer-success playbook with its pressure-test question changed, and the question moved to `at`. */
function issues(change: Record<string, unknown>, at?: [step: number, index: number]): string[] {
  const copy = structuredClone(cs) as Playbook & { steps: { questions: Record<string, unknown>[] }[] };
  const [from, j] = [1, copy.steps[1]!.questions.findIndex((q) => q.id === 'pressure-test-first')];
  const [q] = copy.steps[from]!.questions.splice(j, 1);
  Object.assign(q!, change);
  copy.steps[at?.[0] ?? from]!.questions.splice(at?.[1] ?? j, 0, q!);
  const result = playbookSchema.safeParse(copy);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('choicesFrom: risks', () => {
  it('is how the shipped customer-success playbook asks which risk to pressure-test first', () => {
    expect(cs.steps[1]!.questions.find((q) => q.id === 'pressure-test-first')).toMatchObject({ type: 'choice', choicesFrom: 'risks' });
    expect(issues({})).toEqual([]);
  });

  it('must come after the question that records risks', () => {
    expect(issues({}, [1, 0])).toEqual(['steps.1.questions.0.choicesFrom: choicesFrom: risks must come after the question that records risks']);
    expect(issues({}, [0, 0])).toEqual(['steps.0.questions.0.choicesFrom: choicesFrom: risks must come after the question that records risks']);
  });

  it('takes no fixed list beside it, and only on a choice question into notes', () => {
    expect(issues({ choices: ['a', 'b'] })).toEqual(['steps.1.questions.1.choicesFrom: give choices or choicesFrom, not both']);
    expect(issues({ type: 'text' })).toEqual(['steps.1.questions.1.choicesFrom: only a choice or multichoice question takes choicesFrom, not text']);
    expect(issues({ choicesFrom: 'decisions' })).toHaveLength(1);
  });

  it('a choice question needs choices or choicesFrom', () => {
    expect(issues({ choicesFrom: undefined })).toEqual(['steps.1.questions.1: a choice question needs choices (or choicesFrom)']);
  });
});
