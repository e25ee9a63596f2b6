// QUALITY.md, "Hostile or broken input", playbook YAML: every hostile case of the list, and thousands
// of generated documents (random YAML-ish text, and valid playbooks with keys misspelt or deleted,
// values of the wrong type, deep nesting, aliases, tags, `__proto__`, huge strings), end as a valid
// playbook or as `FILE:LINE:COL: message`: never another exception, never a hang, never a polluted
// prototype. A sample of them goes through `playbook validate` too.
import { assertNoPoisoning } from '../helpers/poisoning.js';
import * as fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { MAX_PLAYBOOK_BYTES, parsePlaybook, PlaybookFileError } from '../../src/playbook/load.js';
import { createSandbox, hasStackTrace } from '../helpers/cli.js';
import { hostileCases, oversizedPlaybook } from '../helpers/hostile-playbooks.js';
import { builtinText, fixtureText } from '../helpers/playbooks.js';
import { recordFigures, TERMINAL_CONTROLS } from '../helpers/reliability.js';

/** How many documents each generator makes; the CLI sample is drawn from the same generators. */
const RUNS = { mutated: 1200, textEdits: 800, soup: 1500, cli: 150 } as const;
/** A hang guard, not a speed test: the slowest case so far takes a few milliseconds. */
const HANG_MS = 5_000;
const FILE = 'generated.yaml';

// The small fixture most of the time (it parses in a few milliseconds), each shipped playbook now and then.
const BASES = [...Array<string>(9).fill(fixtureText('minimal.yaml')), builtinText('healthcare/product-manager'), builtinText('healthcare/operations'), builtinText('healthcare/customer-success')];
const PARSED_BASES = BASES.map((text) => parse(text) as unknown);

const figures = { generated: 0, accepted: 0, rejected: 0, slowestMs: 0, cliFiles: 0, cliRuns: 0, hostileCases: 0 };

type Verdict = { ok: true } | { ok: false; problems: { line: number; col: number; message: string }[] };

/** Parses one document and checks everything the guarantee says about the outcome. */
function judge(text: string): Verdict {
  const started = performance.now();
  let verdict: Verdict;
  try {
    parsePlaybook(text, FILE);
    verdict = { ok: true };
  } catch (error) {
    if (!(error instanceof PlaybookFileError)) {
      throw new Error(`parsePlaybook threw ${error instanceof Error ? error.stack : String(error)} for:\n${JSON.stringify(text.slice(0, 2000))}`, { cause: error });
    }
    expect(error.problems.length).toBeGreaterThan(0);
    const lines = text.split('\n').length;
    for (const p of error.problems) {
      expect(Number.isInteger(p.line) && p.line >= 1 && p.line <= lines + 1, `line ${p.line} of ${lines}`).toBe(true);
      expect(Number.isInteger(p.col) && p.col >= 1, `col ${p.col}`).toBe(true);
    }
    for (const line of error.message.split('\n')) {
      expect(line).toMatch(/^generated\.yaml:\d+:\d+: \S/);
      expect(TERMINAL_CONTROLS.test(line), JSON.stringify(line)).toBe(false);
    }
    expect(hasStackTrace(error.message)).toBe(false);
    verdict = { ok: false, problems: error.problems };
  }
  const ms = performance.now() - started;
  figures.generated += 1;
  figures[verdict.ok ? 'accepted' : 'rejected'] += 1;
  figures.slowestMs = Math.max(figures.slowestMs, Math.round(ms));
  expect(ms, 'a hang guard').toBeLessThan(HANG_MS);
  expect(({} as Record<string, unknown>).polluted, 'Object.prototype was polluted').toBeUndefined();
  return verdict;
}

// ---------------------------------------------------------------------------------------------------------
// Generators

/** Every path to a value in a parsed document: object keys and array indexes. */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

function parentOf(root: unknown, path: (string | number)[]): { parent: any; key: string | number } | undefined {
  if (path.length === 0) return undefined;
  let node: any = root;
  for (const segment of path.slice(0, -1)) node = node[segment];
  return { parent: node, key: path[path.length - 1]! };
}

