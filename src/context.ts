// What a command receives: the clock, the time zone, who is acting, the streams and the
// colour decision. Built once per run from the global flags and the environment.
import type { ChalkInstance } from 'chalk';
import { isCheapZone, systemZone } from './zones.js';
import { usageError } from './errors.js';
import { makeChalk, wantsColor, type ColorFlag } from './terminal.js';
import { isTerminal, standardStreams, writeErr, writeOut } from './output.js';
import { nodeOs } from './os.js';

export interface GlobalOptions {
  ledger?: string;
  cycle?: string;
  as?: string;
  json?: boolean;
  color?: ColorFlag;
  input?: boolean;
  tz?: string;
}

export interface Context {
  env: NodeJS.ProcessEnv;
  cwd: string;
  now: Date;
  tz: string;
  actor: string;
  /** The words the user typed after `playbook`, kept in each event of the audit trail. */
  command: string;
  options: GlobalOptions;
  json: boolean;
  color: boolean;
  chalk: ChalkInstance;
  /** True when questions may be asked: stdin is a terminal and --no-input was not given. */
  interactive: boolean;
  /**
   * The standard streams, for a session's prompts. Asking for them is a choice with a consequence
   * (from then on all output goes through them, output.ts), so it is a call, never a property
   * that copying the context would read.
   */
  streams(): { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream };
  /** Writes text to stdout, adding the final newline. */
  print(text: string): void;
  /** Writes a message to stderr. */
  note(text: string): void;
}

export function parseNow(value: string | undefined): Date {
  if (value === undefined || value === '') return new Date();
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(date.getTime())) {
    throw usageError(`PLAYBOOK_NOW="${value}" is not an ISO date and time (e.g. 2026-11-23T09:00:00Z)`);
  }
  return date;
}

export function resolveTimeZone(value: string | undefined, source: string): string {
  if (!value) return systemZone();
  if (isCheapZone(value)) return value;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    throw usageError(`${source} "${value}" is not a time zone (e.g. Europe/Berlin, America/New_York, UTC)`);
  }
}

function osUser(): string {
  try {
    return nodeOs().userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * The context of a run. Every property is a plain value except `actor`, read when first asked for
 * (the user name needs node:os, which commands that only read never load): reading it has no other
 * effect, so a copy of the context (`{ ...ctx }`) is always safe.
 */
export function createContext(options: GlobalOptions, command: string): Context {
  const env = process.env;
  const color = wantsColor(options.color, env, () => isTerminal(1));
  let actor: string | undefined;
  return {
    env,
    cwd: process.cwd(),
    now: parseNow(env.PLAYBOOK_NOW),
    tz: options.tz ? resolveTimeZone(options.tz, '--tz') : resolveTimeZone(env.PLAYBOOK_TZ, 'PLAYBOOK_TZ'),
    // Asked only by commands that record a change.
    get actor() {
      actor ??= (options.as ?? env.PLAYBOOK_ACTOR ?? '').trim() || osUser();
      return actor;
    },
    command,
    options,
    json: Boolean(options.json),
    color,
    chalk: makeChalk(color),
    interactive: options.input !== false && isTerminal(0),
    // The streams only for a session (see output.ts); everything else prints through writeOut and writeErr.
    streams: standardStreams,
    print: (text) => writeOut(text.endsWith('\n') ? text : `${text}\n`),
    note: (text) => writeErr(text.endsWith('\n') ? text : `${text}\n`),
  };
}

/** The context with other global options (a session pins its cycle and ledger); the user name stays unread until asked for. */
export function withOptions<C extends { options: GlobalOptions }>(ctx: C, options: Partial<GlobalOptions>): C {
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(ctx)) as C;
  copy.options = { ...ctx.options, ...options };
  return copy;
}
