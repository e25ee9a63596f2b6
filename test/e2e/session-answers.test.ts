// The six-step session without a terminal, through the built binary: answers files, the
// printed template, what happens when answers are missing or wrong (nothing is written),
// --dry-run, `gate` exit codes and `resume --answers`.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { BIN, cleanEnv, createSandbox, hasStackTrace, type CliResult, type RunOptions } from '../helpers/cli.js';
import { filesUnder, readLedgerEvents } from '../helpers/ledger.js';
import { builtinText, lineOf, rawYaml } from '../helpers/playbooks.js';

const sandbox = createSandbox('playbook-session-answers-');
afterAll(() => sandbox.cleanup());

const ROLES = [
  { alias: 'pm', id: 'healthcare/product-manager' },
  { alias: 'cs', id: 'healthcare/customer-success' },
  { alias: 'ops', id: 'healthcare/operations' },
] as const;

interface RawQuestion {
  id: string;
  required?: boolean;
  example: unknown;
}
interface RawStep {
  id: string;
  questions: RawQuestion[];
}
const stepsOf = (id: string): RawStep[] => rawYaml(builtinText(id)).steps;
const pmSteps = stepsOf('healthcare/product-manager');
const requiredIds = (steps: RawStep[]) => steps.flatMap((s) => s.questions.filter((q) => q.required !== false).map((q) => `${s.id}.${q.id}`));

let n = 0;
let ledger: string;
let env: Record<string, string>;
beforeEach(() => {
  n += 1;
  ledger = sandbox.path(`ledgers/${n}/ledger.json`);
  env = { PLAYBOOK_LEDGER: ledger, PLAYBOOK_TZ: 'UTC', PLAYBOOK_ACTOR: 'tester', XDG_STATE_HOME: sandbox.path(`state/${n}`) };
});

const run = (args: string[], options: RunOptions = {}): CliResult => sandbox.run(args, { ...options, env: { ...env, ...options.env } });

/** Runs the CLI with stdin read from /dev/null, as `playbook ... < /dev/null` would. */
function runFromDevNull(args: string[], timeout = 5000): CliResult & { ms: number } {
  const fd = openSync('/dev/null', 'r');
  try {
    const started = Date.now();
    const result = spawnSync(process.execPath, [BIN, ...args], {
      cwd: sandbox.home,
      env: { ...cleanEnv(), ...sandbox.env, ...env },
      stdio: [fd, 'pipe', 'pipe'],
      encoding: 'utf8',
      timeout,
    });
    return { status: result.status, signal: result.signal, stdout: result.stdout ?? '', stderr: result.stderr ?? '', ms: Date.now() - started };
  } finally {
    closeSync(fd);
  }
}

