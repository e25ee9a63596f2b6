// Where the tool keeps things, following the XDG base directory convention.
import { delimiter, join, resolve } from 'node:path';
import { nodeOs } from './os.js';

/** The installed package's root: dist/ chunks, like src/ modules, sit one level below it. */
export const PACKAGE_ROOT = join(import.meta.dirname, '..');
export const BUILTIN_PLAYBOOKS = join(PACKAGE_ROOT, 'playbooks');
export const BUILTIN_TEMPLATES = join(PACKAGE_ROOT, 'templates');

/**
 * The user's home directory. On POSIX systems Node's os.homedir() is $HOME when set, which is read
 * here without loading node:os; otherwise (unset, or on Windows) os.homedir() decides.
 */
export function homeDir(env: NodeJS.ProcessEnv): string {
  if (process.platform !== 'win32' && env.HOME) return env.HOME;
  return nodeOs().homedir();
}

export function configHome(env: NodeJS.ProcessEnv): string {
  return env.XDG_CONFIG_HOME ? resolve(env.XDG_CONFIG_HOME) : join(homeDir(env), '.config');
}

export function cacheHome(env: NodeJS.ProcessEnv): string {
  return env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homeDir(env), '.cache');
}

export function stateHome(env: NodeJS.ProcessEnv): string {
  return env.XDG_STATE_HOME ? resolve(env.XDG_STATE_HOME) : join(homeDir(env), '.local', 'state');
}

export function dataHome(env: NodeJS.ProcessEnv): string {
  return env.XDG_DATA_HOME ? resolve(env.XDG_DATA_HOME) : join(homeDir(env), '.local', 'share');
}

/** The user's own playbook directory, where `playbook new` writes. */
export function userPlaybookDir(env: NodeJS.ProcessEnv): string {
  return join(configHome(env), 'playbook', 'playbooks');
}

/** Every playbook directory, highest priority first: PLAYBOOK_PATH, the user's, then the built-in one. */
export function playbookDirs(env: NodeJS.ProcessEnv): { dir: string; source: string }[] {
  const fromPath = (env.PLAYBOOK_PATH ?? '')
    .split(delimiter)
    .filter((d) => d.trim() !== '')
    .map((d) => ({ dir: resolve(d), source: resolve(d) }));
  return [...fromPath, { dir: userPlaybookDir(env), source: 'user' }, { dir: BUILTIN_PLAYBOOKS, source: 'built-in' }];
}
