// Lines a sync client, another tool or a hand edit may leave in a team ledger's events folder, read
// by the built CLI on files already checked (so that only the lines a command needs are parsed):
// a teammate's line written by another JSON tool, an id far in the future, an edited copy of a
// file, and importing an edited copy. Each keeps the same answer on every read, or is refused.
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLedgerSandbox, eventsDirOf, filesUnder, type LedgerSandbox } from '../helpers/ledger.js';

let box: LedgerSandbox;
beforeEach(() => {
  box = createLedgerSandbox();
});
afterEach(() => box.cleanup());

const notesFile = () => box.path('cache', 'playbook', 'checked.json');
const eventsDir = () => eventsDirOf(box.ledger);
const filesOf = () => readdirSync(eventsDir()).map((name) => join(eventsDir(), name));
const titles = () => box.json(['decisions', '--all']).decisions.map((d: { id: string; title: string }) => `${d.id} ${d.title}`);

/** The notes playbook took of the files it checked, aged ten seconds: as a read some seconds later finds them. */
function ageNotes(): void {
  const notes = JSON.parse(readFileSync(notesFile(), 'utf8')) as { version: number; files: Record<string, { id: string; at: string }> };
  for (const note of Object.values(notes.files)) note.at = String(BigInt(note.at) + 10_000_000_000n);
  writeFileSync(notesFile(), JSON.stringify(notes));
}

