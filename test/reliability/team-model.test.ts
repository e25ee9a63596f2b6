// A team on one ledger, simulated in process against the pure core (no CLI): two to four replicas
// (clones), each with its own events file, make changes with stampEvent on the state derived from the
// events it holds, undo with the undo command's own choice of event, receive each other's events in
// random syncs (whole files, or a synced folder's half-arrived copy), and run on clocks that step back.
// Then, as TEAM.md ("How to know it holds") asks:
//   1. the state is a pure function of the set of events: every file read in any order, lines shuffled
//      or repeated, conflicted copies beside them, gives the same state;
//   2. no written event is lost once everybody has synced;
//   3. the short ids people see are unique within a kind in a cycle (a letter only where two clash);
//   4. every event's id sorts after everything its writer had seen, even when its clock stepped back;
//   5. two changes made without seeing each other end with the same winner and the same conflict note
//      on every replica, whatever order the events arrive in; the later one holds, and the note says so;
//   6. undo without a named event never takes another replica's change;
//   7. two conversions of one version-1 file give the same bytes.
import { project } from '../helpers/events.js';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { pick } from '../../src/commands/undo.js';
import { idTime } from '../../src/ledger/clock.js';
import { contentName, convertV1 } from '../../src/ledger/convert.js';
import { checkEvent, type LedgerEvent, type NewEvent } from '../../src/ledger/events.js';
import { asciiJson } from '../../src/ledger/json.js';
import { stampEvent, type Writer } from '../../src/ledger/ledger.js';
import { convertText, layoutOf, POINTER, readReplicas } from '../../src/ledger/replicas.js';
import { baseId, deriveState, nextId, type AnyRecord, type Cycle, type LedgerState } from '../../src/ledger/state.js';
import { uniqueCycleId } from '../../src/ledger/cycle.js';
import { snapshotOf } from '../helpers/snapshot.js';
import { recordFigures } from '../helpers/reliability.js';

