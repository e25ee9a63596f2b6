// The session as a person meets it: drive() against a scripted prompter that expects exactly
// the prompts listed, in order, and throws on any other or extra prompt. Validation is proven
// by feeding the prompt's own validate function the bad answers a person would type.
import { describe, expect, it } from 'vitest';
import { checkEvent } from '../../src/ledger/events.js';
import { rehearsal, stampEvent } from '../../src/ledger/ledger.js';
import { snapshot } from '../../src/ledger/cycle.js';
import { emptyState } from '../../src/ledger/state.js';
import type { AnswersFile } from '../../src/flow/answers.js';
import { drive, memoryRecorder, type Recorder } from '../../src/flow/session.js';
import { CliError, EXIT, InterruptedError } from '../../src/errors.js';
import { loadPlaybookFile } from '../../src/playbook/load.js';
import type { Playbook } from '../../src/playbook/schema.js';
import type { Choice, Prompter, Validate } from '../../src/prompts/prompter.js';
import { makeChalk } from '../../src/terminal.js';
import { hasControlCharacters, NOW } from '../helpers/cli.js';
import { shippedPlaybookFiles } from '../helpers/playbooks.js';

type Method = 'input' | 'editor' | 'select' | 'checkbox' | 'confirm' | 'number';

/** Take the prompt's default, as pressing Enter on an empty line does. */
const DEFAULT = Symbol('default');
/** Press Ctrl+C at this prompt. */
const CTRL_C = Symbol('ctrl-c');

interface Expect {
  method: Method;
  /** A substring of the prompt's message. */
  message: string;
  answer: unknown;
  /** Typed first, each must be refused with a message containing the given text. */
  invalid?: [value: unknown, reason: string][];
  /** The default the prompt must offer. */
  default?: unknown;
  /** Values the prompt must offer as choices (select and checkbox). */
  offers?: string[];
}

class UnexpectedPrompt extends Error {}

/** A Prompter that plays a script and fails the test on anything it was not told to expect. */
class ScriptedPrompter implements Prompter {
  readonly said: string[] = [];
  readonly asked: string[] = [];
  /** The message and every choice name shown, as a terminal would print them. */
  readonly shown: string[] = [];
  constructor(private readonly script: Expect[]) {}

  private take(method: Method, o: { message: string; default?: unknown; validate?: Validate<never>; choices?: Choice[] }): unknown {
    const expected = this.script.shift();
    const where = `${method} "${o.message.trim()}"`;
    this.asked.push(where);
    this.shown.push(o.message, ...(o.choices ?? []).map((c) => c.name));
    if (!expected) throw new UnexpectedPrompt(`unexpected extra prompt: ${where}`);
    if (expected.method !== method || !o.message.includes(expected.message)) {
      throw new UnexpectedPrompt(`expected ${expected.method} "${expected.message}", got ${where}`);
    }
    if ('default' in expected) expect(o.default, `default of ${where}`).toEqual(expected.default);
    const values = o.choices?.map((c) => c.value);
    if (expected.offers) for (const v of expected.offers) expect(values, `choices of ${where}`).toContain(v);
    for (const [value, reason] of expected.invalid ?? []) {
      expect(o.validate, `${where} has no validation`).toBeTypeOf('function');
      const verdict = o.validate!(value as never);
      expect(verdict, `${where} should refuse ${JSON.stringify(value)}`).not.toBe(true);
      expect(String(verdict)).toContain(reason);
    }
    if (expected.answer === CTRL_C) throw new InterruptedError('interrupted');
    let answer = expected.answer;
    if (answer === DEFAULT) {
      if (o.default === undefined) throw new UnexpectedPrompt(`${where} offers no default to accept`);
      answer = method === 'input' ? String(o.default) : o.default;
    }
    if (o.validate && method !== 'confirm' && method !== 'select') {
      const verdict = o.validate(answer as never);
      if (verdict !== true) throw new UnexpectedPrompt(`${where} refused the scripted answer ${JSON.stringify(answer)}: ${verdict}`);
    }
    if (values) {
      const picked = Array.isArray(answer) ? answer : [answer];
      for (const v of picked) if (!values.includes(v as string)) throw new UnexpectedPrompt(`${where} does not offer ${JSON.stringify(v)} (offers ${JSON.stringify(values)})`);
    }
    return answer;
  }

