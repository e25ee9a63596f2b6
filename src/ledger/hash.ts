// FNV-1a, 64 bits, in four 16-bit limbs: the hash each line of a replica's file carries of the line
// before it (`prev`), and the name of this machine's folder for a ledger. It only has to notice an
// edited, removed or inserted line: without a key no hash can stop somebody who rewrites the
// lines after it too, so a cryptographic one would buy nothing here, and loading node:crypto cost
// every write 3 to 10 ms on the shared 2-core machine (measured with process.hrtime).
export function fnv1a64(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  let h0 = 0x2325, h1 = 0x8422, h2 = 0x9ce4, h3 = 0xcbf2;
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i]!;
    // Multiply by the prime 2^40 + 0x1b3: limb by limb, 2^40 moving a limb two places up and 8 bits left.
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
    const t3 = h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16);
    h0 = t0 & 0xffff; h1 = t1 & 0xffff; h2 = t2 & 0xffff; h3 = t3 & 0xffff;
  }
  return [h3, h2, h1, h0].map((h) => h.toString(16).padStart(4, '0')).join('');
}
