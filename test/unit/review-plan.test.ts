// The weekly review as data (src/flow/review.ts): what the review walks through, and the events
// each answer becomes or the reason it is refused. Tables of cases over hand-built ledgers.
import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/ledger/events.js';
import { deriveState, type Blocker, type Cycle } from '../../src/ledger/state.js';
import { AnswerError } from '../../src/flow/records.js';
import {
  blockerAnswer,
  blockerEvents,
  pathLabel,
  readingEvents,
  ReviewAnswerError,
  reviewEvents,
  reviewPlan,
  typedId,
  type BlockerAnswer,
  type ReviewAnswers,
} from '../../src/flow/review.js';
import { prepareZone } from '../../src/zones.js';
import { eventsOf, cycleNamed } from '../helpers/events.js';
import { snapshotOf } from '../helpers/snapshot.js';

// Zones other than the system's load their Date class on demand, as the CLI does before a command.
await Promise.all(['UTC', 'America/New_York'].map(prepareZone));

const NOW = new Date('2026-11-23T09:00:00Z');
const TODAY = '2026-11-23';
const HOUR = 3600_000;
const iso = (hours: number) => new Date(NOW.getTime() + hours * HOUR).toISOString();

const SNAPSHOT = snapshotOf('c1', 'Cycle one');

/** A cycle derived from these events (after its creation), in order, all at NOW - 1h. */
function cycleOf(...drafts: NewEvent[]): Cycle {
  const events = eventsOf([{ type: 'cycle.created', data: { cycle: SNAPSHOT } } as NewEvent, ...drafts], { at: iso(-1), actor: 'Ana' });
  return cycleNamed(deriveState(events), 'c1');
}

const blocker = (id: string, dueInHours: number): NewEvent => ({ type: 'blocker.added', data: { id, title: `Blocker ${id}`, owner: 'Ben', due: iso(dueInHours), fallback: 'plan B' } });
const decision = (id: string): NewEvent => ({ type: 'decision.added', data: { id, title: `Decision ${id}`, owner: 'Chen', criteria: [] } });
const checkpoint = (id: string, date: string): NewEvent => ({ type: 'checkpoint.added', data: { id, title: `Checkpoint ${id}`, kind: 'weekly', date, owner: 'Dana' } });

describe('reviewPlan', () => {
  it.each([
    { name: 'a breached blocker comes first, then the rest by due time', blockers: [blocker('B-1', 30), blocker('B-2', -2), blocker('B-3', 5)], expected: [['B-2', true], ['B-3', false], ['B-1', false]] },
    { name: 'a blocker due exactly one review interval (7 days) ahead is in; one a minute later is out', blockers: [blocker('B-1', 7 * 24), { ...blocker('B-2', 0), data: { ...blocker('B-2', 0).data, due: new Date(NOW.getTime() + 7 * 24 * HOUR + 60_000).toISOString() } } as NewEvent], expected: [['B-1', false]] },
    { name: 'a resolved blocker is not reviewed, even when it was past due', blockers: [blocker('B-1', -5), { type: 'blocker.resolved', data: { id: 'B-1' } } as NewEvent, blocker('B-2', 1)], expected: [['B-2', false]] },
    { name: 'an escalated blocker still is, breached or not', blockers: [blocker('B-1', -1), { type: 'blocker.escalated', data: { id: 'B-1' } } as NewEvent], expected: [['B-1', true]] },
    { name: 'an extension moves a blocker out of the breach', blockers: [blocker('B-1', -1), { type: 'blocker.extended', data: { id: 'B-1', due: iso(24), reason: 'vendor' } } as NewEvent], expected: [['B-1', false]] },
    { name: 'no blockers, nothing to review', blockers: [], expected: [] },
  ])('blockers: $name', ({ blockers, expected }) => {
    const plan = reviewPlan(cycleOf(...blockers), NOW, TODAY);
    expect(plan.blockers.map(({ blocker: b, breached }) => [b.id, breached])).toEqual(expected);
  });

  it.each([
    { name: 'no checkpoint at all', checkpoints: [], expected: null },
    { name: 'only past ones', checkpoints: [checkpoint('C-1', '2026-11-22')], expected: null },
    { name: 'one today counts as next', checkpoints: [checkpoint('C-1', '2026-11-30'), checkpoint('C-2', TODAY)], expected: 'C-2' },
    { name: 'the earliest ahead, whatever the order it was planned in', checkpoints: [checkpoint('C-1', '2026-12-14'), checkpoint('C-2', '2026-11-20'), checkpoint('C-3', '2026-11-30')], expected: 'C-3' },
    { name: 'two on one day: the lower id', checkpoints: [checkpoint('C-2', '2026-11-30'), checkpoint('C-1', '2026-11-30')], expected: 'C-1' },
  ])('next checkpoint: $name', ({ checkpoints, expected }) => {
    expect(reviewPlan(cycleOf(...checkpoints), NOW, TODAY).nextCheckpoint?.id ?? null).toBe(expected);
  });

  it('asks for every metric with its latest reading by the time it describes (not the order typed) and its target; lists open checklist items and open decisions', () => {
    const plan = reviewPlan(
      cycleOf(
        { type: 'metric.planned', data: { metric: 'm-up', baseline: 50, target: 80 } },
        { type: 'metric.recorded', data: { metric: 'm-up', value: 70, at: iso(-1) } },
        { type: 'metric.recorded', data: { metric: 'm-up', value: 60, at: iso(-48) } },
        { type: 'checklist.done', data: { item: 'k2' } },
        decision('D-1'),
        decision('D-2'),
        { type: 'decision.closed', data: { id: 'D-1' } },
      ),
      NOW,
      TODAY,
    );
    expect(plan.metrics).toEqual([
      { id: 'm-up', name: 'Closure rate', unit: '%', latest: 70, target: 80 },
      { id: 'm-down', name: 'Cycle time', unit: 'days', latest: null, target: null },
    ]);
    expect(plan.checklist.map((c) => c.id)).toEqual(['k1', 'k3']);
    expect(plan.decisions.map((d) => d.id)).toEqual(['D-2']);
  });
});

