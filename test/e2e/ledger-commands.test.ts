// The ledger commands end to end, against the built binary with a temporary ledger: init, decisions,
// risks, metrics, checklist, log, undo, cycles and use, completion, and what reaches the terminal.
// Also: ledger-file.test.ts (location, events, safe writes), blockers.test.ts, and
// ledger-failures.test.ts (every documented failure leaves the ledger byte-for-byte unchanged).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { hasControlCharacters } from '../helpers/cli.js';
import { createLedgerSandbox, filesUnder, makeSeeds, type LedgerSandbox, type Seeds } from '../helpers/ledger.js';
import { CYCLE_ID, SNAPSHOT, startCycle } from '../helpers/summary-ledger.js';

let seeds: Seeds;
let box: LedgerSandbox;

beforeAll(() => {
  seeds = makeSeeds();
});
afterAll(() => seeds?.cleanup());
beforeEach(() => {
  box = createLedgerSandbox();
});
afterEach(() => box.cleanup());

/** The part of an event id that `log` and `undo` show: eight characters of its unique part, lower case. */
const short = (id: string) => id.slice(10, 18).toLowerCase();

/** The ledger's event of this type whose data.id is `id`. */
const eventOf = (sandbox: LedgerSandbox, type: string, id: string) => sandbox.read().events.find((e) => e.type === type && e.data.id === id);

/** The first cell of each body row of a cli-table3 table. */
function firstColumn(table: string): string[] {
  return table
    .split('\n')
    .map((line) => /^│ (\S[^│]*?)\s*│/.exec(line)?.[1])
    .filter((cell): cell is string => cell !== undefined && cell !== 'id');
}

// ---------------------------------------------------------------------------------------------------------

