// Where a ledger's files are (the pointer, the folder of replica files) and this machine's own state
// of it (the replica's name, the current cycle), kept outside the shared folder (replicas.ts).
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { stateHome } from '../paths.js';
import { ensureDir, readLedgerFile } from './files.js';
import { fnv1a64 } from './hash.js';
import { ledgerText, writeAtomic } from './store.js';

export const POINTER = '{"schemaVersion":2}\n';

export interface Layout {
  /** The ledger file (the pointer), its symbolic links resolved: a write goes through to the target. */
  path: string;
  /** The folder of replica files beside it. */
  events: string;
  /** This machine's own folder for the ledger, outside the shared one. */
  local: string;
}

/**
 * The real path of `path`: symbolic links resolved, also a link whose target does not exist yet (a
 * ledger to be started in a dotfiles folder), so that a write goes through to the target and never
 * replaces the link with a private copy.
 */
function realPath(path: string, depth = 0): string {
  try {
    return realpathSync(path);
  } catch {
    // Not there (yet): a dangling link is followed by hand, a missing file resolved by its folder.
  }
  try {
    if (depth < 40 && lstatSync(path).isSymbolicLink()) return realPath(resolve(dirname(path), readlinkSync(path)), depth + 1);
  } catch {
    // Not a link either.
  }
  // Not there yet: the nearest folder that is, resolved, and the rest as given, so that the path
  // names the same place before the ledger's folders are made and after.
  const parent = dirname(path);
  return parent === path ? path : join(realPath(parent, depth + 1), basename(path));
}

export function layoutOf(path: string, env: NodeJS.ProcessEnv): Layout {
  const real = realPath(path);
  const name = basename(real);
  const events = join(dirname(real), name === 'ledger.json' ? 'events' : `${name.replace(/\.json$/, '')}.events`);
  return { path: real, events, local: join(stateHome(env), 'playbook', 'ledgers', fnv1a64(real)) };
}

// ---------------------------------------------------------------------------------------------------------
// This machine's own state of a ledger

export interface LocalState {
  /** This replica's name: its file is events/<replica>.jsonl. */
  replica?: string;
  /** The cycle this clone works on (the id of the event that started it). */
  current?: string;
  /** Cycles started by teammates that this clone has been told about. */
  announced?: string[];
  /** The id of the last event this replica wrote: its file must still end with it. */
  last?: string;
}

export const localFile = (layout: Layout): string => join(layout.local, 'replica.json');

export function readLocal(layout: Layout): LocalState {
  try {
    const data = JSON.parse(ledgerText(readLedgerFile(localFile(layout)).bytes)) as LocalState;
    if (!data || typeof data !== 'object') return {};
    const state: LocalState = {};
    if (typeof data.replica === 'string' && /^[0-9a-z]{16}$/.test(data.replica)) state.replica = data.replica;
    if (typeof data.current === 'string') state.current = data.current;
    if (Array.isArray(data.announced)) state.announced = data.announced.filter((c): c is string => typeof c === 'string');
    if (typeof data.last === 'string') state.last = data.last;
    return state;
  } catch {
    return {};
  }
}

export function writeLocal(layout: Layout, state: LocalState): void {
  ensureDir(localFile(layout));
  writeAtomic(localFile(layout), `${JSON.stringify(state)}\n`, false);
}
