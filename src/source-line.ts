// Where an unexpected error came from, in the source. The built CLI is minified, so a stack names
// `dist/<chunk>.cjs:1:48213`; the build leaves a source map beside each chunk (scripts/build.mjs),
// and this turns the first frame of ours into `src/ledger/state.ts:123:5`. Only the message of a bug
// reads the maps, and only when they are there (an installed package may leave them out).
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** The source file, line and column of the first frame of the built CLI in the error's stack, if its map is there. */
export function sourceLine(error: Error): string | undefined {
  for (const frame of (error.stack ?? '').split('\n').slice(1)) {
    const m = /([^\s()]+\.cjs):(\d+):(\d+)\)?$/.exec(frame.trim());
    if (!m) continue;
    const [, file, line, column] = m as unknown as [string, string, string, string];
    try {
      const { SourceMap } = process.getBuiltinModule('node:module');
      const entry = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as import('node:module').SourceMapPayload).findEntry(Number(line) - 1, Number(column) - 1);
      if (!('originalSource' in entry)) continue;
      const source = relative(join(dirname(file), '..'), resolve(dirname(file), entry.originalSource));
      return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    } catch {
      // No map beside this chunk: the next frame may have one.
    }
  }
  return undefined;
}