  input = async (o: Parameters<Prompter['input']>[0]) => this.take('input', o) as string;
  editor = async (o: Parameters<Prompter['editor']>[0]) => this.take('editor', o) as string;
  select = async <T extends string>(o: { message: string; choices: Choice<T>[]; default?: T }) => this.take('select', o) as T;
  checkbox = async <T extends string>(o: { message: string; choices: (Choice<T> & { checked?: boolean })[]; validate?: Validate<readonly T[]> }) => this.take('checkbox', o) as T[];
  confirm = async (o: Parameters<Prompter['confirm']>[0]) => this.take('confirm', o) as boolean;
  number = async (o: Parameters<Prompter['number']>[0]) => this.take('number', o) as number;
  say = (text: string) => void this.said.push(text);

  /** Every scripted prompt was asked. */
  finished(): void {
    expect(this.script.map((e) => `${e.method} "${e.message}"`), 'scripted prompts that were never asked').toEqual([]);
  }
}

const input = (message: string, answer: unknown, more: Partial<Expect> = {}): Expect => ({ method: 'input', message, answer, ...more });
const select = (message: string, answer: unknown, more: Partial<Expect> = {}): Expect => ({ method: 'select', message, answer, ...more });
const checkbox = (message: string, answer: unknown, more: Partial<Expect> = {}): Expect => ({ method: 'checkbox', message, answer, ...more });
const confirm = (message: string, answer: boolean | typeof CTRL_C, more: Partial<Expect> = {}): Expect => ({ method: 'confirm', message, answer, ...more });

const PLAYBOOKS = shippedPlaybookFiles();
const pm = loadPlaybookFile(PLAYBOOKS['healthcare/product-manager']!);
const cs = loadPlaybookFile(PLAYBOOKS['healthcare/customer-success']!);
const CYCLE = 'test-cycle';
const ctx = { now: new Date(NOW), tz: 'UTC', chalk: makeChalk(false) };

/** A fresh cycle, its cycle.created event stamped as `init` stamps it, recorded in memory. */
function start(playbook: Playbook): Recorder {
  const rctx = { ...ctx, options: {}, env: {}, cwd: '/', actor: 'tester', command: 'init' };
  const state = emptyState();
  const created = stampEvent(rctx, state, { type: 'cycle.created', data: { cycle: snapshot(playbook, CYCLE, 'Test cycle') } }, null, rehearsal(), 0);
  return memoryRecorder(rctx, playbook, created.id, state);
}

/** Drives the session on the recorder's cycle (by its key, as `init` and `resume` name it). */
function driveOn(playbook: Playbook, rec: Recorder, io: Parameters<typeof drive>[3], c: Parameters<typeof drive>[4]) {
  return drive(playbook, rec.flow().cycle.key, rec, io, c);
}

/** An answers file held in memory, keyed "step/question" like loadAnswers makes it. */
function answersFile(entries: Record<string, unknown>): AnswersFile {
  return { file: 'answers.yaml', answers: new Map(Object.entries(entries)), locate: (path) => ({ at: `answers.yaml (${path.slice(0, 2).join('/')})`, depth: path.length }) };
}

/** Every answer of the playbook's example, except the steps named. */
function examplesExcept(playbook: Playbook, ...steps: string[]): AnswersFile {
  const entries: Record<string, unknown> = {};
  for (const s of playbook.steps) if (!steps.includes(s.id)) for (const q of s.questions) entries[`${s.id}/${q.id}`] = q.example;
  return answersFile(entries);
}

// ---------------------------------------------------------------------------------------------
// The product manager's session, typed from the first question to the recap.

