// Broken and hostile playbooks, each with the line its error must point at. The unit tests feed
// them to parsePlaybook and the end-to-end tests to `playbook validate`, so both layers are held
// to the same list.
import { edit, fixtureText, lineOf } from './playbooks.js';

export interface HostileCase {
  name: string;
  text: string;
  /** The line the error must be reported at. */
  line: number;
  /** What the message at that line must say. */
  message: RegExp;
}

const minimal = fixtureText('minimal.yaml');

/** `depth` flow sequences inside each other: [[[[...]]]]. */
function deepFlow(depth: number): string {
  return `${minimal}notes: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
}

/** `depth` block mappings inside each other, one level per line. */
function deepBlockMaps(depth: number): string {
  const lines = Array.from({ length: depth }, (_, i) => `${'  '.repeat(i + 1)}level${i}:`);
  return `${minimal}deep:\n${lines.join('\n')} bottom\n`;
}

function withProto(): string {
  return edit(minimal, 'title: Test playbook\n', '__proto__: { polluted: yes }\ntitle: Test playbook\n');
}

function swappedSteps(): string {
  return edit(edit(edit(minimal, '  - id: scope\n', '  - id: SWAP\n'), '  - id: risk\n', '  - id: scope\n'), '  - id: SWAP\n', '  - id: risk\n');
}

function fiveSteps(): string {
  return minimal.slice(0, minimal.indexOf('  - id: post-release')) + minimal.slice(minimal.indexOf('checklist:'));
}

function duplicateQuestion(): string {
  return edit(
    minimal,
    '        example: Fewer failed releases\n',
    '        example: Fewer failed releases\n      - id: outcome # again\n        prompt: And again?\n        type: text\n        into: notes\n        example: x\n',
  );
}

function withAlias(): string {
  return edit(edit(minimal, 'title: Test playbook', 'title: &t Test playbook'), 'objective: Ship one small release with every decision owned.', 'objective: *t');
}

export function hostileCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  /** `needle` is text found only on (or starting on) the line the error must name. */
  const add = (name: string, text: string, needle: string, message: RegExp) => cases.push({ name, text, message, line: lineOfNeedle(text, needle) });
  add('a duplicate key', edit(minimal, 'title: Test playbook\n', 'title: Test playbook\ntitle: Again\n'), 'title: Again', /duplicate key/);
  add('an unknown top-level key (stpes: for steps:)', edit(minimal, '\nsteps:\n', '\nstpes:\n'), 'stpes:', /unknown key "stpes"/);
  add('an unknown key inside a step', edit(minimal, '    title: Risk\n', '    title: Risk\n    colour: red\n'), 'colour: red', /unknown key "colour"/);
  add('the !!js/function tag', edit(minimal, 'title: Test playbook', 'title: !!js/function "function () { return 1 }"'), 'title: !!js', /tag/);
  add('a custom !tag', edit(minimal, 'title: Test playbook', 'title: !custom Test playbook'), 'title: !custom', /tag/);
  add('an alias bomb (billion laughs)', fixtureText('alias-bomb.yaml'), 'b: &b', /alias/);
  add('any alias', withAlias(), 'objective: *t', /alias/);
  add('200 levels of flow sequences', deepFlow(200), 'notes: [[[', /nested more than \d+ levels deep/);
  add('200 levels of block mappings', deepBlockMaps(200), 'level23:', /nested more than \d+ levels deep/);
  add('a __proto__ key', withProto(), '__proto__', /__proto__/);
  add('a %YAML 1.1 directive', `%YAML 1.1\n---\n${minimal}`, '%YAML 1.1', /YAML 1\.1/);
  add('a YAML syntax error', edit(minimal, 'title: Test playbook', 'title: Test: playbook'), 'title: Test: playbook', /.+/);
  add('a value of the wrong type', edit(minimal, 'direction: down', 'direction: sideways'), 'direction: sideways', /direction.*(up|down)/);
  add('steps out of order', swappedSteps(), '  - id: risk\n    title: Scope', /step 1 must be "scope"/);
  add('five steps instead of six', fiveSteps(), '  - id: scope', /exactly the six steps/);
  add('two questions with one id in a step', duplicateQuestion(), '- id: outcome # again', /duplicate question id "outcome"/);
  return cases;
}

/** Like lineOf, for needles that may span two lines (the line of where the needle starts). */
function lineOfNeedle(text: string, needle: string): number {
  if (!needle.includes('\n')) return lineOf(text, needle);
  const at = text.indexOf(needle);
  if (at < 0 || text.indexOf(needle, at + 1) >= 0) throw new Error(`expected one ${JSON.stringify(needle)} in the text`);
  return text.slice(0, at).split('\n').length;
}

/** A playbook over the 512 KiB limit: the minimal fixture padded with a long comment. */
export function oversizedPlaybook(): string {
  return `${minimal}# ${'x'.repeat(600 * 1024)}\n`;
}