describe('blockerAnswer', () => {
  it.each<[string, unknown, BlockerAnswer]>([
    ['a bare action', 'resolve', { action: 'resolve' }],
    ['any case, with spaces', '  Escalate ', { action: 'escalate' }],
    ['keep', 'keep', { action: 'keep' }],
    ['resolve with a note', { action: 'resolve', note: ' vendor sent the keys ' }, { action: 'resolve', note: 'vendor sent the keys' }],
    ['extend with due and reason', { action: 'extend', due: '+48h', reason: 'vendor late' }, { action: 'extend', due: '+48h', reason: 'vendor late' }],
    ['extend with a due given as a number of hours is text', { action: 'extend', due: 2026, reason: 'x' }, { action: 'extend', due: '2026', reason: 'x' }],
    ['an empty note left as null', { action: 'keep', note: null }, { action: 'keep' }],
  ])('reads %s', (_name, value, expected) => {
    expect(blockerAnswer(value)).toEqual(expected);
  });

  it.each<[string, unknown, string, string | undefined]>([
    ['an unknown action', 'reslove', '"reslove" is not one of resolve, extend, escalate, keep', 'action'],
    ['an unknown action in a mapping', { action: 'close' }, '"close" is not one of resolve, extend, escalate, keep', 'action'],
    ['a mapping without an action', { due: '+2d', reason: 'x' }, 'a blocker answer needs an action: resolve, extend, escalate, keep', 'action'],
    ['an unknown field', { action: 'resolve', notes: 'x' }, '"notes" is not part of a blocker answer (action, note, due, reason)', 'notes'],
    ['a due with resolve', { action: 'resolve', due: '+2d' }, '"due" does not go with resolve (resolve takes note)', 'due'],
    ['a reason with escalate', { action: 'escalate', reason: 'x' }, '"reason" does not go with escalate (escalate takes note)', 'reason'],
    ['a note with extend', { action: 'extend', due: '+2d', reason: 'x', note: 'y' }, '"note" does not go with extend (extend takes due and reason)', 'note'],
    ['a note with keep', { action: 'keep', note: 'y' }, '"note" does not go with keep (keep records nothing)', 'note'],
    ['an empty reason', { action: 'extend', due: '+2d', reason: '  ' }, 'reason must not be empty', 'reason'],
    ['a list', ['resolve'], 'a blocker answer is resolve, extend, escalate or keep, or a mapping with action (and due and reason to extend)', undefined],
    ['a number', 3, 'a blocker answer is resolve, extend, escalate or keep, or a mapping with action (and due and reason to extend)', undefined],
    ['nothing', null, 'a blocker answer is resolve, extend, escalate or keep, or a mapping with action (and due and reason to extend)', undefined],
  ])('refuses %s, naming the field', (_name, value, message, field) => {
    const error = catchError(() => blockerAnswer(value));
    expect(error).toBeInstanceOf(AnswerError);
    expect(error.message).toBe(message);
    expect(error.field).toBe(field);
  });
});