const SCOPE: Expect[] = [
  input('What single outcome must this cycle deliver?', 'New patients book a first visit in under 10 minutes', { invalid: [['   ', 'must not be empty']] }),
  input('1.', 'Account creation', { invalid: [['', 'give at least one item']] }),
  input('2.', 'Consent capture'),
  input('3.', ''),
  input('1.', 'Clinician scheduling console'),
  input('2.', ''),
  input('Which filter', DEFAULT, { default: pm.decisionFilter }),
  input('review window open', '2026-12-01', { default: '2026-11-23', invalid: [['someday', '"someday" is not a date'], ['2026-02-30', 'is not a date']] }),
  input('review window close', DEFAULT, { default: '2026-12-31', invalid: [['2026-11-30', 'the window cannot end (2026-11-30) before it starts (2026-12-01)']] }),
  input('Which assumption', ''),
];

const RISK: Expect[] = [
  select("Pick from the playbook's risk catalog", 'new-users-stall', { offers: pm.risks.map((r) => r.id) }),
  select('Customer impact', 'high', { offers: ['low', 'medium', 'high'] }),
  select('Operational cost', 'medium'),
  input('Mitigation', DEFAULT, { default: pm.risks[0]!.mitigation }),
  input('Owner (one person)', 'Ann Lee', { invalid: [['Ann and Bob', '"Ann and Bob" names more than one person'], ['', 'must not be empty']] }),
  confirm('Add another risk?', true),
  select("Pick from the playbook's risk catalog", ''),
  input('Risk', 'EHR sandbox arrives late'),
  select('Customer impact', 'low'),
  select('Operational cost', 'low'),
  input('Mitigation', ''),
  input('Owner (one person)', 'Lena Ortiz'),
  confirm('Add another risk?', false),
  input('Which risk will you pressure-test first', ''),
  // The gate: R-2 has no mitigation.
  select('What now?', 'fix', { offers: ['fix', 'stop'] }),
  input('Mitigation for R-2 "EHR sandbox arrives late"', 'Validate against fixture data', { invalid: [['  ', 'must not be empty']] }),
];

const OWNERSHIP: Expect[] = [
  input('Decision', 'Save and resume when eligibility fails'),
  input('Owner (exactly one person)', 'Priya Raman', { invalid: [['Ann and Bob', 'names more than one person'], ['', 'must not be empty']] }),
  input('Due date', '+7d', { invalid: [['+3x', '"+3x" is not a date']] }),
  input('Acceptance criterion 1', '70% of timed-out patients resume'),
  input('Acceptance criterion 2', ''),
  confirm('Add another decision?', true),
  input('Decision', 'Freeze the release brief'),
  input('Owner (exactly one person)', 'Marcus Bell'),
  input('Due date', ''),
  input('Acceptance criterion 1', ''),
  confirm('Add another decision?', false),
  confirm('Add a blocker?', true),
  input('Blocker', 'No EHR sandbox credentials'),
  input('Owner (one person)', 'Sam Whitfield'),
  input('Due', DEFAULT, { default: '+48h' }),
  input('Fallback plan', 'Use de-identified fixtures'),
  select('Decision it blocks', 'D-1', { offers: ['D-1', 'D-2', ''] }),
  confirm('Add another blocker?', false),
  // The gate: D-2 has no due date.
  select('What now?', 'fix'),
  input('Due date for D-2 "Freeze the release brief"', 'next friday', { invalid: [['soon', 'is not a date']] }),
];

const EVIDENCE: Expect[] = [
  // A decision may wait for its evidence: the first piece is offered, not forced.
  confirm('Add a piece of evidence?', true, { default: true }),
  select('For which decision', 'D-1', { offers: ['D-1', 'D-2'] }),
  input('Which criterion it checks', ''),
  input('What was checked', '9 of 12 patients resumed in the prototype test'),
  confirm('Does it meet the acceptance criteria?', true),
  confirm('Add another piece of evidence?', false),
  input('What evidence would settle', ''),
];

