// Blockers end to end: raising one with the playbook's 48-hour window, the breach when the clock
// passes it (blockers shows it first, --check fails, status lists it), resolving and escalating.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hasControlCharacters } from '../helpers/cli.js';
import { createLedgerSandbox, makeSeeds, type LedgerSandbox, type Seeds } from '../helpers/ledger.js';

let seeds: Seeds;
let box: LedgerSandbox;

beforeAll(() => {
  seeds = makeSeeds(['bare']);
});
afterAll(() => seeds?.cleanup());
beforeEach(() => {
  box = createLedgerSandbox();
  box.useLedger(seeds.bare);
});
afterEach(() => box.cleanup());

/** The first cell of each body row of a cli-table3 table: `B-2 BREACHED`, `B-1`, ... */
function firstColumn(table: string): string[] {
  return table
    .split('\n')
    .map((line) => /^│ (\S[^│]*?)\s*│/.exec(line)?.[1])
    .filter((cell): cell is string => cell !== undefined && cell !== 'id');
}

// The sandbox clock is Monday 2026-11-23 09:00 UTC; the pm playbook's blocker window is 48 hours.
const AT_WINDOW = { env: { PLAYBOOK_NOW: '2026-11-25T09:00:00Z' } };
const PAST_WINDOW = { env: { PLAYBOOK_NOW: '2026-11-25T09:00:01Z' } };

describe('blocker add', () => {
  it("is due at the end of the playbook's 48-hour window unless --due says otherwise", () => {
    expect(box.ok(['blocker', 'add', 'EHR sandbox access', '--owner', 'Sam Lee', '--fallback', 'Use recorded fixtures']).stdout).toBe(
      'B-1 added: EHR sandbox access (owner Sam Lee, due Wed 25 Nov 09:00)\n',
    );
    expect(box.ok(['blocker', 'add', 'BAA signature', '--owner', 'Dana', '--due', '+24h']).stdout).toMatch(/^B-2 added: .* due Tue 24 Nov 09:00\)/);
    expect(box.ok(['blocker', 'add', 'Pilot clinic list', '--owner', 'Dana', '--due', 'next friday']).stdout).toMatch(/^B-3 added: .* due Fri 27 Nov 23:59\)/);
    const events = box.read().events.filter((e) => e.type === 'blocker.added');
    expect(events.map((e) => [e.data.id, e.data.due, e.data.fallback])).toEqual([
      ['B-1', '2026-11-25T09:00:00.000Z', 'Use recorded fixtures'],
      ['B-2', '2026-11-24T09:00:00.000Z', ''],
      ['B-3', '2026-11-27T23:59:59.999Z', ''],
    ]);
  });

  it('links the decision it blocks, and hints when there is no fallback plan', () => {
    box.ok(['decision', 'add', 'Ship guided setup', '--owner', 'Priya', '--due', '+7d']);
    const result = box.ok(['blocker', 'add', 'BAA signature', '--owner', 'Dana', '--decision', 'd1']);
    expect(result.stderr).toMatch(/hint: B-1 has no fallback plan/);
    const [blocker] = box.json(['blockers']).blockers;
    expect(blocker).toMatchObject({ id: 'B-1', decision: 'D-1', fallback: '' });
    expect(box.ok(['log', '--record', 'D-1']).stdout).toMatch(/raised B-1 "BAA signature"/);
  });
});

