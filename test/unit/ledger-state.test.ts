// State derivation, undo, the queries the commands ask, and the date parser: pure functions,
// proven with fast-check properties and tables of cases.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, EXIT } from '../../src/errors.js';
import { dayOf, parseDay, parseWhen, span } from '../../src/dates.js';
import { FIELD_NAMES, LEDGER_SCHEMA_VERSION, NewerLedgerError, type LedgerEvent, type NewEvent } from '../../src/ledger/events.js';
import { apply, deriveState, findCycleKey, isBreached, nextId, type Cycle, type LedgerState } from '../../src/ledger/state.js';
import { checklistView, currentStep, listBlockers, listDecisions, listRisks } from '../../src/ledger/queries.js';
import { metricViews, sparkline } from '../../src/report/trend.js';
import { commit, stampEvent, type Writer } from '../../src/ledger/ledger.js';
import { convertV1, lineHash } from '../../src/ledger/convert.js';
import { asciiJson } from '../../src/ledger/json.js';
import { layoutOf, POINTER, readLocal, readReplicas } from '../../src/ledger/replicas.js';
import { pick as pickUndo } from '../../src/commands/undo.js';
import { owner, recordId } from '../../src/commands/common.js';
import { STEP_IDS } from '../../src/playbook/schema.js';
import { prepareZone } from '../../src/zones.js';
import { snapshotOf } from '../helpers/snapshot.js';
import { cycleNamed, eventsOf, project } from '../helpers/events.js';

// Zones other than the system's load their Date class on demand, as the CLI does before a command.
await Promise.all(['UTC', 'America/New_York'].map(prepareZone));

// ---------------------------------------------------------------------------------------------------------
// Building ledgers by hand

const T0 = Date.parse('2026-11-23T09:00:00Z');
const HOUR = 3600_000;

type Draft = (NewEvent | { type: 'undo'; cycle?: string | null; data: { target: number } }) & { actor?: string; minutes?: number };

/**
 * The events of the drafts, one minute apart unless a draft says when, in cycle c1 unless it names one
 * (by the id people use). Written in the old numbered form and converted, as a version-1 ledger is read:
 * an undo names its target by number (1 is the first draft).
 */
function ledger(...drafts: Draft[]): LedgerEvent[] {
  let minutes = 0;
  return eventsOf(
    drafts.map((d) => {
      minutes = d.minutes ?? minutes + 1;
      const { minutes: _m, ...draft } = d;
      return { ...draft, at: new Date(T0 + minutes * 60_000).toISOString(), actor: d.actor ?? 'Ana' };
    }),
    { cycle: 'c1' },
  );
}

const created = (id = 'c1'): Draft => ({ type: 'cycle.created', data: { cycle: snapshotOf(id) } });
const undoOf = (target: number): Draft => ({ type: 'undo', data: { target } });

/** The cycle people call `id` ("c1"); the state is keyed by the id of the event that started it. */
function cycle(state: LedgerState, id = 'c1'): Cycle {
  return cycleNamed(state, id);
}

// ---------------------------------------------------------------------------------------------------------
// Random ledgers, as the commands would write them

const CYCLES = ['c1', 'c2'] as const;
const DECISIONS = ['D-1', 'D-2', 'D-3', 'D-4'];
const BLOCKERS = ['B-1', 'B-2', 'B-3'];
const RISKS = ['R-1', 'R-2', 'R-3'];
const CHECKPOINTS = ['C-1', 'C-2'];
const METRICS = ['m-up', 'm-down', 'unplanned'];
const people = fc.constantFrom('Ana', 'Ben', 'Chen', 'Dana');
const words = fc.constantFrom('alpha', 'beta', 'gamma', 'delta', 'a note', 'Ünïcode ✓');
const note = fc.option(words, { nil: undefined });
const day = fc.integer({ min: 0, max: 60 }).map((n) => new Date(T0 + n * 24 * HOUR).toISOString().slice(0, 10));
const instant = fc.integer({ min: -200, max: 400 }).map((h) => new Date(T0 + h * HOUR).toISOString());
const level = fc.constantFrom('low' as const, 'medium' as const, 'high' as const);
const step = fc.constantFrom(...STEP_IDS);
const withNote = <T extends object>(data: T, n: string | undefined) => (n === undefined ? data : { ...data, note: n });

