// Passages of dependencies that the build replaces (scripts/build.mjs). Kept apart so the tests can
// bundle a library with the same patches and compare it with the library as published.
import { readFile } from 'node:fs/promises';

/**
 * Passages of dependencies replaced at build time, each exactly as written; the build fails when a
 * new version no longer contains one, so a patch is never silently lost or misapplied.
 */
export const PATCHES = [
  {
    // LiquidJS times its render limit with globalThis.performance, whose first use loads Node's
    // perf_hooks (about four milliseconds). Its own fallback, Date.now(), is exact enough for a
    // limit counted in seconds.
    file: /[\\/]liquidjs[\\/]dist[\\/]liquid\.node\.js$/,
    from: "(typeof global === 'object' && global.performance) ||",
    to: 'false ||',
  },
  {
    // cli-table3 looks for gaps left by row and column spans by comparing every cell with every
    // cell above it, which grows with the square of the rows (cli-table/cli-table3#68: 1,763 rows
    // took 4.5 seconds). A table with every row full and no spans, the only kind playbook draws,
    // has no gaps, and the search is skipped for it.
    file: /[\\/]cli-table3[\\/]src[\\/]layout-manager\.js$/,
    from: '    fillInTable(cellRows);\n',
    to: '    if (!cellRows.every((row) => row.length === cellRows[0].length && row.every((cell) => (cell.colSpan || 1) === 1 && (cell.rowSpan || 1) === 1))) fillInTable(cellRows);\n',
  },
  {
    // Each cell copies the table's sixteen border characters into an object of its own, one
    // property at a time under names it rebuilds on every call: about a fifth of drawing a
    // 13-row table. A cell with no characters of its own gets the table's, worked out once per
    // table; no cell ever changes them.
    file: /[\\/]cli-table3[\\/]src[\\/]cell\.js$/,
    from: "    let chars = (this.chars = {});\n    CHAR_NAMES.forEach(function (name) {\n      setOption(optionsChars, tableChars, name, chars);\n    });\n",
    to:
      "    let chars = (this.chars = this.options.chars ? undefined : tableCharsOf.get(tableChars));\n" +
      "    if (!chars) {\n" +
      "      chars = this.chars = {};\n" +
      "      CHAR_NAMES.forEach(function (name) {\n        setOption(optionsChars, tableChars, name, chars);\n      });\n" +
      "      if (!this.options.chars) tableCharsOf.set(tableChars, chars);\n" +
      "    }\n",
  },
  {
    file: /[\\/]cli-table3[\\/]src[\\/]cell\.js$/,
    from: "const utils = require('./utils');\n",
    to: "const utils = require('./utils');\nconst tableCharsOf = new WeakMap();\n",
  },
  {
    // Drawing each line of a cell first shortens the cell's text for a debug message that is only
    // kept when cli-table3's debug level is raised, which playbook never does; the shortening
    // measures the text character by character.
    file: /[\\/]cli-table3[\\/]src[\\/]cell\.js$/,
    from: '    let content = utils.truncate(this.content, 10, this.truncate);\n',
    to: "    let content = '';\n",
  },
];

/** An esbuild plugin applying PATCHES; each patch applied is added to `applied`. */
export function patchSources(applied = new Set()) {
  // esbuild takes a file's contents from the first onLoad that matches it: one per file, applying
  // all of that file's patches in order.
  const byFile = new Map();
  for (const patch of PATCHES) byFile.set(String(patch.file), [...(byFile.get(String(patch.file)) ?? []), patch]);
  return {
    name: 'patches',
    setup(build) {
      for (const patches of byFile.values()) {
        build.onLoad({ filter: patches[0].file }, async (args) => {
          let text = await readFile(args.path, 'utf8');
          for (const patch of patches) {
            if (!text.includes(patch.from)) throw new Error(`${args.path} no longer contains the passage scripts/patches.mjs replaces; review that patch`);
            text = text.replace(patch.from, patch.to);
            applied.add(patch);
          }
          return { contents: text, loader: 'js' };
        });
      }
    },
  };
}