const T0 = Date.parse('2026-11-23T09:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NAMES = ['k3v9q2m7x1c8b4n0', 'p0q8w2e6r4t1y7u5', 'a9s8d7f6g5h4j3k2', 'z1x2c3v4b5n6m7q8'];
const ACTORS = ['Alice', 'Bob', 'Chen', 'Dana'];
const OWNERS = ['Sam', 'Lee', 'Kim', 'Ray'];
const NO_OPTIONS = { options: {} };

const figures = { schedules: 0, changes: 0, undos: 0, undoRefused: 0, syncs: 0, clockStepsBack: 0, clashes: 0, notes: 0, conversions: 0 };
afterAll(() => recordFigures('team-model', figures));

const byId = (a: LedgerEvent, b: LedgerEvent) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The state as canonical JSON: cycles and records, the current cycle, the last event. */
const canonical = (state: LedgerState) => JSON.stringify(project(state));

// ---------------------------------------------------------------------------------------------------------
// Replicas

interface Replica {
  name: string;
  actor: string;
  /** This replica's own events file, in the order it wrote them. */
  own: LedgerEvent[];
  /** Every event it holds (its own and those synced to it), by id. */
  known: Map<string, LedgerEvent>;
  writer: Writer;
  /** Its wall clock, which may step back. */
  clock: number;
  /** The cycle it works on (pinned by its first write, moved by starting one), as replica.json keeps it. */
  current: string | undefined;
}

interface Team {
  replicas: Replica[];
  /** Every event written by anybody, in the order written. */
  written: LedgerEvent[];
  /** Broken guarantees noticed while the schedule ran (causality, undo), each a sentence. */
  violations: string[];
}

function newTeam(count: number, skews: number[]): Team {
  const replicas = NAMES.slice(0, count).map((name, i) => ({
    name,
    actor: ACTORS[i]!,
    own: [],
    known: new Map(),
    writer: { replica: name, seq: 0, prev: undefined },
    clock: T0 + (skews[i] ?? 0),
    current: undefined,
  }));
  return { replicas, written: [], violations: [] };
}

/** The events a replica holds, in the order of their ids: what readReplicas gives it. */
const view = (r: Replica) => [...r.known.values()].sort(byId);
const stateOf = (r: Replica) => deriveState(view(r), { all: true, current: r.current });

/**
 * Writes one change (one or more events) as commit() does: on the state the replica derives, with
 * stampEvent, every event but the last carrying `more`. Checks causality as it goes.
 */
function write(team: Team, r: Replica, state: LedgerState, fresh: NewEvent[], command: string): LedgerEvent[] {
  const seen = view(r).at(-1)?.id;
  const ctx = { now: new Date(r.clock), actor: r.actor, command };
  const events = fresh.map((e, i) => stampEvent(ctx, state, e, state.current, r.writer, fresh.length - 1 - i));
  let before = seen;
  for (const e of events) {
    if (before !== undefined && !(e.id > before)) {
      team.violations.push(`${r.name} wrote ${e.id} (clock ${new Date(r.clock).toISOString()}) after having seen ${before}: it does not sort after it`);
    }
    before = e.id;
    r.own.push(e);
    r.known.set(e.id, e);
    team.written.push(e);
  }
  const created = events.find((e) => e.type === 'cycle.created');
  if (created) r.current = created.id;
  else r.current ??= state.current ?? undefined;
  r.clock += 1000;
  figures.changes += 1;
  return events;
}

/** The whole changes at the start of a file cut after `count` lines: a change still arriving is not read. */
function wholePrefix(events: readonly LedgerEvent[], count: number): LedgerEvent[] {
  let n = Math.min(count, events.length);
  while (n > 0 && events[n - 1]!.more !== undefined) n--;
  return events.slice(0, n);
}

/** `to` receives what `from` holds (a git pull), or a part of `from`'s own file that has arrived (a synced folder). */
function sync(from: Replica, to: Replica, arrived: number | 'all'): void {
  const events = arrived === 'all' ? [...from.known.values()] : wholePrefix(from.own, arrived);
  for (const e of events) to.known.set(e.id, e);
  figures.syncs += 1;
}

function fullSync(team: Team): void {
  for (const to of team.replicas) for (const from of team.replicas) if (from !== to) sync(from, to, 'all');
}

// ---------------------------------------------------------------------------------------------------------
// Random schedules

type Op = 'cycle' | 'decision' | 'two-decisions' | 'blocker' | 'risk' | 'close' | 'reopen' | 'owner' | 'risk-owner' | 'reading' | 'evidence';

type Action =
  | { t: 'change'; r: number; op: Op; n: number }
  | { t: 'undo'; r: number }
  | { t: 'sync'; from: number; to: number; arrived: number | 'all' }
  | { t: 'clock'; r: number; delta: number };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      t: fc.constant('change' as const),
      r: fc.nat(3),
      op: fc.constantFrom<Op>('cycle', 'decision', 'decision', 'two-decisions', 'blocker', 'risk', 'close', 'close', 'reopen', 'owner', 'risk-owner', 'risk-owner', 'reading', 'evidence'),
      n: fc.nat(20),
    }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('undo' as const), r: fc.nat(3) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('sync' as const), from: fc.nat(3), to: fc.nat(3), arrived: fc.oneof(fc.constant('all' as const), fc.nat(12)) }) },
  // The clock steps back as often as forward: a laptop's clock corrected, a teammate in another zone set wrong.
  { weight: 2, arbitrary: fc.record({ t: fc.constant('clock' as const), r: fc.nat(3), delta: fc.integer({ min: -6 * HOUR, max: 6 * HOUR }) }) },
);

const scheduleArb = fc.record({
  count: fc.integer({ min: 2, max: 4 }),
  skews: fc.array(fc.integer({ min: -3 * HOUR, max: 3 * HOUR }), { minLength: 4, maxLength: 4 }),
  /** Whether the first cycle reaches everybody before the rest starts (else some replicas start their own). */
  shared: fc.boolean(),
  actions: fc.array(actionArb, { maxLength: 40 }),
});
type Schedule = typeof scheduleArb extends fc.Arbitrary<infer T> ? T : never;

const nth = <T>(list: readonly T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);

