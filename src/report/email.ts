// The email format: a complete RFC 5322 message, multipart/alternative with the plain text first
// and the HTML second, LF line endings for `sendmail -t`. Reproducible: the Date header is the
// clock's and the Message-ID and boundary are hashes of the content.
import { addressList, headerText, quotedPrintable, rfc5322Date, unstructured, type Address } from './mime.js';

export interface EmailParts {
  from: Address;
  to: Address[];
  subject: string;
  date: Date;
  text: string;
  html: string;
}

export function emailMessage(parts: EmailParts): string {
  const subject = headerText(parts.subject) || 'Summary';
  // node:crypto costs about ten milliseconds to load; only this format needs it.
  const { createHash } = process.getBuiltinModule('node:crypto');
  const hash = createHash('sha256')
    .update([rfc5322Date(parts.date), parts.from.address, parts.to.map((a) => a.address).join(','), subject, parts.text, parts.html].join('\u0000'))
    .digest('hex');
  const domain = parts.from.address.slice(parts.from.address.lastIndexOf('@') + 1);
  // "=_" never occurs in quoted-printable output, so the boundary cannot occur in a body.
  const boundary = `=_playbook_${hash.slice(0, 32)}`;
  const body = (type: string, content: string) =>
    [`--${boundary}`, `Content-Type: ${type}; charset=utf-8`, 'Content-Transfer-Encoding: quoted-printable', '', quotedPrintable(content)].join('\n');
  return [
    `Date: ${rfc5322Date(parts.date)}`,
    `From: ${addressList([parts.from])}`,
    `To: ${addressList(parts.to)}`,
    `Subject: ${unstructured(subject, 'Subject'.length)}`,
    `Message-ID: <${hash.slice(0, 40)}@${domain}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative;\n boundary="${boundary}"`,
    'Auto-Submitted: auto-generated',
    '',
    'This is a message in MIME format: a plain-text part, then an HTML part.',
    '',
    body('text/plain', parts.text),
    body('text/html', parts.html),
    `--${boundary}--`,
    '',
  ].join('\n');
}
