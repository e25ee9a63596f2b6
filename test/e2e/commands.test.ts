// The catalog commands through the built CLI: list, show, validate, schema, new.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, REPO_ROOT, type CliResult } from '../helpers/cli.js';
import { builtinText, rawYaml } from '../helpers/playbooks.js';

const sandbox = createSandbox('playbook-commands-');
afterAll(() => sandbox.cleanup());

const pm = rawYaml(builtinText('healthcare/product-manager'));

describe.concurrent('playbook list', () => {
  it('prints a table of the built-in playbooks with their aliases and source', async () => {
    const result = await sandbox.runAsync(['list']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const rows = result.stdout.split('\n');
    expect(rows[1]).toMatch(/industry\s+│ role\s+│ aliases\s+│ title\s+│ from/);
    for (const [role, aliases] of [['customer-success', 'cs'], ['operations', 'ops, exec'], ['product-manager', 'pm']]) {
      expect(rows.some((r) => new RegExp(`│ healthcare\\s+│ ${role}\\s+│ ${aliases}\\s+│ .+│ built-in\\s+│`).test(r)), role).toBe(true);
    }
  });

  it('--json prints a versioned list with id, industry, role, aliases, title and source', async () => {
    const result = await sandbox.runAsync(['list', '--json']);
    expect(result.status).toBe(0);
    const data = JSON.parse(result.stdout);
    expect(data.version).toBe(1);
    expect(data.playbooks.map((p: { id: string }) => p.id)).toEqual(['healthcare/customer-success', 'healthcare/operations', 'healthcare/product-manager']);
    expect(data.playbooks[2]).toMatchObject({ id: 'healthcare/product-manager', industry: 'healthcare', role: 'product-manager', aliases: ['pm'], title: pm.title, source: 'built-in', overrides: [] });
  });
});

describe.concurrent('playbook show', () => {
  let text: CliResult;
  beforeAll(async () => {
    text = await sandbox.runAsync(['show', 'healthcare', 'pm']);
  });

  it('shows the title, all six step titles with their questions, and the gates', async () => {
    expect(text.status).toBe(0);
    expect(text.stderr).toBe('');
    expect(text.stdout.split('\n')[0]).toBe(pm.title);
    pm.steps.forEach((step: { id: string; title: string; gate: string; questions: { prompt: string }[] }, i: number) => {
      expect(text.stdout).toContain(`${i + 1}. ${step.title} (${step.id})`);
      expect(text.stdout).toContain(`gate: ${step.gate}`);
      for (const q of step.questions) expect(text.stdout).toContain(q.prompt);
    });
  });

  it('shows the 16-item checklist, the metrics with target signals, and the risks with mitigations', async () => {
    expect(text.stdout).toContain('Implementation checklist (16)');
    for (const item of pm.checklist) expect(text.stdout).toContain(`[${item.id}]`);
    expect(text.stdout).toContain('Success metrics (6)');
    for (const m of pm.metrics) expect(text.stdout).toContain(`target signal: ${m.targetSignal}`);
    expect(text.stdout).toContain('Risks (6)');
    for (const r of pm.risks) {
      expect(text.stdout).toContain(r.risk);
      expect(text.stdout).toContain(`mitigation: ${r.mitigation}`);
    }
  });

  it('--json prints the whole playbook, versioned, with where it came from', async () => {
    const result = await sandbox.runAsync(['show', 'healthcare', 'ops', '--json']);
    expect(result.status).toBe(0);
    const data = JSON.parse(result.stdout);
    expect(data.version).toBe(1);
    expect(data.source).toBe('built-in');
    expect(data.playbook.id).toBe('healthcare/operations');
    expect(data.playbook.steps).toHaveLength(6);
    expect(data.playbook.clarityGaps).toHaveLength(4);
  });

  it('--format markdown renders headings for the title, the sections and each step', async () => {
    const result = await sandbox.runAsync(['show', 'healthcare', 'cs', '--format', 'markdown']);
    expect(result.status).toBe(0);
    const cs = rawYaml(builtinText('healthcare/customer-success'));
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`# ${cs.title}`);
    for (const heading of ['## The six steps', '## Implementation checklist (16)', '## Success metrics (6)', '## Customer segments', '## Customer journey', '## Compliance checks']) {
      expect(lines).toContain(heading);
    }
    expect(lines.filter((l) => /^### \d\. /.test(l))).toHaveLength(6);
  });
});

describe.concurrent('playbook validate', () => {
  it('with no file validates the catalog: exit 0, one ok line per playbook', async () => {
    const result = await sandbox.runAsync(['validate']);
    expect(result.status).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toEqual(
      ['customer-success', 'operations', 'product-manager'].map((r) => `ok  ${join(REPO_ROOT, 'playbooks', 'healthcare', `${r}.yaml`)}`),
    );
  });

  it('--json reports a bad file as invalid, with exit 2', async () => {
    const file = sandbox.write('bad.yaml', 'formatVersion: 1\nstpes: []\n');
    const result = await sandbox.runAsync(['validate', '--json', file]);
    expect(result.status).toBe(2);
    const data = JSON.parse(result.stdout);
    expect(data).toMatchObject({ version: 1, valid: false, files: [{ file, ok: false }] });
    expect(data.files[0].problems.join('\n')).toMatch(/unknown key "stpes"/);
  });
});

describe.concurrent('playbook schema', () => {
  it('prints the draft-07 JSON Schema that is checked in as schema/playbook.schema.json', async () => {
    const result = await sandbox.runAsync(['schema']);
    expect(result.status).toBe(0);
    const schema = JSON.parse(result.stdout);
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const checkedIn = readFileSync(join(REPO_ROOT, 'schema', 'playbook.schema.json'), 'utf8');
    expect(result.stdout === checkedIn, 'schema/playbook.schema.json is stale: run `npm run schema:write` and commit it').toBe(true);
  });
});

describe.sequential('playbook new', () => {
  const template = readFileSync(join(REPO_ROOT, 'templates', 'playbook.yaml'), 'utf8');
  // A config directory of its own, so the new playbook does not join the other tests' catalog.
  const env = { XDG_CONFIG_HOME: sandbox.path('new-config') };
  const target = sandbox.path('new-config', 'playbook', 'playbooks', 'fintech', 'risk-officer.yaml');
  let created: CliResult;
  beforeAll(async () => {
    created = await sandbox.runAsync(['new', 'fintech', 'risk-officer'], { env });
  });

  it('writes a playbook into $XDG_CONFIG_HOME/playbook/playbooks/fintech/risk-officer.yaml and prints its path', async () => {
    expect(created.status).toBe(0);
    expect(created.stdout).toBe(`${target}\n`);
    const written = rawYaml(readFileSync(target, 'utf8'));
    expect(written).toMatchObject({ id: 'fintech/risk-officer', industry: 'fintech', role: 'risk-officer' });
  });

  it("keeps the template's comments and layout, changing only the names", async () => {
    const written = readFileSync(target, 'utf8').split('\n');
    const original = template.split('\n');
    expect(written).toHaveLength(original.length);
    const changed = written.flatMap((line, i) => (line === original[i] ? [] : [line]));
    expect(changed).toEqual([
      expect.stringMatching(/^id: fintech\/risk-officer +# must be/),
      'industry: fintech',
      'role: risk-officer',
      'title: Fintech playbook for risk officer',
    ]);
    expect(written.filter((l) => l.trimStart().startsWith('#')).length).toBeGreaterThan(5);
  });

  it("writes a playbook that validates and is listed as the user's", async () => {
    const [validate, list] = await Promise.all([sandbox.runAsync(['validate', target]), sandbox.runAsync(['list', '--json'], { env })]);
    expect(validate.status).toBe(0);
    expect(JSON.parse(list.stdout).playbooks.find((p: { id: string }) => p.id === 'fintech/risk-officer')).toMatchObject({ source: 'user', file: target });
  });

  it('refuses to overwrite an existing playbook and leaves it unchanged', async () => {
    const before = readFileSync(target, 'utf8') + '# my edit\n';
    sandbox.write(join('new-config', 'playbook', 'playbooks', 'fintech', 'risk-officer.yaml'), before);
    const again = await sandbox.runAsync(['new', 'fintech', 'risk-officer'], { env });
    expect(again.status).not.toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/already exists/);
    expect(readFileSync(target, 'utf8')).toBe(before);
  });

  it('--dir writes into another playbook directory, relative to the current one', async () => {
    const result = await sandbox.runAsync(['new', 'aviation', 'pilot', '--dir', 'team'], { cwd: sandbox.root });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${sandbox.path('team', 'aviation', 'pilot.yaml')}\n`);
    expect(result.stderr).toMatch(/not one of your playbook directories; add it to PLAYBOOK_PATH/);
    expect((await sandbox.runAsync(['validate', sandbox.path('team', 'aviation', 'pilot.yaml')])).status).toBe(0);
  });

  it('says so when the new playbook takes the place of a built-in one', async () => {
    const result = await sandbox.runAsync(['new', 'healthcare', 'product-manager'], { env: { XDG_CONFIG_HOME: sandbox.path('shadow-config') } });
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/takes the place of the built-in healthcare\/product-manager/);
  });

  it.each([['Fintech', 'x'], ['fintech', '../x'], ['fintech', 'risk officer'], ['', 'x'], ['fintech', 'a'.repeat(41)]])('rejects the names %j %j with exit 2 and writes nothing', async (industry, role) => {
    const result = await sandbox.runAsync(['new', industry, role, '--dir', sandbox.path('rejected')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/is not a valid (industry|role) name/);
    expect(() => readFileSync(sandbox.path('rejected'))).toThrow();
  });
});