const BUILD_SCOPE: Expect[] = [
  // Build scope may stay empty (nothing approved yet): each entry is offered, and a refused one is left out.
  confirm('Add a build-scope entry?', true, { default: true }),
  // D-2 has no criteria: refused at once, with the offer to add them; declined, so the entry is left out.
  select('Which decision enters build scope', 'D-2'),
  confirm('Add testable acceptance criteria to D-2 now?', false),
  // D-1 is not approved yet: saying no is refused, and the entry is left out too.
  confirm('Add a build-scope entry?', true, { default: true }),
  select('Which decision enters build scope', 'D-1'),
  confirm('Has its owner approved it?', false, { default: false }),
  confirm('Add a build-scope entry?', true, { default: true }),
  select('Which decision enters build scope', 'D-1'),
  confirm('Has its owner approved it?', true),
  input('Implementation constraints', 'No patient data in the resume link'),
  input('Expected behaviour', 'The patient resumes at the same step'),
  select('Metric it moves', 'exception-state-completion', { offers: pm.metrics.map((m) => m.id) }),
  input('Target value', '75%', { invalid: [['150', 'the target of exception-state-completion (%) must be 0 to 100, not 150'], ['abc', 'must be a number (0 to 100)'], ['', 'must not be empty']] }),
  confirm('Add another build-scope entry?', true),
  select('Which decision enters build scope', 'D-2', { offers: ['D-2'] }),
  confirm('Add testable acceptance criteria to D-2 now?', true),
  input('Acceptance criterion 1 for D-2', 'Compliance signs the brief off', { invalid: [['', 'give at least one testable criterion']] }),
  input('Acceptance criterion 2 for D-2', ''),
  confirm('Has its owner approved it?', true),
  input('Implementation constraints', 'One brief, owned by support'),
  input('Expected behaviour', 'Every team links to the same article'),
  select('Metric it moves', 'post-launch-change-volume'),
  input('Target value', '5', { invalid: [['5%', 'is in changes per week, not a percentage'], ['-1', 'must be 0 or more, not -1']] }),
  // Every decision is in build scope now: no "add another?".
  input('Which scope tradeoffs', ''),
];

const POST_RELEASE: Expect[] = [
  input('Checkpoint', 'Week 1 review'),
  select('Kind', 'weekly', { offers: ['weekly', 'midpoint', 'retrospective'] }),
  input('Date', '+7d', { invalid: [['+3x', 'is not a date'], ['', 'must not be empty']] }),
  input('Owner', 'Priya Raman', { invalid: [['Ann and Bob', 'names more than one person']] }),
  confirm('Add another checkpoint?', true),
  input('Checkpoint', 'Launch retrospective'),
  select('Kind', 'retrospective'),
  input('Date', '2026-12-31'),
  input('Owner', 'Priya Raman'),
  confirm('Add another checkpoint?', false),
  select('Metric', 'approval-cycle-time', { offers: pm.metrics.map((m) => m.id) }),
  input('Baseline', '9', { invalid: [['-1', 'the baseline of approval-cycle-time (days) must be 0 or more, not -1']] }),
  input('Target', '4', { invalid: [['12', 'lower is better for approval-cycle-time, so the target must be below the baseline (9), not 12']] }),
  confirm('Add another metric baseline?', false),
  input('Who owns the product after launch?', 'Priya Raman', { invalid: [['Ann and Bob', 'names more than one person'], ['', 'must not be empty']] }),
];

