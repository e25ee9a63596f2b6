// The build gives cli-table3 a string-width that answers narrow text without the emoji regular
// expression (src/vendor/string-width-ascii.cjs). It must agree with string-width everywhere.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const fast = require('../../src/vendor/string-width-ascii.cjs') as (text: string) => number;
const real = require(require.resolve('string-width', { paths: [require.resolve('cli-table3')] })) as (text: string) => number;

describe('the narrow-text shortcut of string-width', () => {
  it('agrees with string-width on every character of the ranges it answers itself', () => {
    const ranges: [number, number][] = [[0x20, 0x7e], [0x2010, 0x2027], [0x2500, 0x257f]];
    for (const [from, to] of ranges) {
      for (let code = from; code <= to; code++) {
        const text = String.fromCodePoint(code);
        expect(fast(text), `U+${code.toString(16)}`).toBe(real(text));
      }
    }
  });

  it('agrees with string-width on any text, colour codes, wide characters and emoji included', () => {
    const piece = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('…', '─┼│', '\u001b[31mred\u001b[39m', '等待审批', '🚀', 'e\u0301', '\t', '‼'));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), (pieces) => {
        const text = pieces.join('');
        expect(fast(text)).toBe(real(text));
      }),
      { numRuns: 500 },
    );
  });

  it('is what the built CLI bundles in place of string-width for cli-table3', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dist = new URL('../../dist/', import.meta.url);
    const bundled = readdirSync(dist).filter((f) => f.endsWith('.cjs')).map((f) => readFileSync(new URL(f, dist), 'utf8'));
    expect(bundled.some((code) => code.includes('\\u2010-\\u2027\\u2500-\\u257f'))).toBe(true);
  });
});
