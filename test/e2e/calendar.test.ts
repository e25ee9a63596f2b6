// `playbook calendar` read back by a real iCalendar parser (ical.js): one event per open decision
// with a due date, per checkpoint and per open blocker, with stable UIDs, the right dates, exact
// text after escaping, CRLF line endings and lines folded at 75 octets.
import ICAL from 'ical.js';
import { afterAll, describe, expect, it } from 'vitest';
import { summaryLedger } from '../helpers/summary-ledger.js';
import { summarySandbox, type SummarySandbox } from '../helpers/summary.js';

const TRICKY = 'Pick the vendor; weigh cost, risk \\ trust — Überprüfung der Einwilligungen für alle Kliniken in Nordrhein-Westfalen';

function trickyLedger() {
  return summaryLedger()
    .add('2026-11-20T10:00:00Z', 'priya', 'decision.added', { id: 'D-8', title: TRICKY, owner: 'Priya Raman', due: '2026-12-01', criteria: ['first line\nsecond line, with a comma'] })
    .add('2026-11-20T10:01:00Z', 'priya', 'blocker.added', { id: 'B-5', title: 'Vendor; contract, signed?', owner: 'Dana Kim', due: '2026-11-26T15:30:00Z', fallback: 'one\ntwo' });
}

const sandboxes: SummarySandbox[] = [];
afterAll(() => sandboxes.forEach((s) => s.cleanup()));
function run(ledger = summaryLedger(), args: string[] = []): string {
  const s = summarySandbox(ledger);
  sandboxes.push(s);
  return s.ok(['calendar', ...args]);
}

function events(ics: string) {
  const calendar = new ICAL.Component(ICAL.parse(ics) as unknown[]);
  return calendar.getAllSubcomponents('vevent').map((v) => {
    const e = new ICAL.Event(v);
    return { uid: e.uid, summary: e.summary, description: e.description, start: e.startDate, end: e.endDate, stamp: String(v.getFirstPropertyValue('dtstamp')) };
  });
}

describe('playbook calendar', () => {
  it('has an event per open decision with a due date, per checkpoint and per open blocker', () => {
    const ics = run();
    const all = events(ics);
    // D-6, D-3 and D-5 are open with a due date (D-1, D-2, D-4 are closed; D-7 has none); C-1..C-6 by
    // date; B-1, B-3, B-4 are open (B-2 is resolved).
    expect(all.map((e) => e.uid)).toEqual([
      'clinic-onboarding-D-6@playbook',
      'clinic-onboarding-D-3@playbook',
      'clinic-onboarding-D-5@playbook',
      'clinic-onboarding-C-5@playbook',
      'clinic-onboarding-C-6@playbook',
      'clinic-onboarding-C-1@playbook',
      'clinic-onboarding-C-2@playbook',
      'clinic-onboarding-C-3@playbook',
      'clinic-onboarding-C-4@playbook',
      'clinic-onboarding-B-1@playbook',
      'clinic-onboarding-B-3@playbook',
      'clinic-onboarding-B-4@playbook',
    ]);
    const byUid = Object.fromEntries(all.map((e) => [e.uid.split('@')[0]!.replace('clinic-onboarding-', ''), e]));
    expect(byUid['D-3']!.summary).toBe('Decision due: D-3 Choose the SMS reminder vendor');
    expect(byUid['D-3']!.start.isDate).toBe(true);
    // Its due date was moved from 2026-11-25 by an edit: the calendar has the new one.
    expect(byUid['D-3']!.start.toString()).toBe('2026-11-26');
    expect(byUid['D-3']!.end.toString()).toBe('2026-11-27');
    expect(byUid['D-5']!.summary).toBe('Decision due: D-5 Approve the escalation runbook & on-call <rota>');
    expect(byUid['C-3']!.summary).toBe('Checkpoint: Midpoint audit');
    expect(byUid['C-3']!.start.toString()).toBe('2026-12-04');
    expect(byUid['B-1']!.summary).toBe('Blocker due: B-1 EHR sandbox access');
    expect(byUid['B-1']!.start.isDate).toBe(false);
    expect(byUid['B-1']!.start.toString()).toBe('2026-11-18T09:00:00Z');
    expect(byUid['B-1']!.description).toBe('Owner: Sam Lee\nFallback: Test against the recorded fixtures');
    for (const e of all) expect(e.stamp).toBe('2026-11-20T16:00:00Z');
  });

  it('escapes , ; \\ and line breaks so the text reads back exactly, and folds long lines at 75 octets with CRLF', () => {
    const ics = run(trickyLedger());
    expect(ics.endsWith('\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const lines = ics.split('\r\n');
    for (const line of lines) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    expect(lines.some((l) => l.startsWith(' ')), 'some line is folded').toBe(true);
    const unfolded = ics.replace(/\r\n /g, '');
    expect(unfolded).toContain('SUMMARY:Decision due: D-8 Pick the vendor\\; weigh cost\\, risk \\\\ trust');
    expect(unfolded).toContain('DESCRIPTION:Owner: Dana Kim\\nFallback: one\\ntwo\r\n');
    const all = events(ics);
    const d6 = all.find((e) => e.uid === 'clinic-onboarding-D-8@playbook')!;
    expect(d6.summary).toBe(`Decision due: D-8 ${TRICKY}`);
    expect(d6.description).toBe('Owner: Priya Raman\nAcceptance criteria:\n- first line\nsecond line, with a comma');
    const b5 = all.find((e) => e.uid === 'clinic-onboarding-B-5@playbook')!;
    expect(b5.summary).toBe('Blocker due: B-5 Vendor; contract, signed?');
    expect(b5.description).toBe('Owner: Dana Kim\nFallback: one\ntwo');
    expect(b5.start.toString()).toBe('2026-11-26T15:30:00Z');
  });

  it('is the same file when run twice, and follows --cycle', () => {
    const s = summarySandbox();
    sandboxes.push(s);
    expect(s.ok(['calendar'])).toBe(s.ok(['calendar']));
    const other = s.run(['calendar', '--cycle', 'nope']);
    expect(other.status).toBe(2);
    expect(other.stderr).toContain('no cycle "nope"');
  });

  it('fails with exit 1 and points to playbook init when there is no ledger', () => {
    const s = summarySandbox(null);
    sandboxes.push(s);
    const result = s.run(['calendar']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('playbook init');
  });
});
