// The pieces of an Internet message that are easy to get wrong: header text that can never break
// a line (RFC 5322), RFC 2047 encoded words for non-ASCII, quoted-printable bodies (RFC 2045) whose
// lines stay far below the 998-octet limit, and addresses checked before they reach a header.
import { usageError } from '../errors.js';

/** Header text from user input or a template: every control character, CR and LF included, becomes a space. */
export function headerText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').replace(/\s+/g, ' ').trim();
}

const ENCODED_WORD_BYTES = 39; // 52 base64 characters: a 64-character encoded word

/** RFC 2047 "B" encoded words, split on character boundaries, joined by folding whitespace. */
export function encodeWords(text: string): string {
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch, 'utf8') > ENCODED_WORD_BYTES) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\n ');
}

/** An unstructured header value (Subject): plain when it is short printable ASCII, else encoded words. */
export function unstructured(text: string, nameLength: number): string {
  const clean = headerText(text);
  if (/^[\x20-\x7e]*$/.test(clean) && !clean.includes('=?') && nameLength + 2 + clean.length <= 78) return clean;
  return encodeWords(clean);
}

export interface Address {
  name: string;
  address: string;
}

const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function isAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  if (at <= 0 || address.length > 254) return false;
  return LOCAL.test(address.slice(0, at)) && DOMAIN.test(address.slice(at + 1));
}

/** Parses "a@x.org, Team Ü <team@x.org>, \"Ops, night\" <ops@x.org>"; anything else is a usage error naming `what`. */
export function parseAddresses(input: string, what: string): Address[] {
  if (/[\r\n\u0000-\u001f\u007f]/.test(input)) throw usageError(`${what} must not contain line breaks or control characters`);
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let angle = false;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch === '\\' && quoted) {
      current += ch + (input[++i] ?? '');
      continue;
    }
    if (ch === '"') quoted = !quoted;
    else if (ch === '<' && !quoted) angle = true;
    else if (ch === '>' && !quoted) angle = false;
    if ((ch === ',' || ch === ';') && !quoted && !angle) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  const addresses = parts.map((p) => p.trim()).filter((p) => p !== '').map((p) => parseOne(p, what));
  if (addresses.length === 0) throw usageError(`${what} names no address`);
  return addresses;
}

function parseOne(text: string, what: string): Address {
  const m = /^(.*?)\s*<([^<>]*)>$/.exec(text);
  const name = m ? m[1]!.trim().replace(/^"(.*)"$/s, '$1').replace(/\\(.)/g, '$1') : '';
  const address = (m ? m[2]! : text).trim();
  if (!isAddress(address)) throw usageError(`${what}: "${text}" is not an email address`, 'addresses look like team@example.org or "Ops Team" <ops@example.org>');
  return { name: headerText(name), address };
}

/** One address for a header: `addr`, `"Name" <addr>`, or `=?UTF-8?B?...?= <addr>` for a non-ASCII name. */
export function formatAddress(a: Address): string {
  if (!a.name) return a.address;
  if (/^[\x20-\x7e]*$/.test(a.name) && !a.name.includes('=?')) return `"${a.name.replace(/(["\\])/g, '\\$1')}" <${a.address}>`;
  return `${encodeWords(a.name)} <${a.address}>`;
}

export function addressList(list: Address[]): string {
  return list.map(formatAddress).join(',\n ');
}

const MAX_QP_LINE = 76;

/** Quoted-printable (RFC 2045 6.7) of UTF-8 text with LF line breaks; every output line is at most 76 characters. */
export function quotedPrintable(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => {
      const bytes = Buffer.from(line, 'utf8');
      const tokens: string[] = [];
      bytes.forEach((byte, i) => {
        const last = i === bytes.length - 1;
        const literal = (byte >= 33 && byte <= 126 && byte !== 61) || ((byte === 32 || byte === 9) && !last);
        // A leading "." or "From " is encoded so that no mail transport mangles it.
        const guarded = i === 0 && (byte === 46 || (byte === 70 && line.startsWith('From ')));
        tokens.push(literal && !guarded ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`);
      });
      const out: string[] = [];
      let current = '';
      for (const token of tokens) {
        if (current.length + token.length > MAX_QP_LINE - 1) {
          out.push(`${current}=`);
          current = '';
        }
        current += token;
      }
      out.push(current);
      return out.join('\n');
    })
    .join('\n');
}

/** "Fri, 20 Nov 2026 16:00:00 +0000" (RFC 5322 3.3), in UTC so the header is the same on every machine. */
export function rfc5322Date(date: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[date.getUTCDay()]}, ${p(date.getUTCDate())} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}
