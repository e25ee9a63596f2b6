// The ledger as commands use it: open and derive the state, or append events under this replica's
// lock. Commands build events from the state; they never touch the files themselves.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../context.js';
import { CliError, failure, usageError } from '../errors.js';
import { dayOf } from '../dates.js';
import { cacheHome } from '../paths.js';
import { oneLine } from '../terminal.js';
import { nextEventId, randomPart } from './clock.js';
import { lineHash } from './convert.js';
import { actedOn, checkEvent, type Each, type LedgerEvent, type NewEvent } from './events.js';
import { asciiJson } from './json.js';
import { locateLedger, type LedgerLocation } from './location.js';
import { appendToReplica, chainHash, layoutOf, readLocal, readReplicas, writeLocal, type Layout, type LedgerRead, type LocalState } from './replicas.js';
import { apply, baseId, cyclesNamed, deriveFrom, deriveState, findCycleKey, recordsOf, type Cycle, type LedgerState } from './state.js';

type LedgerContext = Pick<Context, 'options' | 'env' | 'cwd'> & { note?: Context['note'] };

export interface OpenLedger {
  location: LedgerLocation;
  layout: Layout;
  /** Runs `use` with every event handed over one at a time in the order of their ids, as often as it asks, the files opened once (replica-read.ts: walk). */
  walk: <T>(use: (each: Each) => T) => T;
  /** The events a cycle's state needs (replicas.ts: cycleEvents). */
  eventsOf: (key: string | null) => LedgerEvent[];
  /** The cycles with an event from id `id` on (replicas.ts: cyclesFrom). */
  cyclesFrom: (id: string) => Set<string> | undefined;
  /** This clone's own state of the ledger: its replica name and current cycle. */
  local: LocalState;
  /** Every cycle derived, when first asked for (`resume`: the events one at a time, unless they are all parsed already). */
  readonly state: LedgerState;
  /**
   * Every cycle as the lines read with each one's tell (file-index.ts: STRUCTURAL_TYPES): started,
   * current, steps passed; without its records, and without reading the rest of every cycle.
   */
  readonly overview: LedgerState;
  /**
   * The cycle the command is about (--cycle, else the current one). Unless the whole state was
   * asked for first, only the events this cycle needs are parsed, and only its records derived.
   */
  readonly cycle: Cycle;
}

/** Where the identities of ledger files already checked in full are noted (checked.ts). */
export function checkedNotes(env: NodeJS.ProcessEnv): string {
  return join(cacheHome(env), 'playbook', 'checked.json');
}

function missing(location: LedgerLocation): CliError {
  return failure(`no ledger at ${location.path}`, 'start a cycle with `playbook init <industry> <role>` (add --local to keep the ledger in this directory)');
}

export function ledgerLocation(ctx: Pick<Context, 'options' | 'env' | 'cwd'>, path?: string): LedgerLocation {
  return path ? { path, source: '--ledger' } : locateLedger(ctx.options, ctx.env, ctx.cwd);
}

/** Says which changes were skipped because a teammate's file is still arriving. */
function noteSkipped(ctx: LedgerContext, read: LedgerRead): void {
  for (const line of read.skipped) ctx.note?.(`note: ${oneLine(line)}; it is read once it has arrived`);
}

/** Reads the ledger for a command that only looks. */
export function openLedger(ctx: LedgerContext): OpenLedger {
  const location = ledgerLocation(ctx);
  const layout = layoutOf(location.path, ctx.env);
  const read = readReplicas(layout, { checked: checkedNotes(ctx.env) });
  if (!read) throw missing(location);
  noteSkipped(ctx, read);
  const local = readLocal(layout);
  let state: LedgerState | undefined;
  let overview: LedgerState | undefined;
  let cycle: Cycle | undefined;
  return {
    location,
    layout,
    walk: (use) => read.walk(use),
    eventsOf: (key) => read.cycleEvents(key),
    cyclesFrom: (id) => read.cyclesFrom(id),
    local,
    get state() {
      state ??= read.walk((each) => deriveFrom(each, read.cycleEvents(null), { all: true, current: local.current }));
      return state;
    },
    get overview() {
      overview ??= state ?? deriveState(read.cycleEvents(null), { all: true, current: local.current });
      return overview;
    },
    get cycle() {
      if (cycle === undefined) {
        let s = state;
        if (s === undefined) {
          // The cycles first (their starts only), then the events of the one the command is about.
          const key = selectCycle(ctx, deriveState(read.cycleEvents(null), { current: local.current })).key;
          s = deriveState(read.cycleEvents(key), { cycle: key, current: local.current });
        }
        cycle = selectCycle(ctx, s);
        announce(ctx, layout, local, s);
      }
      return cycle;
    },
  };
}