/** The events a change is made of, as the commands build them from the state; none when it does not apply. */
function build(state: LedgerState, op: Op, n: number, actor: string): NewEvent[] {
  const cycle = state.current === null ? undefined : state.cycles.get(state.current);
  if (op === 'cycle') return [{ type: 'cycle.created', data: { cycle: snapshotOf(uniqueCycleId(state, nth(['pm-1', 'pm-2'], n)!)) } }];
  if (!cycle) return [];
  const decision = (id: string): NewEvent => ({ type: 'decision.added', data: { id, title: `Decide ${id} (${actor})`, owner: nth(OWNERS, n)!, due: '2026-12-01', criteria: [] } });
  const decisions = [...cycle.decisions.values()];
  const d = nth(decisions, n);
  const r = nth([...cycle.risks.values()], n);
  switch (op) {
    case 'decision':
      return [decision(nextId(cycle, 'D'))];
    case 'two-decisions':
      return [decision(nextId(cycle, 'D')), decision(`D-${cycle.counters.D + 2}`)];
    case 'blocker': {
      const data = { id: nextId(cycle, 'B'), title: `Blocked (${actor})`, owner: nth(OWNERS, n)!, due: new Date(T0 + 48 * HOUR).toISOString(), fallback: 'fixtures' };
      return [{ type: 'blocker.added', data: d ? { ...data, decision: d.id } : data }];
    }
    case 'risk':
      return [{ type: 'risk.added', data: { id: nextId(cycle, 'R'), title: `Risk (${actor})`, impact: 'high', cost: 'low', mitigation: 'watch', owner: nth(OWNERS, n)! } }];
    case 'close':
      return d?.status === 'open' ? [{ type: 'decision.closed', data: { id: d.id } }] : [];
    case 'reopen':
      return d?.status === 'closed' ? [{ type: 'decision.reopened', data: { id: d.id } }] : [];
    case 'owner':
      return d ? [{ type: 'decision.updated', data: { id: d.id, owner: nth(OWNERS, n + 1)! } }] : [];
    case 'risk-owner':
      return r ? [{ type: 'risk.updated', data: { id: r.id, owner: nth(OWNERS, n + 2)! } }] : [];
    case 'reading':
      return [{ type: 'metric.recorded', data: { metric: 'm-up', value: n, at: new Date(T0 + n * HOUR).toISOString() } }];
    case 'evidence':
      return d ? [{ type: 'evidence.added', data: { decision: d.id, evidence: `seen by ${actor}`, meets: n % 2 === 0 } }] : [];
  }
}

/** `playbook undo` on replica `r`: its own newest change in its cycle, as the command picks it. */
function undo(team: Team, r: Replica): LedgerEvent | undefined {
  const state = stateOf(r);
  const events = view(r);
  let target: LedgerEvent;
  try {
    target = pick(NO_OPTIONS, state, events, r.name, undefined, false);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    figures.undoRefused += 1;
    return undefined;
  }
  if (target.replica !== r.name) team.violations.push(`undo on ${r.name} picked ${target.id}, a change of ${target.replica}`);
  if (target.cycle !== state.current) team.violations.push(`undo on ${r.name} picked ${target.id} of cycle ${target.cycle}, not its cycle ${state.current}`);
  write(team, r, state, [{ type: 'undo', cycle: target.cycle, data: { target: target.id } }], 'undo');
  figures.undos += 1;
  return target;
}

function run(schedule: Schedule): Team {
  figures.schedules += 1;
  const team = newTeam(schedule.count, schedule.skews);
  const [first] = team.replicas;
  write(team, first!, stateOf(first!), build(stateOf(first!), 'cycle', 0, first!.actor), 'init');
  if (schedule.shared) for (const r of team.replicas) sync(first!, r, 'all');
  for (const a of schedule.actions) {
    if (a.t === 'change') {
      const r = team.replicas[a.r % schedule.count]!;
      const state = stateOf(r);
      const fresh = build(state, a.op, a.n, r.actor);
      if (fresh.length > 0) write(team, r, state, fresh, a.op);
    } else if (a.t === 'undo') {
      undo(team, team.replicas[a.r % schedule.count]!);
    } else if (a.t === 'sync') {
      const [from, to] = [team.replicas[a.from % schedule.count]!, team.replicas[a.to % schedule.count]!];
      if (from !== to) sync(from, to, a.arrived);
    } else {
      const r = team.replicas[a.r % schedule.count]!;
      r.clock += a.delta;
      if (a.delta < 0) figures.clockStepsBack += 1;
    }
  }
  return team;
}

// ---------------------------------------------------------------------------------------------------------
// Reading the files: in memory (shuffled, repeated, merged as replicas.ts merges), and from a folder

/** A small deterministic generator, so a shrunk counterexample names its shuffle by one number. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

function shuffled<T>(list: readonly T[], next: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Merges lines as replicas.ts does: parse, order by id, one event per id (two different lines with one id are damage). */
function mergeLines(lines: readonly string[]): LedgerEvent[] {
  const events = lines.map((line) => JSON.parse(line) as LedgerEvent).sort(byId);
  const out: LedgerEvent[] = [];
  for (const e of events) {
    const last = out.at(-1);
    if (last?.id !== e.id) out.push(e);
    else if (asciiJson(last) !== asciiJson(e)) throw new Error(`two different events have the id ${e.id}`);
  }
  return out;
}

