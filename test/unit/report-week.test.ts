import { describe, expect, it } from 'vitest';
import { isoWeeksInYear, parseWeek, weekOf } from '../../src/report/week.js';
import { prepareZone } from '../../src/zones.js';

// Zones other than the system's load their Date class on demand, as the CLI does before a command.
await Promise.all(['UTC', 'Europe/Berlin'].map(prepareZone));

const NOW = new Date('2026-11-20T16:00:00Z');

describe('ISO weeks', () => {
  it.each([
    [2015, 53],
    [2020, 53],
    [2021, 52],
    [2025, 52],
    [2026, 53],
    [2027, 52],
    [2032, 53],
  ])('%i has %i weeks', (year, weeks) => {
    expect(isoWeeksInYear(year)).toBe(weeks);
  });

  it.each([
    ['2026-W47', 'UTC', '2026-11-16T00:00:00.000Z', '2026-11-23T00:00:00.000Z', '2026-11-16', '2026-11-22'],
    ['2026-W47', 'Europe/Berlin', '2026-11-15T23:00:00.000Z', '2026-11-22T23:00:00.000Z', '2026-11-16', '2026-11-22'],
    ['2026-W53', 'UTC', '2026-12-28T00:00:00.000Z', '2027-01-04T00:00:00.000Z', '2026-12-28', '2027-01-03'],
    ['2026-W01', 'UTC', '2025-12-29T00:00:00.000Z', '2026-01-05T00:00:00.000Z', '2025-12-29', '2026-01-04'],
    // The week of the spring clock change in Berlin is an hour short.
    ['2026-W13', 'Europe/Berlin', '2026-03-22T23:00:00.000Z', '2026-03-29T22:00:00.000Z', '2026-03-23', '2026-03-29'],
    ['2026w47', 'UTC', '2026-11-16T00:00:00.000Z', '2026-11-23T00:00:00.000Z', '2026-11-16', '2026-11-22'],
  ])('%s in %s runs from %s to %s', (input, tz, start, end, first, last) => {
    const week = parseWeek(input, NOW, tz);
    expect([week.start.toISOString(), week.end.toISOString(), week.firstDay, week.lastDay]).toEqual([start, end, first, last]);
  });

  it.each([
    ['2026-W54', /2026 has ISO weeks W01 to W53/],
    ['2025-W53', /2025 has ISO weeks W01 to W52/],
    ['2026-W00', /no week 00/],
    ['2026-47', /not an ISO week/],
    ['2026-W4x', /not an ISO week/],
    ['garbage', /not an ISO week/],
    ['', /not an ISO week/],
  ])('refuses %j as a usage error naming it', (input, message) => {
    expect(() => parseWeek(input, NOW, 'UTC')).toThrow(message);
    try {
      parseWeek(input, NOW, 'UTC');
    } catch (error) {
      expect((error as { exitCode: number }).exitCode).toBe(2);
      expect((error as Error).message).toContain(`"${input}"`);
    }
  });

  it('this, last and next are relative to the clock in the zone', () => {
    expect(parseWeek('this', NOW, 'UTC').id).toBe('2026-W47');
    expect(parseWeek('last', NOW, 'UTC').id).toBe('2026-W46');
    expect(parseWeek('next', NOW, 'UTC').id).toBe('2026-W48');
    expect(parseWeek('next', new Date('2026-12-30T12:00:00Z'), 'UTC').id).toBe('2027-W01');
    expect(weekOf(new Date('2026-11-22T23:30:00Z'), 'UTC').id).toBe('2026-W47');
    expect(weekOf(new Date('2026-11-22T23:30:00Z'), 'Europe/Berlin').id).toBe('2026-W48');
    expect(weekOf(new Date('2027-01-01T12:00:00Z'), 'UTC').id).toBe('2026-W53');
  });
});
