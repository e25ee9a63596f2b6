import type { Context } from '../context.js';
import { resolvePlaybook } from '../playbook/catalog.js';
import { renderPlaybook } from '../report/playbook.js';
import { neutralizeAll } from '../terminal.js';

export function run(ctx: Context, [industry, role]: [string, string], opts: { format: 'text' | 'markdown' }): void {
  const entry = resolvePlaybook(ctx.env, industry, role);
  if (ctx.json) {
    ctx.print(JSON.stringify({ version: 1, source: entry.source, file: entry.file, playbook: entry.playbook }, null, 2));
    return;
  }
  ctx.print(renderPlaybook(neutralizeAll(entry.playbook), opts.format, ctx.chalk));
}
