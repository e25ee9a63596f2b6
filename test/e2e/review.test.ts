// `playbook review`, the weekly review, through the built binary: without a terminal (nothing is
// asked, missing blocker answers exit 2 and write nothing), from an answers file (exactly the events
// the answers name, all or nothing), a breached blocker shown first, and in a real terminal (tmux):
// keystrokes, refused answers, hostile text, a file plus the terminal, and Ctrl+C.
import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasStackTrace, NOW } from '../helpers/cli.js';
import { createLedgerSandbox, isCleanFailure, type LedgerSandbox } from '../helpers/ledger.js';
import { lineOf } from '../helpers/playbooks.js';
import { HAS_TMUX, Terminal } from '../helpers/tmux.js';

/** 49 hours after NOW: past the 48-hour window of a blocker raised at NOW. */
const LATER = '2026-11-25T10:00:00Z';
const CYCLE = 'pm-2026-11-23';

// One full cycle, made the way a user would: the answers template printed, then answered back.
const seedBox = createLedgerSandbox('playbook-review-seed-');
let seed = '';
beforeAll(() => {
  seed = seedBox.path('seed.json');
  const made = shell(seedBox, 'playbook init healthcare pm --answers-template > k.yaml && playbook init healthcare pm --answers k.yaml < /dev/null', { PLAYBOOK_LEDGER: seed });
  if (made.status !== 0) throw new Error(`the seed cycle failed: ${made.stderr}`);
});

/** A bash script in the sandbox's root, against its ledger (UTC, the fixed clock), `playbook` being the built CLI. */
function shell(box: LedgerSandbox, script: string, env: Record<string, string> = {}) {
  return box.shell(script, { cwd: box.root, env: { PLAYBOOK_LEDGER: box.ledger, PLAYBOOK_TZ: 'UTC', ...env } });
}
afterAll(() => seedBox.cleanup());

const boxes: LedgerSandbox[] = [];
afterAll(() => boxes.forEach((b) => b.cleanup()));

/** A sandbox holding a copy of the full cycle; B-1 (raised at NOW, due 48 hours later) is its one blocker. */
function fresh(): LedgerSandbox {
  const box = createLedgerSandbox('playbook-review-');
  boxes.push(box);
  box.useLedger(seed);
  return box;
}

/** An event as `log --json` shows it: `cycle` is the id of the event that started the cycle, `rec` that of the event that added the record. */
type Event = { id: string; type: string; command: string; cycle: string; rec?: string; data: Record<string, unknown> };
const eventsOf = (box: LedgerSandbox): Event[] => box.json<{ events: Event[] }>(['log']).events;
/** The id of the event that added the record people call `id` (B-1, D-2) in the cycle. */
const addedBy = (events: Event[], id: string): string | undefined => events.find((e) => e.type.endsWith('.added') && e.data.id === id)?.id;
const at = (time: string) => ({ env: { PLAYBOOK_NOW: time } });

/** B-2 to resolve, B-3 to escalate, B-4 to keep; B-4 falls due after the next review, the others before it. */
function withFourBlockers(box: LedgerSandbox): void {
  box.ok(['blocker', 'add', 'Pharmacy feed mapping unconfirmed', '--owner', 'Ann Lee', '--fallback', 'Map by hand for the pilot']);
  box.ok(['blocker', 'add', 'Security review not booked', '--owner', 'Bob Stone', '--fallback', 'Ship behind a flag']);
  box.ok(['blocker', 'add', 'Translation vendor quote', '--owner', 'Cy Diaz', '--due', '+10d', '--fallback', 'English only at launch']);
}

const FULL_ANSWERS = `# Friday's review
blockers:
  B-1: { action: extend, due: +72h, reason: Clinic IT is away until Thursday }
  B-2: resolve
  b3: { action: escalate, note: Needs the CISO }
  B-4: keep
metrics:
  approval-cycle-time: 6
  scope-stability: "72%"
checklist: [kickoff-scope-alignment, 3]
decisions: [D-2]
`;

