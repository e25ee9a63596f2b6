// Where summary templates come from: the user's directory first, then the built-in one. A name
// typed on the command line is validated before it meets a path, and every file read must lie,
// after resolving symlinks, inside one of the two directories. Nothing here loads Liquid.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve, sep, isAbsolute } from 'node:path';
import { usageError } from '../errors.js';
import { BUILTIN_TEMPLATES, configHome } from '../paths.js';

export const BUILTIN_KINDS = ['weekly', 'executive', 'release-brief'] as const;
export type SummaryKind = (typeof BUILTIN_KINDS)[number];

/** The parts a template set can have: three prose formats and the email subject line. */
export type TemplatePart = 'text' | 'markdown' | 'html' | 'subject';

export const TEMPLATE_NAME = /^[a-z0-9][a-z0-9-]*$/;
/** A file a template may load: `weekly.text`, or a partial such as `_layout.html`. */
const LOADABLE = /^_?[a-z0-9][a-z0-9-]*\.(text|markdown|html|subject)$/;
export const EXTENSION = '.liquid';

export interface TemplateDirs {
  /** $XDG_CONFIG_HOME/playbook/templates/summary */
  user: string;
  builtin: string;
}

export function summaryTemplateDirs(env: NodeJS.ProcessEnv): TemplateDirs {
  return { user: join(configHome(env), 'playbook', 'templates', 'summary'), builtin: join(BUILTIN_TEMPLATES, 'summary') };
}

export function checkTemplateName(name: string): string {
  if (!TEMPLATE_NAME.test(name) || name.length > 64) {
    throw usageError(`--template "${name}" is not a template name`, 'names are lowercase letters, digits and dashes, e.g. weekly, executive, release-brief');
  }
  return name;
}

/** The template names that have every one of `parts`, from both directories, sorted. */
export function templateNames(dirs: TemplateDirs, parts: TemplatePart[]): string[] {
  const found = new Map<string, Set<string>>();
  for (const dir of [dirs.user, dirs.builtin]) {
    for (const file of listDir(dir)) {
      const m = /^([a-z0-9][a-z0-9-]*)\.(text|markdown|html|subject)\.liquid$/.exec(file);
      if (!m || !TEMPLATE_NAME.test(m[1]!) || !safeFile(dirs, join(dir, file))) continue;
      const set = found.get(m[1]!) ?? new Set();
      set.add(m[2]!);
      found.set(m[1]!, set);
    }
  }
  return [...found.entries()].filter(([, have]) => parts.every((p) => have.has(p))).map(([name]) => name).sort();
}

/** Fails with the available names when `name` has no template for one of `parts`. */
export function requireTemplate(dirs: TemplateDirs, name: string, parts: TemplatePart[], what: string): void {
  checkTemplateName(name);
  if (parts.every((part) => findTemplate(dirs, `${name}.${part}`) !== null)) return;
  const names = templateNames(dirs, parts);
  throw usageError(
    `no summary template "${name}" for ${what}`,
    `templates: ${names.join(', ') || 'none'}; add your own as ${join(dirs.user, `${name}.${parts[0]}${EXTENSION}`)}`,
  );
}

/** The file for a loadable name (`weekly.text`, `_layout.html`), user directory first; null when there is none. */
export function findTemplate(dirs: TemplateDirs, loadable: string): string | null {
  if (!LOADABLE.test(loadable)) return null;
  for (const dir of [dirs.user, dirs.builtin]) {
    const file = join(dir, `${loadable}${EXTENSION}`);
    if (existsSync(file) && safeFile(dirs, file)) return file;
  }
  return null;
}

/** Reads a template file, refusing anything outside the two directories. */
export function readTemplate(dirs: TemplateDirs, file: string): string {
  if (!safeFile(dirs, file)) throw usageError(`template ${file} is outside the template directories`);
  return readFileSync(file, 'utf8');
}

/** True when `file` is a regular file whose real path lies inside the user or built-in directory. */
export function safeFile(dirs: TemplateDirs, file: string): boolean {
  const real = realOrNull(file);
  if (!real) return false;
  try {
    if (!statSync(real).isFile()) return false;
  } catch {
    return false;
  }
  return [dirs.user, dirs.builtin].some((dir) => {
    const root = realOrNull(dir);
    if (!root) return false;
    const rel = relative(root, real);
    return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
  });
}

function realOrNull(path: string): string | null {
  try {
    return realpathSync(resolve(path));
  } catch {
    return null;
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
