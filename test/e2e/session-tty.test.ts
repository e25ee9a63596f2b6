// The six-step session in a real terminal: the built binary in a tmux pane, typed into key by key.
// A whole product-manager session; Ctrl+C in step 3, `status`, then `resume` to the end; the
// multiple-choice, choice and yes/no prompts of customer success; --no-input never prompting.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { hasStackTrace } from '../helpers/cli.js';
import { filesUnder, readLedgerEvents } from '../helpers/ledger.js';
import { HAS_TMUX, Terminal } from '../helpers/tmux.js';
import { sessionTerminals } from '../helpers/session-terminal.js';

const { cli, terminal, ledger, dir, state, write } = sessionTerminals('playbook-session-tty-');

type Ledger = { events: { id: string; type: string; data: Record<string, unknown> }[] };
/** The ledger's events, from every replica file of its events folder, in the order of their ids. */
const readLedger = (): Ledger => readLedgerEvents(ledger());
/** Every byte a write could change: the ledger's folder (pointer, replica files) and this machine's state of it. */
const ledgerFiles = () => ({ shared: filesUnder(`${dir()}/ledger`), local: filesUnder(state()) });

/** An answers file holding the playbook template's answers for the named steps only. */
function answersFor(alias: string, ...steps: string[]): string {
  const result = cli('init', 'healthcare', alias, '--answers-template');
  expect(result.status, result.stderr).toBe(0);
  const doc = parse(result.stdout) as Record<string, unknown>;
  return write(`${alias}-${steps.join('-')}.yaml`, stringify(Object.fromEntries(steps.map((s) => [s, doc[s]]))));
}

if (!HAS_TMUX) console.warn('session-tty: tmux is not installed, so the terminal tests are skipped (CI installs it)');

