// The ledger against a model: random sequences of commands (add a decision, approve, close, reopen, add
// a blocker, resolve, escalate, record a metric, undo this clone's last change, undo the cycle a teammate
// started by naming it), run by fast-check's model-based testing (fc.commands) against the real command
// tree and store on a temporary ledger, and checked after every command against a plain in-memory model:
// which command succeeds or is refused with which exit code, the ids given out (a number is never given
// out twice), every status, every reading, that a refused command changes no byte, and that this clone
// writes only its own events file, one line per change, numbered and chained.
// The same commands also run through the built CLI, for fewer runs.
import * as fc from 'fast-check';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shortEventId } from '../../src/ledger/clock.js';
import { lineHash } from '../../src/ledger/convert.js';
import { layoutOf, readLocal, readReplicas } from '../../src/ledger/replicas.js';
import { deriveState } from '../../src/ledger/state.js';
import { runCli } from '../helpers/cli.js';
import { execInProcess } from '../helpers/in-process.js';
import { eventsDirOf, filesUnder, makeSeeds, readLedgerEvents, type Seeds } from '../helpers/ledger.js';
import { recordFigures } from '../helpers/reliability.js';

const RUNS = { inProcess: 100, cli: 3 } as const;
const MAX_COMMANDS = { inProcess: 30, cli: 12 } as const;
const METRICS = ['approval-cycle-time', 'scope-stability'];
const NOW = '2026-11-23T09:00:00Z';

const figures = { inProcessRuns: 0, inProcessCommands: 0, cliRuns: 0, cliCommands: 0, refusals: 0, undos: 0, cyclesUndone: 0 };

let seeds: Seeds;
beforeAll(() => {
  seeds = makeSeeds(['bare']);
});
afterAll(() => {
  seeds?.cleanup();
  recordFigures('ledger-model', figures);
});

// ---------------------------------------------------------------------------------------------------------
// The model: a stack of this clone's changes in force (undo pops one), the highest number each kind has
// claimed (undone ones included), whether the teammate's cycle has been undone, and the state they add up to.

type Change =
  | { kind: 'decision'; id: string }
  | { kind: 'approve' | 'close' | 'reopen'; id: string }
  | { kind: 'blocker'; id: string }
  | { kind: 'resolve' | 'escalate'; id: string }
  | { kind: 'reading'; metric: string; value: number };

interface Model {
  stack: Change[];
  counters: { D: number; B: number };
  /** The cycle the ledger started with was undone (named, as a teammate's change). */
  cycleUndone: boolean;
  /** Events this clone has written: one per command that succeeded. */
  writes: number;
  /** The short id `log` shows for the event that started the cycle. */
  cycleEvent: string;
}

interface ModelState {
  cycle: boolean;
  cycleEvent: string;
  own: number;
  counters: { D: number; B: number };
  decisions: Map<string, { status: 'open' | 'closed'; approved: boolean }>;
  blockers: Map<string, 'open' | 'escalated' | 'resolved'>;
  readings: Map<string, number[]>;
}

function stateOf(model: Model): ModelState {
  const s: ModelState = { cycle: !model.cycleUndone, cycleEvent: model.cycleEvent, own: model.stack.length, counters: model.counters, decisions: new Map(), blockers: new Map(), readings: new Map() };
  for (const c of model.stack) {
    if (c.kind === 'decision') s.decisions.set(c.id, { status: 'open', approved: false });
    else if (c.kind === 'approve') s.decisions.get(c.id)!.approved = true;
    else if (c.kind === 'close') s.decisions.get(c.id)!.status = 'closed';
    else if (c.kind === 'reopen') s.decisions.get(c.id)!.status = 'open';
    else if (c.kind === 'blocker') s.blockers.set(c.id, 'open');
    else if (c.kind === 'resolve') s.blockers.set(c.id, 'resolved');
    else if (c.kind === 'escalate') s.blockers.set(c.id, 'escalated');
    else if (c.kind === 'reading') s.readings.set(c.metric, [...(s.readings.get(c.metric) ?? []), c.value]);
  }
  return s;
}

/** The next id of a kind: one more than the highest ever given out in the cycle (an id freed by undo is never given out again). */
function nextId(s: ModelState, prefix: 'D' | 'B'): string {
  return `${prefix}-${s.counters[prefix] + 1}`;
}

/** Picks an id: usually one that exists, sometimes one that does not. */
function pick(ids: Iterable<string>, prefix: string, n: number, s: ModelState): string {
  const list = [...ids];
  return n % (list.length + 1) < list.length ? list[n % (list.length + 1)]! : `${prefix}-${s.counters[prefix as 'D' | 'B'] + 7}`;
}

