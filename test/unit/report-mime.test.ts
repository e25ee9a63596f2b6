import { describe, expect, it } from 'vitest';
import { emailMessage } from '../../src/report/email.js';
import { encodeWords, formatAddress, headerText, parseAddresses, quotedPrintable, rfc5322Date, unstructured } from '../../src/report/mime.js';
import { escapeText, foldLine } from '../../src/report/calendar.js';

/** Decodes quoted-printable, for checking that encoding round-trips. */
function decodeQP(text: string): string {
  const bytes: number[] = [];
  const unfolded = text.replace(/=\n/g, '');
  for (let i = 0; i < unfolded.length; i++) {
    if (unfolded[i] === '=') {
      bytes.push(parseInt(unfolded.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(unfolded.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

describe('quoted-printable', () => {
  it.each([
    'plain ascii',
    'Überblick – Woche 47 ✓',
    `${'x'.repeat(5000)}`,
    `${'é'.repeat(300)} end`,
    'trailing space ',
    'a = b\nFrom here\n.dot\n\ttab',
    '',
  ])('round-trips %j with lines of at most 76 characters', (text) => {
    const encoded = quotedPrintable(text);
    for (const line of encoded.split('\n')) expect(line.length).toBeLessThanOrEqual(76);
    expect(encoded).not.toMatch(/[ \t]$/m);
    expect(encoded).not.toMatch(/^From /m);
    expect(encoded).not.toContain('=_');
    expect(decodeQP(encoded)).toBe(text);
  });
});

describe('headers', () => {
  it('turns CR, LF and other controls into spaces', () => {
    expect(headerText('Weekly\r\nBcc: evil@example.com\u0000\u2028x')).toBe('Weekly Bcc: evil@example.com x');
  });

  it('encodes non-ASCII and long subjects as RFC 2047 words of at most 75 characters', () => {
    expect(unstructured('Weekly summary', 7)).toBe('Weekly summary');
    const encoded = unstructured('Überblick – Woche 47', 7);
    expect(encoded).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    const words = encodeWords('ü'.repeat(200)).split('\n ');
    expect(words.length).toBeGreaterThan(1);
    for (const w of words) {
      expect(w.length).toBeLessThanOrEqual(75);
      expect(Buffer.from(w.slice(10, -2), 'base64').toString('utf8')).toMatch(/^ü+$/); // never a split character
    }
    expect(unstructured('x'.repeat(200), 7).split('\n').every((l) => l.length <= 78)).toBe(true);
    expect(unstructured('=?UTF-8?B?AAAA?=', 7)).toMatch(/^=\?UTF-8\?B\?/);
  });

  it('parses and formats address lists, quoting and encoding display names', () => {
    expect(parseAddresses('a@example.org, "Ops, night" <ops@example.org>; Team Ü <team@example.org>', '--to')).toEqual([
      { name: '', address: 'a@example.org' },
      { name: 'Ops, night', address: 'ops@example.org' },
      { name: 'Team Ü', address: 'team@example.org' },
    ]);
    expect(formatAddress({ name: 'Ops, "night"', address: 'ops@example.org' })).toBe('"Ops, \\"night\\"" <ops@example.org>');
    expect(formatAddress({ name: 'Team Ü', address: 't@example.org' })).toBe('=?UTF-8?B?VGVhbSDDnA==?= <t@example.org>');
    for (const bad of ['a@example.org\r\nBcc: x@y.org', 'no-at-sign', 'a@', '@b.org', 'a b@c.org', 'ü@example.org', '']) {
      expect(() => parseAddresses(bad, '--to'), bad).toThrow();
    }
  });

  it('dates the message in RFC 5322 form', () => {
    expect(rfc5322Date(new Date('2026-11-20T16:00:00Z'))).toBe('Fri, 20 Nov 2026 16:00:00 +0000');
  });

  it('a whole message keeps the subject on one header line whatever it holds', () => {
    const raw = emailMessage({
      from: { name: '', address: 'p@example.org' },
      to: [{ name: '', address: 't@example.org' }],
      subject: 'Hi\r\nBcc: evil@example.com',
      date: new Date('2026-11-20T16:00:00Z'),
      text: 'body\n',
      html: '<p>body</p>\n',
    });
    const head = raw.slice(0, raw.indexOf('\n\n'));
    expect(head.split('\n').filter((l) => /^bcc:/i.test(l))).toEqual([]);
    expect(head).toContain('Subject: Hi Bcc: evil@example.com\n');
  });
});

describe('iCalendar text', () => {
  it('escapes backslash, semicolon, comma and line breaks', () => {
    expect(escapeText('a\\b;c,d\ne\r\nf')).toBe('a\\\\b\\;c\\,d\\ne\\nf');
  });

  it('folds at 75 octets without splitting a character', () => {
    const line = `SUMMARY:${'€'.repeat(60)}`;
    const folded = foldLine(line).split('\r\n');
    for (const l of folded) expect(Buffer.byteLength(l, 'utf8')).toBeLessThanOrEqual(75);
    expect(folded.slice(1).every((l) => l.startsWith(' '))).toBe(true);
    expect(folded.map((l, i) => (i ? l.slice(1) : l)).join('')).toBe(line);
  });
});