/** One change a command could make. `undo` drafts are resolved when the ledger is built (see materialise). */
const changeArb: fc.Arbitrary<NewEvent | 'undo'> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...CYCLES).map((id): NewEvent => ({ type: 'cycle.created', data: { cycle: snapshotOf(id) } })) },
  // Written by version 1's `use`; read as it is, it no longer moves anybody's current cycle.
  { weight: 1, arbitrary: fc.constantFrom(...CYCLES, 'gone').map((id): NewEvent => ({ type: 'cycle.selected', data: { cycle: id } })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...FIELD_NAMES), fc.oneof(words, fc.array(words, { maxLength: 3 })))
      .map(([field, value]): NewEvent => ({ type: 'cycle.field', data: { field, value } })),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({ id: fc.constantFrom(...DECISIONS), title: words, owner: people, due: fc.option(day, { nil: undefined }), criteria: fc.array(words, { maxLength: 2 }) })
      .map(({ due, ...d }): NewEvent => ({ type: 'decision.added', data: due === undefined ? d : { ...d, due } })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ id: fc.constantFrom(...DECISIONS), owner: fc.option(people, { nil: undefined }), due: fc.option(day, { nil: undefined }), criteria: fc.option(fc.array(words), { nil: undefined }) })
      .map((d): NewEvent => ({ type: 'decision.updated', data: project(d) as { id: string } })),
  },
  { weight: 2, arbitrary: fc.constantFrom(...DECISIONS).map((id): NewEvent => ({ type: 'decision.approved', data: { id } })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...DECISIONS), note).map(([id, n]): NewEvent => ({ type: 'decision.closed', data: withNote({ id }, n) })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...DECISIONS), note).map(([id, n]): NewEvent => ({ type: 'decision.reopened', data: withNote({ id }, n) })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ decision: fc.constantFrom(...DECISIONS), evidence: words, meets: fc.boolean() })
      .map((data): NewEvent => ({ type: 'evidence.added', data })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ decision: fc.constantFrom(...DECISIONS), constraints: words, behaviour: words, metric: fc.constantFrom(...METRICS), target: fc.integer({ min: 0, max: 100 }) })
      .map((data): NewEvent => ({ type: 'build-scope.added', data })),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({ id: fc.constantFrom(...BLOCKERS), title: words, owner: people, due: instant, fallback: fc.constantFrom('', 'use fixtures'), decision: fc.option(fc.constantFrom(...DECISIONS), { nil: undefined }) })
      .map(({ decision, ...b }): NewEvent => ({ type: 'blocker.added', data: decision === undefined ? b : { ...b, decision } })),
  },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...BLOCKERS), note).map(([id, n]): NewEvent => ({ type: 'blocker.resolved', data: withNote({ id }, n) })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...BLOCKERS), note).map(([id, n]): NewEvent => ({ type: 'blocker.escalated', data: withNote({ id }, n) })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...BLOCKERS), instant, words).map(([id, due, reason]): NewEvent => ({ type: 'blocker.extended', data: { id, due, reason } })) },
  {
    weight: 3,
    arbitrary: fc
      .record({ id: fc.constantFrom(...RISKS), title: words, impact: level, cost: level, mitigation: words, owner: people })
      .map((data): NewEvent => ({ type: 'risk.added', data })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ id: fc.constantFrom(...RISKS), mitigation: fc.option(words, { nil: undefined }), owner: fc.option(people, { nil: undefined }) })
      .map((d): NewEvent => ({ type: 'risk.updated', data: project(d) as { id: string } })),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...RISKS), note).map(([id, n]): NewEvent => ({ type: 'risk.closed', data: withNote({ id }, n) })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ metric: fc.constantFrom(...METRICS), baseline: fc.integer({ min: 0, max: 100 }), target: fc.integer({ min: 0, max: 100 }) })
      .map((data): NewEvent => ({ type: 'metric.planned', data })),
  },
  {
    weight: 3,
    arbitrary: fc
      // JSON has no -0 (it is written as 0), so a stored ledger never holds one: -0 is mapped to 0 and every
      // other finite double in range, fractions and negatives included, is still generated.
      .tuple(fc.constantFrom(...METRICS), fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v)), instant, note)
      .map(([metric, value, at, n]): NewEvent => ({ type: 'metric.recorded', data: withNote({ metric, value, at }, n) })),
  },
  { weight: 2, arbitrary: fc.constantFrom('k1', 'k2', 'k3', 'k9').map((item): NewEvent => ({ type: 'checklist.done', data: { item } })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ id: fc.constantFrom(...CHECKPOINTS), title: words, kind: fc.constantFrom('weekly' as const, 'midpoint' as const, 'retrospective' as const), date: day, owner: people })
      .map((data): NewEvent => ({ type: 'checkpoint.added', data })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ step, question: fc.constantFrom('q1', 'q2'), value: fc.oneof(words, fc.integer(), fc.boolean(), fc.array(words, { maxLength: 2 })) })
      .map((data): NewEvent => ({ type: 'note.added', answer: { step: data.step, question: data.question }, data })),
  },
  { weight: 1, arbitrary: fc.record({ step, question: fc.constantFrom('q1', 'q2') }).map((data): NewEvent => ({ type: 'answer.completed', data })) },
  { weight: 1, arbitrary: step.map((s): NewEvent => ({ type: 'step.passed', data: { step: s } })) },
  { weight: 3, arbitrary: fc.constant('undo' as const) },
);

/** The replicas (clones) that write the random ledgers: each change is made by one of them. */
const REPLICAS = ['ana-laptop', 'ben-laptop'] as const;
/** A cycle key no cycle.created event has: events naming it are ignored. */
const GONE = '0000000000ZZZZZZZZZZZZZZZZ';

/** A change, the cycle it is written in (null: none; "gone": one never started), who made it, and on which clone. */
const draftArb = fc.tuple(changeArb, fc.constantFrom<string | null>('c1', 'c1', 'c2', null, 'gone'), people, fc.constantFrom(...REPLICAS));
type RandomDraft = [NewEvent | 'undo', string | null, string, string];

/** The key of the newest cycle people call `id` (a clone writes to the one it sees), GONE when there is none. */
function keyOf(state: LedgerState, id: string | null): string | null {
  if (id === null) return null;
  return [...state.cycles.values()].filter((c) => c.snapshot.id === id).at(-1)?.key ?? GONE;
}

/** Where a replica's next event goes, from the events it already wrote. */
function writerOf(events: readonly LedgerEvent[], replica: string): Writer {
  const own = events.filter((e) => e.replica === replica);
  const last = own.at(-1);
  return { replica, seq: last?.seq ?? 0, prev: last === undefined ? undefined : lineHash(asciiJson(last)!) };
}

const NO_OPTIONS = { options: {} };

/**
 * Builds a ledger the way the commands write one, each change stamped by stampEvent on the state the
 * clone sees (every clone here has seen every earlier event): a fresh id after everything seen, a minute
 * after the last change, the record it acts on by key. An `undo` undoes the clone's own newest change in
 * the current cycle, as `playbook undo` does, and is left out when undo would refuse (nothing of the
 * clone's to undo, or a later change builds on it).
 */
function materialise(drafts: RandomDraft[], startsWithCycle = true): LedgerEvent[] {
  const events: LedgerEvent[] = [];
  let state = deriveState([]);
  const push = (change: NewEvent, cycleKey: string | null, actor: string, replica: string) => {
    const ctx = { now: new Date(T0 + (events.length + 1) * 60_000), actor, command: change.type };
    const event = stampEvent(ctx, state, change, cycleKey, writerOf(events, replica), 0);
    events.push(event);
    if (event.type === 'undo') state = deriveState(events);
  };
  if (startsWithCycle) push({ type: 'cycle.created', data: { cycle: snapshotOf('c1') } }, null, 'Ana', REPLICAS[0]);
  for (const [change, cycleId, actor, replica] of drafts) {
    if (change === 'undo') {
      let target: LedgerEvent;
      try {
        target = pickUndo(NO_OPTIONS, state, events, replica, undefined, false);
      } catch (error) {
        if (error instanceof CliError) continue;
        throw error;
      }
      push({ type: 'undo', cycle: target.cycle, data: { target: target.id } }, target.cycle, actor, replica);
    } else {
      push(change, keyOf(state, cycleId), actor, replica);
    }
  }
  return events;
}

const ledgerArb = fc.tuple(fc.array(draftArb, { maxLength: 40 }), fc.boolean()).map(([drafts, start]) => materialise(drafts, start));
/** Ledgers written by one clone alone. */
const soloLedgerArb = fc
  .tuple(fc.array(draftArb, { maxLength: 40 }), fc.boolean())
  .map(([drafts, start]) => materialise(drafts.map(([c, cy, a]) => [c, cy, a, REPLICAS[0]] as RandomDraft), start));

const RUNS = { numRuns: 300 };

/** The ledger's files in a fresh folder: the pointer and one events file per replica, as the commands leave them. */
function writeLedger(dir: string, events: readonly LedgerEvent[]): string {
  const path = join(dir, 'ledger.json');
  mkdirSync(join(dir, 'events'), { recursive: true });
  writeFileSync(path, POINTER);
  for (const replica of new Set(events.map((e) => e.replica))) {
    const lines = events.filter((e) => e.replica === replica).map((e) => `${asciiJson(e)}\n`);
    writeFileSync(join(dir, 'events', `${replica}.jsonl`), lines.join(''));
  }
  return path;
}