// ---------------------------------------------------------------------------------------------------------
// The system: the ledger's folder (pointer and events files), this machine's state of it, and a way to
// run a command line on it (in process, or the built CLI).

interface Real {
  ledger: string;
  env: Record<string, string>;
  /** The seed's events file (the teammate who started the cycle) and its bytes, which this clone never writes. */
  seed: { name: string; bytes: string };
  /** Runs `playbook ARGS`; returns the exit code. */
  exec(args: string[]): Promise<number>;
}

interface Fresh {
  dir: string;
  ledger: string;
  env: Record<string, string>;
  seed: Real['seed'];
  cycleEvent: string;
}

/** The command tree of src/program.ts, run in this process the way cli.ts runs it. */
function inProcess(fresh: Fresh): Real {
  return {
    ledger: fresh.ledger,
    env: fresh.env,
    seed: fresh.seed,
    exec: (args) => execInProcess({ ...fresh.env, PLAYBOOK_NOW: NOW, PLAYBOOK_TZ: 'UTC', PLAYBOOK_ACTOR: 'model' }, args),
  };
}

function viaCli(fresh: Fresh): Real {
  return {
    ledger: fresh.ledger,
    env: fresh.env,
    seed: fresh.seed,
    async exec(args) {
      const r = runCli(args, { env: { HOME: fresh.dir, ...fresh.env, PLAYBOOK_TZ: 'UTC', PLAYBOOK_ACTOR: 'model' } });
      if (r.status === null) throw new Error(`playbook ${args.join(' ')} did not finish: ${r.signal}`);
      return r.status;
    },
  };
}

/**
 * The real ledger against the model: every id, status and reading; this clone's own file holds one line
 * per change, numbered 1..n, each naming the hash of the line before it, each id after the one before;
 * the teammate's file is untouched.
 */
function expectMatches(real: Real, model: Model, what: string): void {
  const layout = layoutOf(real.ledger, real.env);
  const read = readReplicas(layout)!;
  const local = readLocal(layout);
  const files = filesUnder(eventsDirOf(real.ledger));
  expect(files[real.seed.name], `${what}: the teammate's file is never written`).toBe(real.seed.bytes);
  const own = local.replica === undefined ? undefined : files[`${local.replica}.jsonl`];
  expect(Object.keys(files).sort(), `${what}: the events files`).toEqual([real.seed.name, ...(own === undefined ? [] : [`${local.replica}.jsonl`])].sort());
  const lines = own === undefined ? [] : own.split('\n').slice(0, -1);
  expect(own === undefined || own.endsWith('\n'), `${what}: whole lines`).toBe(true);
  expect(lines.length, `${what}: one line per change`).toBe(model.writes);
  lines.forEach((line, i) => {
    const e = JSON.parse(line);
    expect([e.replica, e.seq, e.prev], `${what}: line ${i + 1}`).toEqual([local.replica, i + 1, i === 0 ? undefined : lineHash(lines[i - 1]!)]);
    if (i > 0) expect(e.id > JSON.parse(lines[i - 1]!).id, `${what}: line ${i + 1} sorts after the one before`).toBe(true);
  });
  expect(read.events.length, `${what}: every event is read`).toBe(1 + model.writes);

  const state = deriveState(read.events, { all: true, current: local.current });
  const want = stateOf(model);
  const cycle = state.current ? state.cycles.get(state.current) : undefined;
  expect(cycle !== undefined, `${what}: the cycle exists`).toBe(want.cycle);
  if (!cycle) return;
  expect(
    Object.fromEntries([...cycle.decisions].map(([id, d]) => [id, { status: d.status, approved: d.approved !== null }])),
    `${what}: decisions`,
  ).toEqual(Object.fromEntries(want.decisions));
  expect(Object.fromEntries([...cycle.blockers].map(([id, b]) => [id, b.status])), `${what}: blockers`).toEqual(Object.fromEntries(want.blockers));
  expect(Object.fromEntries([...cycle.readings].map(([m, list]) => [m, list.map((r) => r.value)])), `${what}: readings`).toEqual(Object.fromEntries(want.readings));
  expect({ D: cycle.counters.D, B: cycle.counters.B }, `${what}: numbers given out`).toEqual(model.counters);
}

// ---------------------------------------------------------------------------------------------------------
// The commands: each runs on the real ledger, says what the model expects, and checks.

type Outcome = { exit: 0; change: Change | 'undo' | 'undo-cycle' } | { exit: 1 | 2 };

