// Playbook files for tests: the shipped ones, the small fixtures, and careful one-line edits of them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './cli.js';

export const BUILTIN_PLAYBOOKS = join(REPO_ROOT, 'playbooks');
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'playbooks');

/** Every shipped playbook file, as `industry/role` → absolute path. */
export function shippedPlaybookFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const industry of readdirSync(BUILTIN_PLAYBOOKS)) {
    for (const name of readdirSync(join(BUILTIN_PLAYBOOKS, industry))) {
      if (name.endsWith('.yaml')) files[`${industry}/${name.replace(/\.yaml$/, '')}`] = join(BUILTIN_PLAYBOOKS, industry, name);
    }
  }
  return files;
}

/** The text of a shipped playbook, e.g. builtinText('healthcare/product-manager'). */
export function builtinText(id: string): string {
  return readFileSync(join(BUILTIN_PLAYBOOKS, `${id}.yaml`), 'utf8');
}

/** The text of a fixture under test/fixtures/playbooks. */
export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** The small valid fixture (minimal.yaml) renamed to industry/role, with its own aliases and title. */
export function playbookAs(industry: string, role: string, options: { aliases?: string[]; title?: string } = {}): string {
  let text = fixtureText('minimal.yaml');
  text = edit(text, 'id: testing/tester', `id: ${industry}/${role}`);
  text = edit(text, 'industry: testing', `industry: ${industry}`);
  text = edit(text, 'role: tester', `role: ${role}`);
  text = edit(text, 'aliases: [qa]', `aliases: [${(options.aliases ?? []).join(', ')}]`);
  return edit(text, 'title: Test playbook', `title: ${options.title ?? 'Test playbook'}`);
}

/** Plain YAML parsing without the CLI's checks, to compare what the file says with what the CLI does. */
export function rawYaml(text: string): any {
  return parse(text);
}

/**
 * Replaces `from` with `to`, insisting that `from` occurs exactly once: a broken variant of a
 * fixture must differ from it in the one place the test names, or the test proves nothing.
 */
export function edit(text: string, from: string | RegExp, to: string): string {
  const count = typeof from === 'string' ? text.split(from).length - 1 : [...text.matchAll(new RegExp(from.source, `${from.flags.replace('g', '')}g`))].length;
  if (count !== 1) throw new Error(`edit: expected exactly one ${String(from)} in the text, found ${count}`);
  return text.replace(from, to);
}

/** The 1-based line number of the only line containing `needle`. */
export function lineOf(text: string, needle: string): number {
  const lines = text.split('\n');
  const found = lines.flatMap((line, i) => (line.includes(needle) ? [i + 1] : []));
  if (found.length !== 1) throw new Error(`lineOf: expected one line containing ${JSON.stringify(needle)}, found ${found.length}`);
  return found[0]!;
}

/** `FILE:LINE:COL: message` lines of an error output. */
export function positionLines(stderr: string, file: string): { line: number; col: number; message: string }[] {
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [...stderr.matchAll(new RegExp(`^${escaped}:(\\d+):(\\d+): (.+)$`, 'gm'))].map((m) => ({
    line: Number(m[1]),
    col: Number(m[2]),
    message: m[3]!,
  }));
}
