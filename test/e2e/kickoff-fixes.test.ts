// Kickoff fixes, through answers files and without a terminal: a kickoff where nothing is
// approved finishes with build scope empty and says how to add an entry later; decisions may
// wait for their evidence; `init` while the current cycle's session is unfinished stops (exit 2,
// nothing written) unless --new says to start a new cycle anyway.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createSandbox, hasStackTrace, type CliResult } from '../helpers/cli.js';
import { filesUnder, readLedgerEvents } from '../helpers/ledger.js';

const sandbox = createSandbox('playbook-kickoff-fixes-');
afterAll(() => sandbox.cleanup());

let n = 0;
let ledger: string;
let env: Record<string, string>;
beforeEach(() => {
  n += 1;
  ledger = sandbox.path(`ledgers/${n}/ledger.json`);
  env = { PLAYBOOK_LEDGER: ledger, PLAYBOOK_TZ: 'UTC', PLAYBOOK_ACTOR: 'tester', XDG_STATE_HOME: sandbox.path(`state/${n}`) };
});

/** The CLI with stdin not a terminal. */
const run = (...args: string[]): CliResult => sandbox.run(args, { env });
const events = () => readLedgerEvents(ledger).events as { type: string; data: Record<string, unknown> }[];
const files = () => ({ shared: filesUnder(sandbox.path(`ledgers/${n}`)), local: filesUnder(sandbox.path(`state/${n}`)) });

/** The pm answers template with some answers replaced: `{ 'build-scope': { 'build-scope': [] } }`. */
function answers(changes: Record<string, Record<string, unknown>>): string {
  const template = run('init', 'healthcare', 'pm', '--answers-template');
  expect(template.status, template.stderr).toBe(0);
  const doc = parse(template.stdout) as Record<string, Record<string, unknown>>;
  for (const [step, questions] of Object.entries(changes)) Object.assign(doc[step]!, questions);
  return sandbox.write(`answers/${n}.yaml`, stringify(doc));
}

const SCOPE_LATER = '`playbook decision scope D-n --constraints .. --behaviour .. --metric .. --target ..` adds an entry later';

describe('a kickoff with nothing approved', () => {
  it('finishes with build scope empty, says so, and names `decision scope` for later', () => {
    const r = run('init', 'healthcare', 'pm', '--answers', answers({ 'build-scope': { 'build-scope': [] } }));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/All six steps of .+ are done\./);
    expect(r.stdout).toContain('(0 in build scope,');
    expect(r.stdout).toContain(`  build scope is empty: no approved decision has entered it yet; ${SCOPE_LATER}`);
    expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);

    const all = events();
    expect(all.filter((e) => e.type === 'step.passed').map((e) => e.data.step)).toEqual(['scope', 'risk', 'ownership', 'evidence', 'build-scope', 'post-release']);
    expect(all.some((e) => e.type === 'build-scope.added' || e.type === 'decision.approved')).toBe(false);

    const gate = run('gate', 'build-scope', '--json');
    expect(gate.status, gate.stderr).toBe(0);
    expect(JSON.parse(gate.stdout)).toMatchObject({ step: 'build-scope', holds: true, failures: [], notes: [expect.stringContaining(SCOPE_LATER)] });
  });

  it('still refuses an entry for a decision its owner has not approved, writing nothing', () => {
    const entry = { decision: 'D-1', approved: false, constraints: 'c', behaviour: 'b', metric: 'exception-state-completion', target: 75 };
    const r = run('init', 'healthcare', 'pm', '--answers', answers({ 'build-scope': { 'build-scope': [entry] } }));
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/build-scope\.build-scope: record 1: D-1 has no approval from its owner \(.+\), so it cannot enter build scope$/m);
    expect(files().shared).toEqual({});
  });
});

