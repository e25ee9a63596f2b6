// Broken and hostile playbook files through the built CLI: exit 2, `FILE:LINE:COL: message` on
// stderr at the right line, nothing on stdout, no stack trace, no hang.
import { mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createSandbox, hasStackTrace, type CliResult } from '../helpers/cli.js';
import { hostileCases, oversizedPlaybook } from '../helpers/hostile-playbooks.js';
import { builtinText, edit, lineOf, positionLines } from '../helpers/playbooks.js';

const sandbox = createSandbox('playbook-strict-');
afterAll(() => sandbox.cleanup());

function expectRejected(result: CliResult, file: string, line: number, message: RegExp): void {
  expect(result.signal, 'the CLI must finish on its own, not be killed by the timeout').toBeNull();
  expect(result.status).toBe(2);
  expect(result.stdout).toBe('');
  expect(hasStackTrace(result.stderr), result.stderr).toBe(false);
  expect(result.stderr.split('\n')[0]).toMatch(/^.+:\d+:\d+: \S/);
  const positions = positionLines(result.stderr, file);
  expect(positions.length, result.stderr).toBeGreaterThan(0);
  expect(positions.filter((p) => p.line === line).map((p) => p.message).join('\n'), result.stderr).toMatch(message);
}

describe.concurrent('playbook validate FILE rejects', () => {
  hostileCases().forEach((c, i) => {
    it(`${c.name}, reported at line ${c.line}`, async () => {
      const file = sandbox.write(`hostile/case-${i}.yaml`, c.text);
      expectRejected(await sandbox.runAsync(['validate', file]), file, c.line, c.message);
    });
  });

  it('a file over 512 KiB, at line 1, without reading all of it into the parser', async () => {
    const file = sandbox.write('hostile/huge.yaml', oversizedPlaybook());
    expectRejected(await sandbox.runAsync(['validate', file]), file, 1, /512 KiB/);
  });

  it('a directory given as a playbook, with a usage error instead of a crash', async () => {
    const dir = sandbox.path('a-directory.yaml');
    mkdirSync(dir);
    const result = await sandbox.runAsync(['validate', dir]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/not a playbook file/);
    expect(hasStackTrace(result.stderr)).toBe(false);
  });

  // Nothing ever writes to these pipes: a CLI that opened one the usual way would wait forever.
  function namedPipe(path: string): string {
    const made = spawnSync('mkfifo', ['-m', '600', path], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    return path;
  }

  it('a named pipe given as a playbook, with a usage error instead of waiting for a writer', async () => {
    const pipe = namedPipe(sandbox.path('a-pipe.yaml'));
    const result = await sandbox.runAsync(['validate', pipe], { timeout: 20_000 });
    expect(result.signal, 'the CLI must finish on its own, not be killed by the timeout').toBeNull();
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`${pipe}: not a playbook file (a playbook is a regular YAML file)\nplaybook: 1 of 1 playbook invalid\n`);
  });

  it('a named pipe among the user\'s playbooks: `list` warns and lists the others, `show` names it', async () => {
    const config = sandbox.path('pipe-config');
    mkdirSync(sandbox.path('pipe-config', 'playbook', 'playbooks', 'retail'), { recursive: true });
    const pipe = namedPipe(sandbox.path('pipe-config', 'playbook', 'playbooks', 'retail', 'pm.yaml'));
    const env = { XDG_CONFIG_HOME: config };
    const list = await sandbox.runAsync(['list'], { env, timeout: 20_000 });
    expect(list.signal).toBeNull();
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/healthcare .* product-manager/);
    expect(list.stderr).toBe(`warning: ${pipe}: not a playbook file (a playbook is a regular YAML file)\n`);
    const show = await sandbox.runAsync(['show', 'retail', 'pm'], { env, timeout: 20_000 });
    expect(show.signal).toBeNull();
    expect(show.status).toBe(2);
    expect(show.stderr).toBe(`${pipe}: not a playbook file (a playbook is a regular YAML file)\n`);
  });

  it('reports each bad file and still says ok for the good ones', async () => {
    const good = sandbox.write('mixed/good.yaml', builtinText('healthcare/operations'));
    const bad = sandbox.write('mixed/bad.yaml', edit(builtinText('healthcare/operations'), '\nsteps:\n', '\nstpes:\n'));
    const result = await sandbox.runAsync(['validate', good, bad]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe(`ok  ${good}\n`);
    expect(result.stderr).toContain(`${bad}:`);
    expect(result.stderr).toMatch(/1 of 2 playbooks invalid/);
  });
});

describe('a broken playbook in the user directory', () => {
  it('makes `show` fail with its FILE:LINE:COL error instead of falling back to the built-in', async () => {
    const text = edit(builtinText('healthcare/product-manager'), 'reviewWindowDays: 30\n', 'reviewWindowDays: forever\n');
    const file = sandbox.write('config/playbook/playbooks/healthcare/product-manager.yaml', text);
    expectRejected(await sandbox.runAsync(['show', 'healthcare', 'pm']), file, lineOf(text, 'reviewWindowDays: forever'), /reviewWindowDays/);
  });
});
