// A command that fails leaves the ledger exactly as it was: same pointer, same events files byte for
// byte, no lock or temporary file left behind, and this machine's own state for it (replica name,
// current cycle) unchanged. Each failure also says what was wrong, with the documented exit code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedgerSandbox, filesUnder, isCleanFailure, makeSeeds, type LedgerSandbox, type Seeds } from '../helpers/ledger.js';

let seeds: Seeds;
let box: LedgerSandbox;

beforeAll(() => {
  seeds = makeSeeds(['full']);
  box = createLedgerSandbox();
  box.useLedger(seeds.full);
  // A few records in their final state, so "already ..." can be tried; this clone then has an events
  // file and a state of its own beside the seed's (a teammate's) file.
  box.ok(['decision', 'close', 'D-1']);
  box.ok(['blocker', 'resolve', 'B-1']);
  box.ok(['risk', 'close', 'R-3']);
  box.ok(['checklist', 'done', '1']);
});

afterAll(() => {
  box?.cleanup();
  seeds?.cleanup();
});

/** The ledger's files and this machine's files for it, each with its bytes. */
const everything = () => ({ ledger: box.files(), state: filesUnder(box.path('state')) });

const USAGE = 2;
const longName = 'N'.repeat(201);

// [what, arguments, exit code, what stderr says, extra environment]
const cases: [string, string[], number, RegExp, Record<string, string>?][] = [
  // dates
  ['a day that does not exist (2026-02-30)', ['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '2026-02-30'], USAGE, /--due "2026-02-30" is not a date I understand/],
  ['a day that does not exist, with a time and offset', ['blocker', 'add', 'Sandbox', '--owner', 'Sam', '--due', '2026-02-30T10:00:00Z'], USAGE, /--due "2026-02-30T10:00:00Z" is not a date I understand/],
  ['a misspelt day name', ['blocker', 'add', 'Sandbox', '--owner', 'Sam', '--due', 'next fryday'], USAGE, /--due "next fryday" is not a date I understand[\s\S]*hint: dates look like/],
  ['a blocker due in the past', ['blocker', 'add', 'Sandbox', '--owner', 'Sam', '--due', '2026-11-20'], USAGE, /--due "2026-11-20" is already past/],
  ['a metric reading in the future', ['metric', 'record', 'approval-cycle-time', '4', '--at', 'tomorrow'], USAGE, /--at "tomorrow" is in the future/],
  ['a bad --at', ['metric', 'record', 'approval-cycle-time', '4', '--at', 'last week'], USAGE, /--at "last week" is not a date I understand/],
  ['a bad --since', ['log', '--since', 'lately'], USAGE, /--since "lately" is not a date I understand/],
  // ids
  ['an unknown decision id (D-99)', ['decision', 'close', 'D-99'], USAGE, /no decision D-99 in cycle pm-2026-11-23/],
  ['approving an unknown decision', ['decision', 'approve', 'D-99'], USAGE, /no decision D-99/],
  ['an unknown blocker id', ['blocker', 'resolve', 'B-12'], USAGE, /no blocker B-12/],
  ['an unknown risk id', ['risk', 'close', 'R-99'], USAGE, /no risk R-99/],
  ['a blocker for an unknown decision', ['blocker', 'add', 'Sandbox', '--owner', 'Sam', '--decision', 'D-99'], USAGE, /no decision D-99/],
  ['a decision id where a blocker id belongs', ['blocker', 'resolve', 'D-1'], USAGE, /"D-1" is not a blocker id \(like B-3\)/],
  // owners
  ['a decision without --owner', ['decision', 'add', 'Ship', '--due', '+7d'], USAGE, /required option '--owner <name>' not specified/],
  ['a decision without --due', ['decision', 'add', 'Ship', '--owner', 'Priya'], USAGE, /required option '--due <date>' not specified/],
  ['two owners "A and B"', ['decision', 'add', 'Ship', '--owner', 'A and B', '--due', '+7d'], USAGE, /--owner "A and B" names more than one person; give exactly one owner/],
  ['two blocker owners', ['blocker', 'add', 'Sandbox', '--owner', 'Sam, Dana'], USAGE, /names more than one person/],
  ['two risk owners', ['risk', 'add', 'Stall', '--impact', 'high', '--cost', 'low', '--mitigation', 'Daily review', '--owner', 'Priya & Ben'], USAGE, /names more than one person/],
  ['an empty title', ['decision', 'add', '   ', '--owner', 'Priya', '--due', '+7d'], USAGE, /the decision title must not be empty/],
  ['an actor name longer than an event can hold', ['--as', longName, 'decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'], USAGE, /is 201 characters; at most 200/],
  // states
  ['closing an already-closed decision', ['decision', 'close', 'D-1'], USAGE, /D-1 is already closed/],
  ['reopening an open decision', ['decision', 'reopen', 'D-2'], USAGE, /D-2 is already open/],
  ['approving an approved decision', ['decision', 'approve', 'D-2'], USAGE, /D-2 is already approved \(by .+ on 2026-11-23\)/],
  ['resolving a resolved blocker', ['blocker', 'resolve', 'B-1'], USAGE, /B-1 is already resolved/],
  ['escalating a resolved blocker', ['blocker', 'escalate', 'B-1'], USAGE, /B-1 is already resolved/],
  ['closing a closed risk', ['risk', 'close', 'R-3'], USAGE, /R-3 is already closed/],
  ['ticking a ticked checklist item', ['checklist', 'done', 'kickoff-scope-alignment'], USAGE, /"kickoff-scope-alignment" is already done/],
  // values
  ['a bad --impact', ['risk', 'add', 'Stall', '--impact', 'severe', '--cost', 'low', '--mitigation', 'Daily review', '--owner', 'Priya'], USAGE, /--impact must be low, medium or high, not "severe"/],
  ['a risk without a mitigation', ['risk', 'add', 'Stall', '--impact', 'high', '--cost', 'low', '--owner', 'Priya'], USAGE, /required option '--mitigation <text>' not specified/],
  ['an unknown metric', ['metric', 'record', 'approval-cycle-tme', '4'], USAGE, /no metric "approval-cycle-tme" in cycle pm-2026-11-23; did you mean "approval-cycle-time"\?/],
  ['a metric value that is not a number', ['metric', 'record', 'approval-cycle-time', 'fast'], USAGE, /a reading of approval-cycle-time \(days\) must be a number \(0 or more\), not "fast"/],
  ['an unknown checklist item', ['checklist', 'done', 'kickof-scope-alignment'], USAGE, /no checklist item "kickof-scope-alignment".*did you mean "kickoff-scope-alignment"/],
  ['a checklist number past the end', ['checklist', 'done', '17'], USAGE, /no checklist item "17"/],
  // cycles and globals
  ['an unknown cycle for use', ['use', 'pm-2025-01-01'], USAGE, /no cycle "pm-2025-01-01" in the ledger[\s\S]*cycles: pm-2026-11-23/],
  ['an unknown --cycle', ['--cycle', 'nope', 'decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'], USAGE, /no cycle "nope" in the ledger/],
  ['an unknown time zone', ['--tz', 'Mars/Olympus', 'decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'], USAGE, /--tz "Mars\/Olympus" is not a time zone/],
  ['a PLAYBOOK_NOW that is not a time', ['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'], USAGE, /PLAYBOOK_NOW="next week" is not an ISO date/, { PLAYBOOK_NOW: 'next week' }],
  ['a typo in a subcommand', ['decision', 'clse', 'D-2'], USAGE, /unknown command 'clse'[\s\S]*did you mean close/i],
];

describe('a failed command leaves the ledger byte-for-byte unchanged', () => {
  it.each(cases)('%s', (_what, args, exit, message, env) => {
    const before = everything();
    expect(Object.keys(before.ledger)).toEqual([expect.stringMatching(/^events\/[0-9a-z]{16}\.jsonl$/), expect.stringMatching(/^events\/[0-9a-z]{16}\.jsonl$/), 'ledger.json']);
    expect(Object.keys(before.state)).toEqual([expect.stringMatching(/^playbook\/ledgers\/[0-9a-f]{16}\/replica\.json$/)]);
    const result = box.run(args, env ? { env } : {});
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(exit);
    expect(isCleanFailure(result), result.stderr).toBe(true);
    expect(everything()).toEqual(before);
  });

  it('the cases above really run against a ledger the same commands can change', () => {
    // Guard against a broken setup making every failure above pass for the wrong reason.
    const before = everything();
    box.ok(['decision', 'reopen', 'D-1']);
    const after = everything();
    const changed = Object.keys(after.ledger).filter((name) => after.ledger[name] !== before.ledger[name]);
    expect(changed).toHaveLength(1);
    // This clone's own file grew by the one event; the other files are as they were.
    expect(after.ledger[changed[0]!]!.startsWith(before.ledger[changed[0]!]!)).toBe(true);
    expect(after.ledger[changed[0]!]!.slice(before.ledger[changed[0]!]!.length)).toMatch(/^\{[^\n]*"type":"decision\.reopened"[^\n]*\}\n$/);
    expect(after.state).not.toEqual(before.state); // the last event this replica wrote
  });
});