describe('a whole product-manager session at the prompts', () => {
  it('asks every question of the six steps, refuses bad answers with the reason, fixes two gates, and ends done', async () => {
    const rec = start(pm);
    const p = new ScriptedPrompter([...SCOPE, ...RISK, ...OWNERSHIP, ...EVIDENCE, ...BUILD_SCOPE, ...POST_RELEASE]);
    await expect(driveOn(pm, rec, { prompter: p }, ctx)).resolves.toBe('done');
    p.finished();

    const headers = p.said.filter((l) => /^Step \d of 6/.test(l));
    expect(headers).toEqual(pm.steps.map((s, i) => `Step ${i + 1} of 6 · ${s.title}`));
    expect(p.said).toContain(`Gate: ${pm.steps[2]!.gate}`);
    expect(p.said).toContain('  ✘ R-2 has no mitigation');
    expect(p.said).toContain('  ✘ D-2 has no due date');
    expect(p.said).toContain('  note: D-2 has no evidence that meets its criteria; it stays open');
    expect(p.said).toContain('  ✘ D-2 has no testable acceptance criteria, so it cannot enter build scope');
    expect(p.said).toContain('  ✘ D-1 has no approval from its owner (Priya Raman), so it cannot enter build scope');
    expect(p.said).toContain('  every decision is already in build scope; moving on');
    expect(p.said.filter((l) => l === '  no build-scope entry recorded')).toHaveLength(2);
    expect(p.said.filter((l) => l.startsWith('  ✔ gate passed'))).toHaveLength(6);

    const cycle = rec.flow().cycle;
    expect(cycle.fields).toMatchObject({
      outcome: 'New patients book a first visit in under 10 minutes',
      inScope: ['Account creation', 'Consent capture'],
      outOfScope: ['Clinician scheduling console'],
      filter: pm.decisionFilter,
      windowStart: '2026-12-01',
      windowEnd: '2026-12-31',
      postLaunchOwner: 'Priya Raman',
    });
    expect(cycle.risks.get('R-1')).toMatchObject({ title: pm.risks[0]!.risk, impact: 'high', cost: 'medium', owner: 'Ann Lee' });
    expect(cycle.risks.get('R-2')).toMatchObject({ mitigation: 'Validate against fixture data', owner: 'Lena Ortiz' });
    expect(cycle.decisions.get('D-1')).toMatchObject({ owner: 'Priya Raman', due: '2026-11-30', criteria: ['70% of timed-out patients resume'] });
    expect(cycle.decisions.get('D-2')).toMatchObject({ owner: 'Marcus Bell', due: '2026-11-27', criteria: ['Compliance signs the brief off'] });
    expect(cycle.decisions.get('D-1')!.buildScope).toMatchObject({ metric: 'exception-state-completion', target: 75 });
    expect(cycle.decisions.get('D-2')!.approved).not.toBeNull();
    expect(cycle.blockers.get('B-1')).toMatchObject({ owner: 'Sam Whitfield', decision: 'D-1', due: '2026-11-25T09:00:00.000Z', fallback: 'Use de-identified fixtures' });
    expect([...cycle.checkpoints.values()].map((c) => [c.kind, c.date])).toEqual([['weekly', '2026-11-30'], ['retrospective', '2026-12-31']]);
    expect(cycle.plans.get('approval-cycle-time')).toEqual({ baseline: 9, target: 4 });
    expect([...cycle.passed]).toHaveLength(6);
    for (const e of rec.recorded) expect(() => checkEvent(e)).not.toThrow();
  });

  it('fails the moment the session asks a prompt the script does not expect', async () => {
    const p = new ScriptedPrompter(SCOPE.slice(0, 3));
    await expect(driveOn(pm, start(pm), { prompter: p }, ctx)).rejects.toThrow('unexpected extra prompt: input "3."');
    expect(p.asked).toHaveLength(4);
  });

  it('fails when the session asks a different prompt than the script says', async () => {
    const p = new ScriptedPrompter([confirm('Add another risk?', true)]);
    await expect(driveOn(pm, start(pm), { prompter: p }, ctx)).rejects.toThrow('expected confirm "Add another risk?", got input "What single outcome must this cycle deliver?');
  });
});