describe('a decision waiting for its evidence', () => {
  it('enters the cycle with no evidence at all: the evidence gate lists every decision as open', () => {
    const r = run('init', 'healthcare', 'pm', '--answers', answers({ evidence: { evidence: [] } }));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('3 decisions (2 in build scope, 3 awaiting evidence)');
    expect(events().some((e) => e.type === 'evidence.added')).toBe(false);
    const gate = run('gate', 'evidence', '--json');
    expect(gate.status, gate.stderr).toBe(0);
    expect(JSON.parse(gate.stdout)).toMatchObject({
      holds: true,
      notes: ['D-1', 'D-2', 'D-3'].map((id) => `${id} has no evidence that meets its criteria; it stays open`),
    });
  });

  it('lists only the decisions still waiting when some have evidence', () => {
    const evidence = [{ decision: 'D-2', evidence: 'Compliance signed the brief off', meets: true }];
    const r = run('init', 'healthcare', 'pm', '--answers', answers({ evidence: { evidence } }));
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(run('gate', 'evidence', '--json').stdout).notes).toEqual([
      'D-1 has no evidence that meets its criteria; it stays open',
      'D-3 has no evidence that meets its criteria; it stays open',
    ]);
  });
});

describe('init while the current cycle\'s session is unfinished', () => {
  const full = () => answers({});

  it('stops with one line naming the cycle and the step, offers resume and --new, and writes nothing', () => {
    expect(run('init', 'healthcare', 'pm', '--no-session').status).toBe(0);
    const before = files();
    for (const args of [['--answers', full()], ['--no-input'], []]) {
      const r = run('init', 'healthcare', 'pm', ...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toEqual([
        'playbook: the session of cycle pm-2026-11-23 is unfinished (step 1 of 6, Pin the cycle to one onboarding outcome)',
        'hint: `playbook resume` continues it; `playbook init healthcare pm --new` starts a new cycle anyway',
      ]);
      expect(files()).toEqual(before);
    }
    // A dry run tells, and goes on to show what a run with --new would record.
    const dry = run('init', 'healthcare', 'pm', '--answers', full(), '--dry-run');
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stderr).toBe(
      'note: the session of cycle pm-2026-11-23 is unfinished (step 1 of 6, Pin the cycle to one onboarding outcome), so init without --dry-run stops there: `playbook resume` continues it; `playbook init healthcare pm --new` starts a new cycle anyway\n',
    );
    expect(dry.stdout).toMatch(/^would start cycle pm-2026-11-23-2 /);
    expect(files()).toEqual(before);
  });

  it('starts a new cycle anyway with --new, which becomes the current one', () => {
    expect(run('init', 'healthcare', 'pm', '--no-session').status).toBe(0);
    const r = run('init', 'healthcare', 'pm', '--new', '--answers', full());
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^started cycle pm-2026-11-23-2 /);
    expect(JSON.parse(run('status', '--json').stdout).session).toEqual({ step: null, done: true });
    // The unfinished one is still there to resume.
    expect(run('cycles').stdout).toMatch(/pm-2026-11-23 .+Pin the cycle to one onboarding outcome/);
  });

  it('says nothing when the current cycle is done, and --no-session never stops', () => {
    expect(run('init', 'healthcare', 'pm', '--answers', full()).status).toBe(0);
    const again = run('init', 'healthcare', 'pm', '--answers', full());
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('unfinished');
    expect(run('init', 'healthcare', 'pm', '--no-session').status).toBe(0);
    expect(run('init', 'healthcare', 'cs', '--no-session').status).toBe(0);
  });
});

describe('dates in the session', () => {
  it('refuses a decision due before today and a checkpoint dated before the cycle began: exit 2 at the line, nothing written', () => {
    const doc = parse(run('init', 'healthcare', 'pm', '--answers-template').stdout) as Record<string, Record<string, Record<string, unknown>[]>>;
    const cases: [string, string, string, RegExp][] = [
      ['ownership', 'decisions', 'due', /Due date: 2026-11-20 is in the past; a decision is due today \(2026-11-23\) or later/],
      ['post-release', 'checkpoints', 'date', /Date: 2026-11-20 is before the cycle began \(2026-11-23\)/],
    ];
    for (const [step, question, field, message] of cases) {
      const changed = structuredClone(doc);
      changed[step]![question]![0]![field] = '2026-11-20';
      const file = sandbox.write(`answers/${n}-${field}.yaml`, stringify(changed));
      const r = run('init', 'healthcare', 'pm', '--answers', file);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(new RegExp(`${n}-${field}\\.yaml:\\d+:\\d+`));
      expect(files().shared).toEqual({});
    }
  });
});