describe('blockers', () => {
  // Three blockers raised on Monday 09:00: B-1 due in 5 days, B-2 in the 48-hour window, B-3 in 72 hours.
  let three: LedgerSandbox;
  beforeAll(() => {
    three = createLedgerSandbox();
    three.useLedger(seeds.bare);
    three.ok(['blocker', 'add', 'BAA signature', '--owner', 'Dana Cruz', '--due', '+5d', '--fallback', 'Pilot without patient data']);
    three.ok(['blocker', 'add', 'EHR sandbox access', '--owner', 'Sam Lee', '--fallback', 'Use recorded fixtures']);
    three.ok(['blocker', 'add', 'Vendor security review', '--owner', 'sam lee', '--due', '+72h', '--fallback', 'Ship behind a flag']);
  });
  afterAll(() => three?.cleanup());
  beforeEach(() => box.useLedger(three.ledger));

  it('lists the active blockers by due time with owner, age, due and fallback, and no escape codes in a pipe', () => {
    const result = box.ok(['blockers'], { env: { PLAYBOOK_NOW: '2026-11-24T10:30:00Z' } });
    expect(firstColumn(result.stdout)).toEqual(['B-2', 'B-3', 'B-1']);
    expect(result.stdout).toMatch(/│ id\s+│ blocker\s+│ owner\s+│ age\s+│ due\s+│ fallback\s+│/);
    const row = result.stdout.split('\n').find((l) => l.startsWith('│ B-2 '))!;
    expect(row).toMatch(/│ B-2\s+│ EHR sandbox access\s+│ Sam Lee\s+│ 1d 1h\s+│ Wed 25 Nov 09:00\s+│ Use recorded fixtures\s+│/);
    expect(result.stdout).toMatch(/│ in 22h\s+│/);
    expect(hasControlCharacters(result.stdout)).toBe(false);
    expect(result.stderr).toBe('');
    // Due times are shown in the chosen zone.
    expect(box.ok(['blockers', '--tz', 'America/New_York']).stdout).toMatch(/│ B-2\s+│ EHR sandbox access\s+│ Sam Lee\s+│ 0m\s+│ Wed 25 Nov 04:00\s+│/);
  });

  it('--owner keeps one person\'s blockers, whatever the case', () => {
    expect(firstColumn(box.ok(['blockers', '--owner', 'SAM LEE']).stdout)).toEqual(['B-2', 'B-3']);
    expect(box.run(['blockers', '--owner', 'Nobody']).stderr).toMatch(/no active blockers/);
  });

  it('a blocker is not breached at the end of its window, and is one second later: listed first, --check fails, status lists it', () => {
    // At the window's end nothing is breached yet.
    expect(firstColumn(box.ok(['blockers'], AT_WINDOW).stdout)).toEqual(['B-2', 'B-3', 'B-1']);
    expect(box.run(['blockers', '--check'], AT_WINDOW).status).toBe(0);

    // One second later B-2, raised second, is the breached one and comes first.
    const list = box.run(['blockers'], PAST_WINDOW);
    expect(list.status).toBe(0);
    expect(firstColumn(list.stdout)).toEqual(['B-2 BREACHED', 'B-3', 'B-1']);
    expect(list.stdout.split('\n').find((l) => l.startsWith('│ B-2 BREACHED'))).toMatch(/Use recorded fixtures/);
    expect(list.stderr).toMatch(/1 breached: past the 48-hour window/);

    const check = box.run(['blockers', '--check'], PAST_WINDOW);
    expect(check.status).toBe(1);
    expect(check.stderr).toMatch(/playbook: 1 blocker is breached: B-2/);

    expect(firstColumn(box.ok(['blockers', '--breached'], PAST_WINDOW).stdout)).toEqual(['B-2 BREACHED']);

    const status = box.ok(['status'], PAST_WINDOW).stdout;
    expect(status).toMatch(/blockers: 3 active, 1 breached/);
    expect(status).toMatch(/Breached\n {2}B-2 EHR sandbox access \(Sam Lee, 0m overdue\)\n {5}fallback: Use recorded fixtures\n/);
    const model = box.json(['status'], PAST_WINDOW);
    expect(model.counts).toMatchObject({ activeBlockers: 3, breachedBlockers: 1 });
    expect(model.breached).toEqual([{ id: 'B-2', title: 'EHR sandbox access', owner: 'Sam Lee', due: '2026-11-25T09:00:00.000Z', fallback: 'Use recorded fixtures', escalated: false, escalationNote: null }]);
  });

  it('--check exits 1 whenever any blocker is breached, also with --json (which still prints the list)', () => {
    const later = { env: { PLAYBOOK_NOW: '2026-12-01T00:00:00Z' } };
    const result = box.run(['blockers', '--check', '--json'], later);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/3 blockers are breached: B-2, B-3, B-1/);
    expect(JSON.parse(result.stdout).blockers.map((b: { id: string; breached: boolean }) => [b.id, b.breached])).toEqual([
      ['B-2', true],
      ['B-3', true],
      ['B-1', true],
    ]);
  });

  it('--json: a stable, versioned shape with the exact values', () => {
    const out = box.json(['blockers'], PAST_WINDOW);
    expect(Object.keys(out)).toEqual(['version', 'cycle', 'now', 'blockers']);
    expect(out).toMatchObject({ version: 1, cycle: 'pm-2026-11-23', now: '2026-11-25T09:00:01.000Z' });
    expect(out.blockers[0]).toStrictEqual({
      id: 'B-2',
      title: 'EHR sandbox access',
      owner: 'Sam Lee',
      status: 'open',
      breached: true,
      escalated: false,
      escalationNote: null,
      resolutionNote: null,
      raised: '2026-11-23T09:00:00.000Z',
      due: '2026-11-25T09:00:00.000Z',
      ageHours: 48,
      fallback: 'Use recorded fixtures',
      decision: null,
      notes: [],
      resolved: null,
    });
  });

  it('resolve takes a blocker off the active list, --all shows it last; escalate marks it and keeps the note', () => {
    expect(box.ok(['blocker', 'resolve', 'B-2', '--note', 'Credentials arrived']).stdout).toBe('B-2 resolved\n');
    expect(box.ok(['blocker', 'escalate', 'b3', '--note', 'Vendor silent for a week']).stdout).toBe('B-3 escalated\n');
    expect(firstColumn(box.ok(['blockers'], PAST_WINDOW).stdout)).toEqual(['B-3 escalated', 'B-1']);
    expect(firstColumn(box.ok(['blockers', '--all'], PAST_WINDOW).stdout)).toEqual(['B-3 escalated', 'B-1', 'B-2 resolved']);
    // A resolved blocker is never breached, however late it is.
    expect(box.run(['blockers', '--check'], PAST_WINDOW).status).toBe(0);
    const all = box.json(['blockers', '--all']).blockers;
    expect(all.find((b: { id: string }) => b.id === 'B-3')).toMatchObject({ status: 'escalated', notes: ['Vendor silent for a week'] });
    expect(all.find((b: { id: string }) => b.id === 'B-2')).toMatchObject({ status: 'resolved', notes: ['Credentials arrived'], resolved: { at: '2026-11-23T09:00:00.000Z' } });
  });

  it('with colour forced, the breached row is coloured, and the colour codes are never printed as text', () => {
    const result = box.ok(['blockers'], { env: { ...PAST_WINDOW.env, FORCE_COLOR: '1' } });
    expect(result.stdout).toContain('\u001b[31m\u001b[1mB-2 BREACHED\u001b[22m\u001b[39m');
    expect(result.stdout).not.toContain('␛');
    const plain = box.ok(['blockers', '--color=never'], { env: { ...PAST_WINDOW.env, FORCE_COLOR: '1' } });
    expect(hasControlCharacters(plain.stdout)).toBe(false);
  });
});
