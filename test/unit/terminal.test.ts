// The colour decision and what reaches a terminal: control characters neutralized, no escape
// codes in tables when colour is off.
import { describe, expect, it } from 'vitest';
import { renderTable } from '../../src/table.js';
import { makeChalk, neutralize, neutralizeAll, oneLine, wantsColor, type ColorFlag } from '../../src/terminal.js';
import { hasControlCharacters } from '../helpers/cli.js';

describe('wantsColor', () => {
  const cases: [string, ColorFlag, NodeJS.ProcessEnv, boolean, boolean][] = [
    ['a TTY with nothing set', undefined, {}, true, true],
    ['a pipe with nothing set', undefined, {}, false, false],
    ['a TTY with NO_COLOR=1', undefined, { NO_COLOR: '1' }, true, false],
    ['a TTY with an empty NO_COLOR (the spec says: ignore it)', undefined, { NO_COLOR: '' }, true, true],
    ['a TTY with TERM=dumb', undefined, { TERM: 'dumb' }, true, false],
    ['a pipe with FORCE_COLOR=1', undefined, { FORCE_COLOR: '1' }, false, true],
    ['a TTY with FORCE_COLOR=0', undefined, { FORCE_COLOR: '0' }, true, true],
    ['a pipe with FORCE_COLOR=0', undefined, { FORCE_COLOR: '0' }, false, false],
    ['NO_COLOR and FORCE_COLOR both set: NO_COLOR wins', undefined, { NO_COLOR: '1', FORCE_COLOR: '1' }, true, false],
    ['--color=always in a pipe', 'always', {}, false, true],
    ['--color (no value) in a pipe', true, {}, false, true],
    ['--color=always beats NO_COLOR', 'always', { NO_COLOR: '1' }, false, true],
    ['--color=never beats FORCE_COLOR', 'never', { FORCE_COLOR: '1' }, true, false],
    ['--no-color beats FORCE_COLOR', false, { FORCE_COLOR: '1' }, true, false],
    ['--color=auto follows the TTY', 'auto', {}, false, false],
  ];
  it.each(cases)('%s', (_name, flag, env, isTTY, expected) => {
    expect(wantsColor(flag, env, () => isTTY)).toBe(expected);
  });
});

describe('neutralize', () => {
  const attack = '\u001b]0;owned\u0007\u001b[2J';

  it('turns ESC, BEL, CR, DEL and C1 controls into visible characters', () => {
    const out = neutralize(`a${attack}\r\u007f\u009bb`);
    expect(hasControlCharacters(out)).toBe(false);
    expect(out).toBe('a␛]0;owned␇␛[2J␍␡\\u{9b}b');
  });

  it('keeps tabs, newlines and ordinary Unicode', () => {
    expect(neutralize('a\tb\nc — ü 😀')).toBe('a\tb\nc — ü 😀');
  });

  it('oneLine also folds newlines into spaces', () => {
    expect(oneLine(`two\r\nlines${attack}`)).toBe('two lines␛]0;owned␇␛[2J');
  });

  it('neutralizeAll reaches strings at any depth and leaves other values alone', () => {
    const out = neutralizeAll({ title: attack, steps: [{ questions: [{ prompt: attack, required: true, n: 3 }] }] });
    expect(JSON.stringify(out)).not.toMatch(/\\u001b|\\u0007/);
    expect(out.steps[0]!.questions[0]!.required).toBe(true);
    expect(out.steps[0]!.questions[0]!.n).toBe(3);
  });
});

describe('renderTable', () => {
  const rows = [['healthcare', `evil\u001b[2J title`]];

  it('has no escape codes at all when colour is off (cli-table3 would colour borders and heads)', () => {
    const out = renderTable({ color: false, chalk: makeChalk(false) }, ['industry', 'title'], rows);
    expect(out).not.toMatch(/[\u001b\u009b]/);
    expect(out).toContain('┌');
    expect(out).toContain('evil␛[2J title');
  });

  it('colours only the headings when colour is on, and still neutralizes cells', () => {
    const out = renderTable({ color: true, chalk: makeChalk(true) }, ['industry', 'title'], rows);
    expect(out).toContain('\u001b[1mindustry\u001b[22m');
    expect(out).toContain('evil␛[2J title');
    // the borders themselves carry no colour
    for (const line of out.split('\n').filter((l) => /^[┌├└]/.test(l))) expect(line).not.toMatch(/\u001b/);
  });
});
