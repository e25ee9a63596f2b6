// The build patches cli-table3 (scripts/patches.mjs) to skip work that cannot change a table
// playbook draws. Here cli-table3 is bundled with those patches and compared with cli-table3 as
// published, on generated tables: full ones like playbook's, and ones with spans and short rows,
// where the patched code must fall back to the original search.
import { build } from 'esbuild';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script without types
import { PATCHES, patchSources } from '../../scripts/patches.mjs';

type TableClass = new (options: Record<string, unknown>) => { push(...rows: unknown[]): void; toString(): string };

const require = createRequire(import.meta.url);
const Published = require('cli-table3') as TableClass;
let Patched: TableClass;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'playbook-table-patches-'));
  const applied = new Set<unknown>();
  const { outputFiles } = await build({
    stdin: { contents: "module.exports = require('cli-table3');", resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'silent',
    plugins: [patchSources(applied)],
  });
  // Every cli-table3 patch was applied, so the comparison is of the patched code.
  const forTable = (PATCHES as { file: RegExp }[]).filter((patch) => patch.file.test('node_modules/cli-table3/src/cell.js') || patch.file.test('node_modules/cli-table3/src/layout-manager.js'));
  expect(forTable.length).toBeGreaterThanOrEqual(4);
  expect(applied.size).toBe(forTable.length);
  const file = join(dir, 'cli-table3-patched.cjs');
  writeFileSync(file, outputFiles[0]!.text);
  Patched = require(file) as TableClass;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', 'Waiting on dependency 117', 'Mon 02 Nov 06:15\n21d 2h overdue', '\u001b[31mB-1 BREACHED\u001b[39m', 'word '.repeat(30), 'naïve café — “quoted” …', '表格 emoji 🚀'),
);

/** The table drawn, or the error drawing it raised: the patched code must do the same in both cases. */
function render(Table: TableClass, head: string[], rows: unknown[][], colWidths: (number | null)[], chars?: Record<string, string>): string {
  try {
    const table = new Table({ head, style: { head: [], border: [], compact: false }, wordWrap: true, colWidths, ...(chars ? { chars } : {}) });
    table.push(...rows);
    return table.toString();
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

describe('cli-table3 as the build patches it draws what the published cli-table3 draws', () => {
  it('for full tables without spans, the kind playbook draws', () => {
    const table = fc.integer({ min: 1, max: 6 }).chain((columns) =>
      fc.record({
        head: fc.array(text, { minLength: columns, maxLength: columns }),
        rows: fc.array(fc.array(text, { minLength: columns, maxLength: columns }), { maxLength: 25 }),
        colWidths: fc.array(fc.option(fc.integer({ min: 3, max: 40 }), { nil: null }), { minLength: columns, maxLength: columns }),
      }),
    );
    fc.assert(
      fc.property(table, ({ head, rows, colWidths }) => {
        expect(render(Patched, head, rows, colWidths)).toBe(render(Published, head, rows, colWidths));
      }),
      { numRuns: 150 },
    );
  });

  it('for tables with column spans, a row span and short rows, where the gaps must still be found', () => {
    // Row spans are kept to the first column: arbitrary ones can make the published cli-table3 loop.
    const cell = fc.oneof(text, fc.record({ content: text, colSpan: fc.integer({ min: 1, max: 3 }) }));
    const table = fc.record({
      head: fc.array(text, { minLength: 1, maxLength: 5 }),
      rows: fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { maxLength: 10 }),
      spanned: fc.boolean(),
    });
    fc.assert(
      fc.property(table, ({ head, rows: generated, spanned }) => {
        const rows = spanned && generated.length > 1 ? [[{ content: 'spans two rows', rowSpan: 2 }, ...generated[0]!], ...generated.slice(1)] : generated;
        expect(render(Patched, head, rows, [])).toBe(render(Published, head, rows, []));
      }),
      { numRuns: 150 },
    );
  });

  it('for tables and cells with border characters of their own, in either spelling of a name', () => {
    const names = ['top', 'top-mid', 'topMid', 'top-left', 'top-right', 'bottom', 'bottom-mid', 'bottomLeft', 'bottom-right', 'left', 'left-mid', 'mid', 'midMid', 'mid-mid', 'right', 'right-mid', 'middle'];
    const chars = fc.dictionary(fc.constantFrom(...names), fc.constantFrom('', '*', '=', '|', '#', '+'), { maxKeys: 6 });
    const cell = fc.oneof(text, fc.record({ content: text, chars }));
    const table = fc.integer({ min: 1, max: 4 }).chain((columns) =>
      fc.record({
        head: fc.array(text, { minLength: columns, maxLength: columns }),
        rows: fc.array(fc.array(cell, { minLength: columns, maxLength: columns }), { maxLength: 8 }),
        tableChars: fc.option(chars, { nil: undefined }),
      }),
    );
    fc.assert(
      fc.property(table, ({ head, rows, tableChars }) => {
        expect(render(Patched, head, rows, [], tableChars)).toBe(render(Published, head, rows, [], tableChars));
      }),
      { numRuns: 150 },
    );
  });
});