describe('init', () => {
  it('--no-session creates one cycle, named after the playbook and the day, standing at step 1 with nothing in it', () => {
    box.ok(['init', 'healthcare', 'pm', '--no-session']);
    const status = box.json(['status']);
    expect(status.cycle).toEqual({
      id: 'pm-2026-11-23',
      name: 'Healthcare product manager — onboarding optimization launch cycle (2026-11-23)',
      playbook: 'healthcare/product-manager',
      started: '2026-11-23T09:00:00.000Z',
    });
    expect(status.session).toMatchObject({ step: 'scope', number: 1, of: 6 });
    expect(status.counts).toEqual({ openDecisions: 0, closedDecisions: 0, activeBlockers: 0, breachedBlockers: 0, openRisks: 0, checklistDone: 0, checklistTotal: 16, metricReadings: 0 });
    expect(box.read().events.map((e: { type: string }) => e.type)).toEqual(['cycle.created']);
  });

  it('--cycle NAME names the new cycle and makes it current; another cycle the same day gets an id of its own', () => {
    box.ok(['init', 'healthcare', 'pm', '--no-session']);
    box.ok(['init', 'healthcare', 'pm', '--no-session']);
    box.ok(['init', 'healthcare', 'ops', '--no-session', '--cycle', 'Clinic onboarding Q1']);
    const cycles = box.json(['cycles']);
    expect(cycles.current).toBe('clinic-onboarding-q1');
    expect(cycles.cycles.map((c: { id: string; name: string }) => [c.id, c.name])).toEqual([
      ['pm-2026-11-23', expect.any(String)],
      ['pm-2026-11-23-2', expect.any(String)],
      ['clinic-onboarding-q1', 'Clinic onboarding Q1'],
    ]);
  });

  it('the answers template, answered back with --answers, runs all six steps without a prompt', () => {
    // The `full` seed was made exactly so: `init healthcare pm --answers-template > a.yaml`, then `init healthcare pm --answers a.yaml`.
    box.useLedger(seeds.full);
    const status = box.json(['status']);
    expect(status.session).toEqual({ step: null, done: true });
    expect(status.outcome).toMatch(/first-run setup/);
    expect(status.counts).toMatchObject({ openDecisions: 3, activeBlockers: 1, openRisks: 3 });
    const metrics = box.json(['metrics']).metrics;
    expect(metrics).toHaveLength(6);
    for (const m of metrics) expect([m.id, typeof m.baseline, typeof m.target]).toEqual([m.id, 'number', 'number']);
    expect(box.ok(['status']).stdout).toMatch(/session: all six steps done/);
    // What falls due in the next 7 days, soonest first: blockers, decisions and checkpoints together.
    expect(status.dueNext.map((d: { id: string; kind: string; due: string }) => [d.id, d.kind, d.due])).toEqual([
      ['B-1', 'blocker', '2026-11-25T09:00:00.000Z'],
      ['D-2', 'decision', '2026-11-27'],
      ['D-1', 'decision', '2026-11-30'],
      ['C-1', 'checkpoint', '2026-11-30'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('decisions', () => {
  beforeEach(() => box.useLedger(seeds.bare));

  it('decision add gives short ids D-1, D-2 and reads due dates as people type them', () => {
    expect(box.ok(['decision', 'add', 'Ship guided setup', '--owner', 'Priya Raman', '--due', 'next friday']).stdout).toBe('D-1 added: Ship guided setup (owner Priya Raman, due 2026-11-27)\n');
    expect(box.ok(['decision', 'add', 'Freeze the brief', '--owner', 'Ben', '--due', '+3d', '--criteria', 'Support signs off', '--criteria', 'Marketing signs off']).stdout).toBe(
      'D-2 added: Freeze the brief (owner Ben, due 2026-11-26)\n',
    );
    expect(box.ok(['decision', 'add', 'Pick the pilot', '--owner', 'Ana', '--due', '2026-12-04']).stdout).toMatch(/^D-3 added: .*due 2026-12-04\)/);
    const out = box.json(['decisions']);
    expect(out.decisions.map((d: { id: string; due: string }) => [d.id, d.due])).toEqual([
      ['D-2', '2026-11-26'],
      ['D-1', '2026-11-27'],
      ['D-3', '2026-12-04'],
    ]);
    expect(out.decisions[0].criteria).toEqual(['Support signs off', 'Marketing signs off']);
    expect(out.decisions[0].created.event).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('approve, close and reopen move a decision between --open (the default), --closed and --all; --owner filters', () => {
    box.ok(['decision', 'add', 'Ship guided setup', '--owner', 'Priya Raman', '--due', '+7d']);
    box.ok(['decision', 'add', 'Freeze the brief', '--owner', 'Ben', '--due', '+3d']);
    expect(box.ok(['decision', 'approve', 'D-1']).stdout).toBe('D-1 approved\n');
    expect(box.ok(['decision', 'close', 'd-1', '--note', 'Shipped to all clinics']).stdout).toBe('D-1 closed\n');
    expect(firstColumn(box.ok(['decisions']).stdout)).toEqual(['D-2']);
    expect(firstColumn(box.ok(['decisions', '--open']).stdout)).toEqual(['D-2']);
    expect(firstColumn(box.ok(['decisions', '--closed']).stdout)).toEqual(['D-1']);
    expect(box.ok(['decisions', '--closed']).stdout).toMatch(/│ D-1 │ Ship guided setup\s+│ Priya Raman │ 2026-11-30 │ closed, approved\s+│/);
    expect(firstColumn(box.ok(['decisions', '--all']).stdout)).toEqual(['D-2', 'D-1']);
    expect(firstColumn(box.ok(['decisions', '--all', '--owner', 'priya raman']).stdout)).toEqual(['D-1']);
    expect(box.ok(['decision', 'reopen', 'D1']).stdout).toBe('D-1 reopened\n');
    expect(firstColumn(box.ok(['decisions']).stdout)).toEqual(['D-2', 'D-1']);
    const none = box.ok(['decisions', '--owner', 'Nobody']);
    expect([none.stdout, none.stderr]).toEqual(['', 'no open decisions owned by Nobody in pm-2026-11-23\n']);
  });

  it('decisions --json: version 1 and every field, with the exact values', () => {
    box.ok(['--as', 'Ana', 'decision', 'add', 'Ship guided setup', '--owner', 'Priya Raman', '--due', '+7d', '--criteria', 'Setup completion above 80%']);
    const out = box.json(['decisions', '--all']);
    expect(out).toStrictEqual({
      version: 1,
      cycle: 'pm-2026-11-23',
      decisions: [
        {
          id: 'D-1',
          title: 'Ship guided setup',
          owner: 'Priya Raman',
          due: '2026-11-30',
          status: 'open',
          approved: false,
          criteria: ['Setup completion above 80%'],
          evidence: [],
          buildScope: null,
          created: { at: '2026-11-23T09:00:00.000Z', actor: 'Ana', event: eventOf(box, 'decision.added', 'D-1').id },
          closed: null,
          closeNote: null,
          conflict: null,
        },
      ],
    });
  });

  it('a decision past its due date is "late" on the calendar of the chosen zone, not of UTC', () => {
    box.ok(['decision', 'add', 'Freeze the brief', '--owner', 'Ben', '--due', '2026-11-27']);
    // Saturday 02:00 UTC is still Friday 18:00 in Los Angeles: due today there, not late.
    const env = { PLAYBOOK_NOW: '2026-11-28T02:00:00Z' };
    expect(box.ok(['decisions'], { env }).stdout).toContain('2026-11-27 (late)');
    expect(box.ok(['decisions', '--tz', 'America/Los_Angeles'], { env }).stdout).not.toContain('late');
    expect(box.ok(['decisions'], { env: { ...env, PLAYBOOK_TZ: 'America/Los_Angeles' } }).stdout).not.toContain('late');
  });
});

describe('risks', () => {
  it('risk add gives R-1, R-2...; risks lists the open ones by impact then cost; close hides one, --all shows it', () => {
    box.useLedger(seeds.bare);
    const add = (title: string, impact: string, cost: string, owner: string) => box.ok(['risk', 'add', title, '--impact', impact, '--cost', cost, '--mitigation', `Mitigate ${title}`, '--owner', owner]).stdout;
    expect(add('Handoff gaps', 'medium', 'high', 'Tom')).toBe('R-1 added: Handoff gaps (impact medium, cost high, owner Tom)\n');
    add('Eligibility timeouts', 'HIGH', 'medium', 'Priya');
    add('Messaging drift', 'low', 'low', 'Marcus');
    add('Consent capture fails', 'high', 'high', 'Priya');
    expect(firstColumn(box.ok(['risks']).stdout)).toEqual(['R-4', 'R-2', 'R-1', 'R-3']);
    expect(box.ok(['risk', 'close', 'R-4', '--note', 'Fixed upstream']).stdout).toBe('R-4 closed\n');
    expect(firstColumn(box.ok(['risks']).stdout)).toEqual(['R-2', 'R-1', 'R-3']);
    expect(firstColumn(box.ok(['risks', '--all']).stdout)).toEqual(['R-2', 'R-1', 'R-3', 'R-4 closed']);
    const out = box.json(['risks', '--all']);
    expect(out.version).toBe(1);
    expect(out.risks[0]).toStrictEqual({
      id: 'R-2',
      title: 'Eligibility timeouts',
      impact: 'high',
      cost: 'medium',
      mitigation: 'Mitigate Eligibility timeouts',
      owner: 'Priya',
      status: 'open',
      created: { at: '2026-11-23T09:00:00.000Z', actor: expect.any(String), event: eventOf(box, 'risk.added', 'R-2').id },
      closed: null,
    });
    expect(out.risks[3]).toMatchObject({ id: 'R-4', status: 'closed', closed: { event: eventOf(box, 'risk.closed', 'R-4').id } });
  });
});

describe('metrics', () => {
  it('metric record takes an id or a name, --at and --note; metrics shows latest, baseline, target, direction and trend', () => {
    box.useLedger(seeds.full);
    // Two weeks into the cycle (begun on 2026-11-23), so --at can go back into it.
    const later = { env: { PLAYBOOK_NOW: '2026-12-07T09:00:00Z' } };
    expect(box.ok(['metric', 'record', 'approval-cycle-time', '7.5', '--at', '2026-11-24', '--note', 'before the change'], later).stdout).toBe('approval-cycle-time recorded: 7.5\n');
    box.ok(['metric', 'record', 'Approval Cycle Time', '5', '--at', '-2d'], later);
    box.ok(['metric', 'record', 'decision-closure-rate', '72%'], later);
    box.ok(['metric', 'record', 'post-launch-change-volume', '0'], later);
    const out = box.json(['metrics'], later);
    expect(out.version).toBe(1);
    const act = out.metrics.find((m: { id: string }) => m.id === 'approval-cycle-time');
    expect(act).toStrictEqual({
      id: 'approval-cycle-time',
      name: 'Approval cycle time',
      unit: 'days',
      direction: 'down',
      latest: { value: 5, at: '2026-12-05T00:00:00.000Z' },
      baseline: 9,
      target: 4,
      // ISO weeks, as in the summary: 2026-11-24 is in W48, -2d (Saturday) in W49, and W50 (today, a Monday) has none yet.
      trend: [null, null, null, 7.5, 5, null],
      onTarget: false,
    });
    expect(out.metrics.find((m: { id: string }) => m.id === 'decision-closure-rate').latest).toEqual({ value: 72, at: '2026-12-07T09:00:00.000Z' });
    expect(out.metrics.find((m: { id: string }) => m.id === 'post-launch-change-volume').latest.value).toBe(0);
    const table = box.ok(['metrics'], later).stdout;
    expect(table).toMatch(/│ Approval cycle time\s+│ 5\s+│ 9\s+│ 4\s+│ ↓ days\s+│ +█▁ +│ not yet\s+│/);
    expect(table).toMatch(/│ Scope stability across review rounds\s+│ no reading\s+│ 60%\s+│ 85%\s+│ ↑ %/);
    expect(box.read().events.filter((e: { type: string }) => e.type === 'metric.recorded')[0].data).toEqual({
      metric: 'approval-cycle-time',
      value: 7.5,
      at: '2026-11-24T00:00:00.000Z',
      note: 'before the change',
    });
  });
});

describe('checklist', () => {
  it('lists the 16 items in order; done ticks one by id or by its number, and records who and when', () => {
    box.useLedger(seeds.bare);
    const list = box.ok(['checklist']).stdout;
    expect(list).toMatch(/│ 1 +│ ☐ │ kickoff-scope-alignment/);
    expect(list.trimEnd().split('\n').at(-1)).toBe('0 of 16 done');
    expect(box.ok(['checklist', 'done', 'weekly-review'], { env: { PLAYBOOK_ACTOR: 'Ana' } }).stdout).toBe('weekly-review done\n');
    expect(box.ok(['checklist', 'done', '3']).stdout).toBe('single-source-of-truth done\n');
    const out = box.json(['checklist']);
    expect(out).toMatchObject({ version: 1, cycle: 'pm-2026-11-23', done: 2, total: 16 });
    expect(out.items[9]).toEqual({ id: 'weekly-review', text: expect.any(String), done: { at: '2026-11-23T09:00:00.000Z', actor: 'Ana' } });
    expect(out.items[0].done).toBeNull();
    const after = box.ok(['checklist']).stdout;
    expect(after).toMatch(/│ 10 +│ ✔ │ weekly-review +│ .* │ Ana, 2026-11-23 +│/);
    expect(after.trimEnd().split('\n').at(-1)).toBe('2 of 16 done');
  });
});

describe('log and undo', () => {
  // This clone started the cycle and made three changes after it, by two people on three days.
  beforeEach(() => {
    box.ok(['init', 'healthcare', 'pm', '--no-session']);
    box.ok(['--as', 'Ana', 'decision', 'add', 'Ship guided setup', '--owner', 'Priya', '--due', '+7d']);
    box.ok(['--as', 'Ben', 'blocker', 'add', 'EHR sandbox', '--owner', 'Sam', '--decision', 'D-1', '--fallback', 'Fixtures'], { env: { PLAYBOOK_NOW: '2026-11-25T12:00:00Z' } });
    box.ok(['--as', 'Ana', 'decision', 'approve', 'D-1'], { env: { PLAYBOOK_NOW: '2026-11-26T08:00:00Z' } });
  });
  /** The short ids of the ledger's events, oldest first. */
  const ids = () => box.read().events.map((e) => short(e.id));
  const firstWords = (text: string) => text.trimEnd().split('\n').map((l) => l.split(' ')[0]);

  it('log is the audit trail: every change with its event id, time, actor and command; --since, --actor and --record narrow it', () => {
    const [created, added, raised, approved] = ids();
    expect(new Set([created, added, raised, approved]).size).toBe(4);
    const lines = box.ok(['log']).stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(`${created} 2026-11-23 09:00 ${userInfo().username} [init] started cycle pm-2026-11-23 from healthcare/product-manager`);
    expect(lines[1]).toBe(`${added} 2026-11-23 09:00 Ana [decision add] added D-1 "Ship guided setup" (owner Priya, due 2026-11-30)`);
    expect(lines[2]).toBe(`${raised} 2026-11-25 12:00 Ben [blocker add] raised B-1 "EHR sandbox" (owner Sam, due 2026-11-27 12:00)`);
    expect(lines[3]).toBe(`${approved} 2026-11-26 08:00 Ana [decision approve] approved D-1`);
    expect(firstWords(box.ok(['log', '--since', '2026-11-25']).stdout)).toEqual([raised, approved]);
    expect(firstWords(box.ok(['log', '--since', 'today'], { env: { PLAYBOOK_NOW: '2026-11-26T09:00:00Z' } }).stdout)).toEqual([approved]);
    expect(firstWords(box.ok(['log', '--actor', 'ana']).stdout)).toEqual([added, approved]);
    expect(firstWords(box.ok(['log', '--record', 'd1']).stdout)).toEqual([added, raised, approved]);
    expect(firstWords(box.ok(['log', '--record', 'B-1']).stdout)).toEqual([raised]);
    expect(box.ok(['log', '--since', '2026-12-01']).stderr).toBe('no events match\n');
    // Times are shown in the chosen zone, a blocker's due time too.
    const eastern = box.ok(['log', '--tz', 'America/New_York']).stdout.split('\n');
    expect(eastern[1]).toMatch(new RegExp(`^${added} 2026-11-23 04:00 Ana `));
    expect(eastern[2]).toBe(`${raised} 2026-11-25 07:00 Ben [blocker add] raised B-1 "EHR sandbox" (owner Sam, due 2026-11-27 07:00)`);
  });

  it('log of a ledger of two cycles: --cycle narrows it to one; --record names a record of the cycle the command is about, its key one of any cycle', () => {
    const [created, added, raised, approved] = ids();
    box.ok(['init', 'healthcare', 'ops', '--no-session', '--cycle', 'Second'], { env: { PLAYBOOK_NOW: '2026-11-27T09:00:00Z' } });
    box.ok(['--as', 'Cy', 'decision', 'add', 'Second D-1', '--owner', 'Cy', '--due', '+7d'], { env: { PLAYBOOK_NOW: '2026-11-27T10:00:00Z' } });
    const [started, secondAdded] = ids().slice(4);
    const first = box.json(['cycles']).cycles[0].id as string;
    expect(firstWords(box.ok(['log']).stdout)).toEqual([created, added, raised, approved, started, secondAdded]);
    expect(firstWords(box.ok(['log', '--cycle', first]).stdout)).toEqual([created, added, raised, approved]);
    expect(firstWords(box.ok(['log', '--cycle', 'second']).stdout)).toEqual([started, secondAdded]);
    // D-1 is the current cycle's unless --cycle says otherwise; each line names it as its cycle does.
    expect(box.ok(['log', '--record', 'D-1']).stdout).toMatch(new RegExp(`^${secondAdded} 2026-11-27 10:00 Cy \\[decision add\\] added D-1 "Second D-1"`));
    expect(firstWords(box.ok(['log', '--record', 'D-1']).stdout)).toEqual([secondAdded]);
    expect(firstWords(box.ok(['log', '--record', 'D-1', '--cycle', first]).stdout)).toEqual([added, raised, approved]);
    // A record's key (the id of the event that added it) reaches it in any cycle.
    const key = eventOf(box, 'decision.added', 'D-1')!.id as string;
    expect(firstWords(box.ok(['log', '--record', key]).stdout)).toEqual([added, raised, approved]);
    expect(box.json(['log', '--cycle', first]).events.map((e: { record: string | null }) => e.record)).toEqual([null, 'D-1', 'B-1', 'D-1']);
  });

  it('log --since reads only the cycles changed since then, and shows what a read of every event shows, before and after the files are noted as checked', () => {
    box.ok(['init', 'healthcare', 'ops', '--no-session', '--cycle', 'Second'], { env: { PLAYBOOK_NOW: '2026-11-27T09:00:00Z' } });
    box.ok(['--as', 'Cy', 'decision', 'add', 'Second D-1', '--owner', 'Cy', '--due', '+7d'], { env: { PLAYBOOK_NOW: '2026-11-27T10:00:00Z' } });
    // An undo is read with every cycle's lines: this one, in the first cycle, is shown since the 27th.
    const first = box.json(['cycles']).cycles[0].id as string;
    box.ok(['undo', '--cycle', first], { env: { PLAYBOOK_NOW: '2026-11-28T09:00:00Z' } });
    const all = box.json(['log']).events as { at: string }[];
    const text = box.ok(['log']).stdout.trimEnd().split('\n');
    const check = () => {
      for (const since of ['2026-11-27', '2026-11-27T09:30', '2026-11-28', '2026-11-24']) {
        const from = Date.parse(`${since}${since.length === 10 ? 'T00:00' : ''}:00Z`);
        const wanted = all.flatMap((e, i) => (Date.parse(e.at) >= from ? [i] : []));
        expect(wanted.length, since).toBeGreaterThan(0);
        expect(box.json(['log', '--since', since]).events, since).toEqual(wanted.map((i) => all[i]));
        expect(box.ok(['log', '--since', since]).stdout.trimEnd().split('\n'), since).toEqual(wanted.map((i) => text[i]));
      }
    };
    check();
    // Dated 5 s on, the notes are trusted alone (src/ledger/checked.ts): the files are read by their indexes.
    const notes = box.path('cache', 'playbook', 'checked.json');
    const data = JSON.parse(readFileSync(notes, 'utf8')) as { files: Record<string, { at: string; index?: unknown }> };
    expect(Object.values(data.files).some((note) => note.index !== undefined)).toBe(true);
    for (const note of Object.values(data.files)) note.at = String(BigInt(note.at) + 5_000_000_000n);
    writeFileSync(notes, JSON.stringify(data));
    check();
  });

  it('log --json: version 1, the events themselves, each with its short id, the record it names, and which undo (if any) undid it', () => {
    box.ok(['undo']);
    const events = box.read().events;
    const out = box.json(['log']);
    expect(out.version).toBe(1);
    expect(out.events.map((e: { id: string; undoneBy: string | null }) => [e.id, e.undoneBy])).toEqual([
      [events[0].id, null],
      [events[1].id, null],
      [events[2].id, null],
      [events[3].id, events[4].id],
      [events[4].id, null],
    ]);
    expect(events[4]).toMatchObject({ type: 'undo', data: { target: events[3].id } });
    const { id, replica, seq, prev, cycle, link } = events[2];
    expect(out.events[2]).toStrictEqual({
      id,
      replica,
      seq,
      prev,
      at: '2026-11-25T12:00:00.000Z',
      actor: 'Ben',
      command: 'blocker add',
      cycle,
      link,
      type: 'blocker.added',
      data: { id: 'B-1', title: 'EHR sandbox', owner: 'Sam', due: '2026-11-27T12:00:00.000Z', fallback: 'Fixtures', decision: 'D-1' },
      event: short(id),
      record: 'B-1',
      undoneBy: null,
    });
    // The blocker names the cycle and the decision by the events that started and added them.
    expect([cycle, link]).toEqual([events[0].id, events[1].id]);
    expect(out.conflicts).toEqual([]);
  });

  it('undo shows the change it undoes and takes back exactly that one; repeated, it goes further back', () => {
    const [, , raised, approved] = ids();
    const before = box.files();
    expect(box.ok(['undo', '--dry-run']).stdout).toBe(`would undo ${approved} 2026-11-26 08:00 Ana: approved D-1\n`);
    expect(box.files()).toEqual(before);

    expect(box.ok(['undo']).stdout).toBe(`undid ${approved} 2026-11-26 08:00 Ana: approved D-1\n`);
    expect(box.json(['decisions']).decisions[0]).toMatchObject({ id: 'D-1', approved: false });
    const undo = ids()[4]!;
    expect(box.ok(['log']).stdout).toMatch(new RegExp(`${approved} .* approved D-1 \\(undone by ${undo}\\)\\n${undo} 2026-11-23 09:00 .* \\[undo\\] undid event ${approved}\\n$`));

    expect(box.ok(['undo']).stdout).toBe(`undid ${raised} 2026-11-25 12:00 Ben: raised B-1 "EHR sandbox" (owner Sam, due 2026-11-27 12:00)\n`);
    expect(box.json(['blockers', '--all']).blockers).toEqual([]);
    expect(box.json(['decisions']).decisions.map((d: { id: string }) => d.id)).toEqual(['D-1']);
  });

  it('undoing everything, the cycle included, leaves nothing to undo (exit 1, nothing written)', () => {
    for (let i = 0; i < 4; i++) box.ok(['undo']);
    const before = box.files();
    const result = box.run(['undo']);
    expect([result.status, result.stdout]).toEqual([1, '']);
    expect(result.stderr).toMatch(/^playbook: the ledger has no cycle yet\n/);
    expect(box.files()).toEqual(before);
    expect(box.run(['status']).stderr).toMatch(/the ledger has no cycle yet/);
  });

  it("undo takes back only this clone's own changes: a teammate's is undone by naming it, and not while later changes build on it unless --force", () => {
    // A teammate's clone of the same ledger: its own machine state, so none of these changes is its own.
    const teammate = createLedgerSandbox();
    try {
      teammate.useLedger(box.ledger);
      const before = teammate.files();
      const none = teammate.run(['undo']);
      expect([none.status, none.stdout]).toEqual([1, '']);
      expect(none.stderr).toMatch(/^playbook: nothing of this clone's to undo in cycle pm-2026-11-23\nhint: .*playbook undo EVENT/);
      expect(teammate.files()).toEqual(before);
      const [, added, , approved] = ids();
      const refused = teammate.run(['undo', added!]);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`^playbook: 2 later changes build on event ${added}, first `));
      expect(teammate.files()).toEqual(before);
      expect(teammate.ok(['undo', approved!]).stdout).toBe(`undid ${approved} 2026-11-26 08:00 Ana: approved D-1\n`);
      expect(teammate.json(['decisions']).decisions[0]).toMatchObject({ id: 'D-1', approved: false });
      teammate.ok(['undo', added!, '--force']);
      expect(teammate.json(['decisions']).decisions).toEqual([]);
      // Its undos went to a file of its own; the files it copied are as they were.
      for (const [name, bytes] of Object.entries(before)) expect(teammate.files()[name], name).toBe(bytes);
      expect(Object.keys(teammate.files())).toHaveLength(Object.keys(before).length + 1);
    } finally {
      teammate.cleanup();
    }
  });
});

describe('cycles and use', () => {
  it('cycles marks the current one; use switches it, and later commands work on that cycle; --cycle picks one for one command', () => {
    box.useLedger(seeds.bare);
    box.ok(['init', 'healthcare', 'cs', '--no-session', '--cycle', 'Clinic onboarding']);
    expect(box.ok(['cycles']).stdout).toMatch(/│ *│ pm-2026-11-23 +│[\s\S]*│ \* │ clinic-onboarding +│ Clinic onboarding +│ healthcare\/customer-success │ 2026-11-23 │/);

    // Which cycle is current is this clone's own choice: `use` changes its state, never the shared files.
    const shared = box.files();
    const state = filesUnder(box.path('state'));
    expect(box.ok(['use', 'pm-2026-11-23']).stdout).toBe('current cycle: pm-2026-11-23\n');
    expect(box.files()).toEqual(shared);
    expect(filesUnder(box.path('state'))).not.toEqual(state);
    const cycles = box.json(['cycles']);
    expect(cycles).toMatchObject({ version: 1, current: 'pm-2026-11-23' });
    expect(cycles.cycles).toEqual([
      { id: 'pm-2026-11-23', name: expect.any(String), playbook: 'healthcare/product-manager', created: '2026-11-23T09:00:00.000Z', startedBy: userInfo().username, current: true, step: 'scope' },
      { id: 'clinic-onboarding', name: 'Clinic onboarding', playbook: 'healthcare/customer-success', created: '2026-11-23T09:00:00.000Z', startedBy: userInfo().username, current: false, step: 'scope' },
    ]);

    // The newer cycle is this clone's own: nothing to announce.
    expect(box.ok(['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d']).stderr).toBe('');
    box.ok(['--cycle', 'clinic-onboarding', 'decision', 'add', 'Pick clinics', '--owner', 'Ana', '--due', '+7d']);
    expect(box.json(['decisions']).decisions.map((d: { title: string }) => d.title)).toEqual(['Ship']);
    expect(box.json(['--cycle', 'clinic-onboarding', 'decisions'])).toMatchObject({ cycle: 'clinic-onboarding', decisions: [{ id: 'D-1', title: 'Pick clinics' }] });

    // Using the current cycle again changes nothing: not the shared files, not this clone's state.
    const localState = () => Object.values(filesUnder(box.path('state'))).map((text) => JSON.parse(text));
    const before = { shared: box.files(), state: localState() };
    expect(box.ok(['use', 'pm-2026-11-23']).stdout).toBe('current cycle: pm-2026-11-23\n');
    expect({ shared: box.files(), state: localState() }).toEqual(before);
  });
});

describe('completion', () => {
  it('the bash script completes subcommands and options from the command tree, each word once', () => {
    const script = box.ok(['completion', 'bash']).stdout;
    const file = box.write('playbook.bash', script);
    const complete = (...words: string[]) => {
      const probe = `source ${JSON.stringify(file)}; COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${words.length - 1}; _playbook_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const result = spawnSync('bash', ['-c', probe], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      return result.stdout.trim().split('\n').filter(Boolean);
    };
    expect(complete('playbook', 'dec')).toEqual(['decision', 'decisions']);
    expect(complete('playbook', 'decision', 'a')).toEqual(['add', 'approve']);
    expect(complete('playbook', 'blockers', '--c')).toEqual(['--check', '--cycle', '--color']);
    expect(complete('playbook', 'metric', 'record', '--n')).toEqual(['--note', '--no-color', '--no-input']);
    const root = complete('playbook', '');
    expect(root).toEqual(expect.arrayContaining(['init', 'decision', 'blockers', 'undo', 'cycles', 'use', 'completion', '--ledger', '--json', '--tz']));
    expect(root).toHaveLength(new Set(root).size);
  });

  it('zsh and fish scripts name every command; an unknown shell is a usage error', () => {
    expect(box.ok(['completion', 'zsh']).stdout).toMatch(/^#compdef playbook\n[\s\S]*complete -F _playbook_complete playbook\n$/);
    const fish = box.ok(['completion', 'fish']).stdout.split('\n');
    for (const command of ['decision', 'decisions', 'blocker', 'blockers', 'risk', 'metric', 'checklist', 'log', 'undo', 'cycles', 'use']) {
      expect(fish).toContain(`complete -c playbook -n '__fish_use_subcommand' -a ${command}`);
    }
    expect(fish).toContain("complete -c playbook -n '__fish_seen_subcommand_from add' -l owner");
    expect(fish.filter((l) => l.endsWith('-l ledger'))).toEqual(['complete -c playbook -l ledger']);
    const bad = box.run(['completion', 'powershell']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/value 'powershell' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish/);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('what reaches the terminal', () => {
  const hostile = 'Sandbox \u001b]0;owned\u0007\u001b[2J\rgone\u009b31m\u007f';
  const shown = 'Sandbox ␛]0;owned␇␛[2J␍gone\\u{9b}31m␡';

  it('text a user typed has its control characters neutralised in every view, and is exact in --json', () => {
    box.useLedger(seeds.bare);
    const outputs = [
      box.ok(['decision', 'add', hostile, '--owner', 'Priya\u001b[8m', '--due', '+7d']),
      box.ok(['blocker', 'add', hostile, '--owner', 'Sam', '--fallback', `fallback ${hostile}`]),
      box.ok(['risk', 'add', hostile, '--impact', 'high', '--cost', 'low', '--mitigation', hostile, '--owner', 'Ana']),
      box.ok(['decisions']),
      box.ok(['blockers']),
      box.ok(['risks']),
      box.ok(['status'], { env: { PLAYBOOK_NOW: '2026-11-26T09:00:00Z' } }),
      box.ok(['log']),
      box.ok(['undo', '--dry-run']),
    ];
    for (const result of outputs) {
      expect(hasControlCharacters(result.stdout + result.stderr), result.stdout).toBe(false);
    }
    expect(outputs[0]!.stdout).toBe(`D-1 added: ${shown} (owner Priya␛[8m, due 2026-11-30)\n`);
    expect(outputs[1]!.stdout).toMatch(/^B-1 added: Sandbox ␛\]0;owned␇/);
    expect(outputs[3]!.stdout).toContain('Sandbox ␛]0;owned␇␛[2J␍gone');
    expect(outputs[6]!.stdout).toContain(`B-1 ${shown} (Sam, 1d overdue)\n     fallback: fallback ${shown}`);
    expect(outputs[7]!.stdout).toContain(`added D-1 "${shown}"`);

    expect(box.json(['decisions']).decisions[0]).toMatchObject({ title: hostile, owner: 'Priya\u001b[8m' });
    expect(box.json(['blockers']).blockers[0]).toMatchObject({ title: hostile, fallback: `fallback ${hostile}` });
    expect(box.json(['risks']).risks[0]).toMatchObject({ title: hostile, mitigation: hostile });
    expect(box.json(['log']).events[1].data.title).toBe(hostile);
  });

  it('piped, listings carry no escape codes; with colour forced, the colours are real escape codes, never ␛ text', () => {
    box.useLedger(seeds.full);
    box.ok(['checklist', 'done', '1']);
    box.ok(['metric', 'record', 'approval-cycle-time', '3']);
    const late = { PLAYBOOK_NOW: '2026-12-01T09:00:00Z' };
    for (const args of [['decisions'], ['checklist'], ['metrics'], ['status'], ['log']]) {
      const plain = box.ok(args, { env: late });
      expect(hasControlCharacters(plain.stdout), args.join(' ')).toBe(false);
      const forced = box.ok(args, { env: { ...late, FORCE_COLOR: '1' } });
      expect(forced.stdout, args.join(' ')).not.toContain('␛');
    }
    const forced = { env: { ...late, FORCE_COLOR: '1' } };
    expect(box.ok(['decisions'], forced).stdout).toContain('\u001b[31m2026-11-27 (late)\u001b[39m');
    expect(box.ok(['checklist'], forced).stdout).toContain('\u001b[32m✔\u001b[39m');
    expect(box.ok(['metrics'], forced).stdout).toContain('\u001b[32mon target\u001b[39m');
    expect(box.ok(['metrics'], { env: { ...late, NO_COLOR: '1', FORCE_COLOR: undefined } }).stdout).not.toMatch(/\u001b/);
  });
});

describe('log of a version-1 ledger', () => {
  it('marks an event undone when version 1 wrote the undo under another cycle, with --cycle too', () => {
    // Version 1 gave an undo the cycle current when it was made, not its target's.
    mkdirSync(box.ledgerDir, { mode: 0o700 });
    startCycle()
      .add('2026-10-14T09:00:00Z', 'priya', 'decision.added', { id: 'D-1', title: 'Ship guided setup', owner: 'Priya Raman', due: '2026-11-18', criteria: [] })
      .add('2026-10-15T09:00:00Z', 'priya', 'cycle.created', { cycle: { ...SNAPSHOT, id: 'second', name: 'Second' } }, null)
      .add('2026-10-15T10:00:00Z', 'priya', 'undo', { target: 8 } as never, 'second')
      .write(box.ledger);
    for (const args of [['log'], ['log', '--cycle', CYCLE_ID]]) {
      expect(box.ok(args).stdout, args.join(' ')).toMatch(/added D-1 "Ship guided setup" .*\(undone by \w{8}\)/);
      expect(box.json(args).events.find((e: { type: string }) => e.type === 'decision.added').undoneBy, args.join(' ')).toMatch(/^\w{26}$/);
    }
  });
});
