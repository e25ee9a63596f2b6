// The three healthcare playbooks carry what PRODUCT.md promises, loaded through the same strict
// loader the CLI uses.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolvePlaybook } from '../../src/playbook/catalog.js';
import { loadPlaybookFile } from '../../src/playbook/load.js';
import { STEP_IDS, type LedgerTarget, type Playbook, type StepId } from '../../src/playbook/schema.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { shippedPlaybookFiles } from '../helpers/playbooks.js';

const files = shippedPlaybookFiles();
const playbooks: Record<string, Playbook> = Object.fromEntries(Object.entries(files).map(([id, file]) => [id, loadPlaybookFile(file)]));

/** The ledger targets each step's questions must fill, from PRODUCT.md's table of the six steps. */
const STEP_TARGETS: Record<StepId, LedgerTarget[]> = {
  scope: ['cycle.outcome', 'cycle.in-scope', 'cycle.out-of-scope', 'cycle.filter', 'cycle.window-start', 'cycle.window-end'],
  risk: ['risks'],
  ownership: ['decisions'],
  evidence: ['evidence'],
  'build-scope': ['build-scope'],
  'post-release': ['checkpoints', 'metrics', 'cycle.post-launch-owner'],
};

type ExampleRecord = Record<string, unknown>;

/** The example records of every question of a playbook that writes into `target`. */
function examples(playbook: Playbook, target: LedgerTarget): ExampleRecord[] {
  return playbook.steps.flatMap((s) => s.questions.filter((q) => q.into === target).flatMap((q) => q.example as ExampleRecord[]));
}

it('ships exactly the three healthcare playbooks PRODUCT.md lists', () => {
  expect(Object.keys(files).sort()).toEqual(['healthcare/customer-success', 'healthcare/operations', 'healthcare/product-manager']);
});

describe.each(Object.keys(files))('%s', (id) => {
  const playbook = playbooks[id]!;
  const text = readFileSync(files[id]!, 'utf8');

  it('validates, and its id is its place in the playbook directory', () => {
    expect(playbook.id).toBe(id);
    expect(`${playbook.industry}/${playbook.role}`).toBe(id);
  });

  it('begins with the yaml-language-server $schema line, so editors check it', () => {
    expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=\S+playbook\.schema\.json$/);
  });

  it('has the six steps in order: scope, risk, ownership, evidence, build-scope, post-release', () => {
    expect(playbook.steps.map((s) => s.id)).toEqual([...STEP_IDS]);
    for (const step of playbook.steps) {
      expect(step.title.length).toBeGreaterThan(0);
      expect(step.gate.length).toBeGreaterThan(0);
    }
  });

  it('has a 16-item implementation checklist with distinct ids', () => {
    expect(playbook.checklist).toHaveLength(16);
    expect(new Set(playbook.checklist.map((c) => c.id)).size).toBe(16);
  });

  it('has 6 success metrics, each saying what it indicates and its target signal', () => {
    expect(playbook.metrics).toHaveLength(6);
    for (const m of playbook.metrics) {
      expect(m.indicates.trim(), m.id).not.toBe('');
      expect(m.targetSignal.trim(), m.id).not.toBe('');
    }
  });

  it('has 6 risks, each with a mitigation', () => {
    expect(playbook.risks).toHaveLength(6);
    for (const r of playbook.risks) expect(r.mitigation.trim(), r.id).not.toBe('');
  });

  it('has at least one reference pattern', () => {
    expect(playbook.patterns.length).toBeGreaterThanOrEqual(1);
  });

  it.each(STEP_IDS)('step %s asks the questions that fill its ledger targets', (stepId) => {
    const step = playbook.steps.find((s) => s.id === stepId)!;
    const targets = new Set(step.questions.map((q) => q.into));
    for (const target of STEP_TARGETS[stepId]) expect([...targets], `${stepId} fills ${target}`).toContain(target);
  });

  it('gives every question an example answer', () => {
    for (const step of playbook.steps) {
      for (const q of step.questions) {
        const example = q.example;
        const empty = example === '' || (Array.isArray(example) && example.length === 0);
        expect(empty, `${step.id}.${q.id} has an example`).toBe(false);
      }
    }
  });

  it("refers only to its own metric ids in example records", () => {
    const metricIds = playbook.metrics.map((m) => m.id);
    const referenced = [...examples(playbook, 'metrics'), ...examples(playbook, 'build-scope')].map((r) => r.metric);
    expect(referenced.length).toBeGreaterThan(0);
    for (const metric of referenced) expect(metricIds, `metric "${String(metric)}"`).toContain(metric);
  });

  it('refers only to example decisions that exist (D-n with n <= the number of example decisions)', () => {
    const decisions = examples(playbook, 'decisions').length;
    expect(decisions).toBeGreaterThan(0);
    const references = [...examples(playbook, 'evidence'), ...examples(playbook, 'build-scope'), ...examples(playbook, 'blockers')]
      .map((r) => r.decision)
      .filter((d) => d !== undefined);
    expect(references.length).toBeGreaterThan(0);
    for (const ref of references) {
      const match = /^D-(\d+)$/.exec(String(ref));
      expect(match, `"${String(ref)}" is a decision id`).not.toBeNull();
      expect(Number(match![1]), `${String(ref)} of ${decisions} example decisions`).toBeGreaterThanOrEqual(1);
      expect(Number(match![1]), `${String(ref)} of ${decisions} example decisions`).toBeLessThanOrEqual(decisions);
    }
  });
});

