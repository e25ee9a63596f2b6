// A fixed ledger for the summary, calendar and golden tests: one cycle with six weeks of history,
// written event by event with explicit times, so every summary of it is reproducible. The cycle
// snapshot is written out here (not taken from a shipped playbook) so that editing a playbook's
// wording never changes a golden file.
import { writeFileSync } from 'node:fs';
import { convertV1 } from '../../src/ledger/convert.js';
import { checkEvent, type CycleSnapshot, type EventData, type EventType, type LedgerEvent } from '../../src/ledger/events.js';

/** Friday of 2026-W47, late afternoon in Berlin: the clock of the summary tests. */
export const SUMMARY_NOW = '2026-11-20T16:00:00Z';
export const SUMMARY_TZ = 'Europe/Berlin';
export const CYCLE_ID = 'clinic-onboarding';

export const SNAPSHOT: CycleSnapshot = {
  id: CYCLE_ID,
  name: 'Clinic onboarding Q1',
  playbook: { id: 'healthcare/product-manager', title: 'Healthcare product manager', industry: 'healthcare', role: 'product-manager' },
  cadence: { reviewWindowDays: 45, reviewEveryDays: 7, blockerWindowHours: 48 },
  steps: [
    { id: 'scope', title: 'Settle the scope' },
    { id: 'risk', title: 'Rank the risks' },
    { id: 'ownership', title: 'Name the owners' },
    { id: 'evidence', title: 'Check the evidence' },
    { id: 'build-scope', title: 'Fix the build scope' },
    { id: 'post-release', title: 'Plan the checkpoints' },
  ],
  checklist: [
    { id: 'kickoff-scope', text: 'Scope agreed with clinical leads' },
    { id: 'baa-signed', text: 'Business associate agreements signed' },
    { id: 'ehr-sandbox', text: 'EHR sandbox connected' },
    { id: 'support-trained', text: 'Support team trained on the new setup flow' },
    { id: 'rollback-plan', text: 'Rollback plan rehearsed' },
    { id: 'launch-comms', text: 'Launch notes sent to clinics' },
  ],
  metrics: [
    { id: 'setup-completion', name: 'Setup completion', unit: '%', direction: 'up', targetSignal: 'above 80% of new clinics finish setup' },
    { id: 'time-to-first-value', name: 'Time to first value', unit: 'days', direction: 'down', targetSignal: 'under 14 days' },
    { id: 'support-tickets', name: 'Support tickets per clinic', unit: 'tickets', direction: 'down', targetSignal: 'under 3 in the first month' },
  ],
};

/**
 * Builds the fixture as a version-1 ledger (one file, numbered events): the summary tests then also
 * show that a ledger from before the team format reads as it is. `events` are today's events of it.
 */
export class LedgerBuilder {
  private readonly old: Record<string, unknown>[] = [];

  add<T extends EventType>(at: string, actor: string, type: T, data: EventData<T>, cycle: string | null = CYCLE_ID): this {
    this.old.push({ id: this.old.length + 1, at, actor, command: `fixture ${type}`, cycle: type === 'cycle.created' ? (data as EventData<'cycle.created'>).cycle.id : cycle, type, data });
    return this;
  }

  /** Undoes the event added last (as `playbook undo` would). */
  undoLast(at: string, actor: string): this {
    return this.add(at, actor, 'undo', { target: this.old.length } as unknown as EventData<'undo'>);
  }

  get events(): LedgerEvent[] {
    const events = convertV1(this.file());
    events.forEach(checkEvent);
    return events;
  }

  file(): { schemaVersion: 1; events: Record<string, unknown>[] } {
    return { schemaVersion: 1, events: this.old };
  }

  write(path: string): string {
    writeFileSync(path, `${JSON.stringify(this.file(), null, 2)}\n`, { mode: 0o600 });
    return path;
  }
}

