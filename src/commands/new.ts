import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isMap, isPair, isScalar, parseDocument, stringify } from 'yaml';
import type { Context } from '../context.js';
import { failure, usageError } from '../errors.js';
import { BUILTIN_TEMPLATES, userPlaybookDir } from '../paths.js';
import { catalogFiles } from '../playbook/catalog.js';
import { parsePlaybook } from '../playbook/load.js';
import { oneLine } from '../terminal.js';

const NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

export function run(ctx: Context, [industry, role]: [string, string], opts: { dir?: string }): void {
  for (const [what, value] of [['industry', industry], ['role', role]] as const) {
    if (!NAME.test(value)) throw usageError(`"${oneLine(value)}" is not a valid ${what} name: use lowercase letters, digits and dashes (at most 40)`);
  }
  const dir = opts.dir ? resolve(ctx.cwd, opts.dir) : userPlaybookDir(ctx.env);
  const words = (s: string) => s.replace(/-/g, ' ');
  const text = withValues(readFileSync(join(BUILTIN_TEMPLATES, 'playbook.yaml'), 'utf8'), {
    id: `${industry}/${role}`,
    industry,
    role,
    title: `${words(industry)[0]!.toUpperCase()}${words(industry).slice(1)} playbook for ${words(role)}`,
  });
  const target = join(dir, industry, `${role}.yaml`);
  parsePlaybook(text, target); // the scaffold must itself be valid
  let fd: number;
  try {
    // Others may read playbooks, never write them: a directory anyone can write to would let them plant one.
    mkdirSync(join(dir, industry), { recursive: true, mode: 0o755 });
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
  // Listing the catalog's directories is cheap (nothing is parsed) and saves two surprises.
  const files = catalogFiles(ctx.env);
  const place = files.findIndex((f) => f.file === realpathSync(target));
  if (place < 0) {
    ctx.note(`note: ${dir} is not one of your playbook directories; add it to PLAYBOOK_PATH to use the playbook`);
    return;
  }
  const hidden = files.slice(place + 1).find((f) => f.industry === industry && f.role === role);
  if (hidden) ctx.note(`note: it takes the place of the ${hidden.source} ${industry}/${role} (${hidden.file}); to start from that one instead, copy it over this file`);
}

/**
 * The template with some top-level values replaced in place. Only the values' own characters
 * change, so the template's comments, layout and flow style reach the user exactly as written.
 */
function withValues(template: string, values: Record<string, string>): string {
  const doc = parseDocument(template);
  if (!isMap(doc.contents)) throw failure('the playbook template is not a YAML mapping; reinstall playbook');
  const edits: [start: number, end: number, text: string][] = [];
  for (const [key, value] of Object.entries(values)) {
    const pair = doc.contents.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
    if (!pair || !isScalar(pair.value) || !pair.value.range) throw failure(`the playbook template has no "${key}" value; reinstall playbook`);
    edits.push([pair.value.range[0], pair.value.range[1], stringify(value).trimEnd()]);
  }
  edits.sort((a, b) => b[0] - a[0]);
  let text = template;
  for (const [start, end, replacement] of edits) text = text.slice(0, start) + replacement + text.slice(end);
  return text;
}
