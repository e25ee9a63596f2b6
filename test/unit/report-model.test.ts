import { describe, expect, it } from 'vitest';
import { deriveState } from '../../src/ledger/state.js';
import { buildSummary, type SummaryModel } from '../../src/report/model.js';
import { parseWeek } from '../../src/report/week.js';
import { cycleNamed } from '../helpers/events.js';
import { CYCLE_ID, SUMMARY_NOW, SUMMARY_TZ, summaryLedger, type LedgerBuilder } from '../helpers/summary-ledger.js';
import { prepareZone } from '../../src/zones.js';

// Zones other than the system's load their Date class on demand, as the CLI does before a command.
await Promise.all(['UTC', SUMMARY_TZ].map(prepareZone));

function summarize(week = '2026-W47', now = SUMMARY_NOW, builder: LedgerBuilder = summaryLedger(), tz = SUMMARY_TZ): SummaryModel {
  const events = builder.events;
  const state = deriveState(events);
  const clock = new Date(now);
  return buildSummary({ events, cycle: cycleNamed(state, CYCLE_ID), week: parseWeek(week, clock, tz), tz, now: clock });
}

const ids = (list: { id: string }[]) => list.map((x) => x.id);

describe('the summary model', () => {
  const m = summarize();

  it('is versioned and names its week, zone and moment', () => {
    expect(m.version).toBe(1);
    expect(m.week).toMatchObject({ id: '2026-W47', firstDay: '2026-11-16', lastDay: '2026-11-22' });
    expect(m.nextWeek.id).toBe('2026-W48');
    expect(m.asOf).toBe('2026-11-20T16:00:00.000Z');
    expect(m.timeZone).toBe('Europe/Berlin');
  });

  it('lists what closed this week by the time it closed', () => {
    expect(ids(m.closed.decisions)).toEqual(['D-1', 'D-2']); // D-4 closed the week before
    expect(ids(m.closed.blockers)).toEqual(['B-2']);
    expect(ids(m.closed.risks)).toEqual(['R-3']);
  });

  it('lists active blockers breached first, with owner, age, due and fallback', () => {
    expect(ids(m.blockers)).toEqual(['B-1', 'B-3', 'B-4']);
    expect(m.blockers[0]).toMatchObject({ breached: true, status: 'escalated', owner: 'Sam Lee', age: '4d 7h', overdue: '2d 7h', fallback: 'Test against the recorded fixtures', dueLabel: 'Wed 18 Nov 10:00' });
    expect(m.blockers[1]).toMatchObject({ breached: false, overdue: null });
    expect(m.counts).toMatchObject({ activeBlockers: 3, breachedBlockers: 1 });
  });

  it('gives each metric its latest reading, baseline, target and six weekly values', () => {
    const [setup, ttfv, tickets] = m.metrics;
    expect(setup).toMatchObject({ id: 'setup-completion', baseline: 55, target: 80, onTarget: false, progress: 68 });
    expect(setup!.latest).toMatchObject({ value: 72, day: '2026-11-19', note: 'after the checklist redesign' });
    expect(setup!.trend).toEqual({ weeks: ['2026-W42', '2026-W43', '2026-W44', '2026-W45', '2026-W46', '2026-W47'], values: [52, 58, null, 61, 66, 72] });
    expect(ttfv!.trend.values).toEqual([null, null, null, 26, 22, 19]);
    expect(tickets).toMatchObject({ latest: null, onTarget: null, progress: null });
  });

  it('counts the checklist and says what falls due next week and the next checkpoint', () => {
    expect(m.checklist).toMatchObject({ done: 3, total: 6, percent: 50 });
    expect(ids(m.checklist.doneThisWeek)).toEqual(['ehr-sandbox']);
    expect(m.dueNextWeek.map((d) => `${d.kind} ${d.id} ${d.day}`)).toEqual(['blocker B-3 2026-11-23', 'blocker B-4 2026-11-24', 'decision D-3 2026-11-26', 'checkpoint C-2 2026-11-27']);
    // C-1 (today) was held: the next checkpoint is the next one still planned.
    expect(m.nextCheckpoint).toMatchObject({ id: 'C-2', date: '2026-11-27' });
  });

  it('holds the release brief: what ships, scope, open risks and who to call', () => {
    expect(ids(m.release.ships)).toEqual(['D-1', 'D-2']);
    expect(m.release.ships[0]).toMatchObject({ behaviour: 'New clinics see a five-step setup checklist on first login', target: 80, approved: true, metric: { name: 'Setup completion', unit: '%' } });
    expect(m.release.outOfScope).toEqual(['Billing changes']);
    expect(ids(m.risks)).toEqual(['R-2', 'R-1']);
    expect(m.release.contacts).toEqual([
      { name: 'Priya Raman', roles: ['post-launch owner', 'owns decision D-1'] },
      { name: 'Dana Kim', roles: ['unblocks B-3, B-4'] },
      { name: 'Sam Lee', roles: ['owns decision D-2', 'unblocks B-1'] },
    ]);
  });

  it('is a pure function: the same inputs give the same JSON', () => {
    expect(JSON.stringify(summarize())).toBe(JSON.stringify(m));
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });

  it('shows a past week as the ledger stood at its end, with readings by the time they describe', () => {
    const past = summarize('2026-W46');
    expect(past.asOf).toBe('2026-11-15T22:59:59.999Z');
    expect(ids(past.closed.decisions)).toEqual(['D-4']);
    expect(past.blockers).toEqual([]);
    expect(past.counts.openDecisions).toBe(6); // D-1 and D-2 were still open then, with D-3, D-5, D-6, D-7
    expect(past.metrics[0]!.latest!.value).toBe(66);
    expect(past.checklist.done).toBe(2);
    // A reading entered later for a time inside W46 counts for W46.
    const backfilled = summarize('2026-W46', SUMMARY_NOW, summaryLedger().add('2026-11-20T10:00:00Z', 'priya', 'metric.recorded', { metric: 'setup-completion', value: 67, at: '2026-11-14T12:00:00Z' }));
    expect(backfilled.metrics[0]!.latest!.value).toBe(67);
  });

  it('a decision closed in a week and reopened later still shows as closed in that week', () => {
    const reopened = summaryLedger().add('2026-11-24T09:00:00Z', 'priya', 'decision.reopened', { id: 'D-1', note: 'again' });
    expect(ids(summarize('2026-W47', '2026-11-25T09:00:00Z', reopened).closed.decisions)).toEqual(['D-1', 'D-2']);
    expect(ids(summarize('2026-W48', '2026-11-25T09:00:00Z', reopened).closed.decisions)).toEqual([]);
  });

  it('a week before the cycle began is empty, not an error', () => {
    const early = summarize('2026-W30');
    expect(early.blockers).toEqual([]);
    expect(early.risks).toEqual([]);
    expect(early.metrics.every((x) => x.latest === null)).toBe(true);
  });
});
