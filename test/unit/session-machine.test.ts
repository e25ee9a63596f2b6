// The six-step session as a state machine, over each shipped playbook: which question comes
// next, what an answer becomes in the ledger, and every way a gate can fail and be fixed.
import { describe, expect, it } from 'vitest';
import { checkEvent, type NewEvent } from '../../src/ledger/events.js';
import { rehearsal, stampEvent } from '../../src/ledger/ledger.js';
import { snapshot } from '../../src/ledger/cycle.js';
import { emptyState } from '../../src/ledger/state.js';
import { checkGate } from '../../src/flow/gates.js';
import { answerEvents, finishEvents, next, recordCount, type Next } from '../../src/flow/machine.js';
import { AnswerError } from '../../src/flow/records.js';
import { valueRange } from '../../src/metric-values.js';
import { memoryRecorder, type Recorder } from '../../src/flow/session.js';
import { loadPlaybookFile } from '../../src/playbook/load.js';
import { STEP_IDS, type LedgerTarget, type Playbook, type Question, type Step, type StepId } from '../../src/playbook/schema.js';
import { NOW } from '../helpers/cli.js';
import { shippedPlaybookFiles } from '../helpers/playbooks.js';

const CYCLE = 'test-cycle';
const now = new Date(NOW); // Monday 2026-11-23, 09:00 UTC
const SHIPPED = Object.entries(shippedPlaybookFiles()).map(([id, file]) => ({ id, playbook: loadPlaybookFile(file) }));

/**
 * A fresh cycle of the playbook, recorded in memory exactly as the session records it: the
 * cycle.created event stamped as `init` stamps it, and the recorder on that cycle's key.
 */
function start(playbook: Playbook): Recorder {
  const ctx = { options: {}, env: {}, cwd: '/', now, actor: 'tester', command: 'init', tz: 'UTC' };
  const state = emptyState();
  const created = stampEvent(ctx, state, { type: 'cycle.created', data: { cycle: snapshot(playbook, CYCLE, 'Test cycle') } }, null, rehearsal(), 0);
  return memoryRecorder(ctx, playbook, created.id, state);
}

const cycleOf = (rec: Recorder) => rec.flow().cycle;
const nextOf = (rec: Recorder) => next(rec.flow());

/** Records raw events, as another command (or a hand-edited ledger) would. */
function raw(rec: Recorder, ...events: NewEvent[]): void {
  rec.record(() => events);
}

/** The step's question that writes to `into`. */
function questionInto(playbook: Playbook, stepId: StepId, into: LedgerTarget): Question {
  const q = playbook.steps.find((s) => s.id === stepId)!.questions.find((x) => x.into === into);
  if (!q) throw new Error(`${playbook.id}: no question of ${stepId} writes to ${into}`);
  return q;
}

const SKIP = Symbol('skip');
/** An answer to give, or SKIP for an optional question left unanswered. */
type Answer = unknown;
/** Skips the optional questions and gives the example for the required ones. */
const skipOptional = (q: Question): Answer => (q.required ? undefined : SKIP);

/** Answers the question `next` asks with `value` (records one by one, then closes the list). */
function answer(rec: Recorder, value: Answer): void {
  const n = nextOf(rec);
  if (n.kind !== 'question') throw new Error(`expected a question, the session is at ${n.kind}`);
  const { step, question } = n;
  if (value === SKIP) {
    rec.record((f) => finishEvents(f, step, question));
    return;
  }
  if (question.type === 'records') {
    for (const r of value as Record<string, unknown>[]) rec.record((f) => answerEvents(f, step, question, r));
    rec.record((f) => finishEvents(f, step, question));
    return;
  }
  rec.record((f) => answerEvents(f, step, question, value));
}

/**
 * Plays the session with the playbook's example answers (or `custom` ones) until `stop` says so.
 * Passing gates are recorded as the session records them.
 */
function play(rec: Recorder, stop: (n: Next) => boolean, custom: (step: Step, q: Question) => Answer = () => undefined): Next {
  for (let guard = 0; guard < 200; guard++) {
    const n = nextOf(rec);
    if (stop(n) || n.kind === 'done') return n;
    if (n.kind === 'gate') throw new Error(`unexpected gate failure at ${n.step.id}: ${n.failures.map((x) => x.message).join('; ')}`);
    if (n.kind === 'pass') {
      raw(rec, { type: 'step.passed', data: { step: n.step.id } });
      continue;
    }
    const mine = custom(n.step, n.question);
    answer(rec, mine === undefined ? n.question.example : mine);
  }
  throw new Error('the session did not end');
}

