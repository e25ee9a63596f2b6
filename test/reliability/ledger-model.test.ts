// The ledger against a model: random sequences of commands (add a decision, approve, close, reopen, add
// a blocker, resolve, escalate, record a metric, undo), run by fast-check's model-based testing
// (fc.commands) against the real command tree and store on a temporary ledger, and checked after every
// command against a plain in-memory model: which command succeeds or is refused with which exit code,
// the ids given out, every status, every reading, and that a refused command changes no byte.
// The same commands also run through the built CLI, for fewer runs.
import * as fc from 'fast-check';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CommanderError } from 'commander';
import { CliError } from '../../src/errors.js';
import { parseLedger } from '../../src/ledger/events.js';
import { deriveState } from '../../src/ledger/state.js';
import { ledgerText } from '../../src/ledger/store.js';
import { buildProgram } from '../../src/program.js';
import { runCli } from '../helpers/cli.js';
import { makeSeeds, type Seeds } from '../helpers/ledger.js';
import { recordFigures } from '../helpers/reliability.js';

const RUNS = { inProcess: 100, cli: 3 } as const;
const MAX_COMMANDS = { inProcess: 30, cli: 12 } as const;
const METRICS = ['approval-cycle-time', 'scope-stability'];
const NOW = '2026-11-23T09:00:00Z';

const figures = { inProcessRuns: 0, inProcessCommands: 0, cliRuns: 0, cliCommands: 0, refusals: 0, undos: 0 };

let seeds: Seeds;
beforeAll(() => {
  seeds = makeSeeds(['bare']);
});
afterAll(() => {
  seeds?.cleanup();
  recordFigures('ledger-model', figures);
});

// ---------------------------------------------------------------------------------------------------------
// The model: a stack of the changes in force (undo pops one), and the state they add up to.

type Change =
  | { kind: 'cycle' }
  | { kind: 'decision'; id: string }
  | { kind: 'approve' | 'close' | 'reopen'; id: string }
  | { kind: 'blocker'; id: string }
  | { kind: 'resolve' | 'escalate'; id: string }
  | { kind: 'reading'; metric: string; value: number };

interface Model {
  stack: Change[];
}

interface ModelState {
  cycle: boolean;
  decisions: Map<string, { status: 'open' | 'closed'; approved: boolean }>;
  blockers: Map<string, 'open' | 'escalated' | 'resolved'>;
  readings: Map<string, number[]>;
}

