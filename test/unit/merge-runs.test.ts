// Merging the replica files' events (replica-lines.ts: merge) and finding ids in more than one file
// (seenTwice): each walks the files as sorted runs when every file's ids rise, and falls back to a
// sort or a set otherwise. Whatever the files, both must give what the plain definition gives: every
// event once, in the order of the ids; a different event under an id already seen is damage.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import type { LedgerEvent } from '../../src/ledger/event-schema.js';
import type { Layout } from '../../src/ledger/replica-layout.js';
import { merge, seenTwice } from '../../src/ledger/replica-lines.js';

const layout: Layout = { path: '/ledger/ledger.json', events: '/ledger/events', local: '/state' };

/** An event of the pool: its id, and a body that is the same wherever the event appears. */
const event = (n: number): LedgerEvent => ({ id: `01K${String(n).padStart(23, '0')}`, type: 'note.added', data: { text: `note ${n}` } }) as unknown as LedgerEvent;

/** Files as lists of event numbers: each file sorted and without repeats unless `unsorted`. */
const files = fc.record({
  lists: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { maxLength: 40 }), { maxLength: 20 }),
  unsorted: fc.boolean(),
});

function asRuns({ lists, unsorted }: { lists: number[][]; unsorted: boolean }): LedgerEvent[][] {
  return lists.map((list) => (unsorted ? list : [...list].sort((a, b) => a - b)).map(event));
}

describe('merging the files of a ledger', () => {
  it('gives every event once, in the order of the ids, whether the files are in order or not, and however many', () => {
    fc.assert(
      fc.property(files, (input) => {
        const expected = [...new Set(input.lists.flat())].sort((a, b) => a - b).map((n) => event(n).id);
        expect(merge(layout, asRuns(input)).map((e) => e.id)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('names two different events under one id as damage, in order or not', () => {
    fc.assert(
      fc.property(files, fc.integer({ min: 0, max: 60 }), (input, n) => {
        const runs = asRuns(input);
        const other = { ...event(n), data: { text: 'edited' } } as unknown as LedgerEvent;
        runs.push([other]);
        if (!input.lists.flat().includes(n)) {
          expect(merge(layout, runs).map((e) => e.id)).toContain(other.id);
        } else {
          expect(() => merge(layout, runs)).toThrow(CliError);
          expect(() => merge(layout, runs)).toThrow(`two different events have the id ${other.id}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('finds the ids in more than one place, in order or not', () => {
    fc.assert(
      fc.property(files, (input) => {
        const counts = new Map<number, number>();
        for (const n of input.lists.flat()) counts.set(n, (counts.get(n) ?? 0) + 1);
        const expected = [...counts].filter(([, c]) => c > 1).map(([n]) => event(n).id).sort();
        expect([...seenTwice(asRuns(input).map((run) => run.map((e) => e.id)))].sort()).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
