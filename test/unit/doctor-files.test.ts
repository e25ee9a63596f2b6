// What `doctor` finds in the replica files (src/ledger/inspect.ts: inspectReplicas), which it reads
// a line at a time when a file is ASCII and whole otherwise, keeping of each line only what the
// checks across files need. Each case is a folder of events files written here, and the findings
// doctor gives for it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lineHash } from '../../src/ledger/convert.js';
import type { LedgerEvent } from '../../src/ledger/events.js';
import { inspectReplicas } from '../../src/ledger/inspect.js';
import { asciiJson } from '../../src/ledger/json.js';
import { layoutOf, type Layout } from '../../src/ledger/replicas.js';
import { summaryLedger } from '../helpers/summary-ledger.js';

/** A replica's chained lines of the fixture's first `count` events, as a clone writes them. */
function chained(replica: string, count: number): string[] {
  const lines: string[] = [];
  for (const [i, e] of summaryLedger().events.slice(0, count).entries()) {
    const event = { ...e, id: `${e.id.slice(0, 10)}${replica.slice(0, 4).toUpperCase()}${String(i).padStart(12, '0')}`, replica, seq: i + 1, ...(i > 0 && { prev: lineHash(lines[i - 1]!) }) } as LedgerEvent;
    lines.push(asciiJson(event)!);
  }
  return lines;
}

let dir: string;
let layout: Layout;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'playbook-doctor-'));
  mkdirSync(join(dir, 'events'));
  layout = layoutOf(join(dir, 'ledger.json'), { XDG_STATE_HOME: join(dir, 'state') });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => writeFileSync(join(dir, 'events', name), text);
const found = () => inspectReplicas(layout).findings.map((f) => `${f.ok ? 'ok' : 'FAIL'} ${f.name}: ${f.detail.replaceAll(join(dir, 'events'), 'E')}`);