/** The answers file the CLI prints for the playbook. */
function template(alias: string): string {
  const result = run(['init', 'healthcare', alias, '--answers-template']);
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

/** A copy of the pm template text keeping only the named steps. */
function templateWith(...steps: string[]): string {
  const doc = parse(template('pm')) as Record<string, unknown>;
  return stringify(Object.fromEntries(Object.entries(doc).filter(([k]) => steps.includes(k))));
}

/** The ledger's events, from every replica file of its events folder. */
const ledgerEvents = () => readLedgerEvents(ledger).events as { type: string }[];
/**
 * Everything a write could touch, byte for byte: every file of the ledger's folder (the pointer and
 * the replica files) and this machine's own state of it (replica, current cycle, lock).
 */
const ledgerFiles = () => ({ shared: filesUnder(dirname(ledger)), local: filesUnder(sandbox.path(`state/${n}`)) });

describe.each(ROLES)('the answers template of $id', ({ alias, id }) => {
  it('is a commented YAML file holding every step and question id with the playbook\'s example answers', () => {
    const text = template(alias);
    const steps = stepsOf(id);
    const doc = parse(text) as Record<string, Record<string, unknown>>;
    expect(Object.keys(doc)).toEqual(steps.map((s) => s.id));
    for (const s of steps) {
      expect(Object.keys(doc[s.id]!)).toEqual(s.questions.map((q) => q.id));
      for (const q of s.questions) expect(doc[s.id]![q.id], `${s.id}.${q.id}`).toEqual(q.example);
    }
    expect(text).toMatch(/^# Answers for /);
    expect(text).toContain(`# Use: playbook init healthcare ${alias} --answers THIS_FILE`);
    const titles = (rawYaml(builtinText(id)).steps as { title: string }[]).map((s) => s.title);
    titles.forEach((title, i) => expect(text).toContain(`# Step ${i + 1} of 6: ${title}`));
  });

  it('completes a whole cycle as printed: all six gates pass and `gate` then holds', () => {
    sandbox.write(`answers/${alias}.yaml`, template(alias));
    const result = run(['init', 'healthcare', alias, '--answers', sandbox.path(`answers/${alias}.yaml`)]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/All six steps of .+ are done\./);
    expect(result.stdout).toContain('playbook status');
    expect(hasStackTrace(result.stderr)).toBe(false);
    const status = JSON.parse(run(['status', '--json']).stdout);
    expect(status.session).toEqual({ step: null, done: true });
    for (const step of stepsOf(id)) expect(run(['gate', step.id]).status, step.id).toBe(0);
    const events = ledgerEvents();
    expect(events.filter((e) => e.type === 'step.passed')).toHaveLength(6);
  });
});

describe('the template round trip in a shell', () => {
  it('`init healthcare pm --answers-template > kickoff.yaml && init healthcare pm --answers kickoff.yaml` ends with the recap', () => {
    const result = sandbox.shell('playbook init healthcare pm --answers-template > kickoff.yaml && playbook init healthcare pm --answers kickoff.yaml < /dev/null', { env });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/All six steps of Healthcare product manager .+ are done\./);
    expect(existsSync(ledger)).toBe(true);
  });
});

describe('without a terminal, nothing is asked', () => {
  it('init with stdin from /dev/null exits 2 at once, listing every missing question id, and writes nothing', () => {
    const result = runFromDevNull(['init', 'healthcare', 'pm']);
    expect(result.signal, 'the CLI hung waiting for input').toBeNull();
    expect(result.status).toBe(2);
    expect(result.ms).toBeLessThan(4000);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`answers are missing: ${requiredIds(pmSteps).join(', ')}`);
    expect(result.stderr).toContain('scope.outcome');
    expect(result.stderr).toContain('hint: pass --answers FILE (`playbook init healthcare pm --answers-template` prints one)');
    expect(hasStackTrace(result.stderr)).toBe(false);
    expect(existsSync(ledger)).toBe(false);
    expect(existsSync(sandbox.path('ledgers', String(n)))).toBe(false);
  });

  it('--no-input does the same, and a partial answers file is told exactly what it lacks', () => {
    const all = run(['init', 'healthcare', 'cs', '--no-input']);
    expect(all.status).toBe(2);
    expect(all.stderr).toContain(`answers are missing: ${requiredIds(stepsOf('healthcare/customer-success')).join(', ')}`);
    const file = sandbox.write(`answers/scope-only-${n}.yaml`, templateWith('scope', 'risk'));
    const partial = run(['init', 'healthcare', 'pm', '--no-input', '--answers', file]);
    expect(partial.status).toBe(2);
    expect(partial.stderr).toContain(`answers are missing: ${requiredIds(pmSteps.slice(2)).join(', ')}`);
    expect(partial.stderr).toContain(`hint: add them to ${file}`);
    expect(existsSync(ledger)).toBe(false);
  });

  it('optional questions left out of the file are skipped, not reported missing', () => {
    const doc = parse(template('pm')) as Record<string, Record<string, unknown>>;
    for (const s of pmSteps) for (const q of s.questions) if (q.required === false) delete doc[s.id]![q.id];
    const file = sandbox.write(`answers/required-only-${n}.yaml`, stringify(doc));
    const result = runFromDevNull(['init', 'healthcare', 'pm', '--answers', file]);
    expect(result.status, result.stderr).toBe(0);
    const events = ledgerEvents();
    expect(events.filter((e) => e.type === 'step.passed')).toHaveLength(6);
    const notes = events.filter((e) => e.type === 'note.added');
    expect(notes).toEqual([]);
  });
});

