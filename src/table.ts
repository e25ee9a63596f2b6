// Terminal tables. cli-table3 colours its borders and headings even in a pipe, so the
// style is always set from the context's colour decision.
import Table from 'cli-table3';
import type { Context } from './context.js';
import { neutralize } from './terminal.js';

export function renderTable(ctx: Pick<Context, 'color' | 'chalk'>, head: string[], rows: string[][], options: { wrap?: number[] } = {}): string {
  const table = new Table({
    head: head.map((h) => ctx.chalk.bold(h)),
    style: { head: [], border: [], compact: false },
    wordWrap: true,
    ...(options.wrap ? { colWidths: options.wrap.map((w) => (w > 0 ? w : null)) as number[] } : {}),
  });
  for (const row of rows) table.push(row.map((cell) => neutralize(cell)));
  return table.toString();
}
