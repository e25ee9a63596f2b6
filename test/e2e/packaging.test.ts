// What `npm pack` ships, and the package.json fields installing and running it depend on.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));

describe('npm pack', () => {
  let files: string[];
  beforeAll(() => {
    // --ignore-scripts: `prepare` would rebuild dist/ while other test files are running the CLI.
    const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    files = JSON.parse(output)[0].files.map((f: { path: string }) => f.path);
  });

  it('ships the CLI, its build, the playbooks, the template and the schema', () => {
    expect(files).toContain('bin/playbook.cjs');
    expect(files).toContain('dist/entry.txt');
    const [entry, build] = readFileSync(join(REPO_ROOT, 'dist', 'entry.txt'), 'utf8').split('\n');
    expect(build).toMatch(/^[0-9a-f]{16}$/);
    expect(entry).toMatch(/^cli-[A-Z0-9]+\.cjs$/);
    expect(files).toContain(`dist/${entry}`);
    expect(files).toContain('package.json');
    expect(files).toContain('schema/playbook.schema.json');
    expect(files).toContain('templates/playbook.yaml');
    for (const role of ['product-manager', 'customer-success', 'operations']) expect(files).toContain(`playbooks/healthcare/${role}.yaml`);
  });

  it('ships README.md when the repository has one', () => {
    if (existsSync(join(REPO_ROOT, 'README.md'))) expect(files).toContain('README.md');
    else expect(files).not.toContain('README.md');
  });

  it('ships nothing from src/, test/ or node_modules/, and nothing outside the listed directories', () => {
    const allowed = /^(bin|dist|playbooks|templates|schema)\/|^(README\.md|package\.json|LICENSE)$/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    expect(files.some((f) => /^(src|test|node_modules)\//.test(f))).toBe(false);
  });
});

describe('package.json', () => {
  it('is a scoped ESM package whose playbook binary is the CommonJS loader of dist/', () => {
    expect(pkg.name).toMatch(/^@[a-z0-9-]+\/[a-z0-9-]+$/);
    expect(pkg.type).toBe('module');
    expect(pkg.bin).toEqual({ playbook: 'bin/playbook.cjs' });
    expect(readFileSync(join(REPO_ROOT, 'bin', 'playbook.cjs'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it('requires Node 20.19 or newer', () => {
    expect(pkg.engines.node).toBe('>=20.19');
  });

  it('builds on install from a clone through the prepare script', () => {
    expect(pkg.scripts.prepare).toMatch(/scripts\/build\.mjs/);
  });
});
