import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { Context } from '../context.js';
import { failure, usageError } from '../errors.js';
import { BUILTIN_TEMPLATES, userPlaybookDir } from '../paths.js';
import { parsePlaybook } from '../playbook/load.js';

const NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

export function run(ctx: Context, [industry, role]: [string, string], opts: { dir?: string }): void {
  for (const [what, value] of [['industry', industry], ['role', role]] as const) {
    if (!NAME.test(value)) throw usageError(`"${value}" is not a valid ${what} name: use lowercase letters, digits and dashes (at most 40)`);
  }
  const dir = opts.dir ? resolve(ctx.cwd, opts.dir) : userPlaybookDir(ctx.env);
  // Edit the template as a YAML document so its comments survive.
  const doc = parseDocument(readFileSync(join(BUILTIN_TEMPLATES, 'playbook.yaml'), 'utf8'));
  const words = (s: string) => s.replace(/-/g, ' ');
  doc.set('id', `${industry}/${role}`);
  doc.set('industry', industry);
  doc.set('role', role);
  doc.set('title', `${words(industry)[0]!.toUpperCase()}${words(industry).slice(1)} playbook for ${words(role)}`);
  const text = doc.toString({ lineWidth: 0 });
  const target = join(dir, industry, `${role}.yaml`);
  parsePlaybook(text, target); // the scaffold must itself be valid
  mkdirSync(join(dir, industry), { recursive: true });
  let fd: number;
  try {
    fd = openSync(target, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw failure(`${target} already exists; not overwriting it`, 'edit it, or remove it first');
    throw failure(`cannot create ${target}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  ctx.print(target);
  ctx.note(`created ${industry}/${role}; edit it, then run \`playbook validate ${target}\``);
}