describe('a bad answers file', () => {
  it('a due date like "+3x" exits 2 naming FILE:LINE:COL of the value and the reason, and writes nothing', () => {
    const text = template('pm').replace('due: +7d', 'due: "+3x"');
    const file = sandbox.write(`answers/bad-due-${n}.yaml`, text);
    const line = lineOf(text, 'due: "+3x"');
    const col = text.split('\n')[line - 1]!.indexOf('"+3x"') + 1;
    const result = run(['init', 'healthcare', 'pm', '--answers', file]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`playbook: ${file}:${line}:${col}: ownership.decisions: record 1: Due date: "+3x" is not a date (try 2026-12-04, +7d, next friday)\n`);
    expect(existsSync(ledger)).toBe(false);
  });

  it('two owners in a record exit 2 at the owner, unknown questions and steps at their key', () => {
    const base = template('pm');
    const owners = base.replace(/owner: Marcus Bell/, 'owner: Ann and Bob');
    const file = sandbox.write(`answers/two-owners-${n}.yaml`, owners);
    const line = owners.split('\n').findIndex((l) => l.includes('owner: Ann and Bob')) + 1;
    const two = run(['init', 'healthcare', 'pm', '--answers', file]);
    expect(two.status).toBe(2);
    expect(two.stderr).toMatch(new RegExp(`^playbook: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:\\d+: risk\\.risks: record 3: Owner "Ann and Bob" names more than one person; give exactly one owner\\n$`));

    const typo = base.replace('  outcome:', '  outcom:');
    const typoFile = sandbox.write(`answers/typo-${n}.yaml`, typo);
    const bad = run(['init', 'healthcare', 'pm', '--answers', typoFile]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`${typoFile}:${lineOf(typo, '  outcom:')}:3: "outcom" is not a question of scope (questions: outcome, in-scope,`);
    const step = sandbox.write(`answers/step-${n}.yaml`, 'scopes:\n  outcome: x\n');
    expect(run(['init', 'healthcare', 'pm', '--answers', step]).stderr).toContain(`${step}:1:1: "scopes" is not a step (steps: scope, risk, ownership, evidence, build-scope, post-release)`);
    expect(existsSync(ledger)).toBe(false);
  });

  it('every unknown step, unknown question and misshapen answer is reported at once, in the order of the file', () => {
    const text = template('pm')
      .replace('  outcome:', '  outcom:')
      .replace(/^ {2}blockers:\n(?: {4}.*\n)+/m, '  blockers: none yet\n')
      .replace('\nevidence:', '\nevidense:');
    const file = sandbox.write(`answers/three-mistakes-${n}.yaml`, text);
    const result = run(['init', 'healthcare', 'pm', '--answers', file]);
    expect(result.status).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `${file}:${lineOf(text, '  outcom:')}:3: "outcom" is not a question of scope (questions: outcome, in-scope, out-of-scope, filter, window-start, window-end, riskiest-assumption)`,
      `${file}:${lineOf(text, 'blockers: none yet')}:13: ownership.blockers takes a list of records (mappings)`,
      `${file}:${lineOf(text, 'evidense:')}:1: "evidense" is not a step (steps: scope, risk, ownership, evidence, build-scope, post-release)`,
    ]);
    expect(existsSync(ledger)).toBe(false);

    // A key with a line break of its own stays on its problem's line: it cannot forge a line of output.
    const forged = sandbox.write(`answers/forged-${n}.yaml`, '"scope\\nplaybook: all answers are fine": x\nrisks: y\n');
    const lines = run(['init', 'healthcare', 'pm', '--answers', forged]).stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(`${forged}:1:1: "scope playbook: all answers are fine" is not a step (steps: scope, risk, ownership, evidence, build-scope, post-release)`);
    expect(lines[1]).toMatch(/:2:1: "risks" is not a step /);
  });

  it('answers that leave a gate failing stop with exit 1 and the reason, and write nothing', () => {
    const doc = parse(template('pm')) as Record<string, Record<string, Record<string, unknown>[]>>;
    delete doc.ownership!.decisions![1]!.due;
    const file = sandbox.write(`answers/no-due-${n}.yaml`, stringify(doc));
    const result = run(['init', 'healthcare', 'pm', '--answers', file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('playbook: the ownership gate does not hold: D-2 has no due date');
    expect(existsSync(ledger)).toBe(false);
  });
});