/** The cycle with its fields, before any record: the start of every fixture. */
export function startCycle(snapshot: CycleSnapshot = SNAPSHOT): LedgerBuilder {
  return new LedgerBuilder()
    .add('2026-10-12T08:00:00Z', 'priya', 'cycle.created', { cycle: snapshot }, null)
    .add('2026-10-12T08:05:00Z', 'priya', 'cycle.field', { field: 'outcome', value: 'New clinics reach first value within 14 days of signing' })
    .add('2026-10-12T08:06:00Z', 'priya', 'cycle.field', { field: 'inScope', value: ['Guided setup for new clinics', 'EHR sandbox connection'] })
    .add('2026-10-12T08:07:00Z', 'priya', 'cycle.field', { field: 'outOfScope', value: ['Billing changes'] })
    .add('2026-10-12T08:08:00Z', 'priya', 'cycle.field', { field: 'windowStart', value: '2026-11-02' })
    .add('2026-10-12T08:09:00Z', 'priya', 'cycle.field', { field: 'windowEnd', value: '2026-12-18' })
    .add('2026-10-12T08:10:00Z', 'priya', 'cycle.field', { field: 'postLaunchOwner', value: 'Priya Raman' });
}

/**
 * The summary fixture. Seen from Friday 2026-11-20 (W47) it has: two decisions and a blocker and a
 * risk closed this week, one closed the week before; a breached escalated blocker and two active
 * ones (one due next week); three metrics (one without readings); half the checklist done; a
 * decision, a blocker and a checkpoint due in W48. And the plan moving: a decision overdue (D-6),
 * one without a due date (D-7), one due before the next review moved by a day (D-3); a checkpoint
 * held (C-1) and one missed (C-5) this week, with notes, and one past its date with neither (C-6);
 * a blocker extended, a risk's mitigation edited, and an edit that was undone (D-5's owner).
 */