/** The cycles of the ledger at `path` (their starts, not their records), empty when there is none yet. */
export function readState(path: string, env: NodeJS.ProcessEnv): LedgerState {
  const layout = layoutOf(path, env);
  const read = readReplicas(layout, { checked: checkedNotes(env) });
  const state = deriveState(read?.cycleEvents(null) ?? [], { all: true, current: readLocal(layout).current });
  state.lastEventId = read?.lastId;
  return state;
}

/** The cycle a command works on: --cycle, else the current one. */
export function selectCycle(ctx: Pick<Context, 'options'>, state: LedgerState): Cycle {
  const wanted = ctx.options.cycle;
  if (wanted === undefined) {
    const current = state.current === null ? undefined : state.cycles.get(state.current);
    if (!current) throw failure('the ledger has no cycle yet', 'start one with `playbook init <industry> <role>`');
    return current;
  }
  return findCycle(state, wanted);
}

/** The cycle people name `typed` (its id, or the id two cycles share when only one has it). */
export function findCycle(state: LedgerState, typed: string): Cycle {
  const exact = state.cycles.get(typed);
  if (exact) return exact;
  const matches = cyclesNamed(state, typed);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw usageError(
      `cycle "${typed}" is ambiguous: ${matches.map((c) => `${c.id} (started by ${oneLine(c.created.actor)} on ${c.created.at.slice(0, 10)})`).join(', ')}`,
      'name one of them with its letter',
    );
  }
  const known = [...state.cycles.values()].map((c) => c.id);
  throw usageError(`no cycle "${typed}" in the ledger`, known.length ? `cycles: ${known.join(', ')}` : undefined);
}

/**
 * Tells this clone, once, about cycles teammates started after the one it works on: the current
 * cycle is each clone's own, and a new one is announced, never switched to.
 */
function announce(ctx: LedgerContext, layout: Layout, local: LocalState, state: LedgerState): void {
  if (local.current === undefined || !ctx.note) return;
  const told = new Set(local.announced ?? []);
  const fresh = [...state.cycles.values()].filter((c) => c.key > local.current! && !told.has(c.key) && c.key !== state.current && c.replica !== local.replica);
  if (fresh.length === 0) return;
  for (const c of fresh) ctx.note(`note: ${oneLine(c.created.actor)} started cycle ${c.id} on ${dayOf(new Date(c.created.at), 'UTC')}; this clone stays on its cycle (\`playbook use ${c.id}\` to switch)`);
  try {
    writeLocal(layout, { ...readLocal(layout), announced: [...told, ...fresh.map((c) => c.key)] });
  } catch {
    // Best effort: the note comes again next time.
  }
}

/** The longest actor name an event may carry (events.ts: name). */
const MAX_ACTOR = 200;

/** True when nothing is at `path` (other errors are left to the store, which names them). */
function isMissing(path: string): boolean {
  try {
    statSync(path);
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR';
  }
}

export interface Change {
  location: LedgerLocation;
  state: LedgerState;
  events: LedgerEvent[];
}

type EventContext = Pick<Context, 'now' | 'actor' | 'command'>;


/** Where the next event of this replica goes: its name, the last number it used, the hash of its last line. */
export interface Writer {
  replica: string;
  seq: number;
  prev: string | undefined;
}

/**
 * A new event with everything the ledger needs, applied to `state`: an id after everything seen,
 * the cycle, the record it acts on (by the key of the event that added it, so D-3a and D-3b stay
 * apart) with the newest event on it the writer saw, and its place in the replica's file.
 */
export function stampEvent(ctx: EventContext, state: LedgerState, e: NewEvent, cycleKey: string | null, writer: Writer, more: number): LedgerEvent {
  const id = nextEventId(state.lastEventId, ctx.now.getTime(), randomPart());
  const event = { id, replica: writer.replica, seq: ++writer.seq, at: ctx.now.toISOString(), actor: ctx.actor, command: ctx.command, cycle: null, type: e.type, data: { ...e.data } } as LedgerEvent & { data: Record<string, unknown> };
  if (writer.prev !== undefined) event.prev = writer.prev;
  event.cycle = e.type === 'cycle.created' ? id : e.cycle !== undefined ? e.cycle : cycleKey;
  const cycle = event.cycle === null ? undefined : state.cycles.get(event.cycle);
  const named = actedOn(e.type, event.data);
  if (named !== undefined && cycle) {
    const r = recordsOf(cycle, named[0]!)?.get(named);
    if (r) [event.rec, event.after] = [r.key, [...r.heads].sort().slice(-64)];
    if (e.type.startsWith('evidence') || e.type.startsWith('build-scope')) event.data.decision = baseId(named);
    else event.data.id = baseId(named);
  }
  if (e.type === 'blocker.added' && typeof event.data.decision === 'string' && cycle) {
    const d = cycle.decisions.get(event.data.decision);
    if (d) event.link = d.key;
    event.data.decision = baseId(event.data.decision);
  }
  if (more > 0) event.more = more;
  if (e.answer) event.answer = e.answer;
  checkEvent(event);
  writer.prev = lineHash(asciiJson(event)!);
  if (e.type !== 'undo') apply(state, event);
  state.lastEventId = id;
  return event;
}

