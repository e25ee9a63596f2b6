// The email format read back by a real MIME parser (mailparser): the headers decode to what was
// asked, the two alternatives are plain text then HTML, nothing injected becomes a header, and the
// message suits `sendmail -t` (LF line endings, no line over 998 octets).
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { hostileLedger, SNAPSHOT, summaryLedger, startCycle } from '../helpers/summary-ledger.js';
import { summarySandbox, type SummarySandbox } from '../helpers/summary.js';

const sandboxes: SummarySandbox[] = [];
function sandbox(...args: Parameters<typeof summarySandbox>): SummarySandbox {
  const s = summarySandbox(...args);
  sandboxes.push(s);
  return s;
}
afterAll(() => sandboxes.forEach((s) => s.cleanup()));

const TO = 'team@example.org';

function addresses(field: AddressObject | AddressObject[] | undefined) {
  return (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value);
}

/** The message's top-level headers, unfolded, in order. */
function headerNames(raw: string): string[] {
  const head = raw.slice(0, raw.indexOf('\n\n'));
  return head.split('\n').filter((l) => !/^[ \t]/.test(l)).map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
}

function expectSendmailReady(raw: string): void {
  expect(raw).not.toContain('\r');
  for (const line of raw.split('\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(998);
  expect(raw.endsWith('\n')).toBe(true);
}

function expectNoInjectedHeader(raw: string, mail: ParsedMail): void {
  expect(mail.headers.has('bcc')).toBe(false);
  expect(mail.bcc).toBeUndefined();
  expect(headerNames(raw)).not.toContain('bcc');
  expect(headerNames(raw)).toEqual(['date', 'from', 'to', 'subject', 'message-id', 'mime-version', 'content-type', 'auto-submitted']);
}

describe('summary --format email', () => {
  it('decodes to the addresses and the non-ASCII subject that were asked for', async () => {
    const s = sandbox();
    const raw = s.ok(['summary', '--format', 'email', '--to', `Team Ü <${TO}>, ops@example.org`, '--from', 'Wöchentlich <playbook@example.org>', '--subject', 'Überblick – Woche 47']);
    expectSendmailReady(raw);
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe('Überblick – Woche 47');
    expect(addresses(mail.to)).toEqual([
      { address: TO, name: 'Team Ü' },
      { address: 'ops@example.org', name: '' },
    ]);
    expect(addresses(mail.from)).toEqual([{ address: 'playbook@example.org', name: 'Wöchentlich' }]);
    expect(mail.date?.toISOString()).toBe('2026-11-20T16:00:00.000Z');
    expect(mail.messageId).toMatch(/^<[0-9a-f]{40}@example\.org>$/);
    expect(mail.headers.get('mime-version')).toBe('1.0');
    expectNoInjectedHeader(raw, mail);
  });

  it('is multipart/alternative with the plain text first and the HTML second', async () => {
    const raw = sandbox().ok(['summary', '--format', 'email', '--to', TO, '--from', 'playbook@example.org']);
    const mail = await simpleParser(raw);
    const type = mail.headers.get('content-type') as { value: string; params: { boundary: string } };
    expect(type.value).toBe('multipart/alternative');
    const parts = raw.split(`--${type.params.boundary}`);
    expect(parts).toHaveLength(4); // preamble, text, html, "--" epilogue
    expect(parts[1]).toMatch(/^\nContent-Type: text\/plain; charset=utf-8\n/);
    expect(parts[2]).toMatch(/^\nContent-Type: text\/html; charset=utf-8\n/);
    expect(parts[3]).toBe('--\n');
    expect(mail.text).toContain('Weekly summary: Clinic onboarding Q1, 2026-W47');
    expect(mail.text).toContain('B-1 BREACHED, escalated EHR sandbox access');
    expect(mail.html).toContain('<h2>Active blockers (3, <span class="breached">1 breached</span>)</h2>');
    expect(mail.subject).toBe('Weekly summary: Clinic onboarding Q1, 2026-W47 (1 breached blocker)');
  });

  it('takes the recipient and sender from PLAYBOOK_EMAIL_TO and PLAYBOOK_EMAIL_FROM, and needs a recipient', async () => {
    const s = sandbox();
    const raw = s.ok(['summary', '--format', 'email'], { env: { PLAYBOOK_EMAIL_TO: TO, PLAYBOOK_EMAIL_FROM: 'ops@example.org' } });
    const mail = await simpleParser(raw);
    expect(addresses(mail.to)).toEqual([{ address: TO, name: '' }]);
    expect(addresses(mail.from)).toEqual([{ address: 'ops@example.org', name: '' }]);
    const defaulted = await simpleParser(s.ok(['summary', '--format', 'email', '--to', TO]));
    expect(addresses(defaulted.from)[0]!.address).toMatch(/^playbook@/);
    const none = s.run(['summary', '--format', 'email']);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/--to ADDR or PLAYBOOK_EMAIL_TO/);
  });

  it('an injected "\\r\\nBcc:" in --subject, a title or the cycle name never becomes a header', async () => {
    const evilCycle = startCycle({ ...SNAPSHOT, name: 'Q1\r\nBcc: evil@example.com' });
    for (const [s, extra] of [
      [sandbox(hostileLedger(8)), ['--subject', 'Weekly\r\nBcc: evil@example.com\r\n\r\nbody']],
      [sandbox(evilCycle), []],
    ] as const) {
      const raw = s.ok(['summary', '--format', 'email', '--to', TO, '--from', 'playbook@example.org', ...extra]);
      expectSendmailReady(raw);
      const mail = await simpleParser(raw);
      expectNoInjectedHeader(raw, mail);
      expect(mail.subject).toMatch(/Bcc: evil@example\.com/); // kept as words on the one Subject line
      expect(mail.subject).not.toMatch(/[\r\n]/);
    }
  });

  it('refuses addresses with line breaks or that are not addresses', () => {
    const s = sandbox();
    for (const to of [`${TO}\r\nBcc: evil@example.com`, 'not an address', 'a@b.org, <>']) {
      const result = s.run(['summary', '--format', 'email', '--to', to]);
      expect(result.status, to).toBe(2);
      expect(result.stdout).toBe('');
    }
  });

  it('keeps every line within 998 octets when a fallback is 5000 characters long', async () => {
    const raw = sandbox(hostileLedger(4)).ok(['summary', '--format', 'email', '--to', TO, '--from', 'playbook@example.org']);
    expectSendmailReady(raw);
    const mail = await simpleParser(raw);
    expect(mail.text).toContain(`${'long fallback '.repeat(10)}`);
    expect(mail.text).not.toContain('\u001b');
  });

  it('is the same message byte for byte when run twice', () => {
    const s = sandbox(summaryLedger());
    const args = ['summary', '--format', 'email', '--to', TO, '--template', 'executive'];
    expect(s.ok(args)).toBe(s.ok(args));
  });
});
