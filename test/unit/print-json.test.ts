// `log --json` prints its events as they are read (src/commands/common.ts: printJsonList), a
// thousand at a time, instead of building the whole list: what it prints must be, byte for byte,
// what printing the whole object at once gives, however many items and whatever they hold.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRINTED_AT_ONCE, printJson, printJsonList } from '../../src/commands/common.js';
import type { Context } from '../../src/context.js';

/** What a command prints through ctx.print, as the CLI writes it (a newline after each call that lacks one). */
function printed(run: (ctx: Context) => void): string {
  let out = '';
  run({ print: (text: string) => (out += text.endsWith('\n') ? text : `${text}\n`) } as unknown as Context);
  return out;
}

/** Names of further fields: not the two printed first, and not digits, which go first in any object. */
const name = fc.string({ maxLength: 8 }).filter((k) => !['version', 'events', '__proto__'].includes(k) && !/^\d+$/.test(k));

describe('a JSON list printed as its items come', () => {
  it('is the same bytes as the whole object printed at once', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 30 }), fc.dictionary(name, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }), (items, rest) => {
        const whole = printed((ctx) => printJson(ctx, { events: items, ...rest }));
        const streamed = printed((ctx) => printJsonList(ctx, 'events', (emit) => items.forEach(emit), () => rest));
        expect(streamed).toBe(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('prints a long list in batches, never all of it at once, and the batches join to the whole', () => {
    const items = Array.from({ length: PRINTED_AT_ONCE * 2 + 7 }, (_, i) => ({ id: i, text: `item ${i}` }));
    const calls: string[] = [];
    printJsonList({ print: (text: string) => calls.push(text) } as unknown as Context, 'events', (emit) => items.forEach(emit), () => ({ conflicts: [] }));
    expect(calls.length).toBeGreaterThan(2);
    expect(Math.max(...calls.map((c) => c.split('\n').length))).toBeLessThanOrEqual(PRINTED_AT_ONCE * 4 + 2);
    expect(JSON.parse(calls.join('\n'))).toEqual({ version: 1, events: items, conflicts: [] });
  });
});
