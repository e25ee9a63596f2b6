// The ledger as commands use it: open and derive the state, or append events under the
// store's lock. Commands build events from the state; they never touch the file themselves.
import { isAscii } from 'node:buffer';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../context.js';
import { CliError, EXIT, failure, usageError } from '../errors.js';
import { cacheHome } from '../paths.js';
import { checkEvent, LEDGER_SCHEMA_VERSION, NewerLedgerError, parseLedger, type LedgerEvent, type LedgerFile, type NewEvent } from './events.js';
import { locateLedger, type LedgerLocation } from './location.js';
import { apply, deriveState, type Cycle, type LedgerState } from './state.js';
import { asciiJson, readLedger, updateLedger } from './store.js';

export interface OpenLedger {
  location: LedgerLocation;
  file: LedgerFile;
  /** Derived from the events when first asked: `log` reads the events alone. */
  readonly state: LedgerState;
  /**
   * The cycle the command is about (--cycle, else the current one). Unless the whole state was
   * asked for first, only this cycle's records are derived (state.ts: Focus).
   */
  readonly cycle: Cycle;
}

export function validateLedger(data: unknown, known = false): LedgerFile {
  try {
    return parseLedger(data, known);
  } catch (error) {
    if (error instanceof NewerLedgerError) throw new CliError(error.message, EXIT.failure);
    throw error;
  }
}

/**
 * The bytes of `next` when it is `current` with events appended, made from the bytes of `current`
 * as the store wrote them: compact JSON ending in `]}` and a newline. Only the new events are
 * serialised; the result is byte for byte what serializeLedger(next) would write.
 */
export function appendedBytes(bytes: Buffer, current: unknown, next: unknown): Buffer[] | undefined {
  const before = current as LedgerFile;
  const after = next as LedgerFile;
  const n = bytes.length;
  if (after.schemaVersion !== before.schemaVersion || Object.keys(after).length !== 2) return undefined;
  if (n < 3 || bytes[n - 3] !== 0x5d || bytes[n - 2] !== 0x7d || bytes[n - 1] !== 0x0a) return undefined; // "]}\n"
  // A file written before the store escaped non-ASCII characters is written in full once, as ASCII.
  if (!isAscii(bytes)) return undefined;
  const old = before.events;
  if (after.events.length <= old.length || old.some((event, i) => after.events[i] !== event)) return undefined;
  const added = after.events.slice(old.length).map((event) => asciiJson(event)).join(',');
  return [bytes.subarray(0, n - 3), Buffer.from(`${old.length > 0 ? ',' : ''}${added}]}\n`, 'utf8')];
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

/** Reads the ledger for a command that only looks. */
export function openLedger(ctx: Pick<Context, 'options' | 'env' | 'cwd'>): OpenLedger {
  const location = ledgerLocation(ctx);
  const file = readLedger(location.path, validateLedger, { checked: checkedNotes(ctx.env) });
  if (!file) throw missing(location);
  let state: LedgerState | undefined;
  let cycle: Cycle | undefined;
  return {
    location,
    file,
    get state() {
      state ??= deriveState(file.events);
      return state;
    },
    get cycle() {
      cycle ??= selectCycle(ctx, state ?? deriveState(file.events, { cycle: ctx.options.cycle }));
      return cycle;
    },
  };
}

/** The state of the ledger at `path`, empty when there is none yet. */
export function readState(path: string, env: NodeJS.ProcessEnv): LedgerState {
  const file = readLedger(path, validateLedger, { checked: checkedNotes(env) });
  return deriveState(file?.events ?? []);
}

/** The cycle a command works on: --cycle, else the current one. */
export function selectCycle(ctx: Pick<Context, 'options'>, state: LedgerState): Cycle {
  const wanted = ctx.options.cycle ?? state.current;
  if (!wanted) throw failure('the ledger has no cycle yet', 'start one with `playbook init <industry> <role>`');
  const cycle = state.cycles.get(wanted);
  if (!cycle) {
    const known = [...state.cycles.keys()];
    throw usageError(`no cycle "${wanted}" in the ledger`, known.length ? `cycles: ${known.join(', ')}` : undefined);
  }
  return cycle;
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

/**
 * Appends the events `build` returns, all or nothing, under the lock. `build` sees the state as
 * it is inside the lock and throws a CliError to refuse the change; then nothing is written.
 */
export function commit(
  ctx: Pick<Context, 'options' | 'env' | 'cwd' | 'now' | 'actor' | 'command'>,
  build: (state: LedgerState) => NewEvent[],
  options: { create?: boolean; path?: string; dryRun?: boolean } = {},
): Change {
  const location = ledgerLocation(ctx, options.path);
  // Refuse before taking the lock, which would create the ledger's directory and lock file.
  if (!options.create && isMissing(location.path)) throw missing(location);
  if (ctx.actor.length > MAX_ACTOR) {
    throw usageError(`the name of who is acting is ${ctx.actor.length} characters; at most ${MAX_ACTOR}`, 'give a shorter one with --as NAME or PLAYBOOK_ACTOR');
  }
  let state: LedgerState | undefined;
  let appended: LedgerEvent[] = [];
  const change = (current: LedgerFile | null): LedgerFile | undefined => {
    if (!current && !options.create) throw missing(location);
    const file = current ?? { schemaVersion: LEDGER_SCHEMA_VERSION, events: [] };
    state = deriveState(file.events);
    const fresh = build(state);
    if (fresh.length === 0) return undefined;
    let id = state.lastEventId;
    const at = ctx.now.toISOString();
    const currentCycle = ctx.options.cycle ?? state.current;
    appended = fresh.map((e) => {
      const event = { id: ++id, at, actor: ctx.actor, command: ctx.command, cycle: e.cycle !== undefined ? e.cycle : currentCycle, type: e.type, data: e.data } as LedgerEvent;
      if (e.answer) event.answer = e.answer;
      checkEvent(event);
      return event;
    });
    if (appended.some((e) => e.type === 'undo')) {
      state = deriveState([...file.events, ...appended]);
    } else {
      for (const event of appended) {
        apply(state, event);
        state.lastEventId = event.id;
        state.lastChange = event;
      }
    }
    if (options.dryRun) return undefined;
    return { schemaVersion: LEDGER_SCHEMA_VERSION, events: [...file.events, ...appended] };
  };
  if (options.dryRun) {
    change(readLedger(location.path, validateLedger, { checked: checkedNotes(ctx.env) }));
  } else {
    updateLedger(location.path, validateLedger, change, { checked: checkedNotes(ctx.env), extend: appendedBytes });
  }
  return { location, state: state!, events: appended };
}
