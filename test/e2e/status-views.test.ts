// `status`, `blockers` and the weekly review's blocker list showing all of the plan (issue 17): the
// open decisions (overdue first, with how late, then due by the next review), an escalated blocker
// marked as such with its note (also when it is breached), and checkpoints past their date. Read
// from the built binary against the summary fixture at Friday 2026-11-20 16:00 UTC.
import { mkdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startCycle, SUMMARY_NOW, SUMMARY_TZ } from '../helpers/summary-ledger.js';
import { summarySandbox } from '../helpers/summary.js';
import { HAS_TMUX, Terminal } from '../helpers/tmux.js';

const box = summarySandbox();
afterAll(() => box.cleanup());

/** The lines of a text section: from its heading to the next blank line. */
function section(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  expect(start, `section "${heading}"`).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

describe('status', () => {
  it('lists open decisions, overdue first with how late, then due by the next review, then undated', () => {
    const text = box.ok(['status']);
    expect(text).toContain('Open decisions (overdue, or due by the next review on Fri 27 Nov)');
    expect(section(text, 'Open decisions')).toEqual([
      '  D-6 OVERDUE Sign off the clinic data-sharing terms (Jo Park) · 7 days late, due 2026-11-13',
      '  D-3 Choose the SMS reminder vendor (Dana Kim) · due 2026-11-26',
      '  D-7 Name the support lead for launch week (Dana Kim) · no due date',
    ]);
  });

  it('marks the breached blocker as escalated, with the note it was escalated with', () => {
    const breached = section(box.ok(['status']), 'Breached');
    expect(breached[0]).toMatch(/^ {2}B-1 escalated EHR sandbox access \(Sam Lee, 2d 7h overdue\)$/);
    expect(breached).toContain('     escalated: Vendor has not answered in three days');
  });

  it('flags a checkpoint past its date that was neither held nor missed', () => {
    expect(section(box.ok(['status']), 'Checkpoints past their date')).toEqual(['  C-6 2026-11-19 Support handbook sign-off (Dana Kim)']);
  });

  it('--json carries the open decisions, the escalated blockers and the late checkpoints', () => {
    const model = JSON.parse(box.ok(['status', '--json']));
    expect(model.nextReview).toBe('2026-11-27');
    expect(model.openDecisions).toEqual([
      { id: 'D-6', title: 'Sign off the clinic data-sharing terms', owner: 'Jo Park', due: '2026-11-13', daysLate: 7, overdue: true },
      { id: 'D-3', title: 'Choose the SMS reminder vendor', owner: 'Dana Kim', due: '2026-11-26', daysLate: null, overdue: false },
      { id: 'D-7', title: 'Name the support lead for launch week', owner: 'Dana Kim', due: null, daysLate: null, overdue: false },
    ]);
    expect(model.breached).toMatchObject([{ id: 'B-1', escalated: true, escalationNote: 'Vendor has not answered in three days' }]);
    expect(model.escalated).toMatchObject([{ id: 'B-1', breached: true, escalationNote: 'Vendor has not answered in three days' }]);
    expect(model.overdueCheckpoints).toEqual([{ id: 'C-6', title: 'Support handbook sign-off', date: '2026-11-19', owner: 'Dana Kim' }]);
    // A held checkpoint is no longer due: C-1 (today, held) is not in the next seven days.
    expect(model.dueNext.map((d: { id: string }) => d.id)).not.toContain('C-1');
  });

  it('an escalated blocker that is not breached has its own section, and `blockers` marks it escalated', () => {
    const early = summarySandbox(
      startCycle()
        .add('2026-11-19T09:00:00Z', 'sam', 'blocker.added', { id: 'B-1', title: 'Vendor contract review', owner: 'Sam Lee', due: '2026-11-21T09:00:00Z', fallback: 'Use the old contract' })
        .add('2026-11-20T09:00:00Z', 'sam', 'blocker.escalated', { id: 'B-1', note: 'Legal is out this week' }),
    );
    try {
      const text = early.ok(['status']);
      expect(text).not.toContain('Breached');
      expect(section(text, 'Escalated')).toEqual(['  B-1 Vendor contract review (Sam Lee, due Sat 21 Nov 10:00)', '     escalated: Legal is out this week']);
      expect(JSON.parse(early.ok(['status', '--json'])).escalated).toEqual([
        { id: 'B-1', title: 'Vendor contract review', owner: 'Sam Lee', due: '2026-11-21T09:00:00Z', breached: false, escalationNote: 'Legal is out this week' },
      ]);
      expect(early.ok(['blockers'])).toMatch(/│ B-1 escalated +│ Vendor contract review/);
    } finally {
      early.cleanup();
    }
  });
});

describe('blockers', () => {
  it('the table marks B-1 breached and escalated, with the escalation note under its title', () => {
    const text = box.ok(['blockers']);
    const row = text.split('\n').findIndex((l) => l.startsWith('│ B-1 BREACHED, escalated'));
    expect(row, text).toBeGreaterThan(0);
    const cells = text.split('\n').slice(row, row + 3).join('\n');
    expect(cells).toContain('escalated: Vendor has not');
    expect(text).not.toMatch(/B-3[^\n]*escalated/);
  });

  it('--json says escalated, with the escalation note and a resolved blocker its resolution', () => {
    const model = JSON.parse(box.ok(['blockers', '--all', '--json']));
    const byId = Object.fromEntries(model.blockers.map((b: { id: string }) => [b.id, b]));
    expect(byId['B-1']).toMatchObject({ escalated: true, escalationNote: 'Vendor has not answered in three days', resolutionNote: null });
    expect(byId['B-3']).toMatchObject({ escalated: false, escalationNote: null });
    expect(byId['B-2']).toMatchObject({ status: 'resolved', escalated: false, resolutionNote: 'Renewed' });
  });
});

describe.skipIf(!HAS_TMUX)('the weekly review at the terminal', () => {
  it('shows the escalated blocker as breached and escalated, with its note', async () => {
    const dir = box.path('tty');
    mkdirSync(dir, { recursive: true });
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color', LANG: 'C.UTF-8', ...box.env, PLAYBOOK_LEDGER: box.ledger, PLAYBOOK_NOW: SUMMARY_NOW, PLAYBOOK_TZ: SUMMARY_TZ };
    const t = new Terminal({ dir, args: ['review'], env, cwd: box.home, height: 60 });
    try {
      await t.waitForText(/^B-1 BREACHED \(escalated\) EHR sandbox access /m);
      await t.waitForText('   escalated: Vendor has not answered in three days');
      await t.waitForText('What happens to B-1?');
      // Ctrl+C ends the review (exit 130) before the sandbox goes: a CLI killed with its pane could
      // still be writing its compiled-code cache there while the folder is removed.
      t.press('C-c');
      expect(await t.waitForExit()).toBe(130);
    } finally {
      t.close();
    }
  });
});