describe('without a terminal, the review asks nothing', () => {
  it('`review < /dev/null` exits 2 at once naming blockers.B-1, prints no summary, and leaves the ledger byte for byte as it was', () => {
    const box = fresh();
    const before = box.files();
    const result = shell(box, 'playbook review < /dev/null');
    expect(result.signal, 'the review waited for input').toBeNull();
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'playbook: no terminal to ask on, and 1 blocker needs an answer: blockers.B-1\nhint: pass --answers FILE with resolve, extend (with due and reason), escalate or keep for each\n',
    );
    expect(isCleanFailure(result)).toBe(true);
    expect(box.files()).toEqual(before);
  });

  it('--no-input says so, and a file that answers only some blockers is told which are missing', () => {
    const box = fresh();
    withFourBlockers(box);
    const before = box.files();
    const none = box.run(['review', '--no-input']);
    expect(none.status).toBe(2);
    // B-4 falls due after the next review (in 10 days), so it is not asked.
    expect(none.stderr).toContain('playbook: nothing is asked with --no-input, and 3 blockers need an answer: blockers.B-1, blockers.B-2, blockers.B-3\n');
    const file = box.write('partial.yaml', 'blockers:\n  B-2: resolve\nmetrics:\n  approval-cycle-time: 6\n');
    const partial = box.run(['review', '--answers', file]);
    expect(partial.status).toBe(2);
    expect(partial.stderr).toBe(`playbook: no terminal to ask on, and 2 blockers need an answer: blockers.B-1, blockers.B-3\nhint: add them to ${file}: resolve, extend (with due and reason), escalate or keep\n`);
    expect(box.files()).toEqual(before);
  });
});

