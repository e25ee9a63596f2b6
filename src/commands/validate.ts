import { resolve } from 'node:path';
import type { Context } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { loadCatalog } from '../playbook/catalog.js';
import { loadPlaybookFile } from '../playbook/load.js';
import { oneLine } from '../terminal.js';

export function run(ctx: Context, [files]: [string[]]): void {
  const results: { file: string; ok: boolean; problems: string[] }[] = [];
  if (files.length === 0) {
    const { entries, problems } = loadCatalog(ctx.env);
    for (const e of entries) results.push({ file: e.file, ok: true, problems: [] });
    for (const p of problems) {
      const existing = results.find((r) => r.file === p.file);
      if (existing) {
        existing.ok = false;
        existing.problems.push(p.message);
      } else results.push({ file: p.file, ok: false, problems: [p.message] });
    }
  } else {
    for (const file of files) {
      try {
        loadPlaybookFile(resolve(ctx.cwd, file), file);
        results.push({ file, ok: true, problems: [] });
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
        results.push({ file, ok: false, problems: [error.message] });
      }
    }
  }
  const failed = results.filter((r) => !r.ok);
  if (ctx.json) {
    ctx.print(JSON.stringify({ version: 1, valid: failed.length === 0, files: results }, null, 2));
  } else {
    for (const r of results) {
      if (r.ok) ctx.print(`${ctx.chalk.green('ok')}  ${oneLine(r.file)}`);
      else for (const p of r.problems) ctx.note(p);
    }
  }
  if (failed.length > 0) {
    throw usageError(`${failed.length} of ${results.length} playbook${results.length === 1 ? '' : 's'} invalid`);
  }
}