function nest(value: unknown, depth: number, flow: boolean): unknown {
  let v = value;
  for (let i = 0; i < depth; i++) v = flow ? [v] : { [`level${i}`]: v };
  return v;
}

const wrongValue = fc.oneof(
  { weight: 3, arbitrary: fc.integer() },
  { weight: 3, arbitrary: fc.double() },
  { weight: 3, arbitrary: fc.boolean() },
  { weight: 3, arbitrary: fc.constant(null) },
  { weight: 3, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 3, arbitrary: fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }) },
  { weight: 3, arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }) },
  // huge strings: a quarter of a playbook's size limit at most, so that thousands of cases stay quick
  { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 128 * 1024 }).map((n) => 'x'.repeat(n)) },
);

const objectMutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('typo' as const), at: fc.nat(), how: fc.nat({ max: 3 }), pos: fc.nat() }),
  fc.record({ kind: fc.constant('retype' as const), at: fc.nat(), value: wrongValue }),
  fc.record({ kind: fc.constant('nest' as const), at: fc.nat(), depth: fc.integer({ min: 1, max: 120 }), flow: fc.boolean() }),
  fc.record({ kind: fc.constant('key' as const), at: fc.nat(), key: fc.constantFrom('__proto__', 'constructor', 'prototype', 'stpes', 'polluted', 'toString', '<<'), value: wrongValue }),
);
type ObjectMutation = typeof objectMutation extends fc.Arbitrary<infer T> ? T : never;

function typo(key: string, how: number, pos: number): string {
  const i = key.length === 0 ? 0 : pos % key.length;
  if (how === 0) return key.slice(0, i) + key.slice(i + 1); // drop a letter
  if (how === 1) return key.slice(0, i) + key.charAt(i + 1) + key.charAt(i) + key.slice(i + 2); // swap two
  if (how === 2) return `${key.slice(0, i)}x${key.slice(i)}`; // add one
  return key.toUpperCase();
}

function mutateObject(doc: any, m: ObjectMutation): void {
  const all = paths(doc);
  const path = all[m.at % all.length]!;
  const place = parentOf(doc, path);
  if (m.kind === 'key') {
    let node: any = doc;
    for (const segment of path) node = node[segment];
    const target = node && typeof node === 'object' && !Array.isArray(node) ? node : doc;
    // defineProperty, so that "__proto__" becomes an own key (as YAML would make it), not a prototype change.
    Object.defineProperty(target, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
    return;
  }
  if (!place) return;
  const { parent, key } = place;
  if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (m.kind === 'typo') {
    if (Array.isArray(parent) || typeof key !== 'string') return;
    const value = parent[key];
    delete parent[key];
    parent[typo(key, m.how, m.pos)] = value;
  } else if (m.kind === 'retype') {
    parent[key] = m.value;
  } else {
    parent[key] = nest(parent[key], m.depth, m.flow);
  }
}

/** Valid playbooks with one to three of their keys or values broken, written back as YAML. */
const mutatedPlaybook = fc
  .record({ base: fc.nat({ max: BASES.length - 1 }), mutations: fc.array(objectMutation, { minLength: 1, maxLength: 3 }), flow: fc.boolean() })
  .map(({ base, mutations, flow }) => {
    const doc = structuredClone(PARSED_BASES[base]);
    for (const m of mutations) mutateObject(doc, m);
    return stringify(doc, { lineWidth: 0, ...(flow ? { collectionStyle: 'flow' as const } : {}) });
  });

/** YAML that no object can be written as: anchors and aliases, tags, directives, merge keys, control characters. */
const HOSTILE_TOKENS = [
  '&a ', '*a', '&b [*a, *a, *a]', '*b', '<<: *a', '!!str ', '!!set ', '!!omap ', '!!binary ', '!!js/function ', '!custom ', '!<tag:yaml.org,2002:map> ',
  '!!python/object:os.system ', '? ', '- ', ': ', '[', ']', '{', '}', ', ', '|', '>-', '# c', '"', "'", '\\', '---\n', '...\n', '%YAML 1.1\n',
  '%TAG !e! tag:example.com,2000:\n', '__proto__: {polluted: yes}', 'constructor: {prototype: {polluted: yes}}', '\t', '\r\n', '\r', '\u0000', '\u001b[2J',
  '\u0085', '\u2028', '\ufeff', '~', 'null', '1e999', '0x1F', '.nan', '-.inf', '2026-02-30', 'é', '😀', '\ud800', '\n', '  ', ' ',
];

/** A valid playbook with hostile tokens inserted at random places, lines duplicated or removed, or cut short. */
const editedText = fc
  .record({
    base: fc.nat({ max: BASES.length - 1 }),
    edits: fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), token: fc.constantFrom(...HOSTILE_TOKENS), lineStart: fc.boolean() }),
        fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
        fc.record({ kind: fc.constant('deleteLine' as const), at: fc.nat() }),
        fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
        fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), char: fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }) }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map(({ base, edits }) => {
    let text = BASES[base]!;
    for (const e of edits) {
      const lines = text.split('\n');
      if (e.kind === 'insert') {
        if (e.lineStart) {
          const i = e.at % lines.length;
          const indent = /^\s*/.exec(lines[i]!)![0];
          lines.splice(i, 0, `${indent}${e.token}`);
          text = lines.join('\n');
        } else {
          const i = e.at % (text.length + 1);
          text = text.slice(0, i) + e.token + text.slice(i);
        }
      } else if (e.kind === 'duplicate') {
        const i = e.at % lines.length;
        lines.splice(i, 0, lines[i]!);
        text = lines.join('\n');
      } else if (e.kind === 'deleteLine') {
        lines.splice(e.at % lines.length, 1);
        text = lines.join('\n');
      } else if (e.kind === 'truncate') {
        text = text.slice(0, e.at % (text.length + 1));
      } else {
        const i = e.at % Math.max(1, text.length);
        text = text.slice(0, i) + e.char + text.slice(i + 1);
      }
    }
    return text;
  });