function stateOf(model: Model): ModelState {
  const s: ModelState = { cycle: false, decisions: new Map(), blockers: new Map(), readings: new Map() };
  for (const c of model.stack) {
    if (c.kind === 'cycle') s.cycle = true;
    else if (c.kind === 'decision') s.decisions.set(c.id, { status: 'open', approved: false });
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

/** The next id of a kind: one more than the highest in force (an id freed by undo is given out again). */
function nextId(ids: Iterable<string>, prefix: string): string {
  return `${prefix}-${Math.max(0, ...[...ids].map((id) => Number(id.slice(2)))) + 1}`;
}

/** Picks an id: usually one that exists, sometimes one that does not. */
function pick(ids: Iterable<string>, prefix: string, n: number): string {
  const list = [...ids];
  return n % (list.length + 1) < list.length ? list[n % (list.length + 1)]! : `${prefix}-${list.length + 7}`;
}

// ---------------------------------------------------------------------------------------------------------
// The system: the ledger file, and a way to run a command line on it (in process, or the built CLI).

interface Real {
  ledger: string;
  /** Runs `playbook ARGS`; returns the exit code. */
  exec(args: string[]): Promise<number>;
}

/** The command tree of src/program.ts, run in this process the way cli.ts runs it. */
function inProcess(ledger: string): Real {
  return {
    ledger,
    async exec(args) {
      const env = { PLAYBOOK_LEDGER: ledger, PLAYBOOK_NOW: NOW, PLAYBOOK_TZ: 'UTC', PLAYBOOK_ACTOR: 'model' };
      const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, env);
      const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        await buildProgram().parseAsync(['node', 'playbook', ...args]);
        return 0;
      } catch (error) {
        if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
        if (error instanceof CliError) return error.exitCode;
        throw error; // anything else is a bug
      } finally {
        out.mockRestore();
        err.mockRestore();
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    },
  };
}

function viaCli(ledger: string, home: string): Real {
  return {
    ledger,
    async exec(args) {
      const r = runCli(args, { env: { HOME: home, PLAYBOOK_LEDGER: ledger, PLAYBOOK_TZ: 'UTC', PLAYBOOK_ACTOR: 'model' } });
      if (r.status === null) throw new Error(`playbook ${args.join(' ')} did not finish: ${r.signal}`);
      return r.status;
    },
  };
}

/** The real ledger against the model: every id, status and reading, and ids that run 1..n. */
function expectMatches(real: Real, model: Model, what: string): void {
  const file = parseLedger(JSON.parse(ledgerText(readFileSync(real.ledger))));
  expect(file.events.map((e) => e.id), `${what}: event ids`).toEqual(file.events.map((_, i) => i + 1));
  const state = deriveState(file.events);
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
}

// ---------------------------------------------------------------------------------------------------------
// The commands: each runs on the real ledger, says what the model expects, and checks.

type Outcome = { exit: 0; change: Change | 'undo' } | { exit: 1 | 2 };

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
    const before = readFileSync(real.ledger);
    const exit = await real.exec(args);
    const what = `playbook ${args.join(' ')}`;
    expect(exit, what).toBe(outcome.exit);
    if (outcome.exit !== 0) {
      figures.refusals += 1;
      expect(readFileSync(real.ledger).equals(before), `${what}: a refused command changes no byte`).toBe(true);
    } else if (outcome.change === 'undo') {
      figures.undos += 1;
      model.stack.pop();
    } else {
      model.stack.push(outcome.change);
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
  expect = (s: ModelState): Outcome => (s.cycle ? { exit: 0, change: { kind: 'decision', id: nextId(s.decisions.keys(), 'D') } } : NO_CYCLE);
  toString = () => `decision add ${JSON.stringify(this.title)}`;
}

class DecisionVerb extends LedgerCommand {
  constructor(readonly verb: 'approve' | 'close' | 'reopen', readonly n: number) {
    super();
  }
  args = (s: ModelState) => ['decision', this.verb, pick(s.decisions.keys(), 'D', this.n)];
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
  expect = (s: ModelState): Outcome => (s.cycle ? { exit: 0, change: { kind: 'blocker', id: nextId(s.blockers.keys(), 'B') } } : NO_CYCLE);
  toString = () => `blocker add ${JSON.stringify(this.title)}`;
}

class BlockerVerb extends LedgerCommand {
  constructor(readonly verb: 'resolve' | 'escalate', readonly n: number) {
    super();
  }
  args = (s: ModelState) => ['blocker', this.verb, pick(s.blockers.keys(), 'B', this.n)];
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
  expect = (s: ModelState): Outcome => (s.cycle ? { exit: 0, change: { kind: 'reading', metric: this.metric, value: this.value } } : NO_CYCLE);
  toString = () => `metric record ${this.metric} ${this.value}`;
}

class Undo extends LedgerCommand {
  args = () => ['undo'];
  // The stack holds the cycle's creation at the bottom: undo can take even that back; then nothing is left.
  expect = (s: ModelState): Outcome => (s.cycle ? { exit: 0, change: 'undo' } : { exit: 1 });
  toString = () => 'undo';
}

const title = fc.constantFrom('Ship guided setup', 'Pick the pilot clinics', 'Ünïcode ✓ title', 'EHR sandbox access', 'A & B <c>');
const commands = [
  title.map((t) => new AddDecision(t)),
  fc.tuple(fc.constantFrom('approve' as const, 'close' as const, 'reopen' as const), fc.nat()).map(([v, n]) => new DecisionVerb(v, n)),
  title.map((t) => new AddBlocker(t)),
  fc.tuple(fc.constantFrom('resolve' as const, 'escalate' as const), fc.nat()).map(([v, n]) => new BlockerVerb(v, n)),
  fc.tuple(fc.constantFrom(...METRICS), fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.constantFrom(0.5, 99.9, 1e6))).map(([m, v]) => new RecordMetric(m, v)),
  fc.constant(new Undo()),
];

/** The ledger starts with the cycle `init --no-session` created: the bottom of the stack. */
const startModel = (): Model => ({ stack: [{ kind: 'cycle' }] });

function freshLedger(): { dir: string; ledger: string } {
  const dir = mkdtempSync(join(tmpdir(), 'playbook-model-'));
  const ledger = join(dir, 'ledger.json');
  copyFileSync(seeds.bare, ledger);
  return { dir, ledger };
}

describe('the ledger behaves like its model', () => {
  it(`in process: ${RUNS.inProcess} random sequences of up to ${MAX_COMMANDS.inProcess} commands through the real command tree and store`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: MAX_COMMANDS.inProcess, size: 'large' }), async (cmds) => {
        const { dir, ledger } = freshLedger();
        try {
          figures.inProcessRuns += 1;
          figures.inProcessCommands += [...cmds].length;
          await fc.asyncModelRun(() => ({ model: startModel(), real: inProcess(ledger) }), cmds);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: RUNS.inProcess },
    );
  }, 300_000);

  it(`through the built CLI: ${RUNS.cli} random sequences of up to ${MAX_COMMANDS.cli} commands`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: MAX_COMMANDS.cli, size: 'large' }), async (cmds) => {
        fc.pre([...cmds].length >= MAX_COMMANDS.cli / 2); // each CLI run is worth a long sequence
        const { dir, ledger } = freshLedger();
        try {
          figures.cliRuns += 1;
          figures.cliCommands += [...cmds].length;
          await fc.asyncModelRun(() => ({ model: startModel(), real: viaCli(ledger, dir) }), cmds);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: RUNS.cli },
    );
  }, 300_000);
});
