import type { Context } from '../context.js';
import { loadCatalog } from '../playbook/catalog.js';
import { renderTable } from '../table.js';

export function run(ctx: Context): void {
  const { entries, problems } = loadCatalog(ctx.env);
  for (const p of problems) ctx.note(`warning: ${p.message.split('\n')[0]}`);
  if (ctx.json) {
    ctx.print(
      JSON.stringify(
        {
          version: 1,
          playbooks: entries.map((e) => ({
            id: e.playbook.id,
            industry: e.industry,
            role: e.role,
            aliases: e.playbook.aliases,
            title: e.playbook.title,
            source: e.source,
            file: e.file,
            overrides: e.overrides.map((o) => ({ source: o.source, file: o.file })),
          })),
        },
        null,
        2,
      ),
    );
    return;
  }
  if (entries.length === 0) {
    ctx.note('no playbooks found; `playbook new <industry> <role>` scaffolds one');
    return;
  }
  const rows = entries.map((e) => [
    e.industry,
    e.role,
    e.playbook.aliases.join(', '),
    e.playbook.title,
    e.overrides.length > 0 ? `${e.source} (overrides ${e.overrides.map((o) => o.source).join(', ')})` : e.source,
  ]);
  ctx.print(renderTable(ctx, ['industry', 'role', 'aliases', 'title', 'from'], rows));
}
