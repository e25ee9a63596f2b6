// Re-planning a cycle after kickoff, end to end against the built binary with a fixed clock
// (2026-11-23 09:00 UTC): decision edit and scope, evidence add, blocker extend, risk edit, metric add
// and set, checkpoint add, done and missed, and the checkpoints view. Every change is one event, in
// `log` and undoable; every refusal is exit 2 with one line and leaves the ledger's files untouched.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isCleanFailure, createLedgerSandbox, makeSeeds, type LedgerSandbox, type Seeds } from '../helpers/ledger.js';

let seeds: Seeds;
let box: LedgerSandbox;

beforeAll(() => {
  seeds = makeSeeds(['full']);
});
afterAll(() => seeds?.cleanup());
beforeEach(() => {
  box = createLedgerSandbox();
  box.useLedger(seeds.full);
});
afterEach(() => box.cleanup());

/** Runs a command that must be refused: exit 2, one clean message naming `what`, and not a byte of the ledger changed. */
function refused(args: string[], what: RegExp): string {
  const before = box.files();
  const r = box.run(args);
  expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
  expect(isCleanFailure(r), r.stderr).toBe(true);
  expect(r.stderr).toMatch(what);
  expect(box.files()).toEqual(before);
  return r.stderr;
}

const decision = (id: string) => box.json(['decisions', '--all']).decisions.find((d: { id: string }) => d.id === id);
const lastLog = () => box.ok(['log']).stdout.trim().split('\n').at(-1)!;

describe('decision edit', () => {
  it('changes title, owner, due date and criteria in one event, shown in the log, and undo puts them back', () => {
    const before = decision('D-3');
    const out = box.ok(['decision', 'edit', 'D-3', '--title', 'Ship EHR matching next release', '--owner', 'Sam Whitfield', '--due', '2026-12-11', '--criteria', 'Match rate above 99%']).stdout;
    expect(out).toMatch(/^D-3 changed: title "Ship EHR matching next release"; owner Sam Whitfield; due 2026-12-11; criteria "Match rate above 99%"/);
    expect(decision('D-3')).toMatchObject({ title: 'Ship EHR matching next release', owner: 'Sam Whitfield', due: '2026-12-11', criteria: ['Match rate above 99%'] });
    expect(lastLog()).toMatch(/\[decision edit\] updated D-3 title "Ship EHR matching next release" owner Sam Whitfield due 2026-12-11 criteria \(1\)/);
    box.ok(['undo']);
    expect(decision('D-3')).toEqual(before);
  });

  it('writes nothing when every value given is the one it has', () => {
    const before = box.files();
    expect(box.ok(['decision', 'edit', 'D-3', '--owner', decision('D-3').owner]).stdout).toMatch(/nothing changed/);
    expect(box.files()).toEqual(before);
  });

  it('refuses an empty owner, two owners, a past due date for an open decision, and no change at all', () => {
    refused(['decision', 'edit', 'D-3', '--owner', ' '], /--owner must not be empty/);
    refused(['decision', 'edit', 'D-3', '--owner', 'Sam and Priya'], /more than one person/);
    refused(['decision', 'edit', 'D-3', '--due', '2026-11-20'], /--due 2026-11-20 is in the past/);
    refused(['decision', 'edit', 'D-3'], /nothing to change/);
    refused(['decision', 'edit', 'D-9', '--title', 'x'], /no decision D-9/);
    refused(['decision', 'add', 'Pick the vendor', '--owner', 'Dana', '--due', '2026-11-20'], /--due 2026-11-20 is in the past/);
  });
});