describe('review --answers FILE', () => {
  it('records exactly the answered events (extend, resolve, escalate, a kept blocker recording nothing, readings, checklist, a closed decision) and prints the summary', () => {
    const box = fresh();
    withFourBlockers(box);
    const known = eventsOf(box).length;
    const file = box.write('friday.yaml', FULL_ANSWERS);
    const result = box.run(['review', '--answers', file]);
    expect(result.status, result.stderr).toBe(0);

    const all = eventsOf(box);
    const added = all.slice(known);
    const cycleKey = all.find((e) => e.type === 'cycle.created' && (e.data.cycle as { id: string }).id === CYCLE)?.id;
    expect(cycleKey).toBeDefined();
    expect(added.every((e) => e.command === 'review' && e.cycle === cycleKey)).toBe(true);
    // Each change names the record it acts on by the event that added it.
    expect(added.filter((e) => e.type.startsWith('blocker.') || e.type.startsWith('decision.')).map((e) => [e.data.id, e.rec])).toEqual(
      ['B-1', 'B-2', 'B-3', 'D-2'].map((id) => [id, addedBy(all, id)]),
    );
    expect(added.map((e) => [e.type, e.data])).toEqual([
      ['blocker.extended', { id: 'B-1', due: '2026-11-26T09:00:00.000Z', reason: 'Clinic IT is away until Thursday' }],
      ['blocker.resolved', { id: 'B-2' }],
      ['blocker.escalated', { id: 'B-3', note: 'Needs the CISO' }],
      ['metric.recorded', { metric: 'approval-cycle-time', value: 6, at: '2026-11-23T09:00:00.000Z' }],
      ['metric.recorded', { metric: 'scope-stability', value: 72, at: '2026-11-23T09:00:00.000Z' }],
      ['checklist.done', { item: 'kickoff-scope-alignment' }],
      ['checklist.done', { item: 'single-source-of-truth' }],
      ['decision.closed', { id: 'D-2' }],
    ]);

    // The audit trail shows the new due time as it shows every time: in the chosen zone.
    expect(box.ok(['log', '--record', 'B-1', '--tz', 'Europe/Berlin']).stdout).toMatch(/ \[review\] extended B-1 to 2026-11-26 10:00: Clinic IT is away until Thursday\n$/);

    const blockers = box.json<{ blockers: { id: string; status: string; due: string }[] }>(['blockers', '--all']).blockers;
    expect(Object.fromEntries(blockers.map((b) => [b.id, [b.status, b.due]]))).toEqual({
      'B-1': ['open', '2026-11-26T09:00:00.000Z'],
      'B-2': ['resolved', '2026-11-25T09:00:00.000Z'],
      'B-3': ['escalated', '2026-11-25T09:00:00.000Z'],
      'B-4': ['open', '2026-12-03T23:59:59.999Z'],
    });
    const metrics = box.json<{ metrics: { id: string; latest: { value: number } | null }[] }>(['metrics']).metrics;
    expect(Object.fromEntries(metrics.map((m) => [m.id, m.latest?.value ?? null]))).toEqual({
      'approval-cycle-time': 6,
      'scope-stability': 72,
      'completion-confidence': null,
      'post-launch-change-volume': null,
      'decision-closure-rate': null,
      'exception-state-completion': null,
    });
    const checklist = box.json<{ done: number; items: { id: string; done: unknown }[] }>(['checklist']);
    expect(checklist.done).toBe(2);
    expect(checklist.items.filter((i) => i.done).map((i) => i.id)).toEqual(['kickoff-scope-alignment', 'single-source-of-truth']);
    const decisions = box.json<{ decisions: { id: string; status: string }[] }>(['decisions', '--all']).decisions;
    expect(Object.fromEntries(decisions.map((d) => [d.id, d.status]))).toEqual({ 'D-1': 'open', 'D-2': 'closed', 'D-3': 'open' });

    // stdout is the week's summary and nothing else; what was recorded is said on stderr.
    expect(result.stdout).toMatch(/^Weekly summary: Healthcare product manager .+, 2026-W48 \(2026-11-23 to 2026-11-29\)\n/);
    for (const section of ['Closed this week', 'Active blockers (3)', 'Metrics', 'Checklist: 2 of 16 done', 'Due next week', 'Next checkpoint', 'Open risks']) {
      expect(result.stdout, section).toContain(`\n${section}`);
    }
    expect(result.stdout).toContain('✓ decision D-2 Freeze the onboarding release brief');
    expect(result.stdout).toContain('✓ blocker B-2 Pharmacy feed mapping unconfirmed');
    expect(result.stdout).toContain('Approval cycle time: 6 days on 2026-11-23');
    expect(result.stderr.split('\n')).toEqual([
      `B-1 extended to Thu 26 Nov 09:00: Clinic IT is away until Thursday (from ${file})`,
      `B-2 resolved (from ${file})`,
      `B-3 escalated: Needs the CISO (from ${file})`,
      `approval-cycle-time = 6 (from ${file})`,
      `scope-stability = 72 (from ${file})`,
      `checklist item kickoff-scope-alignment done (from ${file})`,
      `checklist item single-source-of-truth done (from ${file})`,
      `D-2 closed (from ${file})`,
      'next checkpoint: C-1 Week 1 review — iteration rhythm and post-launch change volume on 2026-11-30 (weekly, Priya Raman)',
      '',
    ]);
  });

  it("README's example answers file is a valid review: every answer in it is recorded", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = /```yaml\n(# friday\.yaml[^]*?)```/.exec(readme)?.[1];
    expect(example, 'the README shows a review answers file starting "# friday.yaml"').toBeDefined();
    const box = fresh();
    withFourBlockers(box);
    const known = eventsOf(box).length;
    const result = box.run(['review', '--answers', box.write('friday.yaml', example!), '--no-summary']);
    expect(result.status, result.stderr).toBe(0);
    const added = eventsOf(box).slice(known);
    expect(added.filter((e) => e.type.startsWith('blocker.')).map((e) => e.data.id)).toEqual(['B-1', 'B-2', 'B-3']);
    expect(added.find((e) => e.data.metric === 'decision-closure-rate')?.data).toMatchObject({ value: 70, note: 'after the triage change' });
    expect(added.filter((e) => e.type === 'decision.closed')).toHaveLength(1);
  });

  it('--no-summary records the same events and prints no summary', () => {
    const box = fresh();
    withFourBlockers(box);
    const known = eventsOf(box).length;
    const result = box.run(['review', '--answers', box.write('friday.yaml', FULL_ANSWERS), '--no-summary']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(eventsOf(box).slice(known).map((e) => e.type)).toEqual([
      'blocker.extended',
      'blocker.resolved',
      'blocker.escalated',
      'metric.recorded',
      'metric.recorded',
      'checklist.done',
      'checklist.done',
      'decision.closed',
    ]);
  });

  it('a file that answers nothing still shows the summary and records nothing', () => {
    const box = fresh();
    const before = box.files();
    const file = box.write('keep.yaml', 'blockers:\n  B-1: keep\n');
    const result = box.run(['review', '--answers', file]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('Active blockers (1)');
    expect(box.files()).toEqual(before);
  });

  // Each file starts with valid answers, so "writes nothing" proves the file is taken whole or not at all.
  const VALID = 'blockers:\n  B-2: resolve\nmetrics:\n  approval-cycle-time: 6\n';
  it.each([
    ['an unknown blocker id', 'blockers:\n  B-2: resolve\n  B-9: resolve\nmetrics:\n  approval-cycle-time: 6\n', 'B-9: resolve', 'blockers.B-9', 'there is no blocker B-9 in pm-2026-11-23'],
    ['extend without a reason', 'blockers:\n  B-2: resolve\n  B-1: { action: extend, due: +72h }\nmetrics:\n  approval-cycle-time: 6\n', 'B-1: { action', 'blockers.B-1', 'extending B-1 needs a reason'],
    ['a due time already past', 'blockers:\n  B-2: resolve\n  B-1: { action: extend, due: 2026-11-20, reason: late }\nmetrics:\n  approval-cycle-time: 6\n', '2026-11-20', 'blockers.B-1.due', 'the new due time "2026-11-20" is already past'],
    ['a metric reading that is not a number', `${VALID}  scope-stability: lots\n`, 'lots', 'metrics.scope-stability', 'a reading of scope-stability (%) must be a number (0 to 100), not "lots"'],
    ['an unknown checklist id', `${VALID}checklist:\n  - kickoff-scope-alignment\n  - kickoff-scope-alignmnt\n`, '- kickoff-scope-alignmnt', 'checklist[2]', '"kickoff-scope-alignmnt" is not a checklist item of pm-2026-11-23; did you mean "kickoff-scope-alignment"?'],
    ['an unknown key', `${VALID}weather: sunny\n`, 'weather', '', '"weather" is not part of a review (blockers, metrics, checklist, decisions)'],
    ['an unknown action', 'blockers:\n  B-2: resolve\n  B-1: reslove\n', 'reslove', 'blockers.B-1', '"reslove" is not one of resolve, extend, escalate, keep'],
    ['a blocker answered twice', 'blockers:\n  B-1: resolve\n  b-1: keep\n', 'b-1: keep', 'blockers.b-1', 'B-1 is answered twice'],
    ['a decision that is already closed', `${VALID}decisions: [D-1]\n`, 'decisions: [D-1]', 'decisions[1]', 'D-1 is already closed'],
  ])('%s exits 2 naming FILE:LINE:COL and the key, and writes nothing', (_what, text, marker, key, message) => {
    const box = fresh();
    box.ok(['blocker', 'add', 'Pharmacy feed mapping unconfirmed', '--owner', 'Ann Lee', '--fallback', 'Map by hand']);
    if (message.includes('already closed')) box.ok(['decision', 'close', 'D-1']);
    const before = box.files();
    const file = box.write('bad.yaml', text);
    const result = box.run(['review', '--answers', file]);
    expect(result.status).toBe(2);
    const line = lineOf(text, marker);
    // The key is named before the message, except a top-level key, which the message names itself.
    expect(result.stderr).toMatch(new RegExp(`^playbook: ${escape(file)}:${line}:\\d+: ${key ? `${escape(key)}: ` : ''}${escape(message)}`));
    expect(isCleanFailure(result)).toBe(true);
    expect(box.files()).toEqual(before);
  });
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The full cycle with B-1 extended to 28 Nov and B-2 raised at NOW with the default 48-hour window (due 25 Nov 09:00). */
function breachScenario(title = 'Courier contract unsigned'): LedgerSandbox {
  const box = fresh();
  box.ok(['review', '--answers', box.write('extend.yaml', 'blockers:\n  B-1: { action: extend, due: 2026-11-28, reason: Vendor moved the date }\n'), '--no-summary']);
  box.ok(['blocker', 'add', title, '--owner', 'Dana Kim', '--fallback', 'Use the backup courier']);
  return box;
}

describe('a blocker past its window', () => {
  it('is breached once PLAYBOOK_NOW passes its 48 hours, and the review puts it first (before B-1) with its fallback', () => {
    const box = breachScenario();
    const keep = box.write('keep.yaml', 'blockers:\n  B-1: keep\n  B-2: keep\n');

    const early = box.run(['review', '--answers', keep]);
    expect(early.status, early.stderr).toBe(0);
    expect(early.stdout).toContain('Active blockers (2)\n');
    expect(early.stdout).not.toContain('BREACHED');

    const b2 = (time: string) => box.json<{ blockers: { id: string; breached: boolean }[] }>(['blockers'], at(time)).blockers.map((b) => [b.id, b.breached]);
    expect(b2(NOW)).toEqual([['B-2', false], ['B-1', false]]);
    expect(b2(LATER)).toEqual([['B-2', true], ['B-1', false]]);

    const late = box.run(['review', '--answers', keep], at(LATER));
    expect(late.status, late.stderr).toBe(0);
    const lines = late.stdout.split('\n');
    const heading = lines.indexOf('Active blockers (2, 1 breached)');
    expect(heading).toBeGreaterThan(0);
    expect(lines.slice(heading + 1, heading + 4)).toEqual([
      '  B-2 BREACHED Courier contract unsigned',
      '      owner Dana Kim · raised 2d 1h ago · due Wed 25 Nov 09:00 (1h overdue)',
      '      fallback: Use the backup courier',
    ]);
    expect(lines[heading + 4]).toMatch(/^ {2}B-1 Pilot clinic has not issued EHR sandbox credentials$/);

    const blind = box.run(['review', '--no-input'], at(LATER));
    expect(blind.status).toBe(2);
    expect(blind.stderr).toContain('need an answer: blockers.B-2, blockers.B-1\n');
  });
});

// ---------------------------------------------------------------------------------------------
// In a terminal

if (!HAS_TMUX) console.warn('review: tmux is not installed, so the terminal tests are skipped (CI installs it)');

describe.skipIf(!HAS_TMUX)('the review in a terminal (tmux; skipped only when tmux is not installed)', () => {
  let open: Terminal[] = [];
  afterEach(() => {
    for (const t of open) t.close();
    open = [];
  });
  let serial = 0;
  function terminal(box: LedgerSandbox, now: string, ...args: string[]): Terminal {
    serial += 1;
    const dir = box.path(`tty-${serial}`);
    mkdirSync(dir, { recursive: true });
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color', LANG: 'C.UTF-8', ...box.env, PLAYBOOK_LEDGER: box.ledger, PLAYBOOK_NOW: now, PLAYBOOK_TZ: 'UTC', PLAYBOOK_ACTOR: 'tester' };
    const t = new Terminal({ dir, args: ['review', ...args], env, cwd: box.home, height: 60 });
    open.push(t);
    return t;
  }
  /** Every event of every replica file of the box's ledger, in the order of their ids. */
  const read = (box: LedgerSandbox): Event[] => box.read().events;

  it('walks a breached blocker first, resolves it and extends another by keystrokes, takes a reading, ticks the checklist, closes a decision, shows the next checkpoint and the summary, exit 0', async () => {
    // The breached blocker's title and fallback carry escape sequences: they must show, not act.
    const box = breachScenario('Courier \u001b]0;owned\u0007\u001b[2J unsigned');
    const known = read(box).length;
    const t = terminal(box, LATER);
    await t.waitForText('Weekly review');
    await t.waitForText('Blockers breached or falling due before the next review');
    const shown = await t.waitFor('B-2 shown as breached', (h) => h.split('\n').find((l) => l.startsWith('B-2 BREACHED')));
    expect(shown).toBe('B-2 BREACHED Courier ␛]0;owned␇␛[2J unsigned (Dana Kim; due Wed 25 Nov 09:00, 1h overdue)');
    await t.waitForText('   fallback: Use the backup courier');
    // Breached first: B-2 is asked before B-1, though its id is later.
    expect(t.history()).not.toContain('What happens to B-1?');
    await t.select('What happens to B-2?', 'Resolved');
    await t.input('Note (optional)', 'Signed this morning');
    await t.waitForText('  → B-2 resolved: Signed this morning');
    expect(read(box).slice(known).map((e) => [e.type, e.data])).toEqual([['blocker.resolved', { id: 'B-2', note: 'Signed this morning' }]]);

    await t.waitForText(/^B-1 Pilot clinic has not issued EHR sandbox credentials \(Sam Whitfield; due Sat 28 Nov 23:59, in 3d 13h\)$/m);
    await t.select('What happens to B-1?', 'Extend');
    await t.refused('New due', 'yesterday', 'the new due time "yesterday" is already past');
    await t.refused('New due', 'whenever', '"whenever" is not a date or time (try +48h, friday, 2026-12-04T17:00)');
    await t.input('New due', '2026-12-02T17:00');
    await t.refused('Reason', '   ', 'a reason is required to extend');
    await t.input('Reason', 'Clinic IT is away until Wednesday');
    await t.waitForText('  → B-1 extended to Wed 02 Dec 17:00: Clinic IT is away until Wednesday');

    await t.waitForText('A reading for each metric (empty to skip)');
    await t.input('Approval cycle time (days; no reading yet, target 4)', '5');
    await t.refused('Scope stability across review rounds', 'lots', 'a reading of scope-stability (%) must be a number (0 to 100), not "lots", or empty to skip');
    await t.refused('Scope stability across review rounds', '150%', 'a reading of scope-stability (%) must be 0 to 100, not 150, or empty to skip');
    await t.input('Scope stability across review rounds', '80%');
    for (const metric of ['Completion confidence before launch', 'Post-launch change volume', 'Decision closure rate', 'Exception-state completion quality']) await t.input(metric, '');
    await t.checkbox('Checklist items done this week', ['map-journey-states']);
    await t.checkbox('Decisions closed this week', ['D-3 ']);
    await t.waitForText('Next checkpoint: C-1 Week 1 review — iteration rhythm and post-launch change volume on 2026-11-30 (weekly, Priya Raman)');
    await t.waitForText(/Weekly summary: Healthcare product manager .+, 2026-W48/);
    expect(await t.waitForExit()).toBe(0);
    expect(t.stderr()).toBe('');

    const history = t.history();
    expect(history).toContain('Closed this week');
    expect(history).toContain('✓ blocker B-2 Courier ␛]0;owned␇␛[2J unsigned');
    expect(history).toContain('Active blockers (1)');
    expect(hasStackTrace(history)).toBe(false);
    expect(read(box).slice(known).map((e) => [e.type, e.data])).toEqual([
      ['blocker.resolved', { id: 'B-2', note: 'Signed this morning' }],
      ['blocker.extended', { id: 'B-1', due: '2026-12-02T17:00:00.000Z', reason: 'Clinic IT is away until Wednesday' }],
      ['metric.recorded', { metric: 'approval-cycle-time', value: 5, at: '2026-11-25T10:00:00.000Z' }],
      ['metric.recorded', { metric: 'scope-stability', value: 80, at: '2026-11-25T10:00:00.000Z' }],
      ['checklist.done', { item: 'map-journey-states' }],
      ['decision.closed', { id: 'D-3' }],
    ]);
  }, 180_000);

  it('with --answers, the file is applied first and the terminal asks only for the rest', async () => {
    const box = breachScenario();
    const known = read(box).length;
    const metrics = ['approval-cycle-time', 'scope-stability', 'completion-confidence', 'post-launch-change-volume', 'decision-closure-rate', 'exception-state-completion'];
    const file = box.write('part.yaml', `blockers:\n  B-2: { action: escalate, note: Legal has it }\nmetrics:\n${metrics.map((m) => `  ${m}: 1`).join('\n')}\ndecisions: [D-1, D-2, D-3]\n`);
    const t = terminal(box, LATER, '--answers', file, '--no-summary');
    await t.select('What happens to B-1?', 'Keep');
    await t.checkbox('Checklist items done this week', []);
    await t.waitForText('Next checkpoint: C-1');
    expect(await t.waitForExit()).toBe(0);
    const history = t.history();
    expect(history).not.toContain('What happens to B-2?');
    expect(history).not.toContain('A reading for each metric');
    expect(history).not.toContain('Decisions closed this week');
    expect(history).not.toContain('Weekly summary');
    expect(read(box).slice(known).map((e) => e.type)).toEqual(['blocker.escalated', ...metrics.map(() => 'metric.recorded'), 'decision.closed', 'decision.closed', 'decision.closed']);
  }, 120_000);

  it('Ctrl+C during the review exits 130 with one line on stderr and keeps what was already answered', async () => {
    const box = breachScenario();
    const known = read(box).length;
    const t = terminal(box, LATER);
    await t.select('What happens to B-2?', 'Resolved');
    await t.input('Note (optional)', '');
    await t.select('What happens to B-1?', 'Extend');
    await t.prompt('New due');
    t.type('+2');
    t.press('C-c');
    expect(await t.waitForExit()).toBe(130);
    expect(t.stderr()).toBe('playbook: interrupted; everything answered so far is saved; run `playbook review` again for the rest\n');
    expect(hasStackTrace(t.history())).toBe(false);
    expect(t.history()).not.toContain('Weekly summary');
    expect(read(box).slice(known).map((e) => [e.type, e.data])).toEqual([['blocker.resolved', { id: 'B-2' }]]);
    // What is left to answer is B-1 alone.
    const rest = box.run(['review', '--no-input'], at(LATER));
    expect(rest.status).toBe(2);
    expect(rest.stderr).toContain('1 blocker needs an answer: blockers.B-1\n');
  }, 120_000);

  it('with --no-input, even in a terminal, nothing is prompted: exit 2 with the missing ids and no change', async () => {
    const box = fresh();
    const before = box.files();
    const t = terminal(box, NOW, '--no-input');
    expect(await t.waitForExit(10_000)).toBe(2);
    expect(Terminal.active(t.history())).toBeUndefined();
    expect(t.stderr()).toContain('playbook: nothing is asked with --no-input, and 1 blocker needs an answer: blockers.B-1\n');
    expect(box.files()).toEqual(before);
  }, 60_000);
});