describe('stopping, interrupting and coming back', () => {
  it('stops at a failing gate when asked to, keeps every answer, and the next session starts at that gate', async () => {
    const rec = start(pm);
    const first = new ScriptedPrompter([...SCOPE, ...RISK.slice(0, -2), select('What now?', 'stop')]);
    await expect(driveOn(pm, rec, { prompter: first }, ctx)).resolves.toBe('stopped');
    first.finished();
    expect(rec.flow().cycle.risks.get('R-2')!.mitigation).toBe('');
    expect(rec.flow().cycle.passed.has('risk')).toBe(false);

    // Coming back: the gate again, fixed at the prompt; the rest from an answers file, so not one more prompt.
    const again = new ScriptedPrompter([select('What now?', 'fix'), input('Mitigation for R-2', 'Validate against fixture data')]);
    await expect(driveOn(pm, rec, { prompter: again, answers: examplesExcept(pm, 'scope', 'risk') }, ctx)).resolves.toBe('done');
    again.finished();
    expect(again.said[1]).toBe(`Step 2 of 6 · ${pm.steps[1]!.title}`);
    expect(again.said.filter((l) => l.includes('answered from answers.yaml'))).toHaveLength(pm.steps.slice(2).flatMap((s) => s.questions).length);
  });

  it('keeps what was answered before Ctrl+C and asks the interrupted question again, not the ones before it', async () => {
    const rec = start(pm);
    const ownership = OWNERSHIP.slice(0, 7); // D-1 recorded, then Ctrl+C while typing D-2's owner
    const first = new ScriptedPrompter([...SCOPE, ...RISK, ...ownership, input('Owner (exactly one person)', CTRL_C)]);
    const error = await driveOn(pm, rec, { prompter: first }, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as CliError).exitCode).toBe(EXIT.interrupted);
    first.finished();
    expect([...rec.flow().cycle.decisions.keys()]).toEqual(['D-1']);

    const resumed = new ScriptedPrompter([
      confirm('Add another decision?', true),
      input('Decision', 'Freeze the release brief'),
      input('Owner (exactly one person)', 'Marcus Bell'),
      input('Due date', '+4d'),
      input('Acceptance criterion 1', 'Compliance signs off'),
      input('Acceptance criterion 2', ''),
      confirm('Add another decision?', false),
      confirm('Add a blocker?', false),
    ]);
    await expect(driveOn(pm, rec, { prompter: resumed, answers: examplesExcept(pm, 'scope', 'risk', 'ownership') }, ctx)).resolves.toBe('done');
    resumed.finished();
    expect(resumed.said).toContain(`Step 3 of 6 · ${pm.steps[2]!.title}`);
  });

  it('offers to add the missing record when a gate fails for lack of one', async () => {
    const rec = start(pm);
    await driveOn(pm, rec, { prompter: null, answers: examplesExcept(pm, 'ownership', 'evidence', 'build-scope', 'post-release') }, ctx).catch(() => undefined);
    rec.record(() => [{ type: 'answer.completed', data: { step: 'ownership', question: 'decisions' } }]);
    const p = new ScriptedPrompter([
      confirm('Add a blocker?', false),
      select('What now?', 'fix'),
      input('Decision', 'Freeze the release brief'),
      input('Owner (exactly one person)', 'Marcus Bell'),
      input('Due date', '+4d'),
      input('Acceptance criterion 1', 'Compliance signs off'),
      input('Acceptance criterion 2', ''),
      confirm('Add a piece of evidence?', true),
      select('For which decision', CTRL_C),
    ]);
    await expect(driveOn(pm, rec, { prompter: p }, ctx)).rejects.toBeInstanceOf(InterruptedError);
    p.finished();
    expect(p.said).toContain('  ✘ no decision has been recorded');
    expect(rec.flow().cycle.passed.has('ownership')).toBe(true);
  });
});

describe('text someone else typed', () => {
  it('reaches the prompts with its control characters neutralised', async () => {
    const rec = start(pm);
    await driveOn(pm, rec, { prompter: null, answers: examplesExcept(pm, 'evidence', 'build-scope', 'post-release') }, ctx).catch(() => undefined);
    const hostile = '\u001b]0;owned\u0007\u001b[2J';
    rec.record(() => [{ type: 'decision.added', data: { id: 'D-9', title: `Retitle ${hostile}`, owner: `Eve ${hostile}`, criteria: ['x'] } }]);
    rec.record(() => [{ type: 'decision.updated', data: { id: 'D-9', due: '2026-12-01' } }]);
    const p = new ScriptedPrompter([confirm('Add a piece of evidence?', true), select('For which decision', CTRL_C, { offers: ['D-9'] })]);
    await expect(driveOn(pm, rec, { prompter: p }, ctx)).rejects.toBeInstanceOf(InterruptedError);
    expect(p.shown.some((t) => t.includes('Retitle'))).toBe(true);
    for (const text of [...p.shown, ...p.said]) expect(hasControlCharacters(text), JSON.stringify(text)).toBe(false);
  });
});

