// Values that make sense (issue 17): a percentage lies within 0-100, a score within its stated scale,
// a count is not negative, a target lies on the better side of its baseline, and a reading is not
// dated before its cycle began. The same refusal, exit 2 with the allowed range and nothing written,
// from `metric record`, an answers file for `init`, an answers file for `review`, and the terminal.
import { mkdirSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NOW } from '../helpers/cli.js';
import { createLedgerSandbox, isCleanFailure, makeSeeds, type LedgerSandbox, type Seeds } from '../helpers/ledger.js';
import { HAS_TMUX, Terminal } from '../helpers/tmux.js';

let seeds: Seeds;
beforeAll(() => {
  seeds = makeSeeds(['full']);
});
const boxes: LedgerSandbox[] = [];
afterAll(() => {
  boxes.forEach((b) => b.cleanup());
  seeds.cleanup();
});

/** A sandbox with a copy of the full product-manager cycle (begun at NOW, 2026-11-23), or no ledger at all. */
function fresh(full = true): LedgerSandbox {
  const box = createLedgerSandbox('playbook-values-');
  boxes.push(box);
  if (full) box.useLedger(seeds.full);
  return box;
}

/** The answers template of healthcare/pm, parsed, to change one answer in. */
function template(box: LedgerSandbox): Record<string, any> {
  return parse(box.ok(['init', 'healthcare', 'pm', '--answers-template']).stdout) as Record<string, any>;
}

/** Runs the CLI expecting a refusal: exit 2, a message on stderr naming `reason`, nothing on stdout, not a byte of the ledger changed. */
function refused(box: LedgerSandbox, args: string[], reason: string): string {
  const before = box.files();
  const result = box.run(args);
  expect(result.status, result.stderr).toBe(2);
  expect(isCleanFailure(result)).toBe(true);
  const message = result.stderr.split('\n')[0]!;
  expect(message).toContain(reason);
  expect(box.files()).toEqual(before);
  return result.stderr;
}

describe('playbook metric record', () => {
  it.each([
    ['a percentage over 100', ['scope-stability', '150'], 'a reading of scope-stability (%) must be 0 to 100, not 150', 'hint: readings of scope-stability are in %: 0 to 100'],
    ['a negative percentage, with its sign', ['decision-closure-rate', '--', '-5%'], 'a reading of decision-closure-rate (%) must be 0 to 100, not -5', '0 to 100'],
    ['a score above its scale', ['completion-confidence', '6'], 'a reading of completion-confidence (score (1-5)) must be 1 to 5, not 6', 'hint: readings of completion-confidence are in score (1-5): 1 to 5'],
    ['a score below its scale', ['Completion confidence before launch', '0.5'], 'must be 1 to 5, not 0.5', '1 to 5'],
    ['a negative count of days', ['approval-cycle-time', '-1'], 'a reading of approval-cycle-time (days) must be 0 or more, not -1', '0 or more'],
    ['a "%" on a count of days', ['approval-cycle-time', '5%'], 'a reading of approval-cycle-time is in days, not a percentage: write it without "%" (0 or more)', '0 or more'],
    ['no number', ['scope-stability', 'most'], 'a reading of scope-stability (%) must be a number (0 to 100), not "most"', '0 to 100'],
  ])('refuses %s: exit 2 with the allowed range, nothing written', (_what, args, reason, hint) => {
    const stderr = refused(fresh(), ['metric', 'record', ...args], reason);
    expect(stderr).toContain(hint);
  });

  it('refuses --at before the cycle began, naming the day it began', () => {
    refused(fresh(), ['metric', 'record', 'approval-cycle-time', '4', '--at', '2026-11-22'], '--at "2026-11-22" is before cycle pm-2026-11-23 began (2026-11-23)');
    refused(fresh(), ['metric', 'record', 'approval-cycle-time', '4', '--at', '-3d'], 'is before cycle pm-2026-11-23 began (2026-11-23)');
  });

  it('takes the edges of each range, "85%" for a percentage, and --at on the day the cycle began', () => {
    const box = fresh();
    expect(box.ok(['metric', 'record', 'scope-stability', '85%']).stdout).toBe('scope-stability recorded: 85\n');
    box.ok(['metric', 'record', 'decision-closure-rate', '100']);
    box.ok(['metric', 'record', 'completion-confidence', '1']);
    box.ok(['metric', 'record', 'approval-cycle-time', '0', '--at', '2026-11-23']);
    const readings = box.read().events.filter((e) => e.type === 'metric.recorded').map((e) => [e.data.metric, e.data.value, e.data.at]);
    expect(readings).toEqual([
      ['scope-stability', 85, NOW.replace('Z', '.000Z')],
      ['decision-closure-rate', 100, NOW.replace('Z', '.000Z')],
      ['completion-confidence', 1, NOW.replace('Z', '.000Z')],
      ['approval-cycle-time', 0, '2026-11-23T00:00:00.000Z'],
    ]);
  });
});