describe('healthcare/customer-success', () => {
  const cs = playbooks['healthcare/customer-success']!;

  it('has three customer segments, each with metric targets', () => {
    expect(cs.segments).toHaveLength(3);
    for (const s of cs.segments!) expect(s.targets.length, s.name).toBeGreaterThanOrEqual(1);
  });

  it('has the three journey phases 0-30, 30-90 and 90-180 days, each with success criteria', () => {
    expect(cs.journey!.map((p) => p.days)).toEqual(['0-30', '30-90', '90-180']);
    for (const p of cs.journey!) expect(p.successCriteria.length, p.name).toBeGreaterThanOrEqual(1);
  });

  it('has compliance checks, HIPAA among them', () => {
    expect(cs.compliance!.length).toBeGreaterThanOrEqual(1);
    expect(cs.compliance!.some((c) => /HIPAA/.test(`${c.name} ${c.check}`))).toBe(true);
  });
});

describe('healthcare/operations', () => {
  const ops = playbooks['healthcare/operations']!;

  it('names the four clarity gaps: outcome, decision, workflow, capacity', () => {
    expect(ops.clarityGaps!.map((g) => g.name.toLowerCase())).toEqual(['outcome clarity', 'decision clarity', 'workflow clarity', 'capacity clarity']);
  });

  it('states outcomes as operational promises: metric, timeframe and constraint', () => {
    expect(ops.promises!.length).toBeGreaterThanOrEqual(1);
    for (const p of ops.promises!) {
      for (const field of [p.metric, p.timeframe, p.constraint]) expect(field.trim()).not.toBe('');
    }
  });

  it('maps interfaces with input, output, owner, SLA and escalation', () => {
    expect(ops.interfaces!.length).toBeGreaterThanOrEqual(1);
    for (const i of ops.interfaces!) {
      for (const field of [i.input, i.output, i.owner, i.sla, i.escalation]) expect(field.trim(), i.handoff).not.toBe('');
    }
  });

  it('has between 3 and 7 decision triggers, each a threshold and an action', () => {
    expect(ops.triggers!.length).toBeGreaterThanOrEqual(3);
    expect(ops.triggers!.length).toBeLessThanOrEqual(7);
    for (const t of ops.triggers!) expect(t.threshold && t.action).toBeTruthy();
  });

  it('allocates capacity by role and defines done for an integration', () => {
    expect(ops.capacity!.length).toBeGreaterThanOrEqual(1);
    expect(ops.definitionOfDone!.length).toBeGreaterThanOrEqual(1);
  });

  it('plans a 30-day sprint whose phases cover days 1 to 30 without gaps', () => {
    const ranges = ops.sprint!.map((p) => p.days.split('-').map(Number) as [number, number]);
    expect(ranges[0]![0]).toBe(1);
    expect(ranges[ranges.length - 1]![1]).toBe(30);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0], `phase ${i + 1} starts the day after phase ${i} ends`).toBe(ranges[i - 1]![1] + 1);
  });
});

describe('aliases', () => {
  // An empty HOME: only the built-in playbooks are in the catalog.
  const home = mkdtempSync(join(tmpdir(), 'playbook-aliases-'));
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, 'config') };
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it.each([
    ['pm', 'healthcare/product-manager'],
    ['cs', 'healthcare/customer-success'],
    ['ops', 'healthcare/operations'],
    ['exec', 'healthcare/operations'],
  ])('healthcare %s resolves to %s', (alias, id) => {
    const entry = resolvePlaybook(env, 'healthcare', alias);
    expect(entry.playbook.id).toBe(id);
    expect(entry.source).toBe('built-in');
    expect(entry.file).toBe(join(REPO_ROOT, 'playbooks', `${id}.yaml`));
  });
});

describe('the template `playbook new` copies', () => {
  it('begins with the yaml-language-server $schema line too', () => {
    expect(readFileSync(join(REPO_ROOT, 'templates', 'playbook.yaml'), 'utf8').split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=\S+playbook\.schema\.json$/);
  });
});