describe('blockerEvents', () => {
  const base = cycleOf(blocker('B-1', 30), blocker('B-2', -3), blocker('B-3', 30), { type: 'blocker.escalated', data: { id: 'B-3' } }, blocker('B-4', 30), { type: 'blocker.resolved', data: { id: 'B-4' } });
  const b = (id: string): Blocker => base.blockers.get(id)!;

  it.each<[string, string, BlockerAnswer, NewEvent[]]>([
    ['keep records nothing', 'B-1', { action: 'keep' }, []],
    ['keep on a resolved blocker records nothing', 'B-4', { action: 'keep' }, []],
    ['resolve', 'B-1', { action: 'resolve' }, [{ type: 'blocker.resolved', data: { id: 'B-1' } }]],
    ['resolve with a note', 'B-2', { action: 'resolve', note: 'done' }, [{ type: 'blocker.resolved', data: { id: 'B-2', note: 'done' } }]],
    ['resolve an escalated blocker', 'B-3', { action: 'resolve' }, [{ type: 'blocker.resolved', data: { id: 'B-3' } }]],
    ['escalate with a note', 'B-1', { action: 'escalate', note: 'CISO' }, [{ type: 'blocker.escalated', data: { id: 'B-1', note: 'CISO' } }]],
    ['extend by hours', 'B-1', { action: 'extend', due: '+72h', reason: ' vendor late ' }, [{ type: 'blocker.extended', data: { id: 'B-1', due: iso(72), reason: 'vendor late' } }]],
    ['extend a breached blocker to an exact time', 'B-2', { action: 'extend', due: '2026-11-27T17:00', reason: 'r' }, [{ type: 'blocker.extended', data: { id: 'B-2', due: '2026-11-27T17:00:00.000Z', reason: 'r' } }]],
    ['extend to a day: the end of that day', 'B-1', { action: 'extend', due: 'friday', reason: 'r' }, [{ type: 'blocker.extended', data: { id: 'B-1', due: '2026-11-27T23:59:59.999Z', reason: 'r' } }]],
  ])('%s', (_name, id, answer, events) => {
    expect(blockerEvents(b(id), answer, NOW, 'UTC')).toEqual(events);
  });

  it('reads a day in the time zone it is given: friday in New York ends at 04:59 UTC on Saturday', () => {
    expect(blockerEvents(b('B-1'), { action: 'extend', due: 'friday', reason: 'r' }, NOW, 'America/New_York')[0]!.data).toMatchObject({ due: '2026-11-28T04:59:59.999Z' });
  });

  it.each<[string, string, BlockerAnswer, string]>([
    ['resolve a resolved blocker', 'B-4', { action: 'resolve' }, 'B-4 is already resolved'],
    ['escalate a resolved blocker', 'B-4', { action: 'escalate' }, 'B-4 is already resolved'],
    ['extend a resolved blocker', 'B-4', { action: 'extend', due: '+72h', reason: 'r' }, 'B-4 is already resolved'],
    ['escalate twice', 'B-3', { action: 'escalate' }, 'B-3 is already escalated'],
    ['extend without a due time', 'B-1', { action: 'extend', reason: 'r' }, 'extending B-1 needs a new due time'],
    ['extend without a reason', 'B-1', { action: 'extend', due: '+72h' }, 'extending B-1 needs a reason'],
    ['extend with a blank reason', 'B-1', { action: 'extend', due: '+72h', reason: '   ' }, 'extending B-1 needs a reason'],
    ['extend to something that is not a date', 'B-1', { action: 'extend', due: 'soonish', reason: 'r' }, '"soonish" is not a date or time (try +48h, friday, 2026-12-04T17:00)'],
    ['extend into the past', 'B-2', { action: 'extend', due: '2026-11-20', reason: 'r' }, 'the new due time "2026-11-20" is already past'],
    ['extend to now', 'B-2', { action: 'extend', due: 'now', reason: 'r' }, 'the new due time "now" is already past'],
    ['extend to before the current due time', 'B-1', { action: 'extend', due: '+24h', reason: 'r' }, `the new due time "+24h" is not later than B-1's current one (Tue 24 Nov 15:00)`],
  ])('refuses to %s', (_name, id, answer, message) => {
    const error = catchError(() => blockerEvents(b(id), answer, NOW, 'UTC'));
    expect(error).toBeInstanceOf(AnswerError);
    expect(error.message).toBe(message);
  });
});