/** Every replica's file, as lines, plus half-synced conflicted copies, in a shuffled order with some lines repeated. */
function scrambledLines(team: Team, seed: number): string[] {
  const next = random(seed);
  const files = team.replicas.map((r) => r.own.map((e) => asciiJson(e)!));
  for (const r of team.replicas) if (next() < 0.5) files.push(r.own.slice(0, Math.floor(next() * (r.own.length + 1))).map((e) => asciiJson(e)!));
  const lines = shuffled(files, next).flat();
  const repeated = lines.filter(() => next() < 0.3);
  return shuffled([...lines, ...repeated], next);
}

const roots: string[] = [];
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});
function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'playbook-team-'));
  roots.push(dir);
  return dir;
}

const CONFLICT_NAMES = [
  (name: string) => `${name} (conflicted copy 2026-11-23).jsonl`, // Dropbox
  (name: string) => `${name}-LAPTOP-7.jsonl`, // OneDrive
  (name: string) => `${name}.sync-conflict-20261123-090000-ABCDEFG.jsonl`, // Syncthing
];

/**
 * The ledger's folder as a synced folder might hold it: every replica's file, and beside them copies
 * of some (a prefix, perhaps cut inside a change or a line, its lines shuffled or repeated) under a
 * sync client's conflict names. Read by readReplicas.
 */
function readFolder(dir: string, team: Team, seed: number): { events: LedgerEvent[]; skipped: string[] } {
  const next = random(seed);
  const events = join(dir, 'events');
  mkdirSync(events, { recursive: true });
  writeFileSync(join(dir, 'ledger.json'), POINTER);
  for (const r of team.replicas) {
    if (r.own.length === 0) continue;
    const text = r.own.map((e) => `${asciiJson(e)}\n`).join('');
    writeFileSync(join(events, `${r.name}.jsonl`), text);
    if (next() < 0.6) {
      let lines = r.own.slice(0, Math.floor(next() * (r.own.length + 1))).map((e) => `${asciiJson(e)}\n`);
      if (next() < 0.5) lines = shuffled([...lines, ...lines.filter(() => next() < 0.3)], next);
      let copy = lines.join('');
      // A line still arriving: cut anywhere in the copy's last line.
      if (next() < 0.3 && copy.length > 0) copy = copy.slice(0, copy.length - 1 - Math.floor(next() * 20));
      writeFileSync(join(events, CONFLICT_NAMES[Math.floor(next() * CONFLICT_NAMES.length)]!(r.name)), copy);
    }
  }
  const read = readReplicas(layoutOf(join(dir, 'ledger.json'), { XDG_STATE_HOME: join(dir, 'state') }));
  return { events: read?.events ?? [], skipped: read?.skipped ?? [] };
}

// ---------------------------------------------------------------------------------------------------------
// What the state shows

const KINDS = [
  ['D', 'decisions'],
  ['B', 'blockers'],
  ['R', 'risks'],
  ['C', 'checkpoints'],
] as const;

/** Problems with the short ids people see in a cycle: each unique in its kind, a letter only where two records share a number. */
function shortIdProblems(cycle: Cycle): string[] {
  const problems: string[] = [];
  for (const [kind, mapName] of KINDS) {
    const map = cycle[mapName] as Map<string, AnyRecord>;
    const shown = [...map.values()].map((r) => r.id);
    if (JSON.stringify(shown) !== JSON.stringify([...map.keys()])) problems.push(`${cycle.id} ${mapName}: shown as ${shown.join(', ')} but listed as ${[...map.keys()].join(', ')}`);
    if (new Set(shown).size !== shown.length) problems.push(`${cycle.id} ${mapName}: ${shown.join(', ')} repeat an id`);
    const records = [...cycle.byKey.values()].filter((r) => r.id.startsWith(`${kind}-`));
    if (records.length !== map.size) problems.push(`${cycle.id} ${mapName}: ${records.length} records, ${map.size} shown`);
    for (const r of map.values()) {
      const base = baseId(r.id);
      const sharing = [...map.values()].filter((x) => baseId(x.id) === base).length;
      if (!/^[DBRC]-\d+[a-z]*$/.test(r.id)) problems.push(`${cycle.id}: ${r.id} is not a short id`);
      if ((base !== r.id) !== sharing > 1) problems.push(`${cycle.id}: ${r.id} ${sharing > 1 ? `shares ${base} with another record but has no letter` : 'has a letter but no other record has its number'}`);
    }
  }
  return problems;
}

