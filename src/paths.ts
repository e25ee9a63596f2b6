// Where the tool keeps things, following the XDG base directory convention.
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed package's root: dist/ chunks sit one level below it. */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BUILTIN_PLAYBOOKS = join(PACKAGE_ROOT, 'playbooks');
export const BUILTIN_TEMPLATES = join(PACKAGE_ROOT, 'templates');

export function configHome(env: NodeJS.ProcessEnv): string {
  return env.XDG_CONFIG_HOME ? resolve(env.XDG_CONFIG_HOME) : join(homedir(), '.config');
}

export function cacheHome(env: NodeJS.ProcessEnv): string {
  return env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
}

export function dataHome(env: NodeJS.ProcessEnv): string {
  return env.XDG_DATA_HOME ? resolve(env.XDG_DATA_HOME) : join(homedir(), '.local', 'share');
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
