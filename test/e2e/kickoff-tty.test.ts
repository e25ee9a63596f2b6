// Kickoff fixes in a real terminal (tmux): steps 4 and 5 with no evidence and nothing approved end
// the session instead of trapping it; the customer-success pressure test offers the risks just
// recorded, not the catalog, and says so when none is open; `init` over an unfinished session asks
// whether to resume it or start a new cycle.
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { hasStackTrace } from '../helpers/cli.js';
import { readLedgerEvents } from '../helpers/ledger.js';
import { HAS_TMUX } from '../helpers/tmux.js';
import { sessionTerminals } from '../helpers/session-terminal.js';

const { cli, terminal, ledger, write } = sessionTerminals('playbook-kickoff-tty-');

const events = () => readLedgerEvents(ledger()).events as { type: string; data: Record<string, unknown> }[];

/** The playbook's template answers without the named questions (`step.question`), which the terminal then asks. */
function answersWithout(alias: string, ...asked: string[]): string {
  const r = cli('init', 'healthcare', alias, '--answers-template');
  expect(r.status, r.stderr).toBe(0);
  const doc = parse(r.stdout) as Record<string, Record<string, unknown>>;
  for (const key of asked) {
    const [step, question] = key.split('.') as [string, string];
    delete doc[step]![question];
  }
  return write(`${alias}-answers.yaml`, stringify(doc));
}

if (!HAS_TMUX) console.warn('kickoff-tty: tmux is not installed, so the terminal tests are skipped (CI installs it)');

describe.skipIf(!HAS_TMUX)('kickoff fixes in a terminal (tmux; skipped only when tmux is not installed)', () => {
  it('steps 4 and 5 with no evidence and nothing approved: the session finishes and says how to fill build scope later', async () => {
    const t = terminal('init', 'healthcare', 'pm', '--answers', answersWithout('pm', 'evidence.evidence', 'build-scope.build-scope'));
    await t.waitForText('Step 4 of 6 · ');
    await t.confirm('Add a piece of evidence?', false);
    await t.waitForText('note: D-1 has no evidence that meets its criteria; it stays open');

    await t.waitForText('Step 5 of 6 · ');
    await t.confirm('Add a build-scope entry?', true);
    await t.select('  Which decision enters build scope', 'D-1 ');
    await t.confirm('  Has its owner approved it?', false);
    await t.waitForText(/✘ D-1 has no approval from its owner \(.+\), so it cannot enter build scope/);
    await t.waitForText('  no build-scope entry recorded');
    // Not trapped: the entry is left out and the question is offered again, to decline.
    await t.confirm('Add a build-scope entry?', false);
    await t.waitForText('note: build scope is empty: no approved decision has entered it yet; `playbook decision scope D-n --constraints .. --behaviour .. --metric .. --target ..` adds an entry later');
    await t.waitForText('✔ gate passed: Turn approved decisions into build scope');

    await t.waitForText(/All six steps of .+ are done\./);
    expect(await t.waitForExit()).toBe(0);
    expect(t.history()).toContain('(0 in build scope, 3 awaiting evidence)');
    expect(hasStackTrace(t.history() + t.stderr())).toBe(false);
    const all = events();
    expect(all.some((e) => e.type === 'build-scope.added' || e.type === 'decision.approved' || e.type === 'evidence.added')).toBe(false);
    expect(all.filter((e) => e.type === 'step.passed').map((e) => e.data.step)).toEqual(['scope', 'risk', 'ownership', 'evidence', 'build-scope', 'post-release']);
  }, 120_000);

  it('offers the risks just recorded to pressure-test first, not the catalog; with none open it says so and moves on', async () => {
    const t = terminal('init', 'healthcare', 'cs', '--answers', answersWithout('cs', 'risk.pressure-test-first', 'risk.hipaa-review'));
    const offered = (await t.prompt('Which risk will you pressure-test first?')).join('\n');
    expect(offered).toContain('R-1 New practices stall before their first scheduled-reminder run');
    expect(offered).toContain('R-3 Support learns of setup problems only after scope is locked');
    expect(offered).not.toContain('New users stall before they reach first value'); // the catalog's wording
    await t.select('Which risk will you pressure-test first?', 'R-2 Handoff documents');
    await t.prompt('Is a HIPAA and business-associate-agreement review booked');
    t.press('C-c');
    expect(await t.waitForExit()).toBe(130);
    expect(events().find((e) => e.type === 'note.added' && e.data.question === 'pressure-test-first')?.data.value).toBe('R-2 Handoff documents skip edge-case behaviour when the EHR sync fails');
  }, 120_000);

  it('says there is no open risk to pressure-test instead of an empty list', async () => {
    const first = terminal('init', 'healthcare', 'cs', '--answers', answersWithout('cs', 'risk.pressure-test-first', 'risk.hipaa-review'));
    await first.prompt('Which risk will you pressure-test first?');
    first.press('C-c');
    expect(await first.waitForExit()).toBe(130);
    for (const id of ['R-1', 'R-2', 'R-3']) expect(cli('risk', 'close', id).status).toBe(0);

    const t = terminal('resume', '--answers', answersWithout('cs', 'risk.pressure-test-first', 'risk.hipaa-review'));
    await t.waitForText('Which risk will you pressure-test first? No risks are open in this cycle, so there is nothing to choose; moving on.');
    await t.confirm('Is a HIPAA and business-associate-agreement review booked', true);
    await t.waitForText(/All six steps of .+ are done\./);
    expect(await t.waitForExit()).toBe(0);
    expect(events().some((e) => e.type === 'note.added' && e.data.question === 'pressure-test-first')).toBe(false);
  }, 120_000);

  it('init over an unfinished session asks: resume it, or start a new cycle anyway', async () => {
    expect(cli('init', 'healthcare', 'pm', '--no-session').status).toBe(0);
    const t = terminal('init', 'healthcare', 'cs');
    await t.prompt('Resume it, or start a new cycle?');
    expect(t.stderr()).toBe('the session of cycle pm-2026-11-23 is unfinished (step 1 of 6, Pin the cycle to one onboarding outcome)\n');
    await t.select('Resume it, or start a new cycle?', 'Resume pm-2026-11-23 at step 1');
    await t.waitForText('Step 1 of 6 · Pin the cycle to one onboarding outcome');
    t.press('C-c');
    expect(await t.waitForExit()).toBe(130);
    expect(events().filter((e) => e.type === 'cycle.created')).toHaveLength(1);

    const again = terminal('init', 'healthcare', 'cs');
    await again.select('Resume it, or start a new cycle?', 'Start a new cycle anyway');
    await again.waitForText('Step 1 of 6 · ');
    again.press('C-c');
    expect(await again.waitForExit()).toBe(130);
    expect(again.stderr()).toMatch(/started cycle cs-2026-11-23 /);
    expect(events().filter((e) => e.type === 'cycle.created')).toHaveLength(2);
  }, 120_000);
});
