// FNV-1a, 64 bits, in four 16-bit limbs: the hash each line of a replica's file carries of the line
// before it (`prev`), and the name of this machine's folder for a ledger. It only has to notice an
// edited, removed or inserted line: without a key no hash can stop somebody who rewrites the
// lines after it too, so a cryptographic one would buy nothing here, and loading node:crypto cost
// every write 3 to 10 ms on the shared 2-core machine (measured with process.hrtime).
export function fnv1a64(text: string): string {
  // The hash is of the UTF-8 bytes. Text of ASCII (every line playbook writes) is its own bytes, so
  // it is hashed as it stands: copying each line into a buffer first was a third of doctor's hashing
  // (100,000 lines: 190 → 125 ms). Other text is hashed again as its bytes, one character each.
  return hashCodes(text, 0x7f) ?? hashCodes(Buffer.from(text, 'utf8').toString('latin1'), 0xff)!;
}

/** FNV-1a 64 of the character codes of `codes`; undefined at a code above `max`. */
function hashCodes(codes: string, max: number): string | undefined {
  let h0 = 0x2325, h1 = 0x8422, h2 = 0x9ce4, h3 = 0xcbf2;
  for (let i = 0; i < codes.length; i++) {
    const c = codes.charCodeAt(i);
    if (c > max) return undefined;
    h0 ^= c;
    // Multiply by the prime 2^40 + 0x1b3: limb by limb, 2^40 moving a limb two places up and 8 bits left.
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
    const t3 = h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16);
    h0 = t0 & 0xffff; h1 = t1 & 0xffff; h2 = t2 & 0xffff; h3 = t3 & 0xffff;
  }
  return hex(h3, h2, h1, h0);
}

const DIGITS = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/**
 * The 16 hex digits of four 16-bit limbs (a limb stays a small integer; a number of 32 bits took
 * three times as long), made as one string: four toString(16) and padStart took 45 ms per 100,000
 * lines against 10.
 */
function hex(a: number, b: number, c: number, d: number): string {
  return String.fromCharCode(
    DIGITS[a >> 12]!, DIGITS[(a >> 8) & 15]!, DIGITS[(a >> 4) & 15]!, DIGITS[a & 15]!,
    DIGITS[b >> 12]!, DIGITS[(b >> 8) & 15]!, DIGITS[(b >> 4) & 15]!, DIGITS[b & 15]!,
    DIGITS[c >> 12]!, DIGITS[(c >> 8) & 15]!, DIGITS[(c >> 4) & 15]!, DIGITS[c & 15]!,
    DIGITS[d >> 12]!, DIGITS[(d >> 8) & 15]!, DIGITS[(d >> 4) & 15]!, DIGITS[d & 15]!,
  );
}
