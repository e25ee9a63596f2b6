// Re-planning is undoable: any sequence of edits (decision edit, scope, evidence, close; blocker
// extend and escalate; risk edit; metric add and set; checkpoint add, done and missed) run through the
// real command tree on a kicked-off cycle, then `undo` once per change written, gives back the state
// the cycle had before them, record for record (fast-check). Refused edits write nothing on the way.
import * as fc from 'fast-check';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layoutOf, readLocal, readReplicas } from '../../src/ledger/replicas.js';
import { deriveState, type Cycle } from '../../src/ledger/state.js';
import { execInProcess } from '../helpers/in-process.js';
import { eventsDirOf, makeSeeds, type Seeds } from '../helpers/ledger.js';

const RUNS = 40;
const NOW = '2026-11-23T09:00:00Z';

let seeds: Seeds;
beforeAll(() => {
  seeds = makeSeeds(['full']);
});
afterAll(() => seeds?.cleanup());

const level = fc.constantFrom('low', 'medium', 'high');
const day = fc.integer({ min: 1, max: 28 }).map((d) => `2026-12-${String(d).padStart(2, '0')}`);
const word = fc.constantFrom('Alpha', 'Bravo', 'Charlie', 'Delta');
const decisionId = fc.constantFrom('D-1', 'D-2', 'D-3');

/** One edit as a command line: mostly ones that succeed, some that are refused. */
const edit: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(decisionId, fc.option(word), fc.option(word), fc.option(day), fc.option(word)).map(([id, title, owner, due, criterion]) => [
    'decision', 'edit', id,
    ...(title ? ['--title', `${title} plan`] : []),
    ...(owner ? ['--owner', owner] : []),
    ...(due ? ['--due', due] : []),
    ...(criterion ? ['--criteria', `${criterion} signs off`] : []),
  ]),
  decisionId.map((id) => ['decision', 'approve', id]),
  fc.tuple(decisionId, fc.integer({ min: 0, max: 120 })).map(([id, target]) => ['decision', 'scope', id, '--constraints', 'c', '--behaviour', 'b', '--metric', 'scope-stability', '--target', String(target)]),
  fc.tuple(decisionId, fc.integer({ min: 1, max: 4 }), fc.boolean()).map(([id, n, meets]) => ['evidence', 'add', id, 'checked', '--criterion', String(n), '--meets', meets ? 'yes' : 'no']),
  fc.tuple(decisionId, word).map(([id, note]) => ['decision', 'close', id, '--note', note]),
  fc.tuple(day, word).map(([d, reason]) => ['blocker', 'extend', 'B-1', '--due', `${d}T10:00`, '--reason', reason]),
  word.map((note) => ['blocker', 'escalate', 'B-1', '--note', note]),
  fc.tuple(fc.constantFrom('R-1', 'R-2', 'R-3'), fc.option(level), fc.option(level), fc.option(word)).map(([id, impact, cost, owner]) => [
    'risk', 'edit', id,
    ...(impact ? ['--impact', impact] : []),
    ...(cost ? ['--cost', cost] : []),
    ...(owner ? ['--owner', owner] : []),
  ]),
  fc.tuple(word, fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })).map(([name, baseline, target]) => ['metric', 'add', `${name} rate`, '--unit', '%', '--better', 'up', '--baseline', String(baseline), '--target', String(target)]),
  fc.integer({ min: 0, max: 110 }).map((target) => ['metric', 'set', 'scope-stability', '--target', String(target)]),
  fc.tuple(word, day).map(([title, d]) => ['checkpoint', 'add', `${title} review`, '--at', d]),
  fc.tuple(fc.constantFrom('done', 'missed'), fc.integer({ min: 1, max: 8 })).map(([verb, n]) => ['checkpoint', verb, `C-${n}`]),
);

interface Box {
  dir: string;
  ledger: string;
  env: Record<string, string>;
}

function freshLedger(): Box {
  const dir = mkdtempSync(join(tmpdir(), 'playbook-replan-'));
  const ledger = join(dir, 'ledger', 'ledger.json');
  mkdirSync(join(dir, 'ledger'), { mode: 0o700 });
  cpSync(seeds.full, ledger);
  cpSync(eventsDirOf(seeds.full), eventsDirOf(ledger), { recursive: true });
  return { dir, ledger, env: { PLAYBOOK_LEDGER: ledger, XDG_STATE_HOME: join(dir, 'state'), XDG_CACHE_HOME: join(dir, 'cache') } };
}

/** Runs `playbook ARGS` through the command tree in this process; returns the exit code. */
function exec(box: Box, args: string[]): Promise<number> {
  return execInProcess({ ...box.env, PLAYBOOK_NOW: NOW, PLAYBOOK_TZ: 'UTC', PLAYBOOK_ACTOR: 'planner' }, args);
}

/** The lines this clone has written (its own events file). */
function ownLines(box: Box): number {
  const layout = layoutOf(box.ledger, box.env);
  const replica = readLocal(layout).replica;
  const file = replica === undefined ? undefined : join(eventsDirOf(box.ledger), `${replica}.jsonl`);
  return file && existsSync(file) ? readFileSync(file, 'utf8').split('\n').length - 1 : 0;
}

/** The cycle as plain data: every record and field, without the numbers given out (an undone number is never given out again). */
function cycleOf(box: Box): unknown {
  const events = readReplicas(layoutOf(box.ledger, box.env))!.events;
  const state = deriveState(events, { all: true });
  const cycle: Partial<Cycle> = { ...state.cycles.get(state.current!)! };
  delete cycle.counters;
  return JSON.parse(JSON.stringify(cycle, (_k, v: unknown) => (v instanceof Map ? [...v] : v instanceof Set ? [...v] : v)));
}

describe('re-planning is undoable', () => {
  it(`${RUNS} random sequences of edits, then one undo per change written, give back the cycle as it was`, async () => {
    let changes = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 8 }), async (edits) => {
        const box = freshLedger();
        try {
          const before = cycleOf(box);
          for (const args of edits) {
            const written = ownLines(box);
            const code = await exec(box, args);
            expect([0, 1, 2], args.join(' ')).toContain(code);
            // A refused edit writes nothing; an accepted one at most one event.
            const delta = ownLines(box) - written;
            if (code !== 0) expect(delta, args.join(' ')).toBe(0);
            expect(delta, args.join(' ')).toBeLessThanOrEqual(1);
          }
          const written = ownLines(box);
          changes += written;
          for (let i = 0; i < written; i++) expect(await exec(box, ['undo'])).toBe(0);
          expect(await exec(box, ['undo'])).toBe(1); // nothing of this clone's left to undo
          expect(cycleOf(box)).toEqual(before);
        } finally {
          rmSync(box.dir, { recursive: true, force: true });
        }
      }),
      { numRuns: RUNS },
    );
    // The sequences did change things: most runs wrote at least one change to take back.
    expect(changes).toBeGreaterThan(RUNS);
  });
});