/** The events no undo names, and the undone ones. */
function undoneIds(events: readonly LedgerEvent[]): Set<string> {
  return new Set(events.flatMap((e) => (e.type === 'undo' ? [e.data.target] : [])));
}

const RUNS = 120;

describe('a team of replicas', () => {
  it('1. the state is a pure function of the set of events: any order, lines shuffled or repeated, conflicted copies, gives the same state', () => {
    fc.assert(
      fc.property(scheduleArb, fc.integer(), (schedule, seed) => {
        const team = run(schedule);
        const union = mergeLines(team.written.map((e) => asciiJson(e)!));
        const want = canonical(deriveState(union));
        // In memory: every file, in a shuffled order, lines shuffled and repeated, merged as the reader merges.
        expect(canonical(deriveState(mergeLines(scrambledLines(team, seed)))), 'scrambled lines').toBe(want);
        // The same set written by one replica in another order of arrival gives the same state.
        expect(canonical(deriveState(mergeLines(shuffled(team.written, random(seed + 1)).map((e) => asciiJson(e)!)))), 'arrival order').toBe(want);
        // On disk: the replicas' files with conflicted copies beside them, read by readReplicas.
        const folder = readFolder(join(tempRoot(), 'ledger'), team, seed);
        expect(canonical(deriveState(folder.events)), 'read from the folder').toBe(want);
        // Each replica, once it holds every event, derives that state whatever order they reached it in.
        fullSync(team);
        for (const r of team.replicas) expect(canonical(deriveState(view(r))), `replica ${r.name}`).toBe(want);
      }),
      { numRuns: 60 },
    );
  });

  it('2. no written event is lost once everybody has synced: every replica holds each one, the folder reads each one, every live record is shown', () => {
    fc.assert(
      fc.property(scheduleArb, fc.integer(), (schedule, seed) => {
        const team = run(schedule);
        fullSync(team);
        const ids = team.written.map((e) => e.id).sort();
        expect(new Set(ids).size, 'ids are unique').toBe(ids.length);
        for (const r of team.replicas) expect([...r.known.keys()].sort(), `replica ${r.name}`).toEqual(ids);
        const folder = readFolder(join(tempRoot(), 'ledger'), team, seed);
        expect(folder.events.map((e) => e.id), 'read from the folder').toEqual(ids);
        expect(folder.events.map((e) => asciiJson(e)), 'byte for byte').toEqual(ids.map((id) => asciiJson(team.written.find((e) => e.id === id))));
        const state = deriveState(folder.events);
        const undone = undoneIds(folder.events);
        for (const e of folder.events) {
          if (!/^(decision|blocker|risk|checkpoint)\.added$/.test(e.type) || undone.has(e.id)) continue;
          const cycle = e.cycle === null ? undefined : state.cycles.get(e.cycle);
          if (!cycle) continue; // its cycle's start was undone
          expect(cycle.byKey.has(e.id), `${e.type} ${(e.data as { id: string }).id} of ${e.replica} is shown`).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('3. the short ids people see are unique within a kind in a cycle, with a letter only where two records claimed one number', () => {
    fc.assert(
      fc.property(scheduleArb, (schedule) => {
        const team = run(schedule);
        // Before and after the last sync: each replica's view, and everybody's.
        const states = team.replicas.map(stateOf);
        fullSync(team);
        states.push(stateOf(team.replicas[0]!));
        for (const state of states) {
          for (const cycle of state.cycles.values()) {
            expect(shortIdProblems(cycle)).toEqual([]);
            for (const [, mapName] of KINDS) figures.clashes += [...(cycle[mapName] as Map<string, AnyRecord>).keys()].filter((id) => /[a-z]$/.test(id)).length;
          }
          const cycleIds = [...state.cycles.values()].map((c) => c.id);
          expect(new Set(cycleIds).size, `cycle ids ${cycleIds.join(', ')}`).toBe(cycleIds.length);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('4. every event sorts after everything its writer had seen, even when the clock steps back', () => {
    fc.assert(
      fc.property(scheduleArb, (schedule) => {
        const team = run(schedule);
        expect(team.violations.filter((v) => v.includes('does not sort after'))).toEqual([]);
        for (const r of team.replicas) {
          // A replica's own file is in the order of its ids, numbered 1, 2, 3, ...
          expect(r.own.map((e) => e.seq)).toEqual(r.own.map((_, i) => i + 1));
          for (let i = 1; i < r.own.length; i++) expect(r.own[i]!.id > r.own[i - 1]!.id).toBe(true);
          // The time in an id is never before the writer's clock said.
          for (const e of r.own) expect(idTime(e.id)).toBeGreaterThanOrEqual(Date.parse(e.at));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('6. undo without a named event never takes another replica\'s change, nor one of another cycle', () => {
    fc.assert(
      fc.property(scheduleArb, (schedule) => {
        const team = run(schedule);
        expect(team.violations.filter((v) => v.startsWith('undo'))).toEqual([]);
        // And at the end, after everybody has synced, each replica's undo still picks its own.
        fullSync(team);
        for (const r of team.replicas) undo(team, r);
        expect(team.violations).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// 5. Two changes made without seeing each other

type Field = 'status' | 'owner';

const concurrentArb = fc.record({
  field: fc.constantFrom<Field>('status', 'owner'),
  count: fc.integer({ min: 2, max: 4 }),
  pair: fc.tuple(fc.nat(3), fc.nat(3)).filter(([x, y]) => x !== y),
  skews: fc.array(fc.integer({ min: -2 * HOUR, max: 2 * HOUR }), { minLength: 4, maxLength: 4 }),
  /** Who writes next (true: the first of the pair), and how far that writer's clock moves first (it may step back). */
  turns: fc.array(fc.tuple(fc.boolean(), fc.integer({ min: -HOUR, max: HOUR })), { minLength: 2, maxLength: 6 }),
  /** For each replica, whether it receives the first writer's file before the second's. */
  orders: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
});

/** The value a change sets, as the conflict note names it. */
function valueOf(e: LedgerEvent): string {
  if (e.type === 'decision.closed') return 'closed';
  if (e.type === 'decision.reopened') return 'open';
  return (e.data as { owner: string }).owner;
}

describe('5. two changes made without seeing each other', () => {
  it('end with the same winner and the same note on every replica, whatever order the events arrive in', () => {
    fc.assert(
      fc.property(concurrentArb, (c) => {
        const { team, changes } = concurrent(c);
        const shown = team.replicas.map((r) => recordOf(stateOf(r), c.field));
        for (const s of shown) expect(s, `${describeChanges(changes)}: every replica shows the same`).toStrictEqual(shown[0]);
        const states = team.replicas.map((r) => canonical(deriveState(view(r))));
        for (const s of states) expect(s).toBe(states[0]);
      }),
      { numRuns: RUNS },
    );
  });

  it('the later in the order of ids holds, and the record says both were set without seeing each other', () => {
    fc.assert(
      fc.property(concurrentArb, (c) => {
        const { team, changes } = concurrent(c);
        const [x, y] = changes;
        const lastX = x.at(-1)!;
        const lastY = y.at(-1)!;
        const winner = lastX.id > lastY.id ? lastX : lastY;
        const loser = winner === lastX ? lastY : lastX;
        const shown = recordOf(stateOf(team.replicas[0]!), c.field);
        expect(shown.value, 'the later change holds').toBe(valueOf(winner));
        if (valueOf(winner) !== valueOf(loser)) {
          figures.notes += 1;
          expect(shown.conflict, `${describeChanges(changes)}: a conflict note`).not.toBeNull();
          expect(shown.conflict).toContain(`${c.field} set to`);
          expect(shown.conflict).toContain(winner.actor);
          expect(shown.conflict).toContain(loser.actor);
          expect(shown.conflict).toContain(`; ${valueOf(winner)} holds`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a change made after seeing both clears the note', () => {
    fc.assert(
      fc.property(concurrentArb, (c) => {
        const { team } = concurrent(c);
        const r = team.replicas[0]!;
        const state = stateOf(r);
        const cycle = state.cycles.get(state.current!)!;
        const fresh: NewEvent[] =
          c.field === 'status'
            ? [cycle.decisions.get('D-1')!.status === 'open' ? { type: 'decision.closed', data: { id: 'D-1' } } : { type: 'decision.reopened', data: { id: 'D-1' } }]
            : [{ type: 'risk.updated', data: { id: 'R-1', owner: 'Quinn' } }];
        write(team, r, state, fresh, 'settle');
        expect(recordOf(stateOf(r), c.field).conflict).toBeNull();
      }),
      { numRuns: 40 },
    );
  });
});

function recordOf(state: LedgerState, field: Field): { value: string; conflict: string | null } {
  const cycle = state.cycles.get(state.current!)!;
  if (field === 'status') {
    const d = cycle.decisions.get('D-1')!;
    return { value: d.status, conflict: d.conflict };
  }
  const r = cycle.risks.get('R-1')!;
  return { value: r.owner, conflict: r.conflict };
}

function describeChanges([x, y]: [LedgerEvent[], LedgerEvent[]]): string {
  const one = (e: LedgerEvent) => `${e.actor} ${valueOf(e)} ${e.id}${e.after ? ` (after ${e.after.join(', ')})` : ''}`;
  return `${x.map(one).join(', ')} | ${y.map(one).join(', ')}`;
}

/**
 * The first replica starts a cycle with D-1 (open) and R-1 (owner Sam), and everybody syncs. Then two
 * replicas, X and Y, change the same property of one record in turns without syncing with each other,
 * each building on what it sees itself (closing, then reopening what it closed; setting an owner again),
 * their clocks moving back and forth. Then every replica receives both files, in its own order.
 */
function concurrent(c: typeof concurrentArb extends fc.Arbitrary<infer T> ? T : never): { team: Team; changes: [LedgerEvent[], LedgerEvent[]] } {
  const team = newTeam(c.count, c.skews);
  const [first] = team.replicas;
  write(team, first!, stateOf(first!), build(stateOf(first!), 'cycle', 0, first!.actor), 'init');
  write(team, first!, stateOf(first!), [
    { type: 'decision.added', data: { id: 'D-1', title: 'Ship it', owner: 'Sam', due: '2026-12-01', criteria: [] } },
    { type: 'risk.added', data: { id: 'R-1', title: 'Vendor', impact: 'high', cost: 'low', mitigation: 'watch', owner: 'Sam' } },
  ], 'session');
  fullSync(team);
  const x = team.replicas[c.pair[0] % c.count]!;
  let y = team.replicas[c.pair[1] % c.count]!;
  if (x === y) y = team.replicas[(team.replicas.indexOf(x) + 1) % c.count]!;
  const writers = [x, y] as const;
  const changes: [LedgerEvent[], LedgerEvent[]] = [[], []];
  const turns = [...c.turns];
  // Each writes at least once.
  if (!turns.some(([first]) => first)) turns.push([true, 0]);
  if (!turns.some(([first]) => !first)) turns.push([false, 0]);
  for (const [firstWrites, delta] of turns) {
    const i = firstWrites ? 0 : 1;
    const r = writers[i];
    r.clock += delta;
    if (delta < 0) figures.clockStepsBack += 1;
    const state = stateOf(r);
    const cycle = state.cycles.get(state.current!)!;
    const owners = i === 0 ? ['Pat', 'Ann'] : ['Lee', 'Kim'];
    const fresh: NewEvent =
      c.field === 'status'
        ? cycle.decisions.get('D-1')!.status === 'open'
          ? { type: 'decision.closed', data: { id: 'D-1' } }
          : { type: 'decision.reopened', data: { id: 'D-1' } }
        : { type: 'risk.updated', data: { id: 'R-1', owner: owners[changes[i].length % 2]! } };
    changes[i].push(...write(team, r, state, [fresh], 'change'));
  }
  // Every replica receives X's and Y's files, in its own order (X and Y each receive the other's).
  team.replicas.forEach((r, k) => {
    const order = c.orders[k] ? [x, y] : [y, x];
    for (const from of order) if (from !== r) sync(from, r, 'all');
  });
  return { team, changes };
}

// ---------------------------------------------------------------------------------------------------------
// 7. Converting a version-1 file

const v1DraftArb = fc.record({
  kind: fc.constantFrom('cycle', 'select', 'decision', 'decision', 'close', 'owner', 'blocker', 'reading', 'undo', 'note'),
  n: fc.nat(40),
  /** Minutes since the event before: the old clock could step back too. */
  dt: fc.integer({ min: -180, max: 600 }),
  actor: fc.constantFrom('Priya Raman', 'Sam Whitfield', 'Zoë Ünïcode ✓'),
});

/** A version-1 ledger as version 1 wrote it: numbered events, records and cycles named by the ids people use. */
function v1File(drafts: (typeof v1DraftArb extends fc.Arbitrary<infer T> ? T : never)[]): { schemaVersion: 1; events: Record<string, unknown>[] } {
  const events: Record<string, unknown>[] = [];
  let at = T0;
  let cycle: string | null = null;
  const counters = new Map<string, { D: number; B: number }>();
  const push = (type: string, data: unknown, actor: string, dt: number, cycleOf: string | null = cycle) => {
    at += dt * MINUTE;
    events.push({ id: events.length + 1, at: new Date(at).toISOString(), actor, command: type.split('.')[0], cycle: cycleOf, type, data });
  };
  for (const d of drafts) {
    const k = cycle === null ? undefined : counters.get(cycle);
    if (d.kind === 'cycle' || k === undefined) {
      const id = nth(['pm-2026-11-23', 'pm-2026-11-30', 'launch'], d.n)!;
      cycle = id;
      counters.set(id, { D: 0, B: 0 });
      push('cycle.created', { cycle: snapshotOf(id, `Cycle ${d.actor}`) }, d.actor, d.dt, id);
      continue;
    }
    if (d.kind === 'select') push('cycle.selected', { cycle: cycle }, d.actor, d.dt);
    else if (d.kind === 'decision') push('decision.added', { id: `D-${++k.D}`, title: `Decide ${d.n} — ${d.actor}`, owner: d.actor, due: '2026-12-01', criteria: ['c'] }, d.actor, d.dt);
    else if (d.kind === 'close' && k.D > 0) push('decision.closed', { id: `D-${(d.n % k.D) + 1}`, note: 'done ✓' }, d.actor, d.dt);
    else if (d.kind === 'owner' && k.D > 0) push('decision.updated', { id: `D-${(d.n % k.D) + 1}`, owner: 'Lee' }, d.actor, d.dt);
    else if (d.kind === 'blocker') push('blocker.added', { id: `B-${++k.B}`, title: 'Wait', owner: 'Sam', due: new Date(at + 48 * HOUR).toISOString(), fallback: '', ...(k.D > 0 ? { decision: `D-${(d.n % k.D) + 1}` } : {}) }, d.actor, d.dt);
    else if (d.kind === 'reading') push('metric.recorded', { metric: 'm-up', value: d.n / 4, at: new Date(at).toISOString() }, d.actor, d.dt);
    else if (d.kind === 'undo' && events.length > 0) push('undo', { target: (d.n % events.length) + 1 }, d.actor, d.dt);
    else if (d.kind === 'note') push('note.added', { step: 'scope', question: 'q1', value: `Ünïcode ${d.n}` }, d.actor, d.dt);
  }
  return { schemaVersion: 1, events };
}

describe('7. converting a version-1 file', () => {
  it('two conversions of one file (two clones upgrading the same ledger) give identical bytes, which merge into one', () => {
    const root = tempRoot();
    let runs = 0;
    fc.assert(
      fc.property(fc.array(v1DraftArb, { minLength: 1, maxLength: 30 }), (drafts) => {
        figures.conversions += 1;
        const file = v1File(drafts);
        // The bytes each clone holds: the same file, as version 1 wrote it (pretty or compact).
        const text = `${JSON.stringify(file, null, 2)}\n`;
        const lines = (events: LedgerEvent[]) => events.map((e) => `${asciiJson(e)}\n`).join('');
        const a = lines(convertV1(JSON.parse(text)));
        const b = lines(convertV1(structuredClone(file)));
        expect(b).toBe(a);
        const fromA = convertText(text, 'clone A');
        const fromB = convertText(text, 'clone B');
        expect(fromB.name).toBe(fromA.name);
        expect(fromA.name).toBe(`v1-${contentName(text)}.jsonl`);
        expect(lines(fromA.events)).toBe(a);
        expect(lines(fromB.events)).toBe(a);
        // Every converted event is valid, ASCII only, in the order of its ids even where the old clock stepped back.
        const converted = convertV1(file);
        expect(converted).toHaveLength(file.events.length);
        for (const e of converted) expect(() => checkEvent(e)).not.toThrow();
        expect(a).toMatch(/^[\x00-\x7f]*$/);
        for (let i = 1; i < converted.length; i++) expect(converted[i]!.id > converted[i - 1]!.id).toBe(true);
        // Both clones' converted files in one folder (a synced folder's conflicted copy beside the original) read as one.
        const dir = join(root, String(runs++));
        mkdirSync(join(dir, 'events'), { recursive: true });
        writeFileSync(join(dir, 'ledger.json'), POINTER);
        writeFileSync(join(dir, 'events', fromA.name), a);
        writeFileSync(join(dir, 'events', fromB.name.replace('.jsonl', ' (conflicted copy).jsonl')), b);
        const read = readReplicas(layoutOf(join(dir, 'ledger.json'), { XDG_STATE_HOME: join(dir, 'state') }))!;
        expect(read.events.map((e) => asciiJson(e))).toEqual(converted.map((e) => asciiJson(e)));
        expect(canonical(deriveState(read.events))).toBe(canonical(deriveState(converted)));
      }),
      { numRuns: 80 },
    );
  });
});