/** A teammate's event line as another tool writes JSON: with spaces after the colons and commas. */
function spacedLine(event: Record<string, unknown>): string {
  return JSON.stringify(event, null, 0).replace(/":/g, '": ').replace(/,"/g, ', "');
}

describe('a team ledger read again from files already checked', () => {
  it('a teammate line written by another JSON tool is read the same on every read, and its number is never given out again', () => {
    box.ok(['init', 'healthcare', 'pm', '--no-session']);
    box.ok(['decision', 'add', 'A1', '--owner', 'Ana', '--due', '+7d']);
    const own = JSON.parse(readFileSync(filesOf()[0]!, 'utf8').split('\n')[0]!) as { id: string };
    const event = { id: '01M97Z4A80ZZZZZZZZZZZZZZZZ', replica: 'zzzzzzzzzzzzzzzz', seq: 1, at: '2026-11-23T09:30:00.000Z', actor: 'Cho', command: 'decision add', cycle: own.id, type: 'decision.added', data: { id: 'D-2', title: 'C1', owner: 'Cho', due: '2026-12-01', criteria: [] } };
    writeFileSync(join(eventsDir(), 'zzzzzzzzzzzzzzzz.jsonl'), `${spacedLine(event)}\n`);
    const first = titles();
    expect(first).toEqual(['D-1 A1', 'D-2 C1']);
    ageNotes();
    // Noted with where its lines are (parsed, not looked for by their text), and read from there.
    expect(JSON.parse(readFileSync(notesFile(), 'utf8')).files[join(eventsDir(), 'zzzzzzzzzzzzzzzz.jsonl')].index.size).toBe(statSync(join(eventsDir(), 'zzzzzzzzzzzzzzzz.jsonl')).size);
    expect(titles(), 'the same records on a read from checked files').toEqual(first);
    expect(titles(), 'and again').toEqual(first);
    expect(box.ok(['decision', 'add', 'A2', '--owner', 'Ana', '--due', '+7d']).stdout).toMatch(/^D-3 added/);
  });

  it('an id far in the future is damage, refused by every command, and never makes a new event sort first', () => {
    box.ok(['init', 'healthcare', 'pm', '--no-session']);
    box.ok(['decision', 'add', 'A1', '--owner', 'Ana', '--due', '+7d']);
    const own = JSON.parse(readFileSync(filesOf()[0]!, 'utf8').split('\n')[0]!) as { id: string };
    const event = { id: 'ZZZZZZZZZZ0000000000000000', replica: 'zzzzzzzzzzzzzzzz', seq: 1, at: '2026-11-23T09:30:00.000Z', actor: 'Cho', command: 'checklist done', cycle: own.id, type: 'checklist.done', data: { item: 'weekly-review' } };
    writeFileSync(join(eventsDir(), 'zzzzzzzzzzzzzzzz.jsonl'), `${JSON.stringify(event)}\n`);
    const before = filesUnder(box.ledgerDir);
    const close = box.run(['decision', 'close', 'D-1']);
    expect(close.status).toBe(1);
    expect(close.stderr).toMatch(/zzzzzzzzzzzzzzzz\.jsonl: ledger is damaged: line 1 \(id\): has the wrong format/);
    expect(filesUnder(box.ledgerDir)).toEqual(before);
  });

  it('an edited copy of an events file is damage on every read, also of another cycle, once its files were noted', () => {
    box.ok(['init', 'healthcare', 'pm', '--no-session']);
    box.ok(['decision', 'add', 'A1', '--owner', 'Ana', '--due', '+7d']);
    box.ok(['init', 'healthcare', 'cs', '--no-session']);
    const [file] = filesOf();
    writeFileSync(join(eventsDir(), 'copy.jsonl'), readFileSync(file!, 'utf8').replace('"title":"A1"', '"title":"A1 edited"'));
    for (let i = 0; i < 3; i++) {
      const read = box.run(['decisions']);
      expect(read.status, `read ${i + 1}: ${read.stderr}`).toBe(1);
      expect(read.stderr).toMatch(/ledger is damaged: two different events have the id/);
    }
  });

  it('import of an edited copy is refused, naming the event, and writes nothing', () => {
    box.ok(['init', 'healthcare', 'pm', '--no-session']);
    box.ok(['decision', 'add', 'A1', '--owner', 'Ana', '--due', '+7d']);
    const edited = box.write('edited.jsonl', readFileSync(filesOf()[0]!, 'utf8').replace('"title":"A1"', '"title":"A1 edited"'));
    const before = filesUnder(box.ledgerDir);
    const result = box.run(['import', edited]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/edited\.jsonl: event [0-7][0-9A-Z]{25} is in the ledger already with other contents/);
    expect(filesUnder(box.ledgerDir)).toEqual(before);
    expect(titles()).toEqual(['D-1 A1']);
  });

  it('a ledger started in a folder not there yet, behind a link (a synced folder), keeps one state folder and one events file', () => {
    mkdirSync(box.path('real'));
    symlinkSync(box.path('real'), box.path('Dropbox'));
    const env = { PLAYBOOK_LEDGER: box.path('Dropbox', 'launch', 'ledger.json') };
    box.ok(['init', 'healthcare', 'pm', '--no-session'], { env });
    box.ok(['decision', 'add', 'A1', '--owner', 'Ana', '--due', '+7d'], { env });
    expect(readdirSync(box.path('state', 'playbook', 'ledgers'))).toHaveLength(1);
    expect(readdirSync(box.path('real', 'launch', 'events'))).toHaveLength(1);
    // This clone's own changes are its own: undo takes back the decision, then the cycle.
    expect(box.ok(['undo'], { env }).stdout).toMatch(/added D-1 "A1"/);
    expect(box.ok(['undo'], { env }).stdout).toMatch(/started cycle pm-/);
  });
});

describe('a teammate file whose lines do not start with their id', () => {
  it('is read all the same, and a copy holding a different event under one of its ids is damage, whatever cycle a command reads', () => {
    box.ok(['init', 'healthcare', 'pm', '--no-session']);
    const own = JSON.parse(readFileSync(filesOf()[0]!, 'utf8').split('\n')[0]!) as { id: string };
    const event = { id: '01M97Z4A80ZZZZZZZZZZZZZZZZ', replica: 'zzzzzzzzzzzzzzzz', seq: 1, at: '2026-11-23T09:30:00.000Z', actor: 'Cho', command: 'decision add', cycle: own.id, type: 'decision.added', data: { id: 'D-1', title: 'C1', owner: 'Cho', due: '2026-12-01', criteria: [] } };
    // Keys in another order, as a tool that sorts them writes: the id is not at the start of the line.
    const { id, ...rest } = event;
    writeFileSync(join(eventsDir(), 'zzzzzzzzzzzzzzzz.jsonl'), `${JSON.stringify({ ...rest, id })}\n`);
    expect(titles()).toEqual(['D-1 C1']);
    ageNotes();
    // A conflicted copy with another event under the same id, of a cycle this command does not read:
    // only holding the files against each other by their ids finds it, and that needs the first
    // file's ids, which do not lead its lines.
    const other = { ...event, cycle: '01M97Z4A80YYYYYYYYYYYYYYYY', data: { ...event.data, title: 'C2' } };
    writeFileSync(join(eventsDir(), 'zzzzzzzzzzzzzzzz (conflicted copy).jsonl'), `${JSON.stringify(other)}\n`);
    const r = box.run(['decisions', '--all']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/two different events have the id 01M97Z4A80ZZZZZZZZZZZZZZZZ/);
  });
});