export function summaryLedger(): LedgerBuilder {
  const b = startCycle();
  b.add('2026-10-13T09:00:00Z', 'priya', 'risk.added', { id: 'R-1', title: 'Clinics stall before first value', impact: 'high', cost: 'medium', mitigation: 'Daily setup review in week one', owner: 'Priya Raman' })
    .add('2026-10-13T09:01:00Z', 'priya', 'risk.added', { id: 'R-2', title: 'EHR vendor changes its API', impact: 'high', cost: 'high', mitigation: 'Nightly contract test against the sandbox', owner: 'Sam Lee' })
    .add('2026-10-13T09:02:00Z', 'priya', 'risk.added', { id: 'R-3', title: 'Support volume spikes at launch', impact: 'medium', cost: 'low', mitigation: 'Two extra agents in launch week', owner: 'Dana Kim' })
    .add('2026-10-14T09:00:00Z', 'priya', 'decision.added', { id: 'D-1', title: 'Ship guided setup to all clinics', owner: 'Priya Raman', due: '2026-11-18', criteria: ['Setup completion above 80% in the pilot'] })
    .add('2026-10-14T09:01:00Z', 'priya', 'decision.added', { id: 'D-2', title: 'Use recorded EHR fixtures for the pilot', owner: 'Sam Lee', due: '2026-11-20', criteria: ['Fixtures cover the five most used calls'] })
    .add('2026-10-14T09:02:00Z', 'priya', 'decision.added', { id: 'D-3', title: 'Choose the SMS reminder vendor', owner: 'Dana Kim', due: '2026-11-25', criteria: [] })
    .add('2026-10-14T09:03:00Z', 'priya', 'decision.added', { id: 'D-4', title: 'Pick the pilot clinics', owner: 'Priya Raman', due: '2026-11-10', criteria: [] })
    .add('2026-10-14T09:04:00Z', 'priya', 'decision.added', { id: 'D-5', title: 'Approve the escalation runbook & on-call <rota>', owner: 'Jo Park', due: '2026-12-04', criteria: [] })
    .add('2026-10-14T09:05:00Z', 'priya', 'decision.added', { id: 'D-6', title: 'Sign off the clinic data-sharing terms', owner: 'Jo Park', due: '2026-11-13', criteria: [] })
    .add('2026-10-14T09:06:00Z', 'priya', 'decision.added', { id: 'D-7', title: 'Name the support lead for launch week', owner: 'Dana Kim', criteria: [] })
    .add('2026-10-20T10:00:00Z', 'priya', 'decision.approved', { id: 'D-1' })
    .add('2026-10-20T10:01:00Z', 'priya', 'build-scope.added', { decision: 'D-1', constraints: 'No patient data leaves the clinic tenant; setup resumes after a dropped session', behaviour: 'New clinics see a five-step setup checklist on first login', metric: 'setup-completion', target: 80 })
    .add('2026-10-20T10:02:00Z', 'sam', 'decision.approved', { id: 'D-2' })
    .add('2026-10-20T10:03:00Z', 'sam', 'build-scope.added', { decision: 'D-2', constraints: 'Fixtures refreshed weekly from the vendor sandbox', behaviour: 'Pilot clinics can book and chart without a live EHR connection', metric: 'time-to-first-value', target: 14 })
    .add('2026-10-21T09:00:00Z', 'priya', 'metric.planned', { metric: 'setup-completion', baseline: 55, target: 80 })
    .add('2026-10-21T09:01:00Z', 'priya', 'metric.planned', { metric: 'time-to-first-value', baseline: 30, target: 14 })
    .add('2026-10-21T09:02:00Z', 'priya', 'metric.planned', { metric: 'support-tickets', baseline: 6, target: 3 })
    .add('2026-10-21T09:10:00Z', 'priya', 'checkpoint.added', { id: 'C-1', title: 'Weekly review', kind: 'weekly', date: '2026-11-20', owner: 'Priya Raman' })
    .add('2026-10-21T09:11:00Z', 'priya', 'checkpoint.added', { id: 'C-2', title: 'Weekly review', kind: 'weekly', date: '2026-11-27', owner: 'Priya Raman' })
    .add('2026-10-21T09:12:00Z', 'priya', 'checkpoint.added', { id: 'C-3', title: 'Midpoint audit', kind: 'midpoint', date: '2026-12-04', owner: 'Jo Park' })
    .add('2026-10-21T09:13:00Z', 'priya', 'checkpoint.added', { id: 'C-4', title: 'Retrospective', kind: 'retrospective', date: '2026-12-18', owner: 'Priya Raman' })
    .add('2026-10-21T09:14:00Z', 'sam', 'checkpoint.added', { id: 'C-5', title: 'Pilot kickoff call', kind: 'milestone', date: '2026-11-17', owner: 'Sam Lee' })
    .add('2026-10-22T09:00:00Z', 'priya', 'checklist.done', { item: 'kickoff-scope' })
    // Weekly readings: W42 to W47, with no reading in W44.
    .add('2026-10-15T09:00:00Z', 'priya', 'metric.recorded', { metric: 'setup-completion', value: 52, at: '2026-10-15T09:00:00Z' })
    .add('2026-10-22T09:00:00Z', 'priya', 'metric.recorded', { metric: 'setup-completion', value: 58, at: '2026-10-22T09:00:00Z' })
    .add('2026-11-05T09:00:00Z', 'priya', 'metric.recorded', { metric: 'setup-completion', value: 61, at: '2026-11-05T09:00:00Z' })
    .add('2026-11-05T09:01:00Z', 'priya', 'metric.recorded', { metric: 'time-to-first-value', value: 26, at: '2026-11-05T09:00:00Z' })
    .add('2026-11-10T09:00:00Z', 'priya', 'decision.closed', { id: 'D-4', note: 'Six clinics signed up' })
    .add('2026-11-12T09:00:00Z', 'priya', 'metric.recorded', { metric: 'setup-completion', value: 66, at: '2026-11-12T09:00:00Z' })
    .add('2026-11-12T09:01:00Z', 'priya', 'metric.recorded', { metric: 'time-to-first-value', value: 22, at: '2026-11-12T09:00:00Z' })
    .add('2026-11-12T10:00:00Z', 'dana', 'checklist.done', { item: 'baa-signed' })
    // W47
    .add('2026-11-16T08:30:00Z', 'dana', 'checkpoint.added', { id: 'C-6', title: 'Support handbook sign-off', kind: 'milestone', date: '2026-11-19', owner: 'Dana Kim' })
    .add('2026-11-16T09:00:00Z', 'sam', 'blocker.added', { id: 'B-1', title: 'EHR sandbox access', owner: 'Sam Lee', due: '2026-11-18T09:00:00Z', fallback: 'Test against the recorded fixtures', decision: 'D-2' })
    .add('2026-11-17T08:00:00Z', 'jo', 'blocker.added', { id: 'B-2', title: 'Staging certificate expired', owner: 'Jo Park', due: '2026-11-19T08:00:00Z', fallback: 'Deploy to the backup staging host' })
    .add('2026-11-17T15:00:00Z', 'dana', 'risk.closed', { id: 'R-3', note: 'Agents booked' })
    .add('2026-11-17T16:00:00Z', 'sam', 'checkpoint.missed', { id: 'C-5', note: 'Two clinics could not join; moved to the weekly review' })
    .add('2026-11-18T09:00:00Z', 'priya', 'decision.updated', { id: 'D-5', owner: 'Sam Lee' })
    .undoLast('2026-11-18T09:05:00Z', 'priya')
    .add('2026-11-18T09:30:00Z', 'priya', 'risk.updated', { id: 'R-1', mitigation: 'Daily setup review in weeks one and two' })
    .add('2026-11-18T11:00:00Z', 'jo', 'blocker.resolved', { id: 'B-2', note: 'Renewed' })
    .add('2026-11-18T14:00:00Z', 'priya', 'decision.closed', { id: 'D-1', note: 'Ship to all clinics from 1 December' })
    .add('2026-11-18T14:30:00Z', 'dana', 'decision.updated', { id: 'D-3', due: '2026-11-26' })
    .add('2026-11-19T09:00:00Z', 'sam', 'blocker.escalated', { id: 'B-1', note: 'Vendor has not answered in three days' })
    .add('2026-11-19T10:00:00Z', 'dana', 'blocker.added', { id: 'B-3', title: 'BAA signature from the Riverside clinic', owner: 'Dana Kim', due: '2026-11-21T10:00:00Z', fallback: 'Start with the five clinics that signed' })
    .add('2026-11-19T12:00:00Z', 'sam', 'decision.closed', { id: 'D-2' })
    .add('2026-11-19T13:00:00Z', 'priya', 'metric.recorded', { metric: 'setup-completion', value: 72, at: '2026-11-19T13:00:00Z', note: 'after the checklist redesign' })
    .add('2026-11-19T13:01:00Z', 'priya', 'metric.recorded', { metric: 'time-to-first-value', value: 19, at: '2026-11-19T13:00:00Z' })
    .add('2026-11-19T14:00:00Z', 'priya', 'checklist.done', { item: 'ehr-sandbox' })
    .add('2026-11-20T07:00:00Z', 'dana', 'blocker.extended', { id: 'B-3', due: '2026-11-23T10:00:00Z', reason: 'The clinic director is away until Monday' })
    .add('2026-11-20T12:00:00Z', 'priya', 'checkpoint.held', { id: 'C-1', note: 'Went through every blocker; B-1 goes to the vendor call' })
    .add('2026-11-20T08:00:00Z', 'dana', 'blocker.added', { id: 'B-4', title: 'Translation review of the setup emails', owner: 'Dana Kim', due: '2026-11-24T12:00:00Z', fallback: 'Send the English version first' });
  return b;
}

/** The summary fixture plus `count` more blockers with hostile titles and fallbacks, for the Slack limits. */
export function hostileLedger(count = 120): LedgerBuilder {
  const b = summaryLedger();
  const hostile = ['<!channel> wake up', 'R&D <@U123> & <https://evil.example|click>', 'clear \u001b[2J screen', 'Sandbox\r\nBcc: evil@example.com'];
  for (let i = 0; i < count; i++) {
    const id = `B-${5 + i}`;
    const title = i === 0 ? 'x'.repeat(200) : `${hostile[Math.floor(i / 2) % hostile.length]} #${i}`;
    const fallback = i === 0 ? `${'long fallback '.repeat(357)}end` : i % 2 ? `<!here> fallback & more ${i}` : 'none';
    b.add('2026-11-20T09:00:00Z', 'mallory', 'blocker.added', { id, title, owner: i % 3 ? 'Mallory <!everyone>' : 'Eve', due: i % 2 ? '2026-11-19T09:00:00Z' : '2026-11-27T09:00:00Z', fallback });
  }
  return b;
}
