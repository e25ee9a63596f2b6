// The files that let a team share a ledger folder through git: the events files merge by lines
// (git's built-in union driver: nothing to configure in any clone), and what belongs to one machine
// stays out of commits. Nothing is written into .git/config.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeAtomic } from './store.js';

const FILES = {
  '.gitattributes': [
    '# playbook: each clone appends to its own events file; git merges them by lines, never by hand',
    'events/*.jsonl merge=union',
    '*.events/*.jsonl merge=union',
  ],
  '.gitignore': [
    '# playbook: files of one machine (locks, temporary files, backups) stay out of commits',
    '*.lock',
    '*.tmp',
    '*.bak',
    '*.damaged-*',
  ],
} as const;

/**
 * Writes the lines of .gitattributes and .gitignore beside the ledger that are not there yet,
 * keeping whatever else the files hold. Returns the files it changed.
 */
export function writeTeamFiles(ledgerPath: string): string[] {
  const dir = dirname(ledgerPath);
  const changed: string[] = [];
  for (const [name, lines] of Object.entries(FILES)) {
    const file = join(dir, name);
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // not there yet
    }
    const have = new Set(text.split('\n').map((l) => l.trim()));
    const missing = lines.filter((l) => !have.has(l));
    if (missing.length === 0) continue;
    // Keep the files readable by every clone's tools: these are the team's, not private.
    writeAtomic(file, `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${missing.join('\n')}\n`, false, 0o644);
    changed.push(file);
  }
  return changed;
}

/** The git work tree holding `dir`, if any. */
export function gitWorkTree(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return undefined;
  }
}
