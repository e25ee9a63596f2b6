// Which values a metric can take (src/metric-values.ts): the range its unit allows, how a typed
// value is read ("85%" only for a percentage), and which baseline and target fit its direction.
import { describe, expect, it } from 'vitest';
import { numberIn, planProblem, readValue, valueProblem, valueRange } from '../../src/metric-values.js';

describe('valueRange', () => {
  it.each<[string, number, number | null, string]>([
    ['%', 0, 100, '0 to 100'],
    ['% of cohorts at target', 0, 100, '0 to 100'],
    [' % closed by due date ', 0, 100, '0 to 100'],
    ['score (1-5)', 1, 5, '1 to 5'],
    ['rating (0 to 10)', 0, 10, '0 to 10'],
    ['NPS (-100–100)', -100, 100, '-100 to 100'],
    ['scale (5-1)', 1, 5, '1 to 5'],
    ['days', 0, null, '0 or more'],
    ['changes per week', 0, null, '0 or more'],
    ['hours', 0, null, '0 or more'],
  ])('%s: %d to %s', (unit, min, max, label) => {
    expect(valueRange(unit)).toEqual({ min, max, label });
  });
});

describe('numberIn: the one reading of a typed number', () => {
  it.each<[string, number]>([
    ['85', 85],
    [' 85% ', 85],
    ['4.5', 4.5],
    ['-2', -2],
    ['1e3', 1000],
  ])('%s is %d', (text, n) => expect(numberIn(text)).toBe(n));

  it('-0 reads as 0, as the JSON ledger would read it back', () => expect(Object.is(numberIn('-0'), 0)).toBe(true));

  it.each(['', '  ', '%', 'lots', '85%%', 'Infinity'])('"%s" is no number', (text) => expect(Number.isFinite(numberIn(text))).toBe(false));
});

describe('valueProblem and readValue', () => {
  const pct = { id: 'closure', unit: '%' };
  const score = { id: 'sat', unit: 'score (1-5)' };
  const days = { id: 'cycle-time', unit: 'days' };

  it.each<[string, { id: string; unit: string }, unknown, number]>([
    ['a percentage', pct, 85, 85],
    ['a percentage with its sign', pct, '85%', 85],
    ['0 and 100 themselves', pct, '100', 100],
    ['a score on its scale', score, '4.5', 4.5],
    ['a score at its bottom', score, 1, 1],
    ['a count of days', days, '0', 0],
    ['a large count', days, 365, 365],
  ])('takes %s', (_name, metric, raw, value) => {
    expect(readValue(metric, raw)).toEqual({ value });
  });

  it.each<[string, { id: string; unit: string }, unknown, string]>([
    ['a percentage over 100', pct, '150', 'a reading of closure (%) must be 0 to 100, not 150'],
    ['a negative percentage', pct, -1, 'a reading of closure (%) must be 0 to 100, not -1'],
    ['a score above its scale', score, 6, 'a reading of sat (score (1-5)) must be 1 to 5, not 6'],
    ['a score below its scale', score, '0', 'a reading of sat (score (1-5)) must be 1 to 5, not 0'],
    ['a negative count', days, '-2', 'a reading of cycle-time (days) must be 0 or more, not -2'],
    ['a percentage sign on days', days, '5%', 'a reading of cycle-time is in days, not a percentage: write it without "%" (0 or more)'],
    ['a word', pct, 'lots', 'a reading of closure (%) must be a number (0 to 100), not "lots"'],
    ['nothing', score, undefined, 'a reading of sat (score (1-5)) must be a number (1 to 5)'],
  ])('refuses %s, naming the range', (_name, metric, raw, problem) => {
    expect(readValue(metric, raw)).toEqual({ problem });
  });

  it('names what the value is', () => {
    expect(valueProblem(pct, 101, 'the target')).toBe('the target of closure (%) must be 0 to 100, not 101');
    expect(readValue(days, '-1', 'the baseline')).toEqual({ problem: 'the baseline of cycle-time (days) must be 0 or more, not -1' });
  });
});

describe('planProblem', () => {
  const up = { id: 'closure', unit: '%', direction: 'up' as const };
  const down = { id: 'cycle-time', unit: 'days', direction: 'down' as const };

  it.each<[string, typeof up | typeof down, number, number, string | null]>([
    ['higher is better, target above', up, 50, 80, null],
    ['higher is better, target below', up, 80, 50, 'higher is better for closure, so the target must be above the baseline (80), not 50'],
    ['higher is better, target equal', up, 80, 80, 'higher is better for closure, so the target must be above the baseline (80), not 80'],
    ['lower is better, target below', down, 9, 4, null],
    ['lower is better, target above', down, 4, 9, 'lower is better for cycle-time, so the target must be below the baseline (4), not 9'],
    ['lower is better, down to zero', down, 3, 0, null],
    ['a baseline out of range', up, 120, 130, 'the baseline of closure (%) must be 0 to 100, not 120'],
    ['a target out of range', up, 50, 150, 'the target of closure (%) must be 0 to 100, not 150'],
    ['a negative target', down, 4, -1, 'the target of cycle-time (days) must be 0 or more, not -1'],
  ])('%s', (_name, metric, baseline, target, problem) => {
    expect(planProblem(metric, baseline, target)).toBe(problem);
  });
});