describe('doctor on the replica files', () => {
  it('a whole, chained file is one ok line naming the events, replicas and files', () => {
    write('aaaa.jsonl', `${chained('aaaa', 12).join('\n')}\n`);
    expect(found()).toEqual([`ok events: 12 events from 1 replica in 1 file (E)`]);
  });

  it('a last line without its newline is noted with its length and skipped; a git conflict marker, even there, fails the file', () => {
    const lines = chained('aaaa', 5);
    write('aaaa.jsonl', `${lines.slice(0, 4).join('\n')}\n${lines[4]!.slice(0, 30)}`);
    expect(found()).toEqual([`ok events: 4 events from 1 replica in 1 file (E)`, 'ok events: E/aaaa.jsonl: its last line is not complete (30 bytes): a sync still arriving, or a write cut short; it is skipped until complete']);
    for (const text of [`${lines[0]}\n<<<<<<< HEAD\n${lines[1]}\n=======\n>>>>>>> theirs\n`, `${lines.join('\n')}\n>>>>>>> theirs`]) {
      write('aaaa.jsonl', text);
      expect(found()).toEqual(['FAIL events: E/aaaa.jsonl: git conflict markers']);
    }
  });

  it('a line that is not an event is named, and the lines before it are still held against the rest', () => {
    const lines = chained('aaaa', 6);
    write('aaaa.jsonl', `${lines.slice(0, 3).join('\n')}\n{"id": broken\n${lines.slice(3).join('\n')}\n`);
    expect(found()).toEqual(['FAIL events: E/aaaa.jsonl:4: not valid JSON']);
    const result = inspectReplicas(layout);
    expect(result.events).toBe(3);
  });

  it('an event whose id is earlier than its time (playbook never writes one; log --since relies on it) is named', () => {
    const lines = chained('aaaa', 4);
    const late = JSON.parse(lines[3]!) as LedgerEvent;
    write('aaaa.jsonl', `${[...lines.slice(0, 3), asciiJson({ ...late, at: new Date(Date.parse(late.at) + 60_000).toISOString() })].join('\n')}\n`);
    expect(found()).toEqual([`FAIL events: E/aaaa.jsonl:4: event ${late.id} has an id earlier than its time (${new Date(Date.parse(late.at) + 60_000).toISOString()})`]);
    // A time before its id's is what playbook writes after its clock stepped back.
    write('aaaa.jsonl', `${[...lines.slice(0, 3), asciiJson({ ...late, at: new Date(Date.parse(late.at) - 60_000).toISOString() })].join('\n')}\n`);
    expect(found()).toEqual([`ok events: 4 events from 1 replica in 1 file (E)`]);
  });

  it('a file with characters outside ASCII is read whole, the same checks', () => {
    const events = summaryLedger().events.slice(0, 3).map((e, i) => ({ ...e, id: `${e.id.slice(0, 10)}BBBB${String(i).padStart(12, '0')}`, replica: 'bbbb', seq: i + 1, actor: 'Zoë Müller' }) as LedgerEvent);
    const lines: string[] = [];
    for (const e of events) lines.push(JSON.stringify(lines.length ? { ...e, prev: lineHash(lines.at(-1)!) } : e));
    write('bbbb.jsonl', `${lines.join('\n')}\n${lines[0]!.slice(0, 12)}`);
    expect(found()).toEqual([`ok events: 3 events from 1 replica in 1 file (E)`, 'ok events: E/bbbb.jsonl: its last line is not complete (12 bytes): a sync still arriving, or a write cut short; it is skipped until complete']);
    write('bbbb.jsonl', `${lines[0]}\n=======\n`);
    expect(found()).toEqual(['FAIL events: E/bbbb.jsonl: git conflict markers']);
  });

  it('one event in two files is no damage, in the same bytes or another spacing; two contents under one id are', () => {
    const lines = chained('aaaa', 4);
    write('aaaa.jsonl', `${lines.join('\n')}\n`);
    write('aaaa (conflicted copy).jsonl', `${lines.slice(0, 2).join('\n')}\n`);
    expect(found()).toEqual([`ok events: 4 events from 1 replica in 2 files (E)`, 'ok conflicted copy: E/aaaa (conflicted copy).jsonl: a sync client\'s conflicted copy; its events are read with the others, so nothing in it is lost']);
    // Another tool's spacing: the same event.
    write('aaaa (conflicted copy).jsonl', `${JSON.stringify(JSON.parse(lines[0]!), null, 1).replaceAll('\n', '')}\n`);
    expect(found().filter((f) => f.startsWith('FAIL'))).toEqual([]);
    // The same id, another title (the files are read in the order of their names).
    const edited = { ...JSON.parse(lines[2]!), data: { ...JSON.parse(lines[2]!).data, title: 'Edited by hand' } };
    write('aaaa (conflicted copy).jsonl', `${JSON.stringify(edited)}\n`);
    const id = (JSON.parse(lines[2]!) as LedgerEvent).id;
    expect(found().filter((f) => f.startsWith('FAIL'))).toEqual([`FAIL duplicate ids: event ${id} is in E/aaaa (conflicted copy).jsonl:1 and E/aaaa.jsonl:3 with different contents`]);
  });

  it('a line removed breaks its replica\'s chain; two histories of one replica are a fork, read in full', () => {
    const lines = chained('aaaa', 5);
    write('aaaa.jsonl', `${[...lines.slice(0, 2), ...lines.slice(3)].join('\n')}\n`);
    expect(found().filter((f) => f.startsWith('FAIL'))).toEqual(["FAIL chain: E/aaaa.jsonl:3: replica aaaa's event 4 does not follow on from its event 3: a line was removed or edited"]);
    // The same replica's third line written twice, differently (a copied clone): a fork, no failure.
    const other = asciiJson({ ...(JSON.parse(lines[2]!) as LedgerEvent), id: `${lines[2]!.slice(7, 17)}AAAAZZZZZZZZZZZZ`, data: { id: 'D-9', title: 'Other history', owner: 'Sam Lee', criteria: [] }, type: 'decision.added' })!;
    write('aaaa.jsonl', `${lines.join('\n')}\n`);
    write('aaaa-other.jsonl', `${other}\n`);
    expect(found()).toEqual([`ok events: 6 events from 1 replica in 2 files (E)`, 'ok forked replica: replica aaaa has two histories (branches of one clone merged, or two machines writing as one): both are read and nothing is lost']);
  });
});
