// The ledger validator commands use is generated from the zod schema; these tests prove the
// checked-in copy is current and that it accepts and refuses exactly what the zod schema does.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventSchema } from '../../src/ledger/event-schema.js';
import { checkEvent, parseLedger } from '../../src/ledger/events.js';
// @ts-expect-error: a plain ESM script without types
import { generate } from '../../scripts/generate-validators.mjs';
// @ts-expect-error: a plain ESM script without types
import { generateLedger } from '../../scripts/bench-ledger.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const playbook = JSON.parse(execFileSync(process.execPath, ['bin/playbook.cjs', 'show', 'healthcare', 'pm', '--json'], { cwd: root, encoding: 'utf8' })).playbook;
const ledger = generateLedger(1000, playbook, Date.parse('2026-11-23T09:00:00Z')) as { schemaVersion: number; events: Record<string, unknown>[] };

const accepts = (event: unknown) => {
  try {
    checkEvent(event as never);
    return true;
  } catch {
    return false;
  }
};

describe('the generated ledger validator', () => {
  it('is current: regenerating from the zod schema gives the checked-in files', async () => {
    const fresh = (await generate()) as { schema: string; validator: string };
    expect(readFileSync(`${root}/src/ledger/validate-ledger.generated.js`, 'utf8'), 'run node scripts/generate-validators.mjs').toBe(fresh.validator);
    expect(readFileSync(`${root}/schema/ledger.schema.json`, 'utf8'), 'run node scripts/generate-validators.mjs').toBe(fresh.schema);
  });

  it('accepts a realistic 1,000-event ledger, event by event as zod does', () => {
    expect(parseLedger(structuredClone(ledger)).events).toHaveLength(1000);
    for (const event of ledger.events) expect(eventSchema.safeParse(event).success).toBe(true);
  });

  const first = ledger.events.find((e) => e.type === 'blocker.added')!;
  const cases: [string, (e: Record<string, any>) => void][] = [
    ['a missing actor', (e) => delete e.actor],
    ['an empty actor', (e) => (e.actor = '')],
    ['an id that is not a positive whole number', (e) => (e.id = 1.5)],
    ['a time without a zone', (e) => (e.at = '2026-11-23T09:00:00')],
    ['an impossible date', (e) => (e.at = '2026-02-30T09:00:00Z')],
    ['an unknown event type', (e) => (e.type = 'blocker.exploded')],
    ['a blocker id of the wrong kind', (e) => (e.data.id = 'D-1')],
    ['a blocker without an owner', (e) => delete e.data.owner],
    ['an owner that is a number', (e) => (e.data.owner = 42)],
    ['a title over 200 characters', (e) => (e.data.title = 'x'.repeat(201))],
    ['a due time that is not a date', (e) => (e.data.due = 'tomorrow')],
    ['data that is a list', (e) => (e.data = [])],
  ];
  for (const [what, mutate] of cases) {
    it(`refuses ${what}, as zod does`, () => {
      const event = structuredClone(first);
      mutate(event);
      expect(eventSchema.safeParse(event).success).toBe(false);
      expect(accepts(event)).toBe(false);
      expect(() => parseLedger({ schemaVersion: 1, events: [event] })).toThrow(/^event /);
    });
  }
});