describe('readingEvents', () => {
  const M_UP = { id: 'm-up', unit: '%' };
  const recorded = (value: number, note?: string): NewEvent[] => [{ type: 'metric.recorded', data: { metric: 'm-up', value, at: NOW.toISOString(), ...(note ? { note } : {}) } }];
  it.each<[string, unknown, NewEvent[]]>([
    ['a number', 6.5, recorded(6.5)],
    ['a number as text', ' 72 ', recorded(72)],
    ['a percentage', '72%', recorded(72)],
    ['-0, as the JSON ledger would read it back', -0, recorded(0)],
    ['"-0" typed', '-0', recorded(0)],
    ['a value with a note', { value: 4, note: 'after the fix' }, recorded(4, 'after the fix')],
    ['nothing: no reading', null, []],
    ['an empty answer: no reading', '  ', []],
  ])('%s', (_name, value, events) => {
    const got = readingEvents(M_UP, value, NOW);
    expect(got).toEqual(events);
    if (got.length) expect(Object.is((got[0]!.data as { value: number }).value, -0)).toBe(false);
  });

  it.each<[string, unknown, string]>([
    ['a word', 'lots', 'a reading of m-up (%) must be a number (0 to 100), not "lots"'],
    ['infinity', 'Infinity', 'a reading of m-up (%) must be a number (0 to 100), not "Infinity"'],
    ['yes', true, 'a reading of m-up (%) must be a number (0 to 100), not "true"'],
    ['a list', [1], 'a reading of m-up (%) must be a number (0 to 100), not "1"'],
    ['a negative percentage', -3, 'a reading of m-up (%) must be 0 to 100, not -3'],
    ['a percentage over 100', '150%', 'a reading of m-up (%) must be 0 to 100, not 150'],
    ['a mapping without a value', { note: 'x' }, 'a reading of m-up needs a value'],
    ['a mapping with an unknown key', { value: 1, when: 'today' }, '"when" is not part of a reading (value, note)'],
  ])('refuses %s', (_name, value, message) => {
    const error = catchError(() => readingEvents(M_UP, value, NOW));
    expect(error).toBeInstanceOf(AnswerError);
    expect(error.message).toBe(message);
  });
});

describe('typedId and pathLabel', () => {
  it.each<[unknown, 'B' | 'D', string | undefined]>([
    ['B-3', 'B', 'B-3'],
    ['b3', 'B', 'B-3'],
    [' 3 ', 'B', 'B-3'],
    [12, 'D', 'D-12'],
    ['d-007', 'D', 'D-7'],
    ['D-3', 'B', undefined],
    ['B-', 'B', undefined],
    ['B-3x', 'B', undefined],
    [null, 'B', undefined],
  ])('%j as a %s id is %s', (typed, kind, expected) => {
    expect(typedId(kind, typed)).toBe(expected);
  });

  it.each<[(string | number)[], string]>([
    [['blockers', 'B-1', 'due'], 'blockers.B-1.due'],
    [['checklist', 0], 'checklist[1]'],
    [['weather'], 'weather'],
  ])('%j reads %s', (path, label) => expect(pathLabel(path)).toBe(label));
});