describe('without a prompter', () => {
  it('stops at the first missing required answer with a usage error naming it', async () => {
    const error = await driveOn(pm, start(pm), { prompter: null }, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT.usage);
    expect((error as Error).message).toBe('missing answer: scope.outcome');
  });

  it('skips optional questions the answers file leaves out instead of failing', async () => {
    const entries: Record<string, unknown> = {};
    for (const s of pm.steps) for (const q of s.questions) if (q.required) entries[`${s.id}/${q.id}`] = q.example;
    const rec = start(pm);
    await expect(driveOn(pm, rec, { prompter: null, answers: answersFile(entries) }, ctx)).resolves.toBe('done');
    expect(rec.flow().cycle.notes).toEqual([]);
  });

  it('refuses a bad answer from the file, saying where it is and what is wrong', async () => {
    const decisions = [{ title: 'x', owner: 'Ann', due: '+3x' }];
    const file = answersFile({ ...Object.fromEntries(examplesExcept(pm).answers), 'ownership/decisions': decisions });
    file.locate = (path) => ({ at: `answers.yaml:${path.slice(0, 2).join('/')}:${JSON.stringify(path.slice(2))}`, depth: path.length });
    const error = await driveOn(pm, start(pm), { prompter: null, answers: file }, ctx).catch((e: unknown) => e);
    expect((error as CliError).exitCode).toBe(EXIT.usage);
    expect((error as Error).message).toBe('answers.yaml:ownership/decisions:[0,"due"]: ownership.decisions: record 1: Due date: "+3x" is not a date (try 2026-12-04, +7d, next friday)');
  });
});

describe('the customer-success session: multiple choice, choice and yes/no at the prompts', () => {
  it('asks the segments as a checkbox, the pressure test as a choice with a skip, and the HIPAA review as yes/no', async () => {
    const rec = start(cs);
    const segments = cs.steps[0]!.questions.find((q) => q.type === 'multichoice')!;
    const choice = cs.steps[1]!.questions.find((q) => q.type === 'choice')!;
    const yesNo = cs.steps[1]!.questions.find((q) => q.type === 'confirm')!;
    const scope = cs.steps[0]!.questions.map((q): Expect[] => {
      if (q.type === 'multichoice') return [checkbox(q.prompt, [q.choices![1]!], { offers: q.choices!, invalid: [[[], 'choose at least one']] })];
      if (q.type === 'list') return [input('1.', 'Item one'), input('2.', '')];
      if (q.type === 'date') return [input(q.prompt, DEFAULT)];
      if (q.id === 'filter') return [input(q.prompt, DEFAULT, { default: cs.decisionFilter })];
      return [input(q.prompt, q.required ? 'A measurable outcome' : '')];
    });
    const p = new ScriptedPrompter([
      ...scope.flat(),
      select("Pick from the playbook's risk catalog", cs.risks[1]!.id),
      select('Customer impact', 'medium'),
      select('Operational cost', 'high'),
      input('Mitigation', DEFAULT),
      input('Owner (one person)', 'Dana Kim'),
      confirm('Add another risk?', false),
      ...cs.steps[1]!.questions.slice(1).map((q) =>
        // The risks to pressure-test first are the ones just recorded, not the catalog.
        q.id === choice.id ? select(q.prompt, '', { offers: [`R-1 ${cs.risks[1]!.risk}`, ''] }) : q.id === yesNo.id ? confirm(q.prompt, false, { default: true }) : input(q.prompt, ''),
      ),
    ]);
    await expect(driveOn(cs, rec, { prompter: p, answers: examplesExcept(cs, 'scope', 'risk') }, ctx)).resolves.toBe('done');
    p.finished();
    const cycle = rec.flow().cycle;
    expect(segments.into).toBe('cycle.in-scope');
    expect(cycle.fields.inScope).toEqual([segments.choices![1]]);
    expect(cycle.answered.has(`risk/${choice.id}`)).toBe(true);
    expect(cycle.notes.find((n) => n.question === choice.id)).toBeUndefined();
    expect(cycle.notes.find((n) => n.question === yesNo.id)).toMatchObject({ value: false });
    expect(cycle.risks.get('R-1')).toMatchObject({ title: cs.risks[1]!.risk, mitigation: cs.risks[1]!.mitigation, owner: 'Dana Kim' });
  });
});
