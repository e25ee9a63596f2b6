// Terminal tables. cli-table3 colours its borders and headings even in a pipe, so the
// style is always set from the context's colour decision.
import Table from 'cli-table3';
import type { Context } from './context.js';
import { neutralize } from './terminal.js';

/** A cell the command has already made safe, usually to colour it: printed as it is. */
export interface StyledCell {
  readonly styled: string;
}

/** A plain string is text from the ledger and gets its control characters neutralized. */
export type Cell = string | StyledCell;

/**
 * Marks text as safe to print as it is: colour codes the command added itself, around text that is
 * generated or already neutralized. Neutralizing it again would print the colour codes as `␛[31m`.
 */
export function styled(text: string): StyledCell {
  return { styled: text };
}

export function renderTable(ctx: Pick<Context, 'color' | 'chalk'>, head: string[], rows: Cell[][], options: { wrap?: number[] } = {}): string {
  const table = new Table({
    head: head.map((h) => ctx.chalk.bold(h)),
    style: { head: [], border: [], compact: false },
    wordWrap: true,
    ...(options.wrap ? { colWidths: options.wrap.map((w) => (w > 0 ? w : null)) } : {}),
  });
  for (const row of rows) table.push(row.map((cell) => (typeof cell === 'string' ? neutralize(cell) : cell.styled)));
  return table.toString();
}
