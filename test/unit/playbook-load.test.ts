import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { loadPlaybookFile, MAX_DEPTH, parsePlaybook, PlaybookFileError } from '../../src/playbook/load.js';
import { hostileCases, oversizedPlaybook } from '../helpers/hostile-playbooks.js';
import { edit, fixtureText } from '../helpers/playbooks.js';

const minimal = fixtureText('minimal.yaml');

function parseError(text: string, file = 'fixture.yaml'): PlaybookFileError {
  try {
    parsePlaybook(text, file);
  } catch (error) {
    if (error instanceof PlaybookFileError) return error;
    throw new Error(`expected a PlaybookFileError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected the playbook to be rejected');
}

describe('parsePlaybook accepts a valid playbook', () => {
  it('returns the playbook with the defaults of optional fields filled in', () => {
    const playbook = parsePlaybook(minimal, 'minimal.yaml');
    expect(playbook.id).toBe('testing/tester');
    expect(playbook.steps.map((s) => s.id)).toEqual(['scope', 'risk', 'ownership', 'evidence', 'build-scope', 'post-release']);
    expect(playbook.cadence).toEqual({ reviewWindowDays: 30, reviewEveryDays: 7, blockerWindowHours: 48 });
    expect(playbook.patterns).toEqual([]);
    expect(playbook.steps[0]!.questions[0]!.required).toBe(true);
  });

  it('accepts the deepest nesting a real playbook has (the criteria list of an example decision)', () => {
    // The deepest place of a playbook: root → steps → step → questions → question → example → record → criteria.
    const criteria = edit(minimal, '{ title: Quarantine flaky tests, owner: Sam, due: +7d }', '{ title: Quarantine flaky tests, owner: Sam, due: +7d, criteria: [Ten green runs] }');
    expect(parsePlaybook(criteria, 'deep-enough.yaml').steps[2]!.questions[0]!.example).toEqual([
      { title: 'Quarantine flaky tests', owner: 'Sam', due: '+7d', criteria: ['Ten green runs'] },
    ]);
  });
});

describe('parsePlaybook rejects broken and hostile YAML at the right line', () => {
  for (const c of hostileCases()) {
    it(`rejects ${c.name} at line ${c.line}`, () => {
      const started = Date.now();
      const error = parseError(c.text);
      expect(Date.now() - started, 'must not take seconds').toBeLessThan(2_000);
      expect(error.problems.length).toBeGreaterThan(0);
      const atLine = error.problems.filter((p) => p.line === c.line);
      expect(atLine.map((p) => p.message).join('\n'), `problems: ${JSON.stringify(error.problems)}`).toMatch(c.message);
      expect(error.message.split('\n')[0]).toMatch(/^fixture\.yaml:\d+:\d+: \S/);
    });
  }

  it(`draws the depth line at ${MAX_DEPTH} collections: the root mapping plus ${MAX_DEPTH - 1} flow sequences pass the depth check`, () => {
    const nested = (depth: number) => `${minimal}notes: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
    // at the limit the file is still rejected, but for its unknown key, not for its depth
    expect(parseError(nested(MAX_DEPTH - 1)).message).toMatch(/unknown key "notes"/);
    expect(parseError(nested(MAX_DEPTH)).message).toMatch(/nested more than \d+ levels deep/);
  });

  it('rejects 5,000 compact nested sequences (- - - ...) with a depth message, not a stack overflow', () => {
    const error = parseError(`a:\n${'- '.repeat(5000)}x\n`);
    expect(error.message).toMatch(/nested more than \d+ levels deep/);
    expect(error.message).not.toMatch(/call stack/i);
  });

  it('rejects 100,000 nested flow mappings quickly', () => {
    const started = Date.now();
    const error = parseError(`a: ${'{a: '.repeat(100_000)}${'}'.repeat(100_000)}\n`);
    expect(error.message).toMatch(/nested more than \d+ levels deep/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('cannot be fooled into undercounting depth by block scalars between the levels', () => {
    // Each level carries a `|` block scalar whose text starts at column 0 of its lines.
    const lines: string[] = ['root:'];
    for (let i = 0; i < 60; i++) lines.push(`${'  '.repeat(i + 1)}text${i}: |`, `${'  '.repeat(i + 2)}words`, `${'  '.repeat(i + 1)}level${i}:`);
    lines.push(`${'  '.repeat(61)}bottom: x`);
    expect(parseError(`${lines.join('\n')}\n`).message).toMatch(/nested more than \d+ levels deep/);
  });

  it('rejects a %YAML 1.1 directive behind a byte order mark too', () => {
    const error = parseError(`\uFEFF%YAML 1.1\n---\n${minimal}`);
    expect(error.problems[0]).toMatchObject({ line: 1, message: expect.stringMatching(/YAML 1\.1/) });
  });

  it('rejects !!set and !!omap, which would turn a field into a Set or a Map', () => {
    expect(parseError(edit(minimal, 'aliases: [qa]', 'aliases: !!set { qa }')).message).toMatch(/tag:yaml\.org,2002:set is not allowed/);
    expect(parseError(edit(minimal, 'aliases: [qa]', 'aliases: !!omap [{ qa: 1 }]')).message).toMatch(/tag:yaml\.org,2002:omap is not allowed/);
  });

  it('leaves Object.prototype unpolluted by a __proto__ key, at the top and nested', () => {
    const top = edit(minimal, 'title: Test playbook\n', '__proto__: { polluted: yes }\ntitle: Test playbook\n');
    const nested = edit(minimal, 'cadence:\n', 'cadence:\n  __proto__: { polluted: yes }\n');
    const quoted = edit(minimal, 'title: Test playbook\n', '"__proto__": { polluted: yes }\ntitle: Test playbook\n');
    for (const text of [top, nested, quoted]) {
      expect(parseError(text).message).toMatch(/__proto__/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    }
  });

  it('neutralizes control characters from the file in its messages', () => {
    const error = parseError(edit(minimal, 'cadence:\n', 'cadence:\n  "\\e]0;owned\\a\\e[2J": 1\n'));
    expect(error.message).toMatch(/unknown key/);
    expect(error.message).not.toMatch(/[\u001b\u0007]/);
  });

  it('reports every schema problem, not only the first', () => {
    const text = edit(edit(minimal, 'direction: down', 'direction: sideways'), 'reviewWindowDays: 30', 'reviewWindowDays: forever');
    const lines = parseError(text).problems.map((p) => p.message);
    expect(lines.some((m) => m.includes('direction'))).toBe(true);
    expect(lines.some((m) => m.includes('reviewWindowDays'))).toBe(true);
  });
});

describe('loadPlaybookFile reads only regular files of bounded size', () => {
  const dir = mkdtempSync(join(tmpdir(), 'playbook-load-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rejects a file over 512 KiB before parsing it, at line 1', () => {
    const file = join(dir, 'huge.yaml');
    writeFileSync(file, oversizedPlaybook());
    expect(() => loadPlaybookFile(file)).toThrow(PlaybookFileError);
    expect(() => loadPlaybookFile(file)).toThrow(/^.*huge\.yaml:1:1: .*512 KiB/);
  });

  it('refuses a directory with a usage error instead of crashing', () => {
    const sub = join(dir, 'a-directory.yaml');
    mkdirSync(sub);
    expect(() => loadPlaybookFile(sub)).toThrow(CliError);
    expect(() => loadPlaybookFile(sub)).toThrow(/not a playbook file/);
  });

  it('refuses a device such as /dev/zero instead of reading forever', () => {
    expect(() => loadPlaybookFile('/dev/zero')).toThrow(/not a playbook file/);
  });

  it('says when the file does not exist', () => {
    expect(() => loadPlaybookFile(join(dir, 'missing.yaml'))).toThrow(/no such playbook file/);
  });
});