/** Plays with examples up to the first question of `stepId`. */
const playTo = (rec: Recorder, stepId: StepId) => play(rec, (n) => n.kind !== 'done' && n.step.id === stepId);

/** Answers every question of the current step: `custom` first, else the example. Returns what comes after. */
function finishStep(rec: Recorder, custom: (q: Question) => Answer = () => undefined): Next {
  const first = nextOf(rec);
  if (first.kind === 'done') throw new Error('the session is done');
  const stepId = first.step.id;
  for (;;) {
    const n = nextOf(rec);
    if (n.kind !== 'question' || n.step.id !== stepId) return n;
    const mine = custom(n.question);
    answer(rec, mine === undefined ? n.question.example : mine);
  }
}

function answerError(run: () => unknown): AnswerError {
  try {
    run();
  } catch (error) {
    if (error instanceof AnswerError) return error;
    throw error;
  }
  throw new Error('expected the answer to be rejected');
}

function expectGate(n: Next, stepId: StepId, messages: string[]) {
  expect(n.kind).toBe('gate');
  if (n.kind !== 'gate') return [];
  expect(n.step.id).toBe(stepId);
  expect(n.failures.map((f) => f.message)).toEqual(messages);
  return n.failures;
}

describe.each(SHIPPED)('the session of $id', ({ playbook }) => {
  it('asks every question of every step in order, checks each gate once, and ends done', () => {
    const rec = start(playbook);
    const seen: string[] = [];
    play(rec, (n) => {
      if (n.kind === 'question') seen.push(`${n.step.id}/${n.question.id}`);
      if (n.kind === 'pass') seen.push(`${n.step.id}:gate`);
      return false;
    });
    const expected = playbook.steps.flatMap((s) => [...s.questions.map((q) => `${s.id}/${q.id}`), `${s.id}:gate`]);
    expect(seen).toEqual(expected);
    expect(nextOf(rec)).toEqual({ kind: 'done' });
    expect([...cycleOf(rec).passed]).toEqual([...STEP_IDS]);
  });

  it('turns the example answers into valid ledger events that carry the question they answer', () => {
    const rec = start(playbook);
    play(rec, () => false);
    for (const e of rec.recorded) expect(() => checkEvent(e)).not.toThrow();
    const cycle = cycleOf(rec);
    expect(String(cycle.fields.outcome)).toBe(String(questionInto(playbook, 'scope', 'cycle.outcome').example).trim());
    expect(cycle.fields.windowStart).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(cycle.fields.windowEnd! >= cycle.fields.windowStart!).toBe(true);
    const examples = (stepId: StepId, into: LedgerTarget) => (questionInto(playbook, stepId, into).example as unknown[]).length;
    expect(cycle.risks.size).toBe(examples('risk', 'risks'));
    expect(cycle.decisions.size).toBe(examples('ownership', 'decisions'));
    expect(cycle.checkpoints.size).toBe(examples('post-release', 'checkpoints'));
    expect(cycle.plans.size).toBe(examples('post-release', 'metrics'));
    expect([...cycle.decisions.values()].every((d) => d.due && d.owner)).toBe(true);
    expect([...cycle.decisions.values()].filter((d) => d.buildScope).length).toBe(examples('build-scope', 'build-scope'));
    const tagged = rec.recorded.filter((e) => e.type === 'decision.added');
    expect(tagged.every((e) => e.answer?.step === 'ownership' && e.answer.question === questionInto(playbook, 'ownership', 'decisions').id)).toBe(true);
    expect(cycle.fields.postLaunchOwner).toBe(questionInto(playbook, 'post-release', 'cycle.post-launch-owner').example);
  });

  it('lets optional questions be skipped and refuses to skip a required one', () => {
    const rec = start(playbook);
    const required = playbook.steps[0]!.questions[0]!;
    expect(required.required).toBe(true);
    expect(answerError(() => finishEvents(rec.flow(), playbook.steps[0]!, required)).message).toMatch(/needs an answer/);
    play(rec, () => false, (_step, q) => skipOptional(q));
    expect(nextOf(rec).kind).toBe('done');
    const optional = new Set(playbook.steps.flatMap((s) => s.questions.filter((q) => !q.required).map((q) => `${s.id}/${q.id}`)));
    expect(optional.size).toBeGreaterThan(0);
    expect(cycleOf(rec).notes.filter((n) => optional.has(`${n.step}/${n.question}`))).toEqual([]);
    for (const key of optional) expect(cycleOf(rec).answered.has(key)).toBe(true);
  });

  describe('scope gate', () => {
    it('fails while no outcome is stated, and an empty outcome is refused at input', () => {
      const rec = start(playbook);
      const n = nextOf(rec);
      expect(n.kind === 'question' && n.question.into).toBe('cycle.outcome');
      if (n.kind !== 'question') return;
      expect(answerError(() => answerEvents(rec.flow(), n.step, n.question, '   ')).message).toMatch(/must not be empty/);
      expect(checkGate('scope', cycleOf(rec)).failures.map((f) => f.message)).toEqual(['no outcome is stated for the cycle']);
      // A ledger where the question is closed without an outcome (edited by hand): the gate stops the session.
      raw(rec, { type: 'answer.completed', data: { step: 'scope', question: n.question.id } });
      expectGate(finishStep(rec), 'scope', ['no outcome is stated for the cycle']);
    });

    it('refuses a review window that is not a date or ends before it starts', () => {
      const rec = start(playbook);
      finishStep(rec, (q) => (q.into === 'cycle.window-start' ? '2026-12-01' : q.into === 'cycle.window-end' ? '2026-12-31' : undefined));
      expect(cycleOf(rec).fields.windowEnd).toBe('2026-12-31');
      const other = start(playbook);
      const stop = play(other, (n) => n.kind === 'question' && n.question.into === 'cycle.window-start');
      if (stop.kind !== 'question') throw new Error('no window-start question');
      expect(answerError(() => answerEvents(other.flow(), stop.step, stop.question, '+3x')).message).toBe('"+3x" is not a date (try 2026-12-04, today, +30d, next friday)');
      answer(other, '2026-12-10');
      const end = nextOf(other);
      if (end.kind !== 'question') throw new Error('no window-end question');
      expect(end.question.into).toBe('cycle.window-end');
      expect(answerError(() => answerEvents(other.flow(), end.step, end.question, '2026-12-01')).message).toBe('the window cannot end (2026-12-01) before it starts (2026-12-10)');
    });
  });

  describe('risk gate', () => {
    it('names each risk without a mitigation, offers to fix it, and holds once it is mitigated', () => {
      const rec = start(playbook);
      playTo(rec, 'risk');
      const examples = questionInto(playbook, 'risk', 'risks').example as Record<string, unknown>[];
      const bare = { title: 'EHR sandbox arrives late', impact: 'low', cost: 'high', owner: 'Lena Ortiz' };
      const after = finishStep(rec, (q) => (q.into === 'risks' ? [...examples, bare] : undefined));
      const id = `R-${examples.length + 1}`;
      const [failure] = expectGate(after, 'risk', [`${id} has no mitigation`]);
      expect(failure!.fix).toEqual({ kind: 'risk-mitigation', id });
      raw(rec, { type: 'risk.updated', data: { id, mitigation: 'Validate against fixture data first' } });
      expect(nextOf(rec)).toMatchObject({ kind: 'pass', step: { id: 'risk' } });
    });

    it('refuses a risk owned by two people at input, and a risk without any record', () => {
      const rec = start(playbook);
      const n = playTo(rec, 'risk');
      const q = questionInto(playbook, 'risk', 'risks');
      const step = playbook.steps[1]!;
      expect(n.kind).toBe('question');
      const error = answerError(() => answerEvents(rec.flow(), step, q, { title: 'x', impact: 'low', cost: 'low', mitigation: 'm', owner: 'Ann and Bob' }));
      expect([error.message, error.field]).toEqual(['Owner "Ann and Bob" names more than one person; give exactly one owner', 'owner']);
      expect(answerError(() => answerEvents(rec.flow(), step, q, { title: 'x', impact: 'severe', cost: 'low', mitigation: 'm', owner: 'Ann' })).field).toBe('impact');
      expect(answerError(() => finishEvents(rec.flow(), step, q)).message).toBe(`risk.${q.id} needs at least one record`);
    });
  });

  describe('ownership gate', () => {
    const decisions = (rec: Recorder, list: Record<string, unknown>[]) => finishStep(rec, (q) => (q.into === 'decisions' ? list : q.into === 'blockers' ? SKIP : undefined));

    it('fails when no decision has been recorded, offering to add one', () => {
      const rec = start(playbook);
      playTo(rec, 'ownership');
      const q = questionInto(playbook, 'ownership', 'decisions');
      raw(rec, { type: 'answer.completed', data: { step: 'ownership', question: q.id } });
      const [failure] = expectGate(finishStep(rec, skipOptional), 'ownership', ['no decision has been recorded']);
      expect(failure!.fix).toEqual({ kind: 'add-record', target: 'decisions' });
    });

    it('names D-2 when it has no due date, and holds once it gets one', () => {
      const rec = start(playbook);
      playTo(rec, 'ownership');
      const after = decisions(rec, [
        { title: 'Save and resume', owner: 'Priya Raman', due: '+7d', criteria: ['70% complete'] },
        { title: 'Freeze the brief', owner: 'Marcus Bell' },
      ]);
      const [failure] = expectGate(after, 'ownership', ['D-2 has no due date']);
      expect(failure!.fix).toEqual({ kind: 'decision-due', id: 'D-2' });
      expect(cycleOf(rec).decisions.get('D-1')!.due).toBe('2026-11-30');
      raw(rec, { type: 'decision.updated', data: { id: 'D-2', due: '2026-11-27' } });
      expect(nextOf(rec)).toMatchObject({ kind: 'pass', step: { id: 'ownership' } });
    });

    it('refuses two owners and a bad due date at input, saying why', () => {
      const rec = start(playbook);
      playTo(rec, 'ownership');
      const q = questionInto(playbook, 'ownership', 'decisions');
      const step = playbook.steps[2]!;
      for (const owner of ['Ann and Bob', 'Ann & Bob', 'Ann, Bob', 'Ann/Bob']) {
        const e = answerError(() => answerEvents(rec.flow(), step, q, { title: 'x', owner, due: '+7d' }));
        expect([e.field, e.message]).toEqual(['owner', `Owner "${owner}" names more than one person; give exactly one owner`]);
      }
      const bad = answerError(() => answerEvents(rec.flow(), step, q, { title: 'x', owner: 'Ann', due: '+3x' }));
      expect([bad.field, bad.message]).toEqual(['due', 'Due date: "+3x" is not a date (try 2026-12-04, +7d, next friday)']);
      expect(answerError(() => answerEvents(rec.flow(), step, q, { title: 'x', owner: '  ', due: '+7d' })).message).toBe('Owner (exactly one person) is missing');
    });

    it('fails on a decision that reached the ledger with two owners and no due date', () => {
      const rec = start(playbook);
      playTo(rec, 'ownership');
      decisions(rec, [{ title: 'Save and resume', owner: 'Priya Raman', due: '+7d' }]);
      raw(rec, { type: 'decision.added', data: { id: 'D-2', title: 'Added by hand', owner: 'Ann and Bob', criteria: [] } });
      const failures = expectGate(nextOf(rec), 'ownership', ['D-2 has more than one owner (Ann and Bob)', 'D-2 has no due date']);
      expect(failures.map((f) => f.fix)).toEqual([
        { kind: 'decision-owner', id: 'D-2' },
        { kind: 'decision-due', id: 'D-2' },
      ]);
      raw(rec, { type: 'decision.updated', data: { id: 'D-2', owner: 'Ann', due: '2026-12-04' } });
      expect(nextOf(rec).kind).toBe('pass');
    });

    it('checks a blocker: one owner, a fallback, a due time ahead that defaults to the playbook window, a decision that exists', () => {
      const rec = start(playbook);
      playTo(rec, 'ownership');
      const step = playbook.steps[2]!;
      const q = questionInto(playbook, 'ownership', 'blockers');
      answer(rec, [{ title: 'Save and resume', owner: 'Priya Raman', due: '+7d' }]);
      const [added] = answerEvents(rec.flow(), step, q, { title: 'No sandbox', owner: 'Sam', fallback: 'Use fixtures' });
      expect(added).toMatchObject({ type: 'blocker.added', data: { id: 'B-1', due: new Date(now.getTime() + playbook.cadence.blockerWindowHours * 3600_000).toISOString() } });
      expect(answerError(() => answerEvents(rec.flow(), step, q, { title: 'x', owner: 'Sam', fallback: 'f', due: 'yesterday' })).message).toBe('Due: "yesterday" is already past');
      expect(answerError(() => answerEvents(rec.flow(), step, q, { title: 'x', owner: 'Sam', fallback: 'f', decision: 'D-9' })).message).toBe('there is no decision D-9 in this cycle (decisions: D-1)');
      expect(answerError(() => answerEvents(rec.flow(), step, q, { title: 'x', owner: 'Sam' })).field).toBe('fallback');
    });
  });

  describe('evidence gate', () => {
    it('passes, listing each decision without evidence that meets its criteria as still open', () => {
      const rec = start(playbook);
      playTo(rec, 'evidence');
      const count = cycleOf(rec).decisions.size;
      expect(count).toBeGreaterThanOrEqual(2);
      const after = finishStep(rec, (q) =>
        q.into === 'evidence'
          ? [
              { decision: 'D-1', evidence: 'Prototype test: 9 of 12 resumed', meets: true },
              { decision: 'd2', evidence: 'Draft brief, compliance has not signed', meets: false },
            ]
          : skipOptional(q),
      );
      expect(after.kind).toBe('pass');
      if (after.kind !== 'pass') return;
      const open = [...cycleOf(rec).decisions.keys()].filter((id) => id !== 'D-1');
      expect(after.notes).toEqual(open.map((id) => `${id} has no evidence that meets its criteria; it stays open`));
    });

    it('refuses evidence for a decision that does not exist', () => {
      const rec = start(playbook);
      playTo(rec, 'evidence');
      const q = questionInto(playbook, 'evidence', 'evidence');
      const e = answerError(() => answerEvents(rec.flow(), playbook.steps[3]!, q, { decision: 'D-42', evidence: 'x', meets: true }));
      expect(e.message).toMatch(/^there is no decision D-42 in this cycle \(decisions: D-1, D-2/);
    });
  });

  describe('build-scope gate', () => {
    /** Up to build scope, with D-1 as the example has it, D-2 without criteria and D-3 not approved. */
    function toBuildScope() {
      const rec = start(playbook);
      playTo(rec, 'ownership');
      finishStep(rec, (q) =>
        q.into === 'decisions'
          ? [
              { title: 'Save and resume', owner: 'Priya Raman', due: '+7d', criteria: ['70% of timed-out patients resume'] },
              { title: 'Freeze the brief', owner: 'Marcus Bell', due: '+4d' },
              { title: 'EHR matching', owner: 'Lena Ortiz', due: '+14d', criteria: ['98% match accuracy'] },
            ]
          : q.into === 'blockers'
            ? SKIP
            : undefined,
      );
      play(rec, (n) => n.kind !== 'done' && n.step.id === 'build-scope');
      return { rec, step: playbook.steps[4]!, q: questionInto(playbook, 'build-scope', 'build-scope'), metric: playbook.metrics[0]!.id };
    }

    it('rejects at input a decision without testable criteria, and one without its owner\'s approval, with the reason', () => {
      const { rec, step, q, metric } = toBuildScope();
      const entry = { constraints: 'No PHI in links', behaviour: 'Resume at the same step', metric, target: 75 };
      const noCriteria = answerError(() => answerEvents(rec.flow(), step, q, { ...entry, decision: 'D-2', approved: true }));
      expect([noCriteria.field, noCriteria.message]).toEqual(['decision', 'D-2 has no testable acceptance criteria, so it cannot enter build scope']);
      const notApproved = answerError(() => answerEvents(rec.flow(), step, q, { ...entry, decision: 'D-3' }));
      expect([notApproved.field, notApproved.message]).toEqual(['approved', 'D-3 has no approval from its owner (Lena Ortiz), so it cannot enter build scope']);
      expect(answerError(() => answerEvents(rec.flow(), step, q, { ...entry, decision: 'D-3', approved: false })).field).toBe('approved');
      expect(answerError(() => answerEvents(rec.flow(), step, q, { ...entry, decision: 'D-1', approved: true, metric: 'nps' })).field).toBe('metric');
      // Approved now: the approval is recorded with the entry.
      expect(answerEvents(rec.flow(), step, q, { ...entry, decision: 'D-1', approved: true }).map((e) => e.type)).toEqual(['decision.approved', 'build-scope.added']);
    });

    it('holds with build scope empty (nothing approved yet), saying how to add an entry later, and with one approved entry', () => {
      const { rec, q, metric } = toBuildScope();
      expect(finishEvents(rec.flow(), playbook.steps[4]!, q)).toEqual([{ type: 'answer.completed', data: { step: 'build-scope', question: q.id } }]);
      raw(rec, { type: 'answer.completed', data: { step: 'build-scope', question: q.id } });
      const empty = finishStep(rec, skipOptional);
      expect(empty).toMatchObject({ kind: 'pass', step: { id: 'build-scope' } });
      if (empty.kind === 'pass') expect(empty.notes).toEqual([expect.stringMatching(/^build scope is empty: .*`playbook decision scope D-n --constraints \.\. --behaviour \.\. --metric \.\. --target \.\.` adds an entry later$/)]);
      raw(rec, { type: 'decision.approved', data: { id: 'D-1' } }, { type: 'build-scope.added', data: { decision: 'D-1', constraints: 'c', behaviour: 'b', metric, target: 1 } });
      expect(nextOf(rec)).toMatchObject({ kind: 'pass', notes: [] });
    });

    it('lets the evidence question close with no evidence: every open decision is listed as waiting', () => {
      const rec = start(playbook);
      playTo(rec, 'evidence');
      const q = questionInto(playbook, 'evidence', 'evidence');
      expect(finishEvents(rec.flow(), playbook.steps[3]!, q)).toEqual([{ type: 'answer.completed', data: { step: 'evidence', question: q.id } }]);
      const after = finishStep(rec, (x) => (x.into === 'evidence' ? [] : skipOptional(x)));
      expect(after.kind).toBe('pass');
      if (after.kind === 'pass') expect(after.notes).toEqual([...cycleOf(rec).decisions.keys()].map((id) => `${id} has no evidence that meets its criteria; it stays open`));
    });

    it('fails when an entry lost its approval or its criteria outside the session', () => {
      const { rec, q, metric } = toBuildScope();
      answer(rec, [{ decision: 'D-1', approved: true, constraints: 'c', behaviour: 'b', metric, target: 75 }]);
      finishStep(rec, skipOptional);
      expect(nextOf(rec).kind).toBe('pass');
      raw(rec, { type: 'build-scope.added', data: { decision: 'D-3', constraints: 'c', behaviour: 'b', metric, target: 2 } }, { type: 'decision.updated', data: { id: 'D-1', criteria: [] } });
      const failures = expectGate(nextOf(rec), 'build-scope', [
        'D-1 is in build scope without testable acceptance criteria',
        "D-3 is in build scope without its owner's approval",
      ]);
      expect(failures.map((f) => f.fix)).toEqual([
        { kind: 'decision-criteria', id: 'D-1' },
        { kind: 'decision-approval', id: 'D-3' },
      ]);
      expect(recordCount(cycleOf(rec), playbook.steps[4]!, q)).toBe(1);
    });
  });

  describe('post-release gate', () => {
    it('fails without a checkpoint, offering to add one, and the session ends once one is planned', () => {
      const rec = start(playbook);
      playTo(rec, 'post-release');
      const q = questionInto(playbook, 'post-release', 'checkpoints');
      expect(answerError(() => finishEvents(rec.flow(), playbook.steps[5]!, q)).message).toBe(`post-release.${q.id} needs at least one record`);
      raw(rec, { type: 'answer.completed', data: { step: 'post-release', question: q.id } });
      const [failure] = expectGate(finishStep(rec), 'post-release', ['no post-release checkpoint is planned']);
      expect(failure!.fix).toEqual({ kind: 'add-record', target: 'checkpoints' });
      const step = playbook.steps[5]!;
      rec.record((f) => answerEvents(f, step, q, { title: 'Week 1 review', kind: 'weekly', date: '+7d', owner: 'Priya Raman' }));
      expect(nextOf(rec)).toMatchObject({ kind: 'pass', step: { id: 'post-release' } });
      raw(rec, { type: 'step.passed', data: { step: 'post-release' } });
      expect(nextOf(rec)).toEqual({ kind: 'done' });
      expect(cycleOf(rec).checkpoints.get('C-1')).toMatchObject({ kind: 'weekly', date: '2026-11-30' });
    });

    it('refuses a post-launch owner who is two people, a metric of another playbook and a second plan for a metric', () => {
      const rec = start(playbook);
      playTo(rec, 'post-release');
      const step = playbook.steps[5]!;
      const owner = questionInto(playbook, 'post-release', 'cycle.post-launch-owner');
      expect(answerError(() => answerEvents(rec.flow(), step, owner, 'Ann and Bob')).message).toBe('The owner "Ann and Bob" names more than one person; give exactly one owner');
      const metrics = questionInto(playbook, 'post-release', 'metrics');
      expect(answerError(() => answerEvents(rec.flow(), step, metrics, { metric: 'not-a-metric', baseline: 1, target: 2 })).field).toBe('metric');
      const m = playbook.metrics[0]!;
      const ten = answerError(() => answerEvents(rec.flow(), step, metrics, { metric: m.id, baseline: 'ten', target: 2 }));
      expect([ten.field, ten.message]).toEqual(['baseline', `the baseline of ${m.id} (${m.unit}) must be a number (${valueRange(m.unit).label}), not "ten"`]);
      const checkpoints = questionInto(playbook, 'post-release', 'checkpoints');
      expect(answerError(() => answerEvents(rec.flow(), step, checkpoints, { title: 'x', kind: 'monthly', date: '+7d', owner: 'Ann' })).field).toBe('kind');
    });
  });
});

describe('questions with choices (customer success and operations)', () => {
  const cs = SHIPPED.find((p) => p.id === 'healthcare/customer-success')!.playbook;

  it('offers the risks recorded in this cycle to pressure-test first, by id or title, and refuses a catalog entry not recorded', () => {
    const rec = start(cs);
    const n = play(rec, (x) => x.kind === 'question' && x.question.type === 'choice' && x.question.into === 'notes');
    if (n.kind !== 'question') throw new Error('no choice question');
    const risks = [...cycleOf(rec).risks.values()];
    expect(risks.length).toBeGreaterThanOrEqual(2);
    const second = `${risks[1]!.id} ${risks[1]!.title}`;
    expect(answerEvents(rec.flow(), n.step, n.question, 'r2')).toMatchObject([{ type: 'note.added', data: { value: second } }]);
    expect(answerEvents(rec.flow(), n.step, n.question, risks[1]!.title.toUpperCase())).toMatchObject([{ data: { value: second } }]);
    const catalog = cs.risks.find((r) => !risks.some((x) => x.title === r.risk))!.risk;
    expect(answerError(() => answerEvents(rec.flow(), n.step, n.question, catalog)).message).toMatch(new RegExp(`^"${catalog.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" is not one of: R-1 `));
    expect(answerError(() => answerEvents(rec.flow(), n.step, n.question, 'R-9')).message).toMatch(/^"R-9" is not one of: /);
  });

  it('with no risk recorded, the pressure-test question refuses any answer and closes without one', () => {
    const rec = start(cs);
    playTo(rec, 'risk');
    raw(rec, { type: 'answer.completed', data: { step: 'risk', question: questionInto(cs, 'risk', 'risks').id } }); // as a hand-edited ledger could
    const n = nextOf(rec);
    if (n.kind !== 'question' || n.question.type !== 'choice') throw new Error('no choice question');
    expect(cycleOf(rec).risks.size).toBe(0);
    expect(answerError(() => answerEvents(rec.flow(), n.step, n.question, 'R-1')).message).toBe('"R-1" is not one of this cycle\'s risks: none is open');
    expect(finishEvents(rec.flow(), n.step, { ...n.question, required: true })).toEqual([{ type: 'answer.completed', data: { step: 'risk', question: n.question.id } }]);
  });

  it('takes yes or no for a confirm question and nothing else', () => {
    const rec = start(cs);
    const n = play(rec, (x) => x.kind === 'question' && x.question.type === 'confirm');
    if (n.kind !== 'question') throw new Error('no confirm question');
    expect(answerEvents(rec.flow(), n.step, n.question, 'no')).toMatchObject([{ data: { value: false } }]);
    expect(answerError(() => answerEvents(rec.flow(), n.step, n.question, 'maybe')).message).toBe('The answer must be yes or no');
  });

  it('refuses an empty multiple choice for the scope', () => {
    const rec = start(cs);
    const n = nextOf(rec);
    play(rec, (x) => x.kind === 'question' && x.question.type === 'multichoice');
    const q = nextOf(rec);
    if (q.kind !== 'question') throw new Error(`no multichoice question after ${String(n.kind)}`);
    expect(answerError(() => answerEvents(rec.flow(), q.step, q.question, [])).message).toBe('choose at least one');
  });
});