describe('an answers file for init', () => {
  it.each<[string, (doc: Record<string, any>) => void, string]>([
    ['a target over 100', (doc) => (doc['post-release'].metrics[1].target = 150), 'post-release.metrics: record 2: the target of scope-stability (%) must be 0 to 100, not 150'],
    ['a target the wrong way round', (doc) => (doc['post-release'].metrics[1].target = 40), 'post-release.metrics: record 2: higher is better for scope-stability, so the target must be above the baseline (60), not 40'],
    ['a target above the baseline when lower is better', (doc) => (doc['post-release'].metrics[0].target = 12), 'record 1: lower is better for approval-cycle-time, so the target must be below the baseline (9), not 12'],
    ['a baseline off its scale', (doc) => (doc['post-release'].metrics[2].baseline = 0), 'record 3: the baseline of completion-confidence (score (1-5)) must be 1 to 5, not 0'],
    ['a build-scope target over 100', (doc) => (doc['build-scope']['build-scope'][0].target = '150%'), 'build-scope.build-scope: record 1: the target of exception-state-completion (%) must be 0 to 100, not 150'],
    ['a "%" on a count', (doc) => (doc['build-scope']['build-scope'][1].target = '5%'), 'record 2: the target of post-launch-change-volume is in changes per week, not a percentage'],
  ])('refuses %s: exit 2 at its line, no ledger written', (_what, change, reason) => {
    const box = fresh(false);
    const doc = template(box);
    change(doc);
    const file = box.write('answers.yaml', stringify(doc));
    const stderr = refused(box, ['init', 'healthcare', 'pm', '--answers', file], reason);
    expect(stderr).toMatch(/^playbook: .*answers\.yaml:\d+:\d+: /);
    expect(box.files()).toEqual({});
  });

  it('takes "85%" for a percentage target, as a command and the review do', () => {
    const box = fresh(false);
    const doc = template(box);
    doc['post-release'].metrics[1].target = '85%';
    box.ok(['init', 'healthcare', 'pm', '--answers', box.write('answers.yaml', stringify(doc))]);
    expect(box.read().events.find((e) => e.type === 'metric.planned' && e.data.metric === 'scope-stability')?.data).toEqual({ metric: 'scope-stability', baseline: 60, target: 85 });
  });
});

describe('an answers file for review', () => {
  const KEEP = 'blockers:\n  B-1: keep\n';
  it.each([
    ['a percentage over 100', `${KEEP}metrics:\n  approval-cycle-time: 6\n  scope-stability: 150\n`, 5, 'metrics.scope-stability: a reading of scope-stability (%) must be 0 to 100, not 150'],
    ['a score off its scale, with a note', `${KEEP}metrics:\n  completion-confidence: { value: 7, note: after the demo }\n`, 4, 'metrics.completion-confidence.value: a reading of completion-confidence (score (1-5)) must be 1 to 5, not 7'],
    ['a negative count', `${KEEP}metrics:\n  post-launch-change-volume: -3\n`, 4, 'metrics.post-launch-change-volume: a reading of post-launch-change-volume (changes per week) must be 0 or more, not -3'],
  ])('refuses %s: exit 2 at FILE:LINE, nothing written', (_what, text, line, reason) => {
    const box = fresh();
    const file = box.write('review.yaml', text);
    const stderr = refused(box, ['review', '--answers', file, '--no-summary'], reason);
    expect(stderr).toMatch(new RegExp(`^playbook: .*review\\.yaml:${line}:\\d+: metrics\\.`));
  });

  it('takes "72%" for a percentage', () => {
    const box = fresh();
    box.ok(['review', '--answers', box.write('review.yaml', `${KEEP}metrics:\n  scope-stability: 72%\n`), '--no-summary']);
    expect(box.read().events.filter((e) => e.type === 'metric.recorded').map((e) => [e.data.metric, e.data.value])).toEqual([['scope-stability', 72]]);
  });
});

if (!HAS_TMUX) console.warn('metric-values: tmux is not installed, so the terminal test is skipped (CI installs it)');

describe.skipIf(!HAS_TMUX)('the session in a terminal (tmux)', () => {
  let open: Terminal[] = [];
  afterEach(() => {
    for (const t of open) t.close();
    open = [];
  });

  it('refuses a percentage baseline over 100 and a target the wrong way round at the prompt, then takes good ones', async () => {
    const box = fresh(false);
    // Every answer but the metrics' baselines and targets comes from the file; those are typed.
    const doc = template(box);
    delete doc['post-release'].metrics;
    const file = box.write('answers.yaml', stringify(doc));
    const dir = box.path('tty');
    mkdirSync(dir, { recursive: true });
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color', LANG: 'C.UTF-8', ...box.env, PLAYBOOK_LEDGER: box.ledger, PLAYBOOK_NOW: NOW, PLAYBOOK_TZ: 'UTC', PLAYBOOK_ACTOR: 'tester' };
    const t = new Terminal({ dir, args: ['init', 'healthcare', 'pm', '--answers', file], env, cwd: box.home });
    open.push(t);

    await t.select('  Metric', 'Scope stability across review rounds');
    await t.refused('  Baseline', '150', 'the baseline of scope-stability (%) must be 0 to 100, not 150');
    await t.input('  Baseline', '60%');
    await t.refused('  Target', '40', 'higher is better for scope-stability, so the target must be above the baseline (60), not 40');
    await t.input('  Target', '85');
    await t.confirm('Add another metric baseline?', false);
    await t.waitForText(/All six steps of Healthcare product manager .+ are done\./);
    expect(await t.waitForExit()).toBe(0);
    expect(box.read().events.filter((e) => e.type === 'metric.planned').map((e) => e.data)).toEqual([{ metric: 'scope-stability', baseline: 60, target: 85 }]);
  });
});