// ---------------------------------------------------------------------------------------------------------

describe('state derivation: replaying the events reproduces the state', () => {
  it('the generated ledgers are valid ledgers (the reader accepts every event, in the order of their ids)', () => {
    const root = mkdtempSync(join(tmpdir(), 'playbook-state-'));
    let run = 0;
    try {
      fc.assert(
        fc.property(ledgerArb, (events) => {
          const dir = join(root, String(run++));
          const read = readReplicas(layoutOf(writeLedger(dir, events), { XDG_STATE_HOME: join(root, 'state') }));
          expect(read?.events.map((e) => e.id)).toStrictEqual(events.map((e) => e.id));
          expect(read?.skipped).toEqual([]);
          // Ids increase: each change sorts after everything its writer had seen.
          for (let i = 1; i < events.length; i++) expect(events[i]!.id > events[i - 1]!.id).toBe(true);
        }),
        { numRuns: 100 },
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('deriving events[0..n] and then applying the rest one by one equals deriving all of them', () => {
    fc.assert(
      fc.property(
        // `apply` is the incremental path commit() takes for an append without an undo in it (an append
        // with one derives afresh), so the split falls after the last undo.
        ledgerArb.chain((events) => {
          const afterLastUndo = events.findLastIndex((e) => e.type === 'undo') + 1;
          return fc.tuple(fc.constant(events), fc.integer({ min: afterLastUndo, max: events.length }));
        }),
        ([events, n]) => {
          const incremental = deriveState(events.slice(0, n));
          for (const e of events.slice(n)) {
            apply(incremental, e);
            incremental.lastEventId = e.id;
          }
          expect(project(incremental)).toStrictEqual(project(deriveState(events)));
        },
      ),
      RUNS,
    );
  });

  it('deriving twice from the same events gives the same state, and never changes the events', () => {
    fc.assert(
      fc.property(ledgerArb, (events) => {
        const before = JSON.stringify(events);
        const a = deriveState(events);
        const b = deriveState(events);
        expect(project(a)).toStrictEqual(project(b));
        expect(JSON.stringify(events)).toBe(before);
      }),
      { numRuns: 150 },
    );
  });

  it('a ledger written to its files and read back derives the same state', () => {
    const root = mkdtempSync(join(tmpdir(), 'playbook-state-'));
    let run = 0;
    try {
      fc.assert(
        fc.property(ledgerArb, (events) => {
          const dir = join(root, String(run++));
          const read = readReplicas(layoutOf(writeLedger(dir, events), { XDG_STATE_HOME: join(root, 'state') }))!;
          expect(project(deriveState(read.events))).toStrictEqual(project(deriveState(events)));
        }),
        { numRuns: 150 },
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('the last event id is the id of the last event, undo or not', () => {
    fc.assert(
      fc.property(ledgerArb, (events) => {
        expect(deriveState(events).lastEventId).toBe(events.at(-1)?.id);
      }),
      { numRuns: 100 },
    );
  });
});

describe('state derivation with a focus on one cycle', () => {
  it('the focused cycle, the current cycle, the cycle ids and the last event id are those of the full state', () => {
    fc.assert(
      fc.property(
        ledgerArb,
        fc.constantFrom<string | undefined>(undefined, 'c1', 'c2', 'gone'),
        fc.constantFrom<'none' | 'first' | 'last' | 'gone'>('none', 'first', 'last', 'gone'),
        (events, named, chosen) => {
          // This clone's own choice of current cycle (replica.json), when it made one.
          const keys = [...deriveState(events).cycles.keys()];
          const current = chosen === 'none' ? undefined : chosen === 'gone' ? GONE : chosen === 'first' ? keys[0] : keys.at(-1);
          const full = deriveState(events, { all: true, current });
          const focused = deriveState(events, { cycle: named, current });
          expect(focused.current).toBe(full.current);
          expect(focused.lastEventId).toBe(full.lastEventId);
          expect([...focused.cycles.keys()]).toStrictEqual([...full.cycles.keys()]);
          expect([...focused.cycles.values()].map((c) => c.id)).toStrictEqual([...full.cycles.values()].map((c) => c.id));
          const key = named === undefined ? full.current : findCycleKey(full, named);
          if (key !== null) expect(project(focused.cycles.get(key))).toStrictEqual(project(full.cycles.get(key)));
        },
      ),
      RUNS,
    );
  });

  it('the other cycles are left empty: their events are not replayed', () => {
    const events = ledger(
      created('c1'),
      { type: 'blocker.added', data: { id: 'B-1', title: 'alpha', owner: 'Ana', due: new Date(T0).toISOString(), fallback: '' } },
      created('c2'),
      { type: 'blocker.added', cycle: 'c2', data: { id: 'B-1', title: 'beta', owner: 'Ben', due: new Date(T0).toISOString(), fallback: '' } },
    );
    const focused = deriveState(events, {});
    expect(focused.current).toBe(cycle(focused, 'c2').key);
    expect(cycle(focused, 'c2').blockers.get('B-1')?.title).toBe('beta');
    expect(cycle(focused, 'c1').blockers.size).toBe(0);
    expect(cycle(deriveState(events, { cycle: 'c1' }), 'c1').blockers.get('B-1')?.title).toBe('alpha');
    // The clone's own choice of current cycle is the one derived when no cycle is named.
    const onC1 = deriveState(events, { current: events[0]!.id });
    expect(onC1.current).toBe(events[0]!.id);
    expect(cycle(onC1, 'c1').blockers.get('B-1')?.title).toBe('alpha');
    expect(cycle(onC1, 'c2').blockers.size).toBe(0);
  });
});

/** An undo of `target` written by `replica`, as `playbook undo` writes it. */
function undoEvent(state: LedgerState, events: readonly LedgerEvent[], target: LedgerEvent, replica: string): LedgerEvent {
  const ctx = { now: new Date(T0 + 1e9), actor: 'Zed', command: 'undo' };
  return stampEvent(ctx, state, { type: 'undo', cycle: target.cycle, data: { target: target.id } }, target.cycle, writerOf(events, replica), 0);
}

/**
 * The state as a user sees it, but for the id of the last event written (an undo is an event too) and
 * the numbers each kind has claimed, which an undone record keeps.
 */
function withoutCounters(state: LedgerState): unknown {
  const { lastEventId: _ignored, ...rest } = state;
  return project({ ...rest, cycles: new Map([...state.cycles].map(([k, c]) => [k, { ...c, counters: null }])) });
}

describe('undo takes back this clone\'s newest change in the cycle, and nothing else', () => {
  it('derive(events + undo(change)) equals derive(events without that change), but the number it claimed stays claimed', () => {
    fc.assert(
      fc.property(ledgerArb, fc.constantFrom(...REPLICAS), (events, replica) => {
        const state = deriveState(events);
        let target: LedgerEvent | undefined;
        try {
          target = pickUndo(NO_OPTIONS, state, events, replica, undefined, false);
        } catch (error) {
          if (!(error instanceof CliError)) throw error;
        }
        fc.pre(target !== undefined);
        const t = target;
        expect(t.replica).toBe(replica);
        expect(t.cycle).toBe(state.current);
        const undone = deriveState([...events, undoEvent(deriveState(events), events, t, replica)]);
        const without = deriveState(events.filter((e) => e.id !== t.id));
        expect(withoutCounters(undone)).toStrictEqual(withoutCounters(without));
        for (const [key, c] of undone.cycles) {
          const expected = { ...without.cycles.get(key)!.counters };
          const id = (t.data as { id?: unknown }).id;
          if (t.type.endsWith('.added') && t.cycle === key && typeof id === 'string') {
            const kind = id[0] as keyof typeof expected;
            expected[kind] = Math.max(expected[kind], Number(id.slice(2)));
          }
          expect(c.counters, `numbers claimed in ${c.id}`).toStrictEqual(expected);
        }
      }),
      RUNS,
    );
  });

  it('a clone working alone undoes every change, one at a time, until nothing is left and no cycle remains', () => {
    fc.assert(
      fc.property(soloLedgerArb, (events) => {
        const all = [...events];
        let refusal = '';
        for (let guard = 0; guard < 200; guard++) {
          const state = deriveState(all);
          let target: LedgerEvent;
          try {
            target = pickUndo(NO_OPTIONS, state, all, REPLICAS[0], undefined, false);
          } catch (error) {
            if (!(error instanceof CliError)) throw error;
            refusal = error.message;
            break;
          }
          all.push(undoEvent(state, all, target, REPLICAS[0]));
        }
        const state = deriveState(all);
        expect(refusal).toBe('the ledger has no cycle yet');
        expect(state.cycles.size).toBe(0);
        expect(state.current).toBeNull();
      }),
      { numRuns: 100 },
    );
  });

  it('the change to undo is this clone\'s newest one not yet undone, never an undo, never a teammate\'s unless named', () => {
    const events: LedgerEvent[] = [];
    let state = deriveState([]);
    const write = (replica: string, e: NewEvent) => {
      const event = stampEvent({ now: new Date(T0 + events.length * 60_000), actor: replica, command: 'test' }, state, e, state.current, writerOf(events, replica), 0);
      events.push(event);
      if (event.type === 'undo') state = deriveState(events);
      return event;
    };
    const decision = (id: string): NewEvent => ({ type: 'decision.added', data: { id, title: id, owner: 'Ana', due: '2026-11-30', criteria: [] } });
    write('ana', { type: 'cycle.created', data: { cycle: snapshotOf('c1') } });
    const d1 = write('ana', decision('D-1'));
    const d2 = write('ana', decision('D-2'));
    const d3 = write('ben', decision('D-3'));
    const pickFor = (replica: string, typed?: string, force = false) => pickUndo(NO_OPTIONS, state, events, replica, typed, force);
    // Ben's D-3 is the newest change, but Ana's undo takes her own D-2.
    expect(pickFor('ana').id).toBe(d2.id);
    expect(pickFor('ben').id).toBe(d3.id);
    write('ana', { type: 'undo', cycle: d2.cycle, data: { target: d2.id } });
    expect([...cycle(state).decisions.keys()]).toEqual(['D-1', 'D-3']);
    // The undo itself is not a change to undo; the next is D-1, then nothing of Ana's but the cycle, which Ben's D-3 builds on.
    expect(pickFor('ana').id).toBe(d1.id);
    write('ana', { type: 'undo', cycle: d1.cycle, data: { target: d1.id } });
    expect(() => pickFor('ana')).toThrow(/later change builds on event/);
    // A clone that wrote nothing has nothing to undo; a teammate's change is undone by naming it.
    expect(() => pickFor('carl')).toThrow(/nothing of this clone's to undo/);
    expect(pickFor('carl', d3.id.slice(10, 18).toLowerCase()).id).toBe(d3.id);
    // An undone change cannot be undone again, nor can an undo.
    expect(() => pickFor('ana', d2.id)).toThrow(/already undone/);
    expect(() => pickFor('ana', events.at(-1)!.id)).toThrow(/is an undo/);
    // Numbers are never given out twice: D-1 and D-2 were undone, the next decision is still D-4.
    expect(nextId(cycle(state), 'D')).toBe('D-4');
  });

  it('a cycle switch written by version 1 is where a converted ledger starts; a clone\'s own choice wins; undoing a cycle\'s start brings back the one before', () => {
    const events = ledger(created('c1'), created('c2'), { type: 'cycle.selected', cycle: 'c1', data: { cycle: 'c1' } });
    expect(deriveState(events).current).toBe(cycle(deriveState(events), 'c1').key);
    // Which cycle is current is each clone's own choice now (replica.json), not an event in the shared files.
    expect(deriveState(events, { all: true, current: events[1]!.id }).current).toBe(events[1]!.id);
    // A cycle started after the switch is the newest: a clone without a choice of its own works on it.
    const later = ledger(created('c1'), created('c2'), { type: 'cycle.selected', cycle: 'c1', data: { cycle: 'c1' } }, created('c3'));
    expect(deriveState(later).current).toBe(cycle(deriveState(later), 'c3').key);
    const undone = deriveState(ledger(created('c1'), created('c2'), undoOf(2)));
    expect([...undone.cycles.values()].map((c) => c.id)).toEqual(['c1']);
    expect(undone.current).toBe(cycle(undone, 'c1').key);
  });
});

describe('the commit path (incremental apply inside the lock) agrees with a fresh derivation', () => {
  it('after any sequence of commits, the state commit() returns equals deriving the files it wrote, focused on the current cycle', () => {
    const dir = mkdtempSync(join(tmpdir(), 'playbook-state-'));
    try {
      let run = 0;
      fc.assert(
        fc.property(fc.array(fc.tuple(changeArb, people), { minLength: 1, maxLength: 12 }), (changes) => {
          const path = join(dir, `ledger-${run++}.json`);
          const env = { XDG_STATE_HOME: join(dir, 'state'), XDG_CACHE_HOME: join(dir, 'cache') };
          const ctx = { options: { ledger: path }, env, cwd: dir, now: new Date(T0), actor: 'Ana', command: 'test' };
          let state = commit(ctx, () => [{ type: 'cycle.created', data: { cycle: snapshotOf('c1') } }], { create: true }).state;
          for (const [change, actor] of changes) {
            state = commit({ ...ctx, actor }, (s, events, local) => {
              if (change !== 'undo') return [change];
              try {
                const target = pickUndo(NO_OPTIONS, s, events.cycle, local.replica, undefined, false);
                return [{ type: 'undo', cycle: target.cycle, data: { target: target.id } }];
              } catch (error) {
                if (error instanceof CliError) return [];
                throw error;
              }
            }).state;
          }
          const layout = layoutOf(path, env);
          const written = readReplicas(layout)!;
          // A change derives the cycle it is about (every cycle started, that one's records): as a
          // derivation of the files focused on this clone's current cycle does.
          expect(project(state)).toStrictEqual(project(deriveState(written.events, { current: readLocal(layout).current })));
        }),
        { numRuns: 30 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('state derivation: what each event does', () => {
  it('a decision goes open → approved → closed → reopened, each step stamped with who and when', () => {
    const events = ledger(
      created(),
      { type: 'decision.added', actor: 'Ana', data: { id: 'D-1', title: 'Ship', owner: 'Priya', due: '2026-12-04', criteria: ['c'] } },
      { type: 'decision.approved', actor: 'Priya', data: { id: 'D-1' } },
      { type: 'decision.closed', actor: 'Ben', data: { id: 'D-1', note: 'done' } },
    );
    const d = cycle(deriveState(events)).decisions.get('D-1')!;
    expect(d).toMatchObject({ status: 'closed', owner: 'Priya', due: '2026-12-04', criteria: ['c'] });
    expect(d.approved).toEqual({ at: '2026-11-23T09:03:00.000Z', actor: 'Priya', event: events[2]!.id });
    expect(d.closed).toEqual({ at: '2026-11-23T09:04:00.000Z', actor: 'Ben', event: events[3]!.id });
    expect(d.created.event).toBe(events[1]!.id);
    expect(d.key).toBe(events[1]!.id);
    expect(d.heads).toEqual([events[3]!.id]);
    expect(d.conflict).toBeNull();

    const reopened = deriveState(ledger(created(), { type: 'decision.added', data: { id: 'D-1', title: 'Ship', owner: 'Priya', due: '2026-12-04', criteria: [] } }, { type: 'decision.closed', data: { id: 'D-1' } }, { type: 'decision.reopened', data: { id: 'D-1' } }));
    expect(cycle(reopened).decisions.get('D-1')).toMatchObject({ status: 'open', closed: null });
  });

  it('a blocker is open, escalated, then resolved; an extension moves its due time and keeps the reason', () => {
    const state = deriveState(
      ledger(
        created(),
        { type: 'blocker.added', data: { id: 'B-1', title: 'EHR', owner: 'Sam', due: '2026-11-25T09:00:00.000Z', fallback: 'fixtures' } },
        { type: 'blocker.escalated', data: { id: 'B-1', note: 'to the CTO' } },
        { type: 'blocker.extended', data: { id: 'B-1', due: '2026-11-27T09:00:00.000Z', reason: 'vendor holiday' } },
      ),
    );
    const b = cycle(state).blockers.get('B-1')!;
    expect(b).toMatchObject({ status: 'escalated', due: '2026-11-27T09:00:00.000Z', notes: ['to the CTO', 'vendor holiday'], resolved: null });
    const events = ledger(created(), { type: 'blocker.added', data: { id: 'B-1', title: 'EHR', owner: 'Sam', due: '2026-11-25T09:00:00.000Z', fallback: '' } }, { type: 'blocker.resolved', data: { id: 'B-1' } });
    expect(cycle(deriveState(events)).blockers.get('B-1')).toMatchObject({ status: 'resolved', resolved: { event: events[2]!.id } });
  });

  it('ids are numbered per kind and per cycle from the highest seen: D-3 after D-2, B-1 in a new cycle', () => {
    const state = deriveState(
      ledger(
        created('c1'),
        { type: 'decision.added', data: { id: 'D-1', title: 'a', owner: 'A', due: '2026-12-01', criteria: [] } },
        { type: 'decision.added', data: { id: 'D-2', title: 'b', owner: 'A', due: '2026-12-01', criteria: [] } },
        { type: 'blocker.added', data: { id: 'B-1', title: 'a', owner: 'A', due: '2026-12-01T00:00:00Z', fallback: '' } },
        created('c2'),
      ),
    );
    expect(nextId(cycle(state, 'c1'), 'D')).toBe('D-3');
    expect(nextId(cycle(state, 'c1'), 'B')).toBe('B-2');
    expect(nextId(cycle(state, 'c1'), 'R')).toBe('R-1');
    expect(nextId(cycle(state, 'c2'), 'D')).toBe('D-1');
    expect(nextId(cycle(state, 'c2'), 'B')).toBe('B-1');
  });

  it('a number is never given out twice: after D-2 is undone, the next decision is D-3; in a focused state too', () => {
    const events = ledger(
      created('c1'),
      { type: 'decision.added', data: { id: 'D-1', title: 'a', owner: 'A', due: '2026-12-01', criteria: [] } },
      { type: 'decision.added', data: { id: 'D-2', title: 'b', owner: 'A', due: '2026-12-01', criteria: [] } },
      undoOf(3),
    );
    for (const state of [deriveState(events), deriveState(events, { cycle: 'c1' })]) {
      expect([...cycle(state).decisions.keys()]).toEqual(['D-1']);
      expect(nextId(cycle(state), 'D')).toBe('D-3');
    }
  });

  it('two cycles started with one id are told apart by a letter that is no other cycle\'s id, so each can be named', () => {
    const state = deriveState(ledger(created('launch'), created('launcha'), created('launch')));
    const ids = [...state.cycles.values()].map((c) => c.id);
    expect(ids).toEqual(['launchb', 'launcha', 'launchc']);
    for (const id of ids) expect(cycle(state, id).id).toBe(id);
    expect(() => cycle(state, 'launch')).toThrow(/ambiguous: launchb .*launchc/);
  });

  it('a new cycle becomes current; a version-1 cycle switch to a cycle that exists moves it; the clone\'s own choice holds when that cycle exists', () => {
    const events = ledger(created('c1'), created('c2'));
    const [c1, c2] = [events[0]!.id, events[1]!.id];
    expect(deriveState(events).current).toBe(c2);
    expect(deriveState(ledger(created('c1'), created('c2'), { type: 'cycle.selected', cycle: 'nope', data: { cycle: 'nope' } })).current).toBe(c2);
    expect(deriveState(ledger(created('c1'), created('c2'), { type: 'cycle.selected', cycle: 'c1', data: { cycle: 'c1' } })).current).toBe(c1);
    expect(deriveState(events, { all: true, current: c1 }).current).toBe(c1);
    expect(deriveState(events, { all: true, current: GONE }).current).toBe(c2);
    expect(deriveState([]).current).toBeNull();
  });

  it('events naming a record or cycle that does not exist are ignored, never fatal', () => {
    const events = ledger(
      created(),
      { type: 'decision.closed', data: { id: 'D-9' } },
      { type: 'blocker.resolved', data: { id: 'B-9' } },
      { type: 'risk.closed', data: { id: 'R-9' } },
      { type: 'evidence.added', data: { decision: 'D-9', evidence: 'x', meets: true } },
      { type: 'decision.added', cycle: 'no-such-cycle', data: { id: 'D-1', title: 'a', owner: 'A', due: '2026-12-01', criteria: [] } },
      { type: 'decision.added', cycle: null, data: { id: 'D-1', title: 'a', owner: 'A', due: '2026-12-01', criteria: [] } },
    );
    // An event naming a record key that no event added (a teammate's record not synced yet) is ignored too.
    const orphan = { ...events[1]!, id: events[6]!.id.slice(0, 10) + 'ZZZZZZZZZZZZZZZZ', rec: GONE } as LedgerEvent;
    const state = deriveState([...events, orphan]);
    expect(cycle(state).decisions.size).toBe(0);
    expect(cycle(state).blockers.size).toBe(0);
    expect(cycle(state).risks.size).toBe(0);
    expect(state.lastEventId).toBe(orphan.id);
  });

  it('a checklist item keeps the first time it was ticked; metric readings and plans are kept per metric', () => {
    const events = ledger(
      created(),
      { type: 'checklist.done', actor: 'Ana', data: { item: 'k2' } },
      { type: 'checklist.done', actor: 'Ben', data: { item: 'k2' } },
      { type: 'metric.planned', data: { metric: 'm-up', baseline: 50, target: 80 } },
      { type: 'metric.recorded', data: { metric: 'm-up', value: 60, at: '2026-11-20T00:00:00.000Z', note: 'first' } },
    );
    const state = deriveState(events);
    expect(cycle(state).checklistDone.get('k2')).toEqual({ at: '2026-11-23T09:02:00.000Z', actor: 'Ana', event: events[1]!.id });
    expect(cycle(state).plans.get('m-up')).toEqual({ baseline: 50, target: 80 });
    expect(cycle(state).readings.get('m-up')).toEqual([{ value: 60, at: '2026-11-20T00:00:00.000Z', note: 'first', event: events[4]!.id }]);
  });

  it('session answers mark their question answered, records questions count their records, passed gates move the step on', () => {
    const state = deriveState(
      ledger(
        created(),
        { type: 'cycle.field', answer: { step: 'scope', question: 'outcome' }, data: { field: 'outcome', value: 'Faster setup' } },
        { type: 'risk.added', answer: { step: 'risk', question: 'risks' }, data: { id: 'R-1', title: 'r', impact: 'high', cost: 'low', mitigation: 'm', owner: 'A' } },
        { type: 'risk.added', answer: { step: 'risk', question: 'risks' }, data: { id: 'R-2', title: 'r', impact: 'low', cost: 'low', mitigation: 'm', owner: 'A' } },
        { type: 'step.passed', data: { step: 'scope' } },
      ),
    );
    const c = cycle(state);
    expect(c.fields.outcome).toBe('Faster setup');
    expect([...c.answered]).toEqual(['scope/outcome']);
    expect(c.sessionRecords.get('risk/risks')).toBe(2);
    expect(currentStep(c)).toEqual({ index: 1, id: 'risk', title: 'Step risk' });
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('queries', () => {
  const at = (hours: number) => new Date(T0 + hours * HOUR).toISOString();
  const blocker = (id: string, due: string, owner = 'Sam'): Draft => ({ type: 'blocker.added', data: { id, title: id, owner, due, fallback: '' } });

  it('blockers: breached first, then by due time; resolved ones only with --all, and last', () => {
    const state = deriveState(
      ledger(
        created(),
        blocker('B-1', at(120)), // due in 5 days
        blocker('B-2', at(24)), // due tomorrow
        blocker('B-3', at(48)), // the 48-hour window
        blocker('B-4', at(10)),
        { type: 'blocker.resolved', data: { id: 'B-4' } },
        blocker('B-5', at(49), 'dana'),
      ),
    );
    const c = cycle(state);
    const ids = (now: number, filter = {}) => listBlockers(c, new Date(T0 + now * HOUR), filter).map((b) => b.id);
    expect(ids(0)).toEqual(['B-2', 'B-3', 'B-5', 'B-1']);
    expect(ids(0, { all: true })).toEqual(['B-2', 'B-3', 'B-5', 'B-1', 'B-4']);
    // 48 hours exactly is the last moment inside the window; a millisecond later B-3 is breached.
    expect(isBreached(c.blockers.get('B-3')!, new Date(T0 + 48 * HOUR))).toBe(false);
    expect(isBreached(c.blockers.get('B-3')!, new Date(T0 + 48 * HOUR + 1))).toBe(true);
    expect(ids(48.5)).toEqual(['B-2', 'B-3', 'B-5', 'B-1']);
    expect(ids(48.5, { breachedOnly: true })).toEqual(['B-2', 'B-3']);
    expect(ids(200, { owner: '  DANA ' })).toEqual(['B-5']);
    // A resolved blocker is never breached, however late.
    expect(isBreached(c.blockers.get('B-4')!, new Date(T0 + 1000 * HOUR))).toBe(false);
  });

  it('blockers: a breached blocker is listed before one due earlier that is not breached (escalated, extended)', () => {
    const state = deriveState(
      ledger(created(), blocker('B-1', at(10)), blocker('B-2', at(5)), { type: 'blocker.extended', data: { id: 'B-2', due: at(30), reason: 'vendor' } }),
    );
    expect(listBlockers(cycle(state), new Date(T0 + 20 * HOUR)).map((b) => [b.id, isBreached(b, new Date(T0 + 20 * HOUR))])).toEqual([
      ['B-1', true],
      ['B-2', false],
    ]);
  });

  it('decisions: by due date then id, undated last; --open/--closed/--all and owner filter', () => {
    const add = (id: string, due: string | undefined, who = 'Priya'): Draft => ({ type: 'decision.added', data: { id, title: id, owner: who, criteria: [], ...(due ? { due } : {}) } });
    const state = deriveState(ledger(created(), add('D-1', '2026-12-04'), add('D-2', undefined), add('D-3', '2026-11-30', 'Ben'), add('D-10', '2026-12-04'), { type: 'decision.closed', data: { id: 'D-3' } }));
    const c = cycle(state);
    expect(listDecisions(c, { status: 'open' }).map((d) => d.id)).toEqual(['D-1', 'D-10', 'D-2']);
    expect(listDecisions(c, { status: 'closed' }).map((d) => d.id)).toEqual(['D-3']);
    expect(listDecisions(c, { status: 'all' }).map((d) => d.id)).toEqual(['D-3', 'D-1', 'D-10', 'D-2']);
    expect(listDecisions(c, { status: 'all', owner: 'ben' }).map((d) => d.id)).toEqual(['D-3']);
  });

  it('risks: open first, by impact then cost, closed ones only when asked', () => {
    const risk = (id: string, impact: 'low' | 'medium' | 'high', cost: 'low' | 'medium' | 'high'): Draft => ({ type: 'risk.added', data: { id, title: id, impact, cost, mitigation: 'm', owner: 'A' } });
    const state = deriveState(ledger(created(), risk('R-1', 'low', 'high'), risk('R-2', 'high', 'low'), risk('R-3', 'high', 'high'), risk('R-4', 'medium', 'low'), { type: 'risk.closed', data: { id: 'R-3' } }));
    expect(listRisks(cycle(state)).map((r) => r.id)).toEqual(['R-2', 'R-4', 'R-1']);
    expect(listRisks(cycle(state), true).map((r) => r.id)).toEqual(['R-2', 'R-4', 'R-1', 'R-3']);
  });

  it('metrics: latest reading by the time it describes, baseline, target, direction, weekly trend, on-target', () => {
    const reading = (metric: string, value: number, daysAgo: number): Draft => ({ type: 'metric.recorded', data: { metric, value, at: new Date(T0 - daysAgo * 24 * HOUR).toISOString() } });
    const state = deriveState(
      ledger(
        created(),
        { type: 'metric.planned', data: { metric: 'm-down', baseline: 9, target: 4 } },
        reading('m-down', 6, 3), // last week (W47; T0 is Monday of W48)
        reading('m-down', 8, 15), // W46, typed later than the one above
        reading('m-down', 3.5, 1), // the latest: Sunday of W47
        reading('m-down', 1, -2), // in the future: not counted yet
        reading('m-up', 70, 0),
      ),
    );
    const views = metricViews(cycle(state), new Date(T0), 'UTC');
    const down = views.find((v) => v.id === 'm-down')!;
    expect(down).toMatchObject({ name: 'Cycle time', unit: 'days', direction: 'down', baseline: 9, target: 4, latest: { value: 3.5 }, onTarget: true });
    // ISO weeks, as in the summary (T0 is a Monday): the last reading of each week, this week's still to come.
    expect(down.trend).toEqual([null, null, 8, null, 3.5, null]);
    const up = views.find((v) => v.id === 'm-up')!;
    expect(up).toMatchObject({ direction: 'up', baseline: null, target: null, latest: { value: 70 }, onTarget: null });
    expect(views.map((v) => v.id)).toEqual(['m-up', 'm-down']);
    expect(sparkline([null, 1, 5, 9])).toBe(' ▁▅█');
    expect(sparkline([2, 2])).toBe('▄▄');
    expect(sparkline([null, null])).toBe('');
  });

  it('checklist: every item of the playbook in order, with who ticked it and when', () => {
    const state = deriveState(ledger(created(), { type: 'checklist.done', actor: 'Ben', data: { item: 'k2' } }));
    expect(checklistView(cycle(state))).toEqual([
      { id: 'k1', text: 'first item', done: null },
      { id: 'k2', text: 'second item', done: { at: '2026-11-23T09:02:00.000Z', actor: 'Ben' } },
      { id: 'k3', text: 'third item', done: null },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('typed ids and owners', () => {
  it.each([
    ['D-3', 'D-3'],
    ['d-3', 'D-3'],
    ['D3', 'D-3'],
    ['3', 'D-3'],
    [' D-012 ', 'D-12'],
    // Two clones that claimed D-3 before they synced: each is named with its letter.
    ['D-3a', 'D-3a'],
    ['d3B', 'D-3b'],
    ['3aa', 'D-3aa'],
  ])('%j names decision %s', (typed, id) => {
    expect(recordId('decision', typed)).toBe(id);
  });

  it.each(['B-3', 'D-', 'D-3abcd', 'D-3-a', 'D-a3', '', 'D--3'])('%j is not a decision id (usage error, exit 2)', (typed) => {
    expect(() => recordId('decision', typed)).toThrow(CliError);
    try {
      recordId('decision', typed);
    } catch (error) {
      expect((error as CliError).exitCode).toBe(EXIT.usage);
    }
  });

  it.each(['A and B', 'Priya, Ben', 'Priya & Ben', 'Priya/Ben', 'Priya; Ben', 'Priya + Ben', 'PRIYA AND BEN'])('%j names more than one owner', (typed) => {
    expect(() => owner(typed)).toThrow(/more than one person/);
  });

  it.each(['Priya Raman', 'Sandra Anderson', 'Brandon', "Seán O'Neill"])('%j is one owner', (typed) => {
    expect(owner(typed)).toBe(typed);
  });
});

describe('ledger file validation', () => {
  const read = (dir: string, text: string) => {
    const path = join(dir, 'ledger.json');
    writeFileSync(path, text);
    return () => readReplicas(layoutOf(path, { XDG_STATE_HOME: join(dir, 'state') }));
  };
  const failure = (f: () => unknown): CliError => {
    try {
      f();
    } catch (error) {
      if (error instanceof CliError) return error;
      throw error;
    }
    throw new Error('expected a CliError');
  };

  it('a ledger from a newer version is refused with an error that says to upgrade (a pointer or an old-style file)', () => {
    expect(() => convertV1({ schemaVersion: LEDGER_SCHEMA_VERSION + 1, events: [] })).toThrow(NewerLedgerError);
    expect(() => convertV1({ schemaVersion: LEDGER_SCHEMA_VERSION + 1, events: [] })).toThrow(/upgrade/);
    const dir = mkdtempSync(join(tmpdir(), 'playbook-state-'));
    try {
      for (const text of [`{"schemaVersion":${LEDGER_SCHEMA_VERSION + 1}}\n`, `{"schemaVersion":${LEDGER_SCHEMA_VERSION + 1},"events":[]}\n`]) {
        const error = failure(read(dir, text));
        expect(error.message).toMatch(/newer version of playbook .*upgrade playbook/);
        expect(error.message).not.toMatch(/damaged/);
        expect(error.exitCode).toBe(EXIT.failure);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in a version-1 file, event numbers must increase, and a bad event is named by its number', () => {
    const v1 = [
      { id: 1, at: '2026-11-23T09:00:00Z', actor: 'Ana', command: 'init', cycle: 'c1', type: 'cycle.created', data: { cycle: snapshotOf('c1') } },
      { id: 2, at: '2026-11-23T09:01:00Z', actor: 'Ana', command: 'checklist', cycle: 'c1', type: 'checklist.done', data: { item: 'k1' } },
    ];
    expect(convertV1({ schemaVersion: 1, events: v1 })).toHaveLength(2);
    expect(() => convertV1({ schemaVersion: 1, events: [v1[0], { ...v1[1], id: 1 }] })).toThrow(/event 1: ids must increase/);
    const dir = mkdtempSync(join(tmpdir(), 'playbook-state-'));
    try {
      const error = failure(read(dir, JSON.stringify({ schemaVersion: 1, events: [v1[0], { ...v1[1], actor: '' }] })));
      expect(error.message).toMatch(/^\S+ledger\.json: ledger is damaged: event 2 \(actor\)/);
      expect(error.exitCode).toBe(EXIT.failure);
      expect(error.hint).toMatch(/playbook doctor/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
describe('dates', () => {
  // Monday 23 November 2026, 09:00 UTC (04:00 in New York, EST).
  const now = new Date('2026-11-23T09:00:00Z');
  const iso = (input: string, tz: string, end = true) => parseWhen(input, now, tz, '--due', end).toISOString();

  it.each([
    ['2026-11-27', 'UTC', '2026-11-27T23:59:59.999Z'],
    ['2026-11-27', 'America/New_York', '2026-11-28T04:59:59.999Z'],
    ['2026-11-27T15:00', 'UTC', '2026-11-27T15:00:00.000Z'],
    ['2026-11-27 15:00', 'America/New_York', '2026-11-27T20:00:00.000Z'],
    ['2026-11-27T15:00:30', 'UTC', '2026-11-27T15:00:30.000Z'],
    ['2026-11-27T15:00:00Z', 'America/New_York', '2026-11-27T15:00:00.000Z'],
    ['2026-11-27T15:00:00+01:00', 'UTC', '2026-11-27T14:00:00.000Z'],
    ['now', 'UTC', '2026-11-23T09:00:00.000Z'],
    ['today', 'UTC', '2026-11-23T23:59:59.999Z'],
    ['today', 'America/New_York', '2026-11-24T04:59:59.999Z'],
    ['tomorrow', 'UTC', '2026-11-24T23:59:59.999Z'],
    ['Tomorrow', 'America/New_York', '2026-11-25T04:59:59.999Z'],
    ['yesterday', 'UTC', '2026-11-22T23:59:59.999Z'],
    ['+48h', 'UTC', '2026-11-25T09:00:00.000Z'],
    ['+48h', 'America/New_York', '2026-11-25T09:00:00.000Z'],
    ['+3d', 'UTC', '2026-11-26T23:59:59.999Z'],
    ['-7d', 'UTC', '2026-11-16T23:59:59.999Z'],
    ['+2w', 'UTC', '2026-12-07T23:59:59.999Z'],
    ['next friday', 'UTC', '2026-11-27T23:59:59.999Z'],
    ['  NEXT   Friday ', 'America/New_York', '2026-11-28T04:59:59.999Z'],
    ['monday', 'UTC', '2026-11-30T23:59:59.999Z'], // today is Monday: the next one
  ])('%j in %s is %s', (input, tz, expected) => {
    expect(iso(input, tz)).toBe(expected);
  });

  it('a bare day is its start when the caller asks for a start (--at, --since)', () => {
    expect(iso('2026-11-20', 'UTC', false)).toBe('2026-11-20T00:00:00.000Z');
    expect(iso('2026-11-20', 'America/New_York', false)).toBe('2026-11-20T05:00:00.000Z');
    expect(iso('-7d', 'UTC', false)).toBe('2026-11-16T00:00:00.000Z');
  });

  it('days across daylight-saving changes in New York keep their wall-clock edges; UTC has none', () => {
    // Sunday 8 March 2026: clocks go 02:00 EST → 03:00 EDT. Sunday 1 November 2026: 02:00 EDT → 01:00 EST.
    const sat = new Date('2026-03-07T17:00:00Z'); // Saturday noon in New York
    expect(parseWhen('+1d', sat, 'America/New_York').toISOString()).toBe('2026-03-09T03:59:59.999Z');
    expect(parseWhen('2026-03-08', sat, 'America/New_York', 'x', false).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(parseWhen('+24h', sat, 'America/New_York').toISOString()).toBe('2026-03-08T17:00:00.000Z');
    expect(parseWhen('2026-11-01', sat, 'America/New_York', 'x', false).toISOString()).toBe('2026-11-01T04:00:00.000Z');
    expect(parseWhen('2026-11-01', sat, 'America/New_York').toISOString()).toBe('2026-11-02T04:59:59.999Z'); // a 25-hour day
    expect(parseWhen('2026-03-08', sat, 'UTC', 'x', false).toISOString()).toBe('2026-03-08T00:00:00.000Z');
    expect(parseWhen('+1d', sat, 'UTC').toISOString()).toBe('2026-03-08T23:59:59.999Z');
  });

  it('parseDay gives the calendar day in the zone', () => {
    const late = new Date('2026-11-27T02:00:00Z'); // still the 26th in New York
    expect(parseDay('today', late, 'UTC')).toBe('2026-11-27');
    expect(parseDay('today', late, 'America/New_York')).toBe('2026-11-26');
    expect(parseDay('+48h', late, 'America/New_York')).toBe('2026-11-28');
    expect(dayOf(late, 'America/New_York')).toBe('2026-11-26');
  });

  it.each([
    '2026-02-30',
    '2025-02-29',
    '2026-13-01',
    '2026-00-10',
    '2026-11-31',
    '2026-02-30T10:00',
    '2026-02-30T10:00:00Z',
    '2026-04-31T10:00:00+02:00',
    '2026-11-27T24:00',
    '2026-11-27T23:60',
    '2026-11-27T25:00:00Z',
    'next fryday',
    'soon',
    '+3',
    '3d',
    '',
    '27/11/2026',
  ])('%j is rejected with a usage error naming the input', (input) => {
    for (const tz of ['UTC', 'America/New_York']) {
      let error: unknown;
      try {
        parseWhen(input, now, tz, '--due');
      } catch (e) {
        error = e;
      }
      expect(error, `${input} in ${tz}`).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(EXIT.usage);
      expect((error as CliError).message).toBe(`--due "${input}" is not a date I understand`);
      expect((error as CliError).hint).toMatch(/next friday/);
    }
  });

  it('leap days exist only in leap years', () => {
    expect(iso('2028-02-29', 'UTC', false)).toBe('2028-02-29T00:00:00.000Z');
    expect(() => iso('2027-02-29', 'UTC')).toThrow(/not a date/);
  });

  it.each([
    [0, '0m'],
    [59 * 60_000, '59m'],
    [HOUR, '1h'],
    [49 * HOUR, '2d 1h'],
    [72 * HOUR, '3d'],
    [-25 * HOUR, '1d 1h'],
  ])('span(%d) is %s', (ms, text) => {
    expect(span(ms)).toBe(text);
  });
});