describe('--dry-run', () => {
  it('shows the cycle and every event the answers would record, and writes nothing', () => {
    const file = sandbox.write(`answers/dry-${n}.yaml`, template('pm'));
    const result = run(['init', 'healthcare', 'pm', '--answers', file, '--dry-run']);
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe(`would start cycle pm-2026-11-23 (Healthcare product manager — onboarding optimization launch cycle) in ${ledger}`);
    expect(lines).toContain('would record: added D-2 "Freeze the onboarding release brief for support, customer success and marketing" (owner Marcus Bell, due 2026-11-27)');
    expect(lines.filter((l) => /^would record: passed the .+ gate$/.test(l))).toHaveLength(6);
    expect(existsSync(ledger)).toBe(false);
  });

  it('leaves an existing ledger byte for byte as it was', () => {
    expect(run(['init', 'healthcare', 'cs', '--no-session']).status).toBe(0);
    const before = ledgerFiles();
    expect(Object.keys(before.shared).filter((f) => f.startsWith('events/'))).toHaveLength(1);
    const file = sandbox.write(`answers/dry-${n}.yaml`, template('pm'));
    expect(run(['init', 'healthcare', 'pm', '--answers', file, '--dry-run']).status).toBe(0);
    expect(ledgerFiles()).toEqual(before);
  });

  it('without answers and without a terminal still exits 2 with the missing ids', () => {
    const result = runFromDevNull(['init', 'healthcare', 'pm', '--dry-run']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('scope.outcome');
    expect(existsSync(ledger)).toBe(false);
  });
});

describe('playbook gate', () => {
  it('exits 1 with the reasons while a gate fails, 0 once it holds, 2 for a step that does not exist', () => {
    expect(run(['init', 'healthcare', 'pm', '--no-session']).status).toBe(0);
    const scope = run(['gate']);
    expect(scope.status).toBe(1);
    expect(scope.stdout).toContain('✘ the scope gate does not hold');
    expect(scope.stdout).toContain('  ✘ no outcome is stated for the cycle');
    expect(scope.stderr).toContain('playbook: the scope gate does not hold: no outcome is stated for the cycle');
    const ownership = run(['gate', 'ownership', '--json']);
    expect(ownership.status).toBe(1);
    expect(JSON.parse(ownership.stdout)).toMatchObject({ step: 'ownership', holds: false, failures: ['no decision has been recorded'] });
    expect(run(['gate', 'post-release']).status).toBe(1);
    const typo = run(['gate', 'scopes']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('"scopes" is not a step');

    const file = sandbox.write(`answers/gate-${n}.yaml`, template('pm'));
    expect(run(['resume', '--answers', file]).status).toBe(0);
    const held = run(['gate']);
    expect(held.status).toBe(0);
    expect(held.stdout).toContain('✔ the post-release gate holds');
    const evidence = run(['gate', 'evidence']);
    expect(evidence.status).toBe(0);
    expect(evidence.stdout).toContain('note: D-3 has no evidence that meets its criteria; it stays open');
  });
});

describe('resume --answers', () => {
  it('a partial file exits 2 naming what is still missing and writes nothing; the rest of the answers then finish the session', () => {
    expect(run(['init', 'healthcare', 'pm', '--no-session']).status).toBe(0);
    const before = ledgerFiles();
    const partial = sandbox.write(`answers/partial-${n}.yaml`, templateWith('scope', 'risk', 'ownership'));
    const missing = runFromDevNull(['resume', '--answers', partial]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`answers are missing: ${requiredIds(pmSteps.slice(3)).join(', ')}`);
    expect(ledgerFiles()).toEqual(before);

    const full = sandbox.write(`answers/full-${n}.yaml`, template('pm'));
    const done = runFromDevNull(['resume', '--answers', full]);
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/All six steps of .+ are done\./);
    const again = runFromDevNull(['resume']);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('the session of pm-2026-11-23 is complete');
  });

  it('a bad answer for a question the ledger still needs exits 2 with its position and leaves the ledger as it was', () => {
    expect(run(['init', 'healthcare', 'pm', '--no-session']).status).toBe(0);
    const before = ledgerFiles();
    const text = template('pm').replace('date: +15d', 'date: "+3x"');
    const file = sandbox.write(`answers/bad-checkpoint-${n}.yaml`, text);
    const line = lineOf(text, 'date: "+3x"');
    const result = runFromDevNull(['resume', '--answers', file]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${file}:${line}:`);
    expect(result.stderr).toContain('post-release.checkpoints: record 3: Date: "+3x" is not a date');
    expect(ledgerFiles()).toEqual(before);
  });
});
