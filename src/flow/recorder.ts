// Where the session's answers go: the ledger, under its lock, each answer as soon as it is given (an
// interruption loses nothing already answered), or memory, for --dry-run and for checking an
// answers file before anything is written.
import { withOptions, type Context } from '../context.js';
import { failure } from '../errors.js';
import type { LedgerEvent, NewEvent } from '../ledger/events.js';
import { commit, rehearsal, stampEvent } from '../ledger/ledger.js';
import type { LedgerState } from '../ledger/state.js';
import type { Playbook } from '../playbook/schema.js';
import type { FlowContext } from './records.js';

export interface Recorder {
  state: LedgerState;
  /** The session's view of the cycle as recorded so far. */
  flow(): FlowContext;
  /** Builds events from the freshest state and records them. */
  record(build: (f: FlowContext) => NewEvent[]): void;
  readonly recorded: LedgerEvent[];
}

type RecorderContext = Pick<Context, 'options' | 'env' | 'cwd' | 'now' | 'actor' | 'command' | 'tz'>;

/** The session's view of cycle `cycleId` in `state`. */
export function flowOf(playbook: Playbook, state: LedgerState, cycleId: string, ctx: Pick<Context, 'now' | 'tz'>): FlowContext {
  const cycle = state.cycles.get(cycleId);
  if (!cycle) throw failure(`cycle ${cycleId} is no longer in the ledger`);
  return { playbook, cycle, now: ctx.now, tz: ctx.tz };
}

export function ledgerRecorder(ctx: RecorderContext, playbook: Playbook, cycleId: string, state: LedgerState): Recorder {
  const scoped = withOptions(ctx, { cycle: cycleId });
  const recorder: Recorder = {
    state,
    recorded: [],
    flow: () => flowOf(playbook, recorder.state, cycleId, ctx),
    record(build) {
      const change = commit(scoped, (fresh) => build(flowOf(playbook, fresh, cycleId, ctx)));
      recorder.state = change.state;
      recorder.recorded.push(...change.events);
    },
  };
  return recorder;
}

export function memoryRecorder(ctx: RecorderContext, playbook: Playbook, cycleId: string, state: LedgerState): Recorder {
  const writer = rehearsal();
  const recorder: Recorder = {
    state,
    recorded: [],
    flow: () => flowOf(playbook, recorder.state, cycleId, ctx),
    record(build) {
      const fresh = build(flowOf(playbook, recorder.state, cycleId, ctx));
      fresh.forEach((e, i) => recorder.recorded.push(stampEvent(ctx, recorder.state, e, cycleId, writer, fresh.length - 1 - i)));
    },
  };
  return recorder;
}
