// The catalog: built-in playbooks plus the user's own, with aliases. A name typed on the
// command line only ever selects a file found by listing these directories; it is never
// joined into a path, so `../../etc/passwd` or a symlink out of a directory reaches nothing.
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { CliError, usageError } from '../errors.js';
import { closest } from '../names.js';
import { playbookDirs } from '../paths.js';
import { oneLine } from '../terminal.js';
import { loadPlaybookFile, PlaybookFileError } from './load.js';
import type { Playbook } from './schema.js';

export interface CatalogFile {
  industry: string;
  role: string;
  file: string;
  /** 'built-in', 'user', or the PLAYBOOK_PATH directory it came from. */
  source: string;
}

export interface CatalogEntry extends CatalogFile {
  playbook: Playbook;
  /** The lower-priority files with the same id that this one hides. */
  overrides: CatalogFile[];
}

export interface CatalogProblem {
  file: string;
  message: string;
  /** The catalog id the file stands for by its place, when the file itself failed to load. */
  id?: string;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** Every playbook file in every directory, highest priority first, symlinks out of a directory skipped. */
export function catalogFiles(env: NodeJS.ProcessEnv): CatalogFile[] {
  const files: CatalogFile[] = [];
  for (const { dir, source } of playbookDirs(env)) {
    const root = realDir(dir);
    if (!root) continue;
    for (const industry of safeReaddir(root).sort()) {
      if (!NAME.test(industry)) continue;
      const industryDir = join(root, industry);
      if (!inside(root, industryDir) || !isDir(industryDir)) continue;
      for (const name of safeReaddir(industryDir).sort()) {
        const match = /^([a-z0-9][a-z0-9-]{0,39})\.ya?ml$/.exec(name);
        if (!match) continue;
        const file = join(industryDir, name);
        if (!inside(root, file)) continue;
        files.push({ industry, role: match[1]!, file, source });
      }
    }
  }
  return files;
}

/** Loads the whole catalog. Invalid files are reported, not fatal, so one bad user file does not hide the rest. */
export function loadCatalog(env: NodeJS.ProcessEnv): { entries: CatalogEntry[]; problems: CatalogProblem[] } {
  const entries = new Map<string, CatalogEntry>();
  const problems: CatalogProblem[] = [];
  for (const f of catalogFiles(env)) {
    const id = `${f.industry}/${f.role}`;
    const winner = entries.get(id);
    if (winner) {
      winner.overrides.push(f);
      continue;
    }
    try {
      const playbook = loadPlaybookFile(f.file);
      if (playbook.id !== id) {
        problems.push({ file: f.file, id, message: `${f.file}:1:1: id "${playbook.id}" does not match its place in the catalog (${id}.yaml)` });
        continue;
      }
      entries.set(id, { ...f, playbook, overrides: [] });
    } catch (error) {
      if (error instanceof CliError) {
        problems.push({ file: f.file, id, message: error.message });
      } else throw error;
    }
  }
  const list = [...entries.values()].sort((a, b) => (a.playbook.id < b.playbook.id ? -1 : a.playbook.id > b.playbook.id ? 1 : 0));
  problems.push(...aliasClashes(list));
  return { entries: list, problems };
}

export function aliasClashes(entries: CatalogEntry[]): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const owners = new Map<string, string>();
  for (const e of entries) {
    for (const name of [e.role, ...e.playbook.aliases]) {
      const key = `${e.industry}/${name}`;
      const other = owners.get(key);
      if (other && other !== e.playbook.id) {
        problems.push({ file: e.file, message: `${e.file}:1:1: "${name}" names both ${other} and ${e.playbook.id}; aliases must be unique within an industry` });
      }
      owners.set(key, e.playbook.id);
    }
  }
  return problems;
}

/** Finds a playbook by industry and role or alias; unknown names are a usage error that lists what exists. */
export function resolvePlaybook(env: NodeJS.ProcessEnv, industry: string, role: string): CatalogEntry {
  if (!NAME.test(industry)) throw usageError(`${quote(industry)} is not an industry name (lowercase letters, digits and dashes)`);
  if (!NAME.test(role)) throw usageError(`${quote(role)} is not a role name (lowercase letters, digits and dashes)`);
  const { entries, problems } = loadCatalog(env);
  const inIndustry = entries.filter((e) => e.industry === industry);
  const byRole = inIndustry.find((e) => e.role === role);
  const byAlias = inIndustry.filter((e) => e.playbook.aliases.includes(role));
  if (!byRole && byAlias.length > 1) {
    throw usageError(`"${role}" is an alias of ${byAlias.map((e) => e.playbook.id).join(' and ')}`, 'give the role in full, and make the alias unique (`playbook validate` lists the clash)');
  }
  const match = byRole ?? byAlias[0];
  // A file that failed to load hides nothing silently: when it stands for the playbook asked for
  // (an edited override with a typo), its error is the answer, not the built-in it would replace.
  const wanted = match ? match.playbook.id : `${industry}/${role}`;
  const broken = problems.find((p) => p.id === wanted);
  if (broken) throw new PlaybookFileError(broken.file, [], broken.message);
  if (match) return match;
  if (inIndustry.length === 0) {
    const industries = [...new Set(entries.map((e) => e.industry))];
    throw usageError(`no playbooks for industry "${industry}"`, `industries: ${industries.join(', ') || 'none'}; see \`playbook list\``);
  }
  const names = inIndustry.flatMap((e) => [e.role, ...e.playbook.aliases]);
  const guess = closest(role, names);
  throw usageError(
    `no "${role}" playbook for ${industry}${guess ? `; did you mean "${guess}"?` : ''}`,
    `${industry} roles: ${inIndustry.map((e) => (e.playbook.aliases.length ? `${e.role} (${e.playbook.aliases.join(', ')})` : e.role)).join(', ')}`,
  );
}

/** A name typed on the command line, quoted and with control characters made visible, for a message. */
function quote(name: string): string {
  return `"${oneLine(name)}"`;
}

function realDir(dir: string): string | undefined {
  try {
    const real = realpathSync(dir);
    return statSync(real).isDirectory() ? real : undefined;
  } catch {
    return undefined;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** True when `path`, with symlinks resolved, stays inside `root` (itself already resolved). */
function inside(root: string, path: string): boolean {
  if (!existsSync(path)) return false;
  const rel = relative(root, realpathSync(path));
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) && rel.split(sep)[0] !== '..';
}
