// The ledger's JSON: compact, and ASCII only.
const NON_ASCII = /[\u0080-\uffff]/g;
const escaped = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * JSON with every character outside ASCII written as a \u escape (a pair of them beyond U+FFFF):
 * the same data, but a file Node reads into a one-byte string. A single "é" or "—" anywhere makes
 * the whole text two bytes a character, which takes twice the memory and parses about a third
 * slower.
 */
export function asciiJson(value: unknown): string | undefined {
  return (JSON.stringify(value) as string | undefined)?.replace(NON_ASCII, escaped);
}
