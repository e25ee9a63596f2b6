// The catalog through the built CLI: overrides, PLAYBOOK_PATH, names that try to leave the
// playbook directories, unknown names, and alias clashes.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, hasStackTrace } from '../helpers/cli.js';
import { builtinText, edit, playbookAs } from '../helpers/playbooks.js';

const sandbox = createSandbox('playbook-catalog-');
afterAll(() => sandbox.cleanup());

/** An XDG_CONFIG_HOME of its own for one test, so the tests' user playbooks do not meet. */
function configHome(name: string): { env: Record<string, string>; userPlaybooks: string } {
  const dir = sandbox.path('configs', name);
  return { env: { XDG_CONFIG_HOME: dir }, userPlaybooks: join(dir, 'playbook', 'playbooks') };
}

describe.concurrent('a user playbook with the id of a built-in one', () => {
  const { env, userPlaybooks } = configHome('override');
  const file = join(userPlaybooks, 'healthcare', 'product-manager.yaml');
  beforeAll(() => {
    sandbox.write(join('configs', 'override', 'playbook', 'playbooks', 'healthcare', 'product-manager.yaml'), edit(builtinText('healthcare/product-manager'), /^title: .*$/m, 'title: Our clinic PM playbook'));
  });

  it('is the one `show` uses', async () => {
    const result = await sandbox.runAsync(['show', 'healthcare', 'pm'], { env });
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('Our clinic PM playbook');
  });

  it('is listed once, saying it overrides the built-in one', async () => {
    const result = await sandbox.runAsync(['list'], { env });
    expect(result.status).toBe(0);
    const rows = result.stdout.split('\n').filter((l) => l.includes('product-manager'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('Our clinic PM playbook');
    expect(rows[0]).toMatch(/user \(overrides built-in\)/);
  });

  it('shows in `list --json` with its source and the file it overrides', async () => {
    const result = await sandbox.runAsync(['list', '--json'], { env });
    const pm = JSON.parse(result.stdout).playbooks.filter((p: { id: string }) => p.id === 'healthcare/product-manager');
    expect(pm).toHaveLength(1);
    expect(pm[0]).toMatchObject({ title: 'Our clinic PM playbook', source: 'user', file });
    expect(pm[0].overrides).toEqual([{ source: 'built-in', file: expect.stringMatching(/playbooks\/healthcare\/product-manager\.yaml$/) }]);
  });
});

describe.concurrent('PLAYBOOK_PATH', () => {
  it('adds its directories to the catalog', async () => {
    const team = sandbox.path('team-playbooks');
    sandbox.write('team-playbooks/fintech/risk-officer.yaml', playbookAs('fintech', 'risk-officer', { aliases: ['ro'], title: 'Team risk playbook' }));
    const env = { PLAYBOOK_PATH: team };
    const [json, table, show] = await Promise.all([
      sandbox.runAsync(['list', '--json'], { env }),
      sandbox.runAsync(['list'], { env }),
      sandbox.runAsync(['show', 'fintech', 'ro'], { env }),
    ]);
    expect(json.status).toBe(0);
    const entry = JSON.parse(json.stdout).playbooks.find((p: { id: string }) => p.id === 'fintech/risk-officer');
    expect(entry).toMatchObject({ source: team, title: 'Team risk playbook', aliases: ['ro'] });
    expect(table.stdout).toMatch(/fintech\s+│ risk-officer/);
    expect(show.stdout.split('\n')[0]).toBe('Team risk playbook');
  });
});

describe.concurrent('names that try to leave the playbook directories', () => {
  it.each([
    ['healthcare', '../../etc/passwd'],
    ['../..', 'pm'],
    ['healthcare', '%2e%2e'],
  ])('show %s %s is refused with exit 2 and leaks nothing', async (industry, role) => {
    const result = await sandbox.runAsync(['show', industry, role]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/is not an? (industry|role) name/);
    expect(result.stderr).not.toMatch(/root:|daemon:/);
    expect(hasStackTrace(result.stderr)).toBe(false);
  });

  it('a symlink to a YAML file outside the user directory is neither listed nor shown', async () => {
    const { env, userPlaybooks } = configHome('symlink');
    const outside = sandbox.write('outside/secret.yaml', playbookAs('healthcare', 'secret', { aliases: ['sec'], title: 'TOP SECRET CONTENT' }));
    mkdirSync(join(userPlaybooks, 'healthcare'), { recursive: true });
    symlinkSync(outside, join(userPlaybooks, 'healthcare', 'secret.yaml'));

    const [list, show, validate] = await Promise.all([
      sandbox.runAsync(['list', '--json'], { env }),
      sandbox.runAsync(['show', 'healthcare', 'secret'], { env }),
      sandbox.runAsync(['validate'], { env }),
    ]);
    expect(list.status).toBe(0);
    expect(list.stdout).not.toContain('secret');
    expect(show.status).toBe(2);
    expect(show.stdout).toBe('');
    expect(show.stderr).not.toContain('TOP SECRET');
    expect(validate.status).toBe(0);
    expect(validate.stdout + validate.stderr).not.toContain('secret');
  });
});

describe.concurrent('unknown names', () => {
  it('an unknown role exits 2 and suggests the near miss (pmm → pm)', async () => {
    const result = await sandbox.runAsync(['show', 'healthcare', 'pmm']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/did you mean "pm"\?/);
  });

  it('an unknown industry exits 2 and lists the industries', async () => {
    const result = await sandbox.runAsync(['show', 'fintech', 'pm']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/no playbooks for industry "fintech"/);
    expect(result.stderr).toMatch(/industries: healthcare/);
  });
});

describe.concurrent('an alias used by two user playbooks', () => {
  const { env } = configHome('clash');
  beforeAll(() => {
    sandbox.write('configs/clash/playbook/playbooks/fintech/risk-officer.yaml', playbookAs('fintech', 'risk-officer', { aliases: ['ro'] }));
    sandbox.write('configs/clash/playbook/playbooks/fintech/risk-lead.yaml', playbookAs('fintech', 'risk-lead', { aliases: ['ro'] }));
  });

  it('is reported by `validate` with exit 2', async () => {
    const result = await sandbox.runAsync(['validate'], { env });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/"ro" names both fintech\/risk-lead and fintech\/risk-officer/);
    expect(hasStackTrace(result.stderr)).toBe(false);
  });

  it('is a warning in `list`, which still lists both', async () => {
    const result = await sandbox.runAsync(['list'], { env });
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/warning: .*"ro" names both/);
    expect(result.stdout).toContain('risk-lead');
    expect(result.stdout).toContain('risk-officer');
  });
});