describe('decisions', () => {
  it('say what a closed decision decided: its closing note, in the table and in --json', () => {
    box.ok(['decision', 'close', 'D-2', '--note', 'Frozen on v3 of the brief']);
    expect(decision('D-2').closeNote).toBe('Frozen on v3 of the brief');
    expect(box.ok(['decisions', '--closed']).stdout).toMatch(/decided: Frozen on v3 of the brief/);
    box.ok(['decision', 'reopen', 'D-2']);
    expect(decision('D-2').closeNote).toBeNull();
    expect(box.ok(['decision', 'close', 'D-2']).stderr).toMatch(/hint: the week's summary says what a decision decided from its closing note/);
  });
});

describe('decision scope and evidence add', () => {
  const scope = ['--constraints', 'Matching runs nightly only', '--behaviour', 'Staff see a matched record before the visit', '--metric', 'scope-stability', '--target', '90'];

  it('puts an approved decision into build scope after kickoff, and refuses one not approved yet', () => {
    expect(refused(['decision', 'scope', 'D-3', ...scope], /D-3 has no approval from its owner/)).toMatch(/decision approve D-3/);
    box.ok(['decision', 'approve', 'D-3']);
    expect(box.ok(['decision', 'scope', 'D-3', ...scope]).stdout).toMatch(/D-3 in build scope: moves scope-stability to 90/);
    expect(decision('D-3').buildScope).toEqual({ decision: 'D-3', constraints: 'Matching runs nightly only', behaviour: 'Staff see a matched record before the visit', metric: 'scope-stability', target: 90 });
    refused(['decision', 'scope', 'D-3', ...scope], /D-3 is already in build scope/);
  });

  it('refuses a target its metric cannot reach and a metric the cycle does not have', () => {
    box.ok(['decision', 'approve', 'D-3']);
    refused(['decision', 'scope', 'D-3', ...scope.slice(0, -1), '150'], /scope-stability \(%\) must be 0 to 100, not 150/);
    const { baseline } = box.json(['metrics']).metrics.find((m: { id: string }) => m.id === 'scope-stability');
    refused(['decision', 'scope', 'D-3', ...scope.slice(0, -1), String(baseline - 1)], /higher is better for scope-stability, so the target must be above the baseline/);
    refused(['decision', 'scope', 'D-3', ...scope.slice(0, 5), 'scope-stabilty', '--target', '90'], /no metric "scope-stabilty".*did you mean "scope-stability"/);
  });

  it('adds evidence against a criterion named by its number or its words; yes or no only', () => {
    box.ok(['decision', 'edit', 'D-3', '--criteria', 'Match rate above 99%', '--criteria', 'Privacy review signed']);
    expect(box.ok(['evidence', 'add', 'D-3', 'Dry run on 400 records: 99.4% matched', '--criterion', '1', '--meets', 'yes']).stdout).toMatch(/evidence added to D-3 \(meets "Match rate above 99%"\)/);
    box.ok(['evidence', 'add', 'd3', 'Privacy review still scheduled', '--criterion', 'privacy review signed', '--meets', 'no']);
    expect(decision('D-3').evidence).toEqual([
      { decision: 'D-3', evidence: 'Dry run on 400 records: 99.4% matched', meets: true, criterion: 'Match rate above 99%' },
      { decision: 'D-3', evidence: 'Privacy review still scheduled', meets: false, criterion: 'Privacy review signed' },
    ]);
    expect(refused(['evidence', 'add', 'D-3', 'x', '--criterion', '3', '--meets', 'yes'], /D-3 has no criterion 3/)).toMatch(/1\. Match rate above 99%; 2\. Privacy review signed/);
    refused(['evidence', 'add', 'D-3', 'x', '--criterion', '1', '--meets', 'maybe'], /--meets must be yes or no/);
    refused(['evidence', 'add', 'D-3', 'x', '--criterion', 'r', '--meets', 'yes'], /"r" is in 2 criteria of D-3/);
    refused(['evidence', 'add', 'D-3', 'x', '--criterion', 'uptime', '--meets', 'yes'], /no criterion of D-3 reads "uptime"/);
    box.ok(['evidence', 'add', 'D-3', 'Signed on Monday', '--criterion', 'privacy', '--meets', 'yes']);
    expect(decision('D-3').evidence.at(-1).criterion).toBe('Privacy review signed');
  });
});

describe('blocker extend and risk edit', () => {
  it('extends a blocker to a later due time with its reason, outside the review', () => {
    expect(box.ok(['blocker', 'extend', 'B-1', '--due', '2026-11-27T17:00', '--reason', 'Clinic IT is back on Thursday']).stdout).toMatch(/B-1 extended to Fri 27 Nov 17:00/);
    const b = box.json(['blockers']).blockers[0];
    expect([b.due, b.notes]).toEqual(['2026-11-27T17:00:00.000Z', ['Clinic IT is back on Thursday']]);
    expect(lastLog()).toMatch(/\[blocker extend\] extended B-1 to 2026-11-27 17:00: Clinic IT is back on Thursday/);
  });

  it('refuses an extension without a reason, or not later than the current due time', () => {
    const r = box.run(['blocker', 'extend', 'B-1', '--due', '+5d']);
    expect([r.status, r.stderr]).toEqual([2, expect.stringMatching(/--reason/)]);
    refused(['blocker', 'extend', 'B-1', '--due', '+1h', '--reason', 'x'], /not later than B-1's current one/);
    refused(['blocker', 'extend', 'B-1', '--due', '+5d', '--reason', ' '], /--reason must not be empty/);
  });

  it('re-rates a risk and changes its owner; a level that is not low, medium or high is refused', () => {
    box.ok(['risk', 'edit', 'R-2', '--impact', 'high', '--cost', 'LOW', '--owner', 'Lena Ortiz']);
    expect(box.json(['risks']).risks.find((r: { id: string }) => r.id === 'R-2')).toMatchObject({ impact: 'high', cost: 'low', owner: 'Lena Ortiz' });
    refused(['risk', 'edit', 'R-2', '--impact', 'huge'], /--impact must be low, medium or high, not "huge"/);
    refused(['risk', 'edit', 'R-2'], /nothing to change/);
  });
});

describe('metric add and set', () => {
  const metric = (id: string) => box.json(['metrics']).metrics.find((m: { id: string }) => m.id === id);

  it("adds the team's own metric with baseline and target; it takes readings and shows in metrics", () => {
    expect(box.ok(['metric', 'add', 'Clinics live in 14 days', '--unit', '%', '--better', 'up', '--baseline', '40', '--target', '75']).stdout).toMatch(/^clinics-live-in-14-days added/);
    box.ok(['metric', 'record', 'clinics-live-in-14-days', '52']);
    expect(metric('clinics-live-in-14-days')).toMatchObject({ name: 'Clinics live in 14 days', unit: '%', direction: 'up', baseline: 40, target: 75, latest: { value: 52 } });
    refused(['metric', 'add', 'clinics live in 14 days', '--unit', '%', '--better', 'up', '--baseline', '40', '--target', '75'], /already has the metric clinics-live-in-14-days/);
  });

  it('refuses a baseline and target the wrong way round for the direction, or outside the unit', () => {
    refused(['metric', 'add', 'Setup calls', '--unit', 'calls', '--better', 'down', '--baseline', '2', '--target', '5'], /lower is better for setup-calls, so the target must be below the baseline \(2\), not 5/);
    refused(['metric', 'add', 'Clinic score', '--unit', 'score (1-5)', '--better', 'up', '--baseline', '3', '--target', '7'], /must be 1 to 5, not 7/);
    refused(['metric', 'set', 'approval-cycle-time', '--baseline', '4', '--target', '9'], /lower is better for approval-cycle-time/);
  });

  it('sets one side of the plan and keeps the other', () => {
    const plan = metric('scope-stability');
    box.ok(['metric', 'set', 'Scope stability across review rounds', '--target', String(plan.target + 1)]);
    expect(metric('scope-stability')).toMatchObject({ baseline: plan.baseline, target: plan.target + 1 });
    expect(lastLog()).toMatch(/\[metric set\] set scope-stability baseline/);
  });
});

describe('checkpoints', () => {
  const list = (now?: string) => box.json(['checkpoints'], now ? { env: { PLAYBOOK_NOW: now } } : {}).checkpoints;

  it('plans a checkpoint, marks it held with a note, and lists every one with its status', () => {
    expect(box.ok(['checkpoint', 'add', 'Go/no-go with clinic leads', '--at', '2026-11-26', '--owner', 'Priya Raman']).stdout).toMatch(/^C-7 planned: Go\/no-go with clinic leads on Thu 26 Nov \(milestone, Priya Raman\)/);
    box.ok(['checkpoint', 'done', 'C-7', '--note', 'Go for the five signed clinics']);
    expect(list().find((c: { id: string }) => c.id === 'C-7')).toMatchObject({ status: 'held', note: 'Go for the five signed clinics', kind: 'milestone', date: '2026-11-26' });
    expect(lastLog()).toMatch(/\[checkpoint done\] held C-7: Go for the five signed clinics/);
    refused(['checkpoint', 'missed', 'C-7'], /C-7 is already marked held/);
  });

  it('flags a checkpoint past its day that nobody marked; it can then be marked missed, not before', () => {
    refused(['checkpoint', 'missed', 'C-1'], /C-1 is on 2026-11-30; it cannot be missed before then/);
    expect(list('2026-12-02T09:00:00Z').find((c: { id: string }) => c.id === 'C-1').status).toBe('overdue');
    const listed = box.ok(['checkpoints'], { env: { PLAYBOOK_NOW: '2026-12-02T09:00:00Z' } });
    expect(listed.stdout).toMatch(/│ C-1 +│ Mon 30 Nov │.*│ overdue +│/);
    expect(listed.stderr).toMatch(/C-1 passed without being marked/);
    box.ok(['checkpoint', 'missed', 'C-1', '--note', 'Moved to Wednesday'], { env: { PLAYBOOK_NOW: '2026-12-02T09:00:00Z' } });
    expect(list('2026-12-02T09:00:00Z').find((c: { id: string }) => c.id === 'C-1')).toMatchObject({ status: 'missed', note: 'Moved to Wednesday' });
  });

  it('refuses a date before the cycle began, a date it cannot read, and an unknown checkpoint', () => {
    refused(['checkpoint', 'add', 'Kickoff', '--at', '2026-11-01'], /--at 2026-11-01 is before cycle .* began \(2026-11-23\)/);
    refused(['checkpoint', 'add', 'Kickoff', '--at', 'someday'], /--at "someday" is not a date/);
    refused(['checkpoint', 'done', 'C-99'], /no checkpoint C-99/);
  });
});

describe('the next review', () => {
  it('is the next weekly checkpoint when one comes before the review interval ends; open decisions due by then are listed', () => {
    box.ok(['decision', 'add', 'Pick the SMS vendor', '--owner', 'Dana Kim', '--due', '2026-12-02']);
    const friday = { env: { PLAYBOOK_NOW: '2026-11-27T09:00:00Z' } };
    const before = box.json(['status'], friday);
    expect(before.nextReview).toBe('2026-11-30'); // C-1, the week 1 review, not today + 7 days
    expect(before.openDecisions.map((d: { id: string }) => d.id)).not.toContain('D-4');
    box.ok(['checkpoint', 'done', 'C-1', '--note', 'Held early'], friday);
    const after = box.json(['status'], friday);
    expect(after.nextReview).toBe('2026-12-04');
    expect(after.openDecisions.map((d: { id: string }) => d.id)).toContain('D-4');
  });
});

describe('help', () => {
  it.each([
    ['decision', 'edit'],
    ['decision', 'scope'],
    ['evidence', 'add'],
    ['blocker', 'extend'],
    ['risk', 'edit'],
    ['metric', 'add'],
    ['metric', 'set'],
    ['checkpoint', 'add'],
    ['checkpoint', 'done'],
    ['checkpoint', 'missed'],
  ])('playbook %s %s --help shows an example of itself', (group, verb) => {
    expect(box.ok([group, verb, '--help']).stdout).toContain(`$ playbook ${group} ${verb} `);
  });
});

describe('undoing a metric the team added', () => {
  it('is refused while a reading of it builds on it, unless forced; its id keeps letters without their accents', () => {
    box.ok(['metric', 'add', 'Clinics live (résumé)', '--unit', '%', '--better', 'up', '--baseline', '40', '--target', '75']);
    const added = lastLog().split(' ')[0]!;
    box.ok(['metric', 'record', 'clinics-live-resume', '52']);
    const r = box.run(['undo', added]);
    expect([r.status, r.stderr]).toEqual([1, expect.stringMatching(/1 later change builds on event/)]);
    box.ok(['undo']);
    box.ok(['undo', added]);
    expect(box.json(['metrics']).metrics.map((m: { id: string }) => m.id)).not.toContain('clinics-live-resume');
  });
});