abstract class LedgerCommand implements fc.AsyncCommand<Model, Real> {
  abstract args(state: ModelState): string[];
  abstract expect(state: ModelState, args: string[]): Outcome;
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    const state = stateOf(model);
    const args = this.args(state);
    const outcome = this.expect(state, args);
    const before = filesUnder(eventsDirOf(real.ledger));
    const pointer = readFileSync(real.ledger, 'latin1');
    const exit = await real.exec(args);
    const what = `playbook ${args.join(' ')}`;
    expect(exit, what).toBe(outcome.exit);
    if (outcome.exit !== 0) {
      figures.refusals += 1;
      expect(filesUnder(eventsDirOf(real.ledger)), `${what}: a refused command changes no byte`).toEqual(before);
      expect(readFileSync(real.ledger, 'latin1'), `${what}: a refused command changes no byte`).toBe(pointer);
    } else {
      model.writes += 1;
      if (outcome.change === 'undo') {
        figures.undos += 1;
        model.stack.pop();
      } else if (outcome.change === 'undo-cycle') {
        figures.cyclesUndone += 1;
        model.cycleUndone = true;
      } else {
        model.stack.push(outcome.change);
        if (outcome.change.kind === 'decision' || outcome.change.kind === 'blocker') {
          const kind = outcome.change.kind === 'decision' ? 'D' : 'B';
          model.counters[kind] = Number(outcome.change.id.slice(2));
        }
      }
    }
    expectMatches(real, model, what);
  }
  abstract toString(): string;
}

/** With no cycle (its creation undone), every record command fails: "the ledger has no cycle yet". */
const NO_CYCLE = { exit: 1 } as const;

class AddDecision extends LedgerCommand {
  constructor(readonly title: string) {
    super();
  }
  args = () => ['decision', 'add', this.title, '--owner', 'Priya', '--due', '+7d'];
  expect = (s: ModelState): Outcome => (s.cycle ? { exit: 0, change: { kind: 'decision', id: nextId(s, 'D') } } : NO_CYCLE);
  toString = () => `decision add ${JSON.stringify(this.title)}`;
}

class DecisionVerb extends LedgerCommand {
  constructor(readonly verb: 'approve' | 'close' | 'reopen', readonly n: number) {
    super();
  }
  args = (s: ModelState) => ['decision', this.verb, pick(s.decisions.keys(), 'D', this.n, s)];
  expect = (s: ModelState, args: string[]): Outcome => {
    if (!s.cycle) return NO_CYCLE;
    const id = args[2]!;
    const d = s.decisions.get(id);
    if (!d) return { exit: 2 };
    const allowed = this.verb === 'approve' ? !d.approved : this.verb === 'close' ? d.status === 'open' : d.status === 'closed';
    return allowed ? { exit: 0, change: { kind: this.verb, id } } : { exit: 2 };
  };
  toString = () => `decision ${this.verb} #${this.n}`;
}

class AddBlocker extends LedgerCommand {
  constructor(readonly title: string) {
    super();
  }
  args = () => ['blocker', 'add', this.title, '--owner', 'Sam', '--fallback', 'fixtures'];
  expect = (s: ModelState): Outcome => (s.cycle ? { exit: 0, change: { kind: 'blocker', id: nextId(s, 'B') } } : NO_CYCLE);
  toString = () => `blocker add ${JSON.stringify(this.title)}`;
}

class BlockerVerb extends LedgerCommand {
  constructor(readonly verb: 'resolve' | 'escalate', readonly n: number) {
    super();
  }
  args = (s: ModelState) => ['blocker', this.verb, pick(s.blockers.keys(), 'B', this.n, s)];
  expect = (s: ModelState, args: string[]): Outcome => {
    if (!s.cycle) return NO_CYCLE;
    const id = args[2]!;
    const status = s.blockers.get(id);
    if (status === undefined) return { exit: 2 };
    const allowed = this.verb === 'resolve' ? status !== 'resolved' : status === 'open';
    return allowed ? { exit: 0, change: { kind: this.verb, id } } : { exit: 2 };
  };
  toString = () => `blocker ${this.verb} #${this.n}`;
}

class RecordMetric extends LedgerCommand {
  constructor(
    readonly metric: string,
    readonly value: number,
  ) {
    super();
  }
  args = () => ['metric', 'record', this.metric, String(this.value)];
  /** A percentage lies within 0-100, a count of days is not negative; anything else is refused. */
  private fits = () => this.value >= 0 && (this.metric !== 'scope-stability' || this.value <= 100);
  expect = (s: ModelState): Outcome => (!s.cycle ? NO_CYCLE : this.fits() ? { exit: 0, change: { kind: 'reading', metric: this.metric, value: this.value } } : { exit: 2 });
  toString = () => `metric record ${this.metric} ${this.value}`;
}