describe.skipIf(!HAS_TMUX)('the session in a terminal (tmux; skipped only when tmux is not installed)', () => {
  it('types a whole product-manager session: headers, reasons for refused answers, two gate fixes, the recap, exit 0', async () => {
    const t = terminal('init', 'healthcare', 'pm');

    // Step 1: text, list, default, date.
    await t.waitForText('Step 1 of 6 · Pin the cycle to one onboarding outcome');
    await t.refused('What single outcome must this cycle deliver?', '   ', 'The answer must not be empty');
    await t.input('What single outcome must this cycle deliver?', 'New patients book a first visit in under 10 minutes');
    await t.refused('  1.', '', 'give at least one item');
    await t.input('  1.', 'Account creation');
    await t.input('  2.', 'Consent capture');
    await t.input('  3.', '');
    await t.input('  1.', 'Clinician scheduling console');
    await t.input('  2.', '');
    await t.input('Which filter will every decision', '');
    await t.refused('review window open', 'someday', '"someday" is not a date (try 2026-12-04, today, +30d, next friday)');
    await t.input('review window open', '2026-12-01');
    await t.refused('review window close', '2026-11-30', 'the window cannot end (2026-11-30) before it starts (2026-12-01)');
    await t.input('review window close', '');
    await t.input('Which assumption would make', '');
    await t.waitForText('✔ gate passed: Pin the cycle to one onboarding outcome');

    // Step 2: the risk catalog, choices, a refused owner, then the mitigation gate.
    await t.waitForText('Step 2 of 6 · Rank the open risks by patient impact and operational cost');
    await t.select("Pick from the playbook's risk catalog", 'New users stall before they reach first value');
    await t.select('  Customer impact', 'high');
    await t.select('  Operational cost', 'medium');
    await t.input('  Mitigation', '');
    await t.refused('  Owner (one person)', 'Ann and Bob', 'Owner (one person) "Ann and Bob" names more than one person; give exactly one owner');
    await t.refused('  Owner (one person)', '', 'Owner (one person) must not be empty');
    await t.input('  Owner (one person)', 'Ann Lee');
    await t.waitForText('✔ added R-1 "New users stall before they reach first value"');
    // Written to the ledger as it is given, long before the session ends.
    expect(readLedger().events.find((e) => e.type === 'risk.added')?.data).toMatchObject({ id: 'R-1', owner: 'Ann Lee', impact: 'high' });
    await t.confirm('Add another risk?', true);
    await t.select("Pick from the playbook's risk catalog", 'Write my own');
    await t.input('  Risk', 'EHR sandbox arrives late');
    await t.select('  Customer impact', 'low');
    await t.select('  Operational cost', 'low');
    await t.input('  Mitigation', '');
    await t.input('  Owner (one person)', 'Lena Ortiz');
    await t.confirm('Add another risk?', false);
    await t.input('Which risk will you pressure-test first', '');
    await t.waitForText('  ✘ R-2 has no mitigation');
    await t.select('What now?', 'Fix it now');
    await t.refused('Mitigation for R-2 "EHR sandbox arrives late"', '', 'a mitigation must not be empty');
    await t.input('Mitigation for R-2 "EHR sandbox arrives late"', 'Validate against fixture data');

    // Step 3: decisions, a bad date, a blocker, then the due-date gate.
    await t.waitForText('Step 3 of 6 · Give every open decision one owner and a due date');
    await t.input('  Decision', 'Save and resume when eligibility fails');
    await t.refused('  Owner (exactly one person)', 'Ann and Bob', 'names more than one person; give exactly one owner');
    await t.input('  Owner (exactly one person)', 'Priya Raman');
    await t.refused('  Due date', '+3x', '"+3x" is not a date (try 2026-12-04, +7d, next friday)');
    await t.input('  Due date', '+7d');
    await t.input('  Acceptance criterion 1', '70% of timed-out patients resume');
    await t.input('  Acceptance criterion 2', '');
    await t.confirm('Add another decision?', true);
    await t.input('  Decision', 'Freeze the release brief');
    await t.input('  Owner (exactly one person)', 'Marcus Bell');
    await t.input('  Due date', '');
    await t.input('  Acceptance criterion 1', '');
    await t.confirm('Add another decision?', false);
    await t.confirm('Add a blocker?', true);
    await t.input('  Blocker', 'No EHR sandbox credentials');
    await t.input('  Owner (one person)', 'Sam Whitfield');
    await t.input('  Due (optional)', '');
    await t.input('  Fallback plan', 'Use de-identified fixtures');
    await t.select('  Decision it blocks', 'D-1 Save and resume');
    await t.confirm('Add another blocker?', false);
    await t.waitForText('  ✘ D-2 has no due date');
    await t.select('What now?', 'Fix it now');
    await t.refused('Due date for D-2', 'soon', '"soon" is not a date');
    await t.input('Due date for D-2', 'next friday');

    // Step 4: evidence, yes/no.
    await t.waitForText('Step 4 of 6 · Check the evidence against each decision');
    await t.confirm('Add a piece of evidence?', true);
    await t.select('  For which decision', 'D-1 Save and resume');
    await t.input('  Which criterion it checks', '');
    await t.input('  What was checked', '9 of 12 patients resumed in the prototype test');
    await t.confirm('  Does it meet the acceptance criteria?', true);
    await t.confirm('Add another piece of evidence?', false);
    await t.input('What evidence would settle', '');
    await t.waitForText('note: D-2 has no evidence that meets its criteria; it stays open');

    // Step 5: build scope refuses D-2 (no criteria) and an unapproved D-1 at once, with the reason,
    // and leaves each refused entry out (build scope may stay empty), offering the next one.
    await t.waitForText('Step 5 of 6 · Turn approved decisions into build scope');
    await t.confirm('Add a build-scope entry?', true);
    await t.select('  Which decision enters build scope', 'D-2 Freeze');
    await t.waitForText('  ✘ D-2 has no testable acceptance criteria, so it cannot enter build scope');
    await t.confirm('Add testable acceptance criteria to D-2 now?', false);
    await t.confirm('Add a build-scope entry?', true);
    await t.select('  Which decision enters build scope', 'D-1 Save');
    await t.confirm('  Has its owner approved it?', false);
    await t.waitForText('  ✘ D-1 has no approval from its owner (Priya Raman), so it cannot enter build scope');
    await t.confirm('Add a build-scope entry?', true);
    await t.select('  Which decision enters build scope', 'D-1 Save');
    await t.confirm('  Has its owner approved it?', true);
    await t.input('  Implementation constraints', 'No patient data in the resume link');
    await t.input('  Expected behaviour', 'The patient resumes at the same step');
    await t.select('  Metric it moves', 'Exception-state completion quality');
    await t.refused('  Target value', 'abc', 'the target of exception-state-completion (%) must be a number (0 to 100), not "abc"');
    await t.input('  Target value', '75');
    await t.confirm('Add another build-scope entry?', true);
    await t.select('  Which decision enters build scope', 'D-2 Freeze');
    await t.confirm('Add testable acceptance criteria to D-2 now?', true);
    await t.input('Acceptance criterion 1 for D-2', 'Compliance signs the brief off');
    await t.input('Acceptance criterion 2 for D-2', '');
    await t.confirm('  Has its owner approved it?', true);
    await t.input('  Implementation constraints', 'One brief, owned by support');
    await t.input('  Expected behaviour', 'Every team links to the same article');
    await t.select('  Metric it moves', 'Post-launch change volume');
    await t.input('  Target value', '5');
    await t.waitForText('every decision is already in build scope; moving on');
    await t.input('Which scope tradeoffs', '');

    // Step 6: checkpoints, a metric baseline, the post-launch owner.
    await t.waitForText('Step 6 of 6 · Plan the first month after rollout');
    await t.input('  Checkpoint', 'Week 1 review');
    await t.select('  Kind', 'weekly');
    await t.refused('  Date', '+3x', '"+3x" is not a date');
    await t.input('  Date', '+7d');
    await t.input('  Owner', 'Priya Raman');
    await t.confirm('Add another checkpoint?', false);
    await t.select('  Metric', 'Approval cycle time');
    await t.input('  Baseline', '9');
    await t.input('  Target', '4');
    await t.confirm('Add another metric baseline?', false);
    await t.refused('Who owns the product after launch?', 'Ann and Bob', 'The owner "Ann and Bob" names more than one person; give exactly one owner');
    await t.input('Who owns the product after launch?', 'Priya Raman');

    await t.waitForText(/All six steps of Healthcare product manager .+ are done\./);
    expect(await t.waitForExit()).toBe(0);
    const screen = t.history();
    expect(screen).toContain('2 risks · 2 decisions (2 in build scope, 1 awaiting evidence) · 1 blocker · 1 checkpoint · 1 metric target');
    expect(screen).toContain('owner after launch: Priya Raman');
    expect(screen).toContain('  playbook status ');
    expect(hasStackTrace(screen + t.stderr())).toBe(false);

    const status = JSON.parse(cli('status', '--json').stdout);
    expect(status.session).toEqual({ step: null, done: true });
    const events = readLedger().events;
    expect(events.filter((e) => e.type === 'step.passed').map((e) => e.data.step)).toEqual(['scope', 'risk', 'ownership', 'evidence', 'build-scope', 'post-release']);
    expect(events.find((e) => e.type === 'decision.updated' && e.data.id === 'D-2' && e.data.due)?.data.due).toBe('2026-11-27');
  }, 240_000);

  it('Ctrl+C in step 3 exits 130 with one line and keeps the answers; status shows step 3; resume continues at the same question to the end', async () => {
    const first = answersFor('pm', 'scope', 'risk');
    const t = terminal('init', 'healthcare', 'pm', '--answers', first);
    await t.waitForText('Step 3 of 6 · Give every open decision one owner and a due date');
    await t.input('  Decision', 'Save and resume when eligibility fails');
    await t.input('  Owner (exactly one person)', 'Priya Raman');
    await t.input('  Due date', '+7d');
    await t.input('  Acceptance criterion 1', '70% of timed-out patients resume');
    await t.input('  Acceptance criterion 2', '');
    await t.confirm('Add another decision?', true);
    await t.input('  Decision', 'Freeze the release brief');
    await t.prompt('  Owner (exactly one person)');
    t.type('Marc');
    t.press('C-c');
    expect(await t.waitForExit()).toBe(130);

    const stderr = t.stderr().trimEnd().split('\n');
    expect(stderr[0]).toMatch(/^started cycle pm-2026-11-23 /);
    expect(stderr.slice(1)).toEqual(['playbook: interrupted; everything answered so far is saved, and `playbook resume` continues from here']);
    expect(hasStackTrace(t.history())).toBe(false);

    const events = readLedger().events;
    expect(events.filter((e) => e.type === 'decision.added').map((e) => e.data.id)).toEqual(['D-1']);
    expect(events.filter((e) => e.type === 'step.passed').map((e) => e.data.step)).toEqual(['scope', 'risk']);
    const status = cli('status');
    expect(status.status).toBe(0);
    expect(status.stdout).toContain('session: step 3 of 6, Give every open decision one owner and a due date');

    // Without a terminal, resume asks nothing: it names what is missing and writes nothing.
    const before = ledgerFiles();
    expect(Object.keys(before.shared)).toContain('ledger.json');
    const blind = cli('resume');
    expect(blind.status).toBe(2);
    expect(blind.stderr).toMatch(/answers are missing: ownership\.decisions, evidence\.evidence, build-scope\.build-scope, post-release\.checkpoints/);
    expect(ledgerFiles()).toEqual(before);

    // In the terminal, resume picks up at the interrupted question; the last three steps come from a file.
    const rest = answersFor('pm', 'evidence', 'build-scope', 'post-release');
    const r = terminal('resume', '--answers', rest);
    await r.waitForText('Step 3 of 6 · Give every open decision one owner and a due date');
    const asked = await r.prompt('Add another decision?');
    expect(Terminal.answered(r.history())).toBe(0);
    expect(asked[0]).toMatch(/^\? Add another decision\?/);
    await r.confirm('Add another decision?', true);
    await r.input('  Decision', 'Freeze the release brief');
    await r.input('  Owner (exactly one person)', 'Marcus Bell');
    await r.input('  Due date', 'next friday');
    await r.input('  Acceptance criterion 1', 'Compliance signs the brief off');
    await r.input('  Acceptance criterion 2', '');
    await r.confirm('Add another decision?', false);
    await r.confirm('Add a blocker?', false);
    await r.waitForText('✔ evidence.evidence answered from');
    await r.waitForText(/All six steps of .+ are done\./);
    expect(await r.waitForExit()).toBe(0);
    expect(r.stderr()).toBe('');
    expect(JSON.parse(cli('status', '--json').stdout).session).toEqual({ step: null, done: true });
    expect(readLedger().events.filter((e) => e.type === 'decision.added').map((e) => e.data.id)).toEqual(['D-1', 'D-2']);
  }, 180_000);

  it('types the customer-success scope and risk steps: multiple choice, a choice with skip, yes/no', async () => {
    const rest = answersFor('cs', 'ownership', 'evidence', 'build-scope', 'post-release');
    const t = terminal('init', 'healthcare', 'cs', '--answers', rest);
    await t.waitForText('Step 1 of 6 · ');
    await t.input('What single onboarding outcome must this cycle deliver', 'Cut time to first value from 21 to 14 days');
    await t.prompt('Which customer segments does this cycle cover?');
    t.press('Enter');
    await t.waitForText('choose at least one');
    await t.checkbox('Which customer segments does this cycle cover?', ['Physician practices', 'Healthcare technology companies']);
    await t.input('  1.', 'Hospital EHR integrations');
    await t.input('  2.', '');
    await t.input('What filter will every decision', '');
    await t.input('When does the post-rollout review window open?', '');
    await t.input('When does the review window close?', '');

    await t.waitForText('Step 2 of 6 · ');
    await t.select("Pick from the playbook's risk catalog", 'Write my own');
    await t.input('  Risk', 'Practice managers miss the kickoff call');
    await t.select('  Customer impact', 'medium');
    await t.select('  Operational cost', 'low');
    await t.input('  Mitigation', 'Book the kickoff with the practice manager and a named deputy');
    await t.input('  Owner (one person)', 'Dana Kim');
    await t.confirm('Add another risk?', false);
    await t.select('Which risk will you pressure-test first?', '(skip)'); // offers R-1, the risk just written
    await t.confirm('Is a HIPAA and business-associate-agreement review booked', false);

    await t.waitForText(/All six steps of .+ are done\./);
    expect(await t.waitForExit()).toBe(0);
    const events = readLedger().events;
    expect(events.find((e) => e.type === 'cycle.field' && e.data.field === 'inScope')?.data.value).toEqual(['Physician practices', 'Healthcare technology companies']);
    expect(events.find((e) => e.type === 'note.added' && e.data.question === 'hipaa-review')?.data.value).toBe(false);
    expect(events.some((e) => e.type === 'note.added' && e.data.question === 'pressure-test-first')).toBe(false);
    expect(events.find((e) => e.type === 'risk.added')?.data).toMatchObject({ title: 'Practice managers miss the kickoff call', impact: 'medium', cost: 'low', owner: 'Dana Kim' });
  }, 180_000);

  it('with --no-input, even in a terminal, nothing is prompted: exit 2 at once with the missing ids and no ledger', async () => {
    const t = terminal('init', 'healthcare', 'pm', '--no-input');
    expect(await t.waitForExit(10_000)).toBe(2);
    expect(Terminal.active(t.history())).toBeUndefined();
    expect(t.stderr()).toContain('playbook: nothing is asked with --no-input, and 13 answers are missing: scope.outcome, scope.in-scope,');
    expect(existsSync(ledger())).toBe(false);
  }, 60_000);
});
