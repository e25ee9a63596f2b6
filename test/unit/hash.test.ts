// The hash each replica line carries of the line before it: FNV-1a over the line's UTF-8 bytes,
// whether the line is ASCII (hashed as it stands) or not (hashed through its bytes).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fnv1a64 } from '../../src/ledger/hash.js';

/** FNV-1a 64 as its definition states it, in BigInt arithmetic. */
function reference(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8')) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

/** Characters up to U+00FF: one byte each in Latin-1, two in UTF-8 past U+007F. */
const LATIN_1 = fc.integer({ min: 0, max: 0xff }).map((code) => String.fromCharCode(code));

describe('fnv1a64', () => {
  it('gives the published FNV-1a 64 values', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });

  it('hashes the UTF-8 bytes of any text, ASCII or not', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary-ascii' }), fc.string({ unit: LATIN_1 }), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (text) => {
        expect(fnv1a64(text)).toBe(reference(text));
      }),
      { numRuns: 200 },
    );
  });

  it('tells apart a character from the bytes of its UTF-8 form read as Latin-1', () => {
    // "é" is the bytes c3 a9; the two characters "Ã©" are other bytes (c3 83 c2 a9).
    expect(fnv1a64('é')).toBe(reference('é'));
    expect(fnv1a64('é')).not.toBe(fnv1a64('\u00c3\u00a9'));
  });
});