describe('reviewEvents: a whole answers file', () => {
  const cycle = cycleOf(blocker('B-1', 30), blocker('B-2', 30), blocker('B-3', 30), { type: 'blocker.resolved', data: { id: 'B-3' } }, decision('D-1'), decision('D-2'), { type: 'decision.closed', data: { id: 'D-2' } }, { type: 'checklist.done', data: { item: 'k3' } });
  const answers = (over: Partial<ReviewAnswers>): ReviewAnswers => ({ blockers: [], metrics: [], checklist: [], decisions: [], ...over });

  it('turns every answer into its events, in order (blockers, metrics, checklist, decisions), and says which ids it answered', () => {
    const { events, answered } = reviewEvents(
      cycle,
      answers({ blockers: [['b1', 'resolve'], ['B-2', 'keep']], metrics: [['m-down', '4'], ['m-up', null]], checklist: ['K1', 2, 'k1'], decisions: ['d1'] }),
      NOW,
      'UTC',
    );
    expect(events).toEqual([
      { type: 'blocker.resolved', data: { id: 'B-1' } },
      { type: 'metric.recorded', data: { metric: 'm-down', value: 4, at: NOW.toISOString() } },
      { type: 'checklist.done', data: { item: 'k1' } },
      { type: 'checklist.done', data: { item: 'k2' } },
      { type: 'decision.closed', data: { id: 'D-1' } },
    ]);
    expect(answered).toEqual({ blockers: new Set(['B-1', 'B-2']), metrics: new Set(['m-down', 'm-up']), checklist: new Set(['k1', 'k2']), decisions: new Set(['D-1']) });
  });

  it.each<[string, Partial<ReviewAnswers>, (string | number)[], string]>([
    ['a key that is no blocker id', { blockers: [['blocker one', 'resolve']] }, ['blockers', 'blocker one'], '"blocker one" is not a blocker id (like B-3)'],
    ['an unknown blocker', { blockers: [['B-9', 'resolve']] }, ['blockers', 'B-9'], 'there is no blocker B-9 in c1 (open: B-1, B-2)'],
    ['a blocker answered twice under two spellings', { blockers: [['B-1', 'keep'], ['b1', 'resolve']] }, ['blockers', 'b1'], 'B-1 is answered twice'],
    ['a resolved blocker resolved again', { blockers: [['B-3', 'resolve']] }, ['blockers', 'B-3'], 'B-3 is already resolved'],
    ['a past due, at the due field', { blockers: [['B-1', { action: 'extend', due: 'yesterday', reason: 'r' }]] }, ['blockers', 'B-1', 'due'], 'the new due time "yesterday" is already past'],
    ['a missing reason, at the reason field', { blockers: [['B-1', { action: 'extend', due: '+72h' }]] }, ['blockers', 'B-1', 'reason'], 'extending B-1 needs a reason'],
    ['an unknown metric, with a suggestion', { metrics: [['m-upp', 3]] }, ['metrics', 'm-upp'], '"m-upp" is not a metric of c1; did you mean "m-up"?'],
    ['an unknown metric, with the list', { metrics: [['velocity', 3]] }, ['metrics', 'velocity'], '"velocity" is not a metric of c1 (metrics: m-up, m-down)'],
    ['a reading that is not a number', { metrics: [['m-up', 'lots']] }, ['metrics', 'm-up'], 'a reading of m-up (%) must be a number (0 to 100), not "lots"'],
    ['a percentage over 100', { metrics: [['m-up', 101]] }, ['metrics', 'm-up'], 'a reading of m-up (%) must be 0 to 100, not 101'],
    ['a percentage sign on days', { metrics: [['m-down', '4%']] }, ['metrics', 'm-down'], 'a reading of m-down is in days, not a percentage: write it without "%" (0 or more)'],
    ['an unknown checklist item, second in the list', { checklist: ['k1', 'k9'] }, ['checklist', 1], '"k9" is not a checklist item of c1; did you mean "k1"?'],
    ['a checklist number out of range', { checklist: [4] }, ['checklist', 0], '"4" is not a checklist item of c1 (see `playbook checklist` for the ids and numbers)'],
    ['a checklist item already done', { checklist: ['k3'] }, ['checklist', 0], '"k3" is already done'],
    ['a decision id of the wrong kind', { decisions: ['B-1'] }, ['decisions', 0], '"B-1" is not a decision id (like D-3)'],
    ['an unknown decision', { decisions: ['D-9'] }, ['decisions', 0], 'there is no decision D-9 in c1'],
    ['a decision already closed', { decisions: ['D-1', 'D-2'] }, ['decisions', 1], 'D-2 is already closed'],
  ])('refuses %s, with where it sits in the file', (_name, over, path, message) => {
    const error = catchError(() => reviewEvents(cycle, answers(over), NOW, 'UTC'));
    expect(error).toBeInstanceOf(ReviewAnswerError);
    expect([(error as ReviewAnswerError).path, error.message]).toEqual([path, message]);
  });
});

function catchError(work: () => unknown): AnswerError {
  try {
    work();
  } catch (error) {
    return error as AnswerError;
  }
  throw new Error('expected an error, and none was thrown');
}
