// The catalog: user playbooks override built-in ones, PLAYBOOK_PATH adds directories, names from
// the command line never reach outside the playbook directories, and clashes are reported.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { catalogFiles, loadCatalog, resolvePlaybook } from '../../src/playbook/catalog.js';
import { PlaybookFileError } from '../../src/playbook/load.js';
import { builtinText, edit, playbookAs } from '../helpers/playbooks.js';

let root: string;
let env: NodeJS.ProcessEnv;
let userDir: string;

function write(file: string, text: string): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'playbook-catalog-'));
  env = { HOME: join(root, 'home'), XDG_CONFIG_HOME: join(root, 'config') };
  userDir = join(root, 'config', 'playbook', 'playbooks');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('overrides and extra directories', () => {
  it('a user playbook with the id of a built-in one replaces it and records what it overrides', () => {
    write(join(userDir, 'healthcare', 'product-manager.yaml'), edit(builtinText('healthcare/product-manager'), /^title: .*$/m, 'title: Our own PM playbook'));
    const entry = resolvePlaybook(env, 'healthcare', 'pm');
    expect(entry.playbook.title).toBe('Our own PM playbook');
    expect(entry.source).toBe('user');
    expect(entry.overrides.map((o) => o.source)).toEqual(['built-in']);
    expect(loadCatalog(env).entries.filter((e) => e.playbook.id === 'healthcare/product-manager')).toHaveLength(1);
  });

  it('a PLAYBOOK_PATH directory comes before the user directory', () => {
    const extra = join(root, 'team-playbooks');
    write(join(extra, 'fintech', 'risk-officer.yaml'), playbookAs('fintech', 'risk-officer', { aliases: ['ro'] }));
    write(join(userDir, 'fintech', 'risk-officer.yaml'), playbookAs('fintech', 'risk-officer', { aliases: ['ro'], title: 'Mine' }));
    const entry = resolvePlaybook({ ...env, PLAYBOOK_PATH: extra }, 'fintech', 'ro');
    expect(entry.source).toBe(extra);
    expect(entry.overrides.map((o) => o.source)).toEqual(['user']);
  });

  it('lists the catalog sorted by id, wherever each playbook comes from', () => {
    write(join(userDir, 'healthcare', 'product-manager.yaml'), builtinText('healthcare/product-manager'));
    write(join(userDir, 'aviation', 'pilot.yaml'), playbookAs('aviation', 'pilot'));
    expect(loadCatalog(env).entries.map((e) => e.playbook.id)).toEqual([
      'aviation/pilot',
      'healthcare/customer-success',
      'healthcare/operations',
      'healthcare/product-manager',
    ]);
  });

  it('a broken override is reported when its playbook is asked for, instead of silently showing the built-in', () => {
    write(join(userDir, 'healthcare', 'product-manager.yaml'), edit(builtinText('healthcare/product-manager'), '\nsteps:\n', '\nstpes:\n'));
    const error = thrown(() => resolvePlaybook(env, 'healthcare', 'pm'));
    expect(error).toBeInstanceOf(PlaybookFileError);
    expect(error.message).toMatch(/product-manager\.yaml:\d+:\d+: .*stpes/);
    // the other playbooks are unaffected
    expect(resolvePlaybook(env, 'healthcare', 'cs').playbook.id).toBe('healthcare/customer-success');
  });
});

describe('names from the command line', () => {
  it.each([
    ['healthcare', '../../etc/passwd'],
    ['../..', 'pm'],
    ['healthcare', '%2e%2e'],
    ['healthcare', '..'],
    ['healthcare', 'pm/../../x'],
    ['/etc', 'passwd'],
    ['healthcare', 'PM'],
  ])('refuses industry %j role %j as a usage error before touching the disk', (industry, role) => {
    const error = thrown(() => resolvePlaybook(env, industry, role));
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect(error.message).toMatch(/is not an? (industry|role) name/);
  });

  it('shows a typed name with control characters neutralized in the error', () => {
    expect(thrown(() => resolvePlaybook(env, 'healthcare', '\u001b[2Jx')).message).not.toMatch(/\u001b/);
  });

  it('suggests the nearest role or alias for a near miss', () => {
    const error = thrown(() => resolvePlaybook(env, 'healthcare', 'pmm')) as CliError;
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/did you mean "pm"\?/);
    expect(error.hint).toMatch(/product-manager \(pm\)/);
  });

  it('lists the industries for an unknown industry', () => {
    const error = thrown(() => resolvePlaybook(env, 'fintech', 'pm')) as CliError;
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/no playbooks for industry "fintech"/);
    expect(error.hint).toMatch(/industries: healthcare/);
  });

  it('suggests an alias as readily as a role, and nothing for a name far from every one', () => {
    expect(thrown(() => resolvePlaybook(env, 'healthcare', 'opps')).message).toMatch(/did you mean "ops"\?/);
    expect(thrown(() => resolvePlaybook(env, 'healthcare', 'operation')).message).toMatch(/did you mean "operations"\?/);
    expect(thrown(() => resolvePlaybook(env, 'healthcare', 'zzzzzzzz')).message).not.toMatch(/did you mean/);
  });
});

describe('symlinks', () => {
  it('skips a playbook file that links to a file outside its directory', () => {
    const outside = write(join(root, 'outside', 'secret.yaml'), playbookAs('healthcare', 'secret'));
    mkdirSync(join(userDir, 'healthcare'), { recursive: true });
    symlinkSync(outside, join(userDir, 'healthcare', 'secret.yaml'));
    expect(catalogFiles(env).map((f) => f.file)).not.toContain(join(userDir, 'healthcare', 'secret.yaml'));
    expect(thrown(() => resolvePlaybook(env, 'healthcare', 'secret')).message).toMatch(/no "secret" playbook/);
  });

  it('skips an industry directory that links outside the playbook directory', () => {
    write(join(root, 'elsewhere', 'fintech', 'analyst.yaml'), playbookAs('fintech', 'analyst'));
    mkdirSync(userDir, { recursive: true });
    symlinkSync(join(root, 'elsewhere', 'fintech'), join(userDir, 'fintech'));
    expect(catalogFiles(env).some((f) => f.industry === 'fintech')).toBe(false);
  });

  it('follows a link that stays inside the directory', () => {
    write(join(userDir, 'fintech', 'analyst.yaml'), playbookAs('fintech', 'analyst'));
    symlinkSync(join(userDir, 'fintech', 'analyst.yaml'), join(userDir, 'fintech', 'analyst-link.yaml'));
    expect(catalogFiles(env).map((f) => f.role)).toContain('analyst-link');
  });
});

describe('alias clashes', () => {
  beforeEach(() => {
    write(join(userDir, 'fintech', 'risk-officer.yaml'), playbookAs('fintech', 'risk-officer', { aliases: ['ro'] }));
    write(join(userDir, 'fintech', 'risk-lead.yaml'), playbookAs('fintech', 'risk-lead', { aliases: ['ro'] }));
  });

  it('are reported as catalog problems naming both playbooks', () => {
    const { problems } = loadCatalog(env);
    expect(problems.map((p) => p.message).join('\n')).toMatch(/"ro" names both fintech\/risk-lead and fintech\/risk-officer/);
  });

  it('make the clashing alias ambiguous instead of picking one', () => {
    const error = thrown(() => resolvePlaybook(env, 'fintech', 'ro')) as CliError;
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/alias of fintech\/risk-lead and fintech\/risk-officer/);
    expect(resolvePlaybook(env, 'fintech', 'risk-lead').playbook.id).toBe('fintech/risk-lead');
  });
});
