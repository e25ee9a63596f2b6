// The sections of the weekly summary that show all of the plan (issue 17): open decisions (overdue
// first, with how late), what each closed decision decided and how each blocker was resolved, an
// escalated blocker with its note, the checkpoints held or missed in the week and those past their
// date, the checklist as progress plus the next few items, and the edits made in the week. Read
// from the built binary against the fixture ledger at Friday 2026-11-20 (W47).
import { afterAll, describe, expect, it } from 'vitest';
import { startCycle } from '../helpers/summary-ledger.js';
import { summarySandbox } from '../helpers/summary.js';

const fixture = summarySandbox();
const fresh = summarySandbox(startCycle());
afterAll(() => {
  fixture.cleanup();
  fresh.cleanup();
});

/** The lines of a text section: from its heading to the next blank line. */
function section(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  expect(start, `section "${heading}"`).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

describe('the summary model (--format json)', () => {
  const model = JSON.parse(fixture.ok(['summary', '--format', 'json']));

  it('lists open decisions: overdue first with how late, then due by the next review, then undated; later ones left out', () => {
    expect(model.nextReview).toBe('2026-11-27');
    expect(model.openDecisions).toEqual([
      { id: 'D-6', title: 'Sign off the clinic data-sharing terms', owner: 'Jo Park', due: '2026-11-13', daysLate: 7, overdue: true },
      { id: 'D-3', title: 'Choose the SMS reminder vendor', owner: 'Dana Kim', due: '2026-11-26', daysLate: null, overdue: false },
      { id: 'D-7', title: 'Name the support lead for launch week', owner: 'Dana Kim', due: null, daysLate: null, overdue: false },
    ]);
    // D-5 (due 2026-12-04) is open but after the next review: counted, not listed.
    expect(model.counts.openDecisions).toBe(4);
  });

  it('keeps the closing note of decisions and the resolution of blockers', () => {
    expect(model.closed.decisions.map((d: { id: string; note: string | null }) => [d.id, d.note])).toEqual([
      ['D-1', 'Ship to all clinics from 1 December'],
      ['D-2', null],
    ]);
    expect(model.closed.blockers).toMatchObject([{ id: 'B-2', note: 'Renewed' }]);
  });

  it('marks the escalated blocker, breached as well, with its note', () => {
    expect(model.blockers.map((b: { id: string; breached: boolean; escalated: boolean; escalationNote: string | null }) => [b.id, b.breached, b.escalated, b.escalationNote])).toEqual([
      ['B-1', true, true, 'Vendor has not answered in three days'],
      ['B-3', false, false, null],
      ['B-4', false, false, null],
    ]);
  });

  it('lists checkpoints held or missed this week with their notes, and the one past its date with neither', () => {
    expect(model.checkpoints.thisWeek.map((c: { id: string; status: string; note: string }) => [c.id, c.status, c.note])).toEqual([
      ['C-5', 'missed', 'Two clinics could not join; moved to the weekly review'],
      ['C-1', 'held', 'Went through every blocker; B-1 goes to the vendor call'],
    ]);
    expect(model.checkpoints.overdue).toMatchObject([{ id: 'C-6', title: 'Support handbook sign-off', date: '2026-11-19', owner: 'Dana Kim' }]);
    // C-1 (today) is held: the next checkpoint is the next one still planned.
    expect(model.nextCheckpoint.id).toBe('C-2');
  });

  it("lists the week's edits in order, without the one that was undone", () => {
    expect(model.changes.map((c: { record: string; text: string }) => `${c.record} ${c.text}`)).toEqual([
      'C-6 planned C-6 milestone "Support handbook sign-off" on 2026-11-19 (Dana Kim)',
      'C-5 missed C-5: Two clinics could not join; moved to the weekly review',
      'R-1 updated R-1 mitigation: Daily setup review in weeks one and two',
      'D-3 updated D-3 due 2026-11-26',
      'B-3 extended B-3 to 2026-11-23 11:00: The clinic director is away until Monday',
      'C-1 held C-1: Went through every blocker; B-1 goes to the vendor call',
    ]);
    expect(JSON.stringify(model.changes)).not.toContain('D-5');
  });

  it('a past week says what it said then: its own closings and edits, and decisions as late as they were', () => {
    const past = JSON.parse(fixture.ok(['summary', '--format', 'json', '--week', '2026-W46']));
    expect(past.closed.decisions).toMatchObject([{ id: 'D-4', note: 'Six clinics signed up' }]);
    expect(past.changes).toEqual([]);
    expect(past.checkpoints).toEqual({ thisWeek: [], overdue: [] });
    expect(past.openDecisions[0]).toMatchObject({ id: 'D-6', daysLate: 2, overdue: true });
    expect(past.blockers).toEqual([]);
  });
});

describe('the weekly summary as text', () => {
  const text = fixture.ok(['summary']);

  it('says what each closed decision decided and how each blocker was resolved', () => {
    expect(section(text, 'Closed this week')).toEqual([
      '  ✓ decision D-1 Ship guided setup to all clinics, decided: Ship to all clinics from 1 December (Priya Raman, closed 2026-11-18)',
      '  ✓ decision D-2 Use recorded EHR fixtures for the pilot (Sam Lee, closed 2026-11-19)',
      '  ✓ blocker B-2 Staging certificate expired, resolution: Renewed (Jo Park, resolved 2026-11-18)',
      '  ✓ risk R-3 Support volume spikes at launch, note: Agents booked (Dana Kim, closed 2026-11-17)',
    ]);
  });

  it('shows a blocker both breached and escalated, with the escalation note', () => {
    const blockers = section(text, 'Active blockers');
    expect(blockers[0]).toBe('  B-1 BREACHED, escalated EHR sandbox access');
    expect(blockers[2]).toBe('      escalated: Vendor has not answered in three days');
  });

  it('lists open decisions, overdue first with how late, and counts the later ones', () => {
    expect(section(text, 'Open decisions')).toEqual([
      '  D-6 OVERDUE Sign off the clinic data-sharing terms (Jo Park) · 7 days late, due Fri 13 Nov',
      '  D-3 Choose the SMS reminder vendor (Dana Kim) · due Thu 26 Nov',
      '  D-7 Name the support lead for launch week (Dana Kim) · no due date',
      '  1 more open decision due later',
    ]);
  });

  it('lists checkpoints held, missed and past their date', () => {
    expect(section(text, 'Checkpoints this week')).toEqual([
      '  ✘ C-5 Pilot kickoff call (Tue 17 Nov, Sam Lee): missed: Two clinics could not join; moved to the weekly review',
      '  ✓ C-1 Weekly review (Fri 20 Nov, Priya Raman): held: Went through every blocker; B-1 goes to the vendor call',
      '  ! C-6 Support handbook sign-off (Thu 19 Nov, Dana Kim): past its date, neither held nor missed',
    ]);
    expect(section(text, 'Next checkpoint')).toEqual(['  Fri 27 Nov  C-2 Weekly review (weekly, Priya Raman)']);
  });

  it("lists the week's edits, each in words with who made it", () => {
    const changes = section(text, 'Changed this week');
    expect(changes).toHaveLength(6);
    expect(changes).toContain('  2026-11-18 dana: updated D-3 due 2026-11-26');
    expect(changes).toContain('  2026-11-20 dana: extended B-3 to 2026-11-23 11:00: The clinic director is away until Monday');
  });
});

describe('a cycle with nothing done yet', () => {
  it('shows the checklist as progress and the next three items, counting the rest', () => {
    const text = fresh.ok(['summary']);
    expect(section(text, 'Checklist')).toEqual(['  ☐ Scope agreed with clinical leads', '  ☐ Business associate agreements signed', '  ☐ EHR sandbox connected', '  and 3 more items open']);
    const model = JSON.parse(fresh.ok(['summary', '--format', 'json']));
    expect(model.checklist.open).toHaveLength(6);
    expect(model.checklist.next.map((i: { id: string }) => i.id)).toEqual(['kickoff-scope', 'baa-signed', 'ehr-sandbox']);
    expect(model.checklist.moreOpen).toBe(3);
  });

  it('says so in each new section, and Slack says the same', () => {
    const text = fresh.ok(['summary']);
    expect(section(text, 'Open decisions')).toEqual(['  none overdue or due by then']);
    expect(section(text, 'Checkpoints this week')).toEqual(['  none held or missed']);
    expect(section(text, 'Changed this week')).toEqual(['  no edits to the plan']);
    const slack = fresh.ok(['summary', '--format', 'slack']);
    expect(slack).toContain('_none overdue or due by then_');
    expect(slack).toContain('_and 3 more items open_');
  });
});

describe('the other formats', () => {
  it('Markdown and HTML carry the same sections and notes', () => {
    const md = fixture.ok(['summary', '--format', 'markdown']);
    expect(md).toContain('- **D-6 OVERDUE** Sign off the clinic data-sharing terms (Jo Park): 7 days late, due Fri 13 Nov');
    expect(md).toContain('| **B-1 BREACHED, escalated** EHR sandbox access<br>_escalated:_ Vendor has not answered in three days |');
    expect(md).toContain('- ⚠️ **C-6** Support handbook sign-off (Thu 19 Nov, Dana Kim): **past its date, neither held nor missed**');
    const html = fixture.ok(['summary', '--format', 'html']);
    expect(html).toContain('<span class="id breached">B-1 BREACHED, escalated</span> EHR sandbox access<br><span class="escalated">escalated:</span> Vendor has not answered in three days');
    expect(html).toContain('<section id="changes-this-week">');
    expect(html).toContain('Ship guided setup to all clinics, decided: Ship to all clinics from 1 December');
  });

  it('the executive summary and the release brief list the open decisions too', () => {
    for (const template of ['executive', 'release-brief']) {
      const text = fixture.ok(['summary', '--template', template]);
      expect(section(text, 'Open decisions')[0], template).toBe('  D-6 OVERDUE Sign off the clinic data-sharing terms (Jo Park) · 7 days late, due Fri 13 Nov');
    }
  });
});