class Undo extends LedgerCommand {
  args = () => ['undo'];
  // This clone's newest change in the cycle. The cycle itself was started by a teammate (the seed's
  // replica): a plain undo never takes it back, so with none of this clone's changes left it is refused.
  expect = (s: ModelState): Outcome => (s.cycle && s.own > 0 ? { exit: 0, change: 'undo' } : { exit: 1 });
  toString = () => 'undo';
}

class UndoCycle extends LedgerCommand {
  constructor(readonly force: boolean) {
    super();
  }
  args = (s: ModelState) => ['undo', s.cycleEvent, ...(this.force ? ['--force'] : [])];
  // A teammate's change is undone when named; refused while later changes build on it (every change of
  // this clone is in that cycle) unless forced, and refused once it is undone.
  expect = (s: ModelState): Outcome => (s.cycle && (s.own === 0 || this.force) ? { exit: 0, change: 'undo-cycle' } : { exit: 1 });
  toString = () => `undo <the cycle's start>${this.force ? ' --force' : ''}`;
}

const title = fc.constantFrom('Ship guided setup', 'Pick the pilot clinics', 'Ünïcode ✓ title', 'EHR sandbox access', 'A & B <c>');
const everyday = [
  title.map((t) => new AddDecision(t)),
  fc.tuple(fc.constantFrom('approve' as const, 'close' as const, 'reopen' as const), fc.nat()).map(([v, n]) => new DecisionVerb(v, n)),
  title.map((t) => new AddBlocker(t)),
  fc.tuple(fc.constantFrom('resolve' as const, 'escalate' as const), fc.nat()).map(([v, n]) => new BlockerVerb(v, n)),
  fc.tuple(fc.constantFrom(...METRICS), fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.constantFrom(0.5, 99.9, 1e6))).map(([m, v]) => new RecordMetric(m, v)),
  fc.constant(new Undo()),
];
// Undoing the teammate's cycle ends what a sequence can do (every later command is refused), so it is
// drawn about once a sequence, forced one time in four.
const commands = [...everyday, ...everyday, fc.constantFrom(false, false, false, true).map((force) => new UndoCycle(force))];

/** The ledger starts with the cycle a teammate's `init --no-session` created, in the teammate's own events file. */
const startModel = (cycleEvent: string): Model => ({ stack: [], counters: { D: 0, B: 0 }, cycleUndone: false, writes: 0, cycleEvent });

function freshLedger(): Fresh {
  const dir = mkdtempSync(join(tmpdir(), 'playbook-model-'));
  const ledger = join(dir, 'ledger', 'ledger.json');
  mkdirSync(join(dir, 'ledger'), { mode: 0o700 });
  cpSync(seeds.bare, ledger);
  cpSync(eventsDirOf(seeds.bare), eventsDirOf(ledger), { recursive: true });
  const seedFiles = filesUnder(eventsDirOf(ledger));
  const [name] = Object.keys(seedFiles);
  const events = readLedgerEvents(ledger).events;
  expect(events.map((e) => e.type)).toEqual(['cycle.created']);
  const env = { PLAYBOOK_LEDGER: ledger, XDG_STATE_HOME: join(dir, 'state'), XDG_CACHE_HOME: join(dir, 'cache') };
  return { dir, ledger, env, seed: { name: name!, bytes: seedFiles[name!]! }, cycleEvent: shortEventId(events[0].id) };
}

describe('the ledger behaves like its model', () => {
  it(`in process: ${RUNS.inProcess} random sequences of up to ${MAX_COMMANDS.inProcess} commands through the real command tree and store`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: MAX_COMMANDS.inProcess, size: 'large' }), async (cmds) => {
        const fresh = freshLedger();
        try {
          figures.inProcessRuns += 1;
          figures.inProcessCommands += [...cmds].length;
          await fc.asyncModelRun(() => ({ model: startModel(fresh.cycleEvent), real: inProcess(fresh) }), cmds);
        } finally {
          rmSync(fresh.dir, { recursive: true, force: true });
        }
      }),
      { numRuns: RUNS.inProcess },
    );
  }, 300_000);

  it(`through the built CLI: ${RUNS.cli} random sequences of up to ${MAX_COMMANDS.cli} commands`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: MAX_COMMANDS.cli, size: 'large' }), async (cmds) => {
        fc.pre([...cmds].length >= MAX_COMMANDS.cli / 2); // each CLI run is worth a long sequence
        const fresh = freshLedger();
        try {
          figures.cliRuns += 1;
          figures.cliCommands += [...cmds].length;
          await fc.asyncModelRun(() => ({ model: startModel(fresh.cycleEvent), real: viaCli(fresh) }), cmds);
        } finally {
          rmSync(fresh.dir, { recursive: true, force: true });
        }
      }),
      { numRuns: RUNS.cli },
    );
  }, 300_000);
});