/** The writer of events that are only rehearsed in memory (--dry-run, checking an answers file first). */
export function rehearsal(): Writer {
  return { replica: 'dry-run', seq: 0, prev: undefined };
}

/** The cycle key new events go to: --cycle, else the current one (none before the first cycle). */
function cycleFor(ctx: Pick<Context, 'options'>, state: LedgerState): string | null {
  if (ctx.options.cycle !== undefined) return findCycle(state, ctx.options.cycle).key;
  return state.current;
}

/**
 * Appends the events `build` returns, all or nothing, under this replica's lock. `build` sees the
 * state as it is inside the lock (and every event, for undo) and throws a CliError to refuse the
 * change; then nothing is written. `local` changes this clone's own state with the same write.
 */
export function commit(
  ctx: Pick<Context, 'options' | 'env' | 'cwd' | 'now' | 'actor' | 'command'> & { note?: Context['note'] },
  build: (state: LedgerState, events: { cycle: readonly LedgerEvent[]; all(): readonly LedgerEvent[] }, local: LocalState) => NewEvent[],
  options: { create?: boolean; path?: string; dryRun?: boolean; local?: (events: LedgerEvent[], local: LocalState) => LocalState } = {},
): Change {
  const location = ledgerLocation(ctx, options.path);
  // Refuse before taking the lock, which would create this machine's folder for the ledger.
  if (!options.create && isMissing(location.path)) throw missing(location);
  if (ctx.actor.length > MAX_ACTOR) {
    throw usageError(`the name of who is acting is ${ctx.actor.length} characters; at most ${MAX_ACTOR}`, 'give a shorter one with --as NAME or PLAYBOOK_ACTOR');
  }
  const layout = layoutOf(location.path, ctx.env);
  let state: LedgerState | undefined;
  let appended: LedgerEvent[] = [];
  let nextLocal: LocalState | undefined;
  const change = (read: LedgerRead | null, local: LocalState): string | undefined => {
    if (!read && !options.create) throw missing(location);
    if (read) noteSkipped(ctx, read);
    // Only the cycle the change is about is derived: every cycle's start, and that cycle's events.
    const cycles = deriveState(read?.cycleEvents(null) ?? [], { current: local.current });
    const key = ctx.options.cycle !== undefined ? findCycleKey(cycles, ctx.options.cycle) : cycles.current;
    const events = read?.cycleEvents(key) ?? [];
    state = deriveState(events, { cycle: key ?? undefined, current: local.current });
    state.lastEventId = read?.lastId;
    const fresh = build(state, { cycle: events, all: () => read?.events ?? [] }, local);
    if (fresh.length === 0) return undefined;
    const cycleKey = cycleFor(ctx, state);
    const writer: Writer = options.dryRun ? rehearsal() : { replica: local.replica!, seq: read?.own?.lastSeq ?? 0, prev: chainHash(read?.own) };
    appended = fresh.map((e, i) => stampEvent(ctx, state!, e, cycleKey, writer, fresh.length - 1 - i));
    if (appended.some((e) => e.type === 'undo')) state = deriveState([...events, ...appended], { cycle: key ?? undefined, current: local.current });
    // The first write pins the cycle this clone works on: a teammate's new cycle will not move it.
    nextLocal = options.local ? options.local(appended, local) : local.current === undefined && state.current !== null ? { ...local, current: state.current } : undefined;
    // The state answers as the next command will see it: on this clone's own current cycle.
    const pinned = (nextLocal ?? local).current;
    if (pinned !== undefined && state.cycles.has(pinned)) state.current = pinned;
    if (options.dryRun) return undefined;
    return appended.map((e) => `${asciiJson(e)}\n`).join('');
  };
  if (options.dryRun) {
    const read = readReplicas(layout, { checked: checkedNotes(ctx.env) });
    change(read, readLocal(layout));
  } else {
    appendToReplica(layout, change, { checked: checkedNotes(ctx.env), update: () => nextLocal });
  }
  return { location, state: state!, events: appended };
}

/** Changes this clone's own state of the ledger (its current cycle) under its lock; the shared files are not touched. */
export function updateLocal(ctx: LedgerContext, change: (state: LedgerState, local: LocalState) => LocalState | undefined): LedgerState {
  const location = ledgerLocation(ctx);
  if (isMissing(location.path)) throw missing(location);
  const layout = layoutOf(location.path, ctx.env);
  let state: LedgerState | undefined;
  let next: LocalState | undefined;
  appendToReplica(
    layout,
    (read, local) => {
      if (!read) throw missing(location);
      noteSkipped(ctx, read);
      state = deriveState(read.cycleEvents(null), { current: local.current });
      next = change(state, local);
      return undefined;
    },
    { checked: checkedNotes(ctx.env), update: () => next },
  );
  return state!;
}
