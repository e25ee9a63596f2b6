// The ledger validator commands use is generated from the zod schema; these tests prove the
// checked-in copies (the validator and schema/ledger.schema.json, which describes one line of an
// events file) are current, and that they accept and refuse exactly what the zod schema does, for
// the envelope every event carries now (id, replica, seq, prev, cycle, rec, after, link, more) and
// for each event's data. The reader uses the same validator: a bad line is named by its file and line.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError, EXIT } from '../../src/errors.js';
import { eventSchema } from '../../src/ledger/event-schema.js';
import { checkEvent, type LedgerEvent, type NewEvent } from '../../src/ledger/events.js';
import { convertV1 } from '../../src/ledger/convert.js';
import { asciiJson } from '../../src/ledger/json.js';
import { stampEvent, type Writer } from '../../src/ledger/ledger.js';
import { layoutOf, POINTER, readReplicas } from '../../src/ledger/replicas.js';
import { deriveState } from '../../src/ledger/state.js';
// @ts-expect-error: a plain ESM script without types
import { generate } from '../../scripts/generate-validators.mjs';
// @ts-expect-error: a plain ESM script without types
import { generateLedger } from '../../scripts/bench-ledger.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const playbook = JSON.parse(execFileSync(process.execPath, ['bin/playbook.cjs', 'show', 'healthcare', 'pm', '--json'], { cwd: root, encoding: 'utf8' })).playbook;
const NOW = Date.parse('2026-11-23T09:00:00Z');

/** A realistic version-1 ledger of 1,000 events, converted as a version-1 file is read. */
const converted = convertV1(generateLedger(1000, playbook, NOW));

/**
 * Then a teammate's clone writes on it through stampEvent, as commands do: a decision closed (rec,
 * after), a blocker linked to a decision (link), a change of two events (more, prev), an undo.
 */
function teammateEvents(): LedgerEvent[] {
  const state = deriveState(converted);
  const cycle = [...state.cycles.values()].at(-1)!;
  const decision = [...cycle.decisions.values()].find((d) => d.status === 'open')!;
  const writer: Writer = { replica: 'k3v9q2m7x1c8b4nz', seq: 0, prev: undefined };
  const ctx = { now: new Date(NOW), actor: 'Lee Park', command: 'decision close' };
  const stamp = (e: NewEvent, more = 0) => stampEvent(ctx, state, e, cycle.key, writer, more);
  const closed = stamp({ type: 'decision.closed', data: { id: decision.id, note: 'shipped' } });
  const blocker = stamp({ type: 'blocker.added', data: { id: `B-${cycle.counters.B + 1}`, title: 'Vendor access', owner: 'Sam', due: new Date(NOW + 48 * 3600_000).toISOString(), fallback: 'fixtures', decision: decision.id } }, 1);
  const evidence = stamp({ type: 'evidence.added', data: { decision: decision.id, evidence: 'pilot data', meets: true } });
  const undo = stamp({ type: 'undo', cycle: cycle.key, data: { target: evidence.id } });
  return [closed, blocker, evidence, undo];
}
const team = teammateEvents();
const ledger = [...converted, ...team];

const accepts = (event: unknown) => {
  try {
    checkEvent(event as never);
    return true;
  } catch {
    return false;
  }
};

// ajv is CommonJS: its class is the default export's default.
const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as new (options: object) => { compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown } };

/** The published schema, compiled by a standard validator the way an editor or another tool would use it. */
const published = new Ajv({ discriminator: true, strict: false, unicode: false, formats: { 'date-time': true } }).compile(JSON.parse(readFileSync(`${root}/schema/ledger.schema.json`, 'utf8')));

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A ledger folder whose one events file holds `lines`; returns what reading it throws, if anything. */
function readLines(lines: unknown[]): { error: CliError | undefined; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'playbook-validator-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'events'));
  writeFileSync(join(dir, 'ledger.json'), POINTER);
  const file = join(dir, 'events', 'k3v9q2m7x1c8b4nz.jsonl');
  writeFileSync(file, lines.map((e) => `${asciiJson(e)}\n`).join(''));
  try {
    readReplicas(layoutOf(join(dir, 'ledger.json'), { XDG_STATE_HOME: join(dir, 'state') }));
    return { error: undefined, file };
  } catch (error) {
    if (error instanceof CliError) return { error, file };
    throw error;
  }
}