/** Random YAML-ish documents: a soup of YAML syntax, playbook keys and arbitrary strings. */
const SOUP_TOKENS = [...HOSTILE_TOKENS, 'formatVersion: 1', 'id: testing/tester', 'steps:', 'questions:', 'id: scope', 'type: records', 'into: risks', 'title: x', 'example:', 'aliases: [qa]', 'stpes:'];
const soup = fc
  .array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...SOUP_TOKENS) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }), { maxLength: 200 })
  .map((parts) => parts.join(''));

// ---------------------------------------------------------------------------------------------------------

afterEach(() => {
  // Every test below runs the parser on hostile input: none of it may leave a trace on the globals.
  assertNoPoisoning();
});

afterAll(() => recordFigures('hostile-playbooks', figures));

describe('parsePlaybook on hostile and generated playbooks', () => {
  it("rejects every hostile case of QUALITY.md's list (duplicate and unknown keys, tags, alias bombs, deep nesting, __proto__) at its line", () => {
    const cases = hostileCases();
    // The list QUALITY.md names, so that a case dropped from the helper shows up here.
    for (const name of ['duplicate key', 'unknown top-level key', '!!js/function', 'custom !tag', 'alias bomb', 'levels of flow', 'levels of block', '__proto__']) {
      expect(cases.some((c) => c.name.includes(name)), name).toBe(true);
    }
    for (const c of cases) {
      const verdict = judge(c.text);
      expect(verdict.ok, c.name).toBe(false);
      if (!verdict.ok) expect(verdict.problems.filter((p) => p.line === c.line).map((p) => p.message).join('\n'), c.name).toMatch(c.message);
      figures.hostileCases += 1;
    }
    // Huge files are refused by size before parsing (loadPlaybookFile); parsing one anyway stays bounded.
    expect(oversizedPlaybook().length).toBeGreaterThan(MAX_PLAYBOOK_BYTES);
    judge(oversizedPlaybook());
    figures.hostileCases += 1;
  });

  it(`ends ${RUNS.mutated} valid playbooks with keys misspelt or deleted, values retyped, nested deep or given __proto__ keys as a playbook or FILE:LINE:COL`, () => {
    let rejected = 0;
    fc.assert(
      fc.property(mutatedPlaybook, (text) => {
        if (!judge(text).ok) rejected += 1;
      }),
      { numRuns: RUNS.mutated },
    );
    // The generator must mostly break things, or this test proves little.
    expect(rejected).toBeGreaterThan(RUNS.mutated / 2);
  });

  it(`ends ${RUNS.textEdits} valid playbooks with hostile tokens inserted, lines duplicated or cut as a playbook or FILE:LINE:COL`, () => {
    let rejected = 0;
    fc.assert(
      fc.property(editedText, (text) => {
        if (!judge(text).ok) rejected += 1;
      }),
      { numRuns: RUNS.textEdits },
    );
    expect(rejected).toBeGreaterThan(RUNS.textEdits / 2);
  });

  it(`ends ${RUNS.soup} random YAML-ish documents as FILE:LINE:COL, never another exception`, () => {
    fc.assert(
      fc.property(soup, (text) => {
        judge(text);
      }),
      { numRuns: RUNS.soup },
    );
  });

  it('never lets a __proto__ or constructor key reach Object.prototype, however it is written', () => {
    const minimal = fixtureText('minimal.yaml');
    const variants = [
      '__proto__: {polluted: yes}',
      '"__proto__": {polluted: yes}',
      "'__proto__': {polluted: yes}",
      '? __proto__\n: {polluted: yes}',
      '{__proto__: {polluted: yes}}: x',
      'constructor: {prototype: {polluted: yes}}',
      'x: {__proto__: {polluted: yes}}',
      'x: [{__proto__: {polluted: yes}}]',
      '!!str __proto__: {polluted: yes}',
      '? [__proto__]\n: {polluted: yes}',
    ];
    for (const v of variants) {
      const verdict = judge(`${minimal}${v}\n`);
      expect(verdict.ok, v).toBe(false);
    }
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('playbook validate on a sample of generated playbooks', () => {
  const sandbox = createSandbox('playbook-fuzz-cli-');
  afterAll(() => sandbox.cleanup());

  it(`reports each of ${RUNS.cli} generated files (and one over 512 KiB) as ok or FILE:LINE:COL, as parsePlaybook does, with no stack trace or hang`, async () => {
    const texts = [
      ...fc.sample(mutatedPlaybook, Math.ceil(RUNS.cli / 3)),
      ...fc.sample(editedText, Math.ceil(RUNS.cli / 3)),
      ...fc.sample(soup, RUNS.cli - 2 * Math.ceil(RUNS.cli / 3)),
    ];
    // And a huge file, which the CLI refuses by its size before parsing.
    texts.push(oversizedPlaybook());
    const files = texts.map((text, i) => ({ file: sandbox.write(`gen/case-${i}.yaml`, text), text }));
    const batches: (typeof files)[] = [];
    for (let i = 0; i < files.length; i += 50) batches.push(files.slice(i, i + 50));
    const results = await Promise.all(batches.map((batch) => sandbox.runAsync(['validate', ...batch.map((f) => f.file)], { timeout: 60_000 })));
    const huge = files.at(-1)!.file;
    expect(results.at(-1)!.stderr).toContain(`${huge}:1:1: file is larger than ${MAX_PLAYBOOK_BYTES} bytes`);
    results.forEach((result, b) => {
      const batch = batches[b]!;
      figures.cliRuns += 1;
      expect(result.signal, 'the CLI must finish on its own').toBeNull();
      expect(hasStackTrace(result.stderr), result.stderr).toBe(false);
      expect(result.stderr).not.toMatch(/unexpected error/);
      const expected = batch.map((f) => {
        if (Buffer.byteLength(f.text) > MAX_PLAYBOOK_BYTES) return false;
        try {
          parsePlaybook(f.text, f.file);
          return true;
        } catch {
          return false;
        }
      });
      expect(result.status).toBe(expected.every(Boolean) ? 0 : 2);
      batch.forEach((f, i) => {
        figures.cliFiles += 1;
        if (expected[i]) expect(result.stdout.split('\n')).toContain(`ok  ${f.file}`);
        else expect(result.stderr.split('\n').some((line) => line.startsWith(`${f.file}:`) && /^:\d+:\d+: \S/.test(line.slice(f.file.length))), `${f.file}\n${result.stderr}`).toBe(true);
      });
    });
  });
});