describe('the generated ledger validator', () => {
  it('is current: regenerating from the zod schema gives the checked-in files', async () => {
    const fresh = (await generate()) as { schema: string; validator: string };
    expect(readFileSync(`${root}/src/ledger/validate-ledger.generated.js`, 'utf8'), 'run node scripts/generate-validators.mjs').toBe(fresh.validator);
    expect(readFileSync(`${root}/schema/ledger.schema.json`, 'utf8'), 'run node scripts/generate-validators.mjs').toBe(fresh.schema);
  });

  it('the published schema describes one line of an events file, with the team envelope', () => {
    const schema = JSON.parse(readFileSync(`${root}/schema/ledger.schema.json`, 'utf8'));
    expect(schema.title).toMatch(/events\/<replica>\.jsonl/);
    expect(schema.title).toMatch(/"schemaVersion": 2/);
    const text = JSON.stringify(schema);
    for (const field of ['replica', 'seq', 'prev', 'rec', 'after', 'link', 'more']) expect(text, field).toContain(`"${field}"`);
  });

  it('accepts a realistic ledger: 1,000 converted events and a teammate\'s changes, event by event as zod and the published schema do', () => {
    expect(converted).toHaveLength(1000);
    // The teammate's events carry the whole envelope.
    expect(team.map((e) => [e.seq, e.prev !== undefined, e.rec !== undefined, e.after !== undefined, e.link !== undefined, e.more])).toEqual([
      [1, false, true, true, false, undefined],
      [2, true, false, false, true, 1],
      [3, true, true, true, false, undefined],
      [4, true, false, false, false, undefined],
    ]);
    for (const event of ledger) {
      expect(eventSchema.safeParse(event).success).toBe(true);
      expect(accepts(event)).toBe(true);
      expect(published(event), JSON.stringify(published.errors)).toBe(true);
    }
    // Written as the replica's file, the reader takes every line.
    const { error } = readLines(team);
    expect(error).toBeUndefined();
  });

  const blocker = team[1]! as LedgerEvent & Record<string, any>;
  const closed = team[0]! as LedgerEvent & Record<string, any>;
  const undo = team[3]! as LedgerEvent & Record<string, any>;
  const cases: [string, LedgerEvent, (e: Record<string, any>) => void][] = [
    ['a missing actor', blocker, (e) => delete e.actor],
    ['an empty actor', blocker, (e) => (e.actor = '')],
    ['an id that is a number (version 1)', blocker, (e) => (e.id = 12)],
    ['an id in lower case', blocker, (e) => (e.id = e.id.toLowerCase())],
    ['an id one character short', blocker, (e) => (e.id = e.id.slice(1))],
    ['an id with a letter Crockford base32 leaves out', blocker, (e) => (e.id = `${e.id.slice(0, 25)}U`)],
    ['a missing replica', blocker, (e) => delete e.replica],
    ['a replica name in capitals', blocker, (e) => (e.replica = 'K3V9Q2M7X1C8B4NZ')],
    ['a replica name with a path in it', blocker, (e) => (e.replica = '../etc')],
    ['a replica name of 65 characters', blocker, (e) => (e.replica = 'a'.repeat(65))],
    ['a missing seq', blocker, (e) => delete e.seq],
    ['a seq of 0', blocker, (e) => (e.seq = 0)],
    ['a seq that is not whole', blocker, (e) => (e.seq = 1.5)],
    ['a prev that is not 16 hex digits', blocker, (e) => (e.prev = `${e.prev.slice(0, 15)}g`)],
    ['a cycle named by the id people use, not its key', blocker, (e) => (e.cycle = 'pm-2026-11-23')],
    ['a missing cycle', blocker, (e) => delete e.cycle],
    ['a record named by its short id, not its key', closed, (e) => (e.rec = 'D-3')],
    ['an after that is not an event id', closed, (e) => (e.after = 7)],
    ['a link that is a short id', blocker, (e) => (e.link = 'D-1')],
    ['a more of 0', blocker, (e) => (e.more = 0)],
    ['a more that is negative', blocker, (e) => (e.more = -1)],
    ['an answer for an unknown step', blocker, (e) => (e.answer = { step: 'lunch', question: 'q' })],
    ['an undo naming its target by number (version 1)', undo, (e) => (e.data.target = 3)],
    ['a time without a zone', blocker, (e) => (e.at = '2026-11-23T09:00:00')],
    ['an impossible date', blocker, (e) => (e.at = '2026-02-30T09:00:00Z')],
    ['an unknown event type', blocker, (e) => (e.type = 'blocker.exploded')],
    ['a blocker id of the wrong kind', blocker, (e) => (e.data.id = 'D-1')],
    ['a blocker id with a letter (the letter is only shown, never stored)', blocker, (e) => (e.data.id = 'B-1a')],
    ['a blocker without an owner', blocker, (e) => delete e.data.owner],
    ['an owner that is a number', blocker, (e) => (e.data.owner = 42)],
    ['a title over 200 characters', blocker, (e) => (e.data.title = 'x'.repeat(201))],
    ['a due time that is not a date', blocker, (e) => (e.data.due = 'tomorrow')],
    ['data that is a list', blocker, (e) => (e.data = [])],
  ];
  for (const [what, base, mutate] of cases) {
    it(`refuses ${what}, as zod and the published schema do; the reader names the file and line`, () => {
      const event = structuredClone(base) as Record<string, any>;
      mutate(event);
      expect(eventSchema.safeParse(event).success).toBe(false);
      expect(accepts(event)).toBe(false);
      expect(published(event)).toBe(false);
      // In the middle of a replica's file: the line is damage, not a change still arriving.
      const { error, file } = readLines([team[0], event, team[3]]);
      expect(error, 'reading the file fails').toBeInstanceOf(CliError);
      expect(error!.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ledger is damaged: line 2\\b`));
      expect(error!.message).not.toContain('\n');
      expect(error!.exitCode).toBe(EXIT.failure);
      expect(error!.hint).toMatch(/playbook doctor/);
    });
  }
});
