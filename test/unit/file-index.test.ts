// Where each cycle's lines lie in a replica file (src/ledger/file-index.ts): a command about one
// cycle reads only those byte ranges of a file checked before. The index grown line by line as a
// replica appends must equal the index of the whole file, and the ranges of a cycle must hold
// exactly the lines its state needs. A file changed between being opened and being read by its
// index is never read half old, half new.
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cyclesFrom, indexLines, isFileIndex, isStructural, rangesOf } from '../../src/ledger/file-index.js';
import type { LedgerEvent } from '../../src/ledger/events.js';
import { asciiJson } from '../../src/ledger/json.js';
import { HASHED_FROM } from '../../src/ledger/replica-file.js';
import { appendToReplica, layoutOf, readLocal, readReplicas, type Layout } from '../../src/ledger/replicas.js';
import { deriveState } from '../../src/ledger/state.js';
import { SNAPSHOT, startCycle, summaryLedger } from '../helpers/summary-ledger.js';

const TYPES = ['cycle.created', 'undo', 'decision.added', 'blocker.added', 'metric.recorded', 'cycle.selected', 'step.passed'] as const;
const CYCLES = ['0CYCLEAAAAAAAAAAAAAAAAAAAA', '0CYCLEBBBBBBBBBBBBBBBBBBBB', '0CYCLECCCCCCCCCCCCCCCCCCCC'];

/** An event line as the index sees it: its id, type, cycle and a text of any length and characters. */
const eventArb = fc.record({
  type: fc.constantFrom(...TYPES),
  cycle: fc.option(fc.constantFrom(...CYCLES), { nil: null }),
  title: fc.string({ maxLength: 40, unit: 'binary' }),
});

function linesOf(drafts: { type: string; cycle: string | null; title: string }[]): { events: LedgerEvent[]; lines: string[] } {
  // Ids out of the order of the lines (going down, then up), as lines of branches merged by git may be.
  const events = drafts.map((d, i) => ({ id: `0${String(i % 2 === 0 ? 500 - i : 500 + i).padStart(25, '0')}`, replica: 'r', seq: i + 1, at: '2026-11-23T09:00:00.000Z', actor: 'a', command: 'c', cycle: d.cycle, type: d.type, data: { title: d.title } }) as unknown as LedgerEvent);
  return { events, lines: events.map((e) => `${asciiJson(e)}\n`) };
}

const slices = (text: string, ranges: number[]) => {
  let out = '';
  for (let i = 0; i < ranges.length; i += 2) out += text.slice(ranges[i], ranges[i + 1]);
  return out;
};

describe('the index of a replica file', () => {
  it('grown change by change equals the index of the whole file, and a cycle\'s ranges hold exactly the lines its state needs', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 6 }), (drafts, cuts) => {
        const { events, lines } = linesOf(drafts);
        const text = lines.join('');
        const whole = indexLines(text, events, 0);
        // The same lines appended in changes of any sizes.
        const at = [...new Set(cuts.map((c) => c % events.length))].sort((a, b) => a - b).filter((c) => c > 0);
        let grown;
        let base = 0;
        for (const [from, to] of [0, ...at].map((c, i, all) => [c, all[i + 1] ?? events.length] as const)) {
          const chunk = lines.slice(from, to).join('');
          grown = indexLines(chunk, events.slice(from, to), base, grown);
          base += chunk.length;
        }
        expect(grown).toEqual(whole);
        expect(whole.rising).toBe(events.every((e, i) => i === 0 || events[i - 1]!.id < e.id));
        expect(isFileIndex(JSON.parse(JSON.stringify(whole)))).toBe(true);
        expect(whole.size).toBe(Buffer.byteLength(text));
        expect(whole.lastLine).toBe(lines.at(-1)!.slice(0, -1));
        for (const key of [null, ...CYCLES]) {
          const wanted = events.map((e, i) => (isStructural(e) || (key !== null && e.cycle === key) ? lines[i] : '')).join('');
          expect(slices(text, rangesOf(whole, key))).toBe(wanted);
        }
        // From any id on: the cycles of the lines (not structural) from there, unless one has no cycle.
        for (const from of events.map((e) => e.id)) {
          const later = events.filter((e) => e.id >= from && !isStructural(e));
          const wanted = later.some((e) => e.cycle === null) ? undefined : [...new Set(later.map((e) => e.cycle))].sort();
          expect(cyclesFrom(whole.latest, from)?.sort()).toEqual(wanted);
        }
      }),
    );
  });

  it('a damaged index in the notes is not used', () => {
    const { events, lines } = linesOf([{ type: 'cycle.created', cycle: CYCLES[0]!, title: 'x' }]);
    const index = indexLines(lines.join(''), events, 0);
    for (const bad of [null, { ...index, size: -1 }, { ...index, structural: [0] }, { ...index, structural: [5, 2] }, { ...index, cycles: { x: [0, index.size + 1] } }, { ...index, newest: 3 }, { ...index, latest: [] }, { ...index, latest: { [CYCLES[0]!]: 3 } }, { ...index, latest: undefined }]) {
      expect(isFileIndex(bad)).toBe(false);
    }
  });
});

describe('reading a file known by its index', () => {
  let dir: string;
  let layout: Layout;
  const notes = () => join(dir, 'cache', 'checked.json');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'playbook-index-'));
    layout = layoutOf(join(dir, 'team', 'ledger.json'), { XDG_STATE_HOME: join(dir, 'state') });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Moves the notes ten seconds on, as a read some seconds later takes them: the files are then read by their index. */
  function settle(): void {
    const data = JSON.parse(readFileSync(notes(), 'utf8')) as { files: Record<string, { at: string; id: string }> };
    for (const note of Object.values(data.files)) note.at = String(BigInt(Date.now() + 10_000) * 1_000_000n);
    writeFileSync(notes(), JSON.stringify(data));
  }

  it('reads the same events as a full check, and a file changed after it was opened is refused, not read half old', () => {
    const events = summaryLedger().events;
    appendToReplica(layout, () => events.map((e) => `${asciiJson(e)}\n`).join(''), { checked: notes() });
    const full = readReplicas(layout)!;
    const key = events.find((e) => e.type === 'cycle.created')!.id;
    expect(full.cycleEvents(key).length).toBeGreaterThan(5);
    // A read at once, while the note is racy, checks the file again (or, for a large one, its hash).
    const racy = readReplicas(layout, { checked: notes() })!;
    expect(racy.cycleEvents(key)).toEqual(full.cycleEvents(key));
    settle();
    const known = readReplicas(layout, { checked: notes() })!;
    const own = join(layout.events, `${readLocal(layout).replica}.jsonl`);
    expect(known.lastId).toBe(full.lastId);
    expect(known.cycleEvents(null)).toEqual(full.cycleEvents(null));
    // The same bytes written again: another identity, so another file as far as the notes know.
    writeFileSync(own, readFileSync(own));
    expect(() => known.cycleEvents(key)).toThrow(/the file changed while playbook read it/);
    expect(readReplicas(layout, { checked: notes() })!.cycleEvents(key)).toEqual(full.cycleEvents(key));
  });

  it('hands over every event once, in the order of the ids, a line at a time as a full read gives them: copies, files checked now, a file out of order', () => {
    const events = summaryLedger().events;
    const [oneCycle] = events.filter((e) => e.type === 'cycle.created').map((e) => e.id);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: events.length, maxLength: events.length }), fc.boolean(), fc.boolean(), (files, copy, swap) => {
        rmSync(dir, { recursive: true, force: true });
        const names = [0, 1, 2, 3].map((f) => join(layout.events, `r${f}.jsonl`));
        const write = () => names.forEach((name, f) => writeFileSync(name, events.filter((_, i) => files[i] === f).map((e) => `${asciiJson(e)}\n`).join('')));
        mkdirSync(layout.events, { recursive: true });
        writeFileSync(layout.path, '{"schemaVersion":2}\n');
        write();
        // A sync client's copy of a file repeats its lines; a hand-edited file may hold them out of order.
        if (copy) writeFileSync(join(layout.events, 'r0 (conflicted copy).jsonl'), readFileSync(names[0]!));
        const own = readFileSync(names[1]!, 'latin1').split(/(?<=\n)/);
        if (swap && own.length > 1) writeFileSync(names[1]!, [own[1], own[0], ...own.slice(2)].join(''));
        const full = readReplicas(layout)!.events;
        const handed = (read: ReturnType<typeof readReplicas>) => read!.walk((each) => {
          const seen: LedgerEvent[] = [];
          each((e) => seen.push(e));
          return seen;
        });
        // Checked now (noted), then known by the notes: every file read a line at a time.
        expect(handed(readReplicas(layout, { checked: notes(), streamedFrom: 0 }))).toEqual(full);
        settle();
        const known = readReplicas(layout, { checked: notes(), streamedFrom: 0 })!;
        expect(known.cycleEvents(oneCycle!)).toEqual(full.filter((e) => isStructural(e) || e.cycle === oneCycle));
        // Walked twice with the files opened once: a file replaced between the two walks (a sync) is read as it was opened.
        const twice = known.walk((each) => {
          const walks: LedgerEvent[][] = [[], []];
          each((e) => walks[0]!.push(e));
          const replaced = names[files[0]!]!;
          writeFileSync(`${replaced}.new`, readFileSync(replaced));
          renameSync(`${replaced}.new`, replaced);
          each((e) => walks[1]!.push(e));
          return walks;
        });
        expect(twice).toEqual([full, full]);
        // What the caller throws (a full disk under its output) comes out as it is, not as a failure to read a file.
        const fullDisk = Object.assign(new Error('no space left'), { code: 'ENOSPC' });
        let thrown: unknown;
        try {
          readReplicas(layout, { checked: notes(), streamedFrom: 0 })!.walk((each) => each(() => {
            throw fullDisk;
          }));
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBe(fullDisk);
        // A file changed after it was opened is refused, not read half old.
        settle();
        const opened = readReplicas(layout, { checked: notes(), streamedFrom: 0 })!;
        const first = names[files[0]!]!;
        writeFileSync(first, readFileSync(first));
        expect(() => handed(opened)).toThrow(/the file changed while playbook read it/);
      }),
      { numRuns: 25 },
    );
  });

  it('tells the cycles with an event from an id on alike from an index, a file checked now, and a file that is not ASCII (no index)', () => {
    const events = startCycle()
      .add('2026-10-14T09:00:00Z', 'sam', 'cycle.created', { cycle: { ...SNAPSHOT, id: 'clinic-rollout', name: 'Clinic rollout' } }, null)
      .add('2026-10-14T09:06:00Z', 'sam', 'decision.added', { id: 'D-1', title: 'Pick the pilot clinics — Zürich', owner: 'Sam Lee', criteria: [] }, 'clinic-rollout')
      .add('2026-10-15T09:00:00Z', 'priya', 'step.passed', { step: 'scope' }).events;
    const [onboarding, rollout] = events.filter((e) => e.type === 'cycle.created').map((e) => e.id);
    const wanted = (from: string) => new Set(events.filter((e) => e.id >= from && !isStructural(e)).map((e) => e.cycle));
    for (const raw of [false, true]) {
      rmSync(layout.events, { recursive: true, force: true });
      rmSync(notes(), { force: true });
      // ASCII JSON (indexed), or the same lines with their characters written as they are (not ASCII: no index).
      appendToReplica(layout, () => events.map((e) => `${raw ? JSON.stringify(e) : asciiJson(e)}\n`).join(''), { checked: notes() });
      const now = readReplicas(layout, { checked: notes() })!;
      settle();
      const known = readReplicas(layout, { checked: notes() })!;
      for (const from of events.map((e) => e.id)) {
        expect(now.cyclesFrom(from), `${raw} ${from}`).toEqual(wanted(from));
        expect(known.cyclesFrom(from), `${raw} ${from}`).toEqual(wanted(from));
      }
    }
    expect(wanted(events[0]!.id)).toEqual(new Set([onboarding, rollout]));
  });

  it("the list of cycles, from the lines read with every cycle's, shows each cycle's steps passed as a full read derives them", () => {
    const events = startCycle()
      .add('2026-10-13T09:00:00Z', 'priya', 'step.passed', { step: 'scope' })
      .add('2026-10-13T09:01:00Z', 'priya', 'step.passed', { step: 'risk' })
      .add('2026-10-14T09:00:00Z', 'sam', 'cycle.created', { cycle: { ...SNAPSHOT, id: 'clinic-rollout', name: 'Clinic rollout' } }, null)
      .add('2026-10-14T09:05:00Z', 'sam', 'step.passed', { step: 'scope' }, 'clinic-rollout')
      .add('2026-10-14T09:06:00Z', 'sam', 'decision.added', { id: 'D-1', title: 'Pick the pilot clinics', owner: 'Sam Lee', criteria: [] }, 'clinic-rollout').events;
    appendToReplica(layout, () => events.map((e) => `${asciiJson(e)}\n`).join(''), { checked: notes() });
    settle();
    const passed = (events: LedgerEvent[]) => [...deriveState(events, { all: true }).cycles.values()].map((c) => [c.id, [...c.passed]]);
    const known = readReplicas(layout, { checked: notes() })!;
    expect(passed(known.cycleEvents(null))).toEqual([
      ['clinic-onboarding', ['scope', 'risk']],
      ['clinic-rollout', ['scope']],
    ]);
    expect(passed(known.cycleEvents(null))).toEqual(passed(readReplicas(layout)!.events));
  });

  it('a large file checked as it was read, then appended to by another writer, is read on; one rewritten otherwise is refused', () => {
    // A large file is checked a line at a time and not kept in memory: its lines are read again later.
    const builder = startCycle();
    for (let i = 0; i < 1500; i++) builder.add('2026-10-15T09:00:00Z', 'priya', 'metric.recorded', { metric: 'setup-completion', value: i % 100, at: '2026-10-15T09:00:00Z' });
    const [first, ...rest] = [builder.events.slice(0, 1200), builder.events.slice(1200)];
    const lines = (events: LedgerEvent[]) => events.map((e) => `${asciiJson(e)}\n`).join('');
    appendToReplica(layout, () => lines(first!), {});
    const own = join(layout.events, `${readLocal(layout).replica}.jsonl`);
    expect(readFileSync(own).length).toBeGreaterThan(HASHED_FROM);
    const key = first![0]!.id;
    const before = readReplicas(layout, { checked: notes(), streamedFrom: 0 })!;
    // Another writer appends before this command reads its cycle's lines, or all of them a line at a time.
    appendToReplica(layout, () => lines(rest.flat()), {});
    expect(before.cycleEvents(key)).toEqual(first);
    const handed: LedgerEvent[] = [];
    before.walk((each) => each((e) => handed.push(e)));
    expect(handed).toEqual(first);
    expect(before.events).toEqual(first);
    // Read while a change is still arriving at the end, then the change completes.
    const line = asciiJson({ ...rest.flat()[0]!, id: '7ZZZZZZZZZZZZZZZZZZZZZZZZZ' })!;
    const mid = readReplicas(layout, {})!;
    appendFileSync(own, `${line.slice(0, 40)}`);
    const cut = readReplicas(layout, {})!;
    expect(cut.skipped).toHaveLength(1);
    appendFileSync(own, `${line.slice(40)}\n`);
    expect(cut.events).toEqual(mid.events);
    expect(cut.cycleEvents(key)).toEqual(mid.cycleEvents(key));
    // A byte of what was checked changed, the file as long: refused, not read half old, half new.
    const changed = readReplicas(layout, {})!;
    const bytes = readFileSync(own);
    bytes[bytes.indexOf('"value":7') + 9] = '8'.charCodeAt(0);
    writeFileSync(own, bytes);
    expect(() => changed.cycleEvents(key)).toThrow(/the file changed while playbook read it/);
  });

  describe('a large file that grew since its note (a pull, a sync)', () => {

    /** A cycle and 1,500 readings: the first 1,200 lines are over HASHED_FROM bytes. */
    const events = (() => {
      const builder = startCycle();
      for (let i = 0; i < 1500; i++) builder.add('2026-10-15T09:00:00Z', 'priya', 'metric.recorded', { metric: 'setup-completion', value: i % 100, at: '2026-10-15T09:00:00Z' });
      return builder.events;
    })();
    const [before, pulled] = [events.slice(0, 1200), events.slice(1200)];
    const lines = (list: readonly LedgerEvent[]) => list.map((e) => `${asciiJson(e)}\n`).join('');
    /** Writes `file` anew as git writes a pulled file: another file renamed over it. */
    const pull = (file: string, text: string) => {
      writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    };
    /** The first reading's line made invalid (an unknown type), its length kept. */
    const spoil = (text: string) => text.replace('"type":"metric.recorded"', '"type":"metric.recordeX"');

    it('is checked from where its note ends: the bytes noted are trusted by their hash, the lines after them checked and numbered in the whole file', () => {
      appendToReplica(layout, () => lines(before), { checked: notes() });
      const own = join(layout.events, `${readLocal(layout).replica}.jsonl`);
      expect(readFileSync(own).length).toBeGreaterThan(HASHED_FROM);
      // The note is told that a spoiled start is what was checked: only a read that goes on from the
      // note's end, without checking those bytes again, reads past the spoiled line.
      const spoiled = spoil(readFileSync(own, 'latin1'));
      const data = JSON.parse(readFileSync(notes(), 'utf8')) as { files: Record<string, { sha256?: string }> };
      data.files[own]!.sha256 = createHash('sha256').update(spoiled, 'latin1').digest('hex');
      writeFileSync(notes(), JSON.stringify(data));
      pull(own, spoiled + lines(pulled));
      const read = readReplicas(layout, { checked: notes() })!;
      expect(read.cycleEvents(events[0]!.id).slice(-pulled.length)).toEqual(pulled);
      expect(() => readReplicas(layout)).toThrow(/ledger is damaged: line 8: /);
      // A bad line among those gained is named by its line in the whole file.
      pull(own, `${spoiled}${lines(pulled)}{"id":"7ZZZZZZZZZZZZZZZZZZZZZZZZZ", oops\n`);
      expect(() => readReplicas(layout, { checked: notes() })).toThrow(new RegExp(`ledger is damaged: line ${events.length + 1} is not valid JSON`));
    });

    it('is checked in full when it no longer starts with the bytes noted', () => {
      appendToReplica(layout, () => lines(before), { checked: notes() });
      const own = join(layout.events, `${readLocal(layout).replica}.jsonl`);
      pull(own, spoil(readFileSync(own, 'latin1')) + lines(pulled));
      expect(() => readReplicas(layout, { checked: notes() })).toThrow(/ledger is damaged: line 8: /);
    });

    it('gaining a different event under the id of a line it held is damage', () => {
      appendToReplica(layout, () => lines(before), { checked: notes() });
      const own = join(layout.events, `${readLocal(layout).replica}.jsonl`);
      const clash = { ...before[100]!, data: { ...before[100]!.data, value: 1000 } } as LedgerEvent;
      pull(own, readFileSync(own, 'latin1') + lines([...pulled, clash]));
      expect(() => readReplicas(layout, { checked: notes() })).toThrow(new RegExp(`two different events have the id ${before[100]!.id}`));
    });

    it('a file known from its note and appended to since is read only as far as its note: a change still arriving is not taken in', () => {
      appendToReplica(layout, () => lines(before), { checked: notes() });
      readReplicas(layout, { checked: notes() });
      settle();
      const own = join(layout.events, `${readLocal(layout).replica}.jsonl`);
      const known = readReplicas(layout, { checked: notes() })!;
      appendFileSync(own, `${asciiJson({ ...pulled[0]!, more: 1 })}\n{"id":"7ZZZ`);
      expect(known.events).toEqual(before);
      expect(known.cycleEvents(null)).toEqual(before.filter((e) => e.type === 'cycle.created'));
    });

    it.each([
      ['away', 1],
      ['there in another version, a change still arriving (checked, not noted)', 2],
    ])("a file's old note goes when another file is noted while the file is %s: back, it is checked in full and held against the others", (_, files) => {
      appendToReplica(layout, () => lines(before), { checked: notes() });
      readReplicas(layout, { checked: notes() });
      const own = join(layout.events, `${readLocal(layout).replica}.jsonl`);
      const away = join(dir, 'away.jsonl');
      renameSync(own, away);
      if (files === 2) writeFileSync(own, `${lines(before.slice(0, 5))}{"id":"7ZZZ`);
      // Meanwhile a teammate's file arrives (a sync) with a different event under the id of the 100th line.
      const clash = { ...before[100]!, data: { ...before[100]!.data, value: 1000 } } as LedgerEvent;
      writeFileSync(join(layout.events, '0teammate0000000.jsonl'), lines([clash]));
      expect(readReplicas(layout, { checked: notes() })!.files).toHaveLength(files);
      settle();
      renameSync(away, own);
      expect(() => readReplicas(layout, { checked: notes() })).toThrow(new RegExp(`two different events have the id ${before[100]!.id}`));
    });

    it('is held against the other files by the ids of its lines before the note\'s end too', () => {
      // Two replicas: this clone wrote the readings; a teammate's file first holds copies of its first
      // ten lines, then gains a different event under the id of the 100th.
      appendToReplica(layout, () => lines(before), { checked: notes() });
      const teammate = layoutOf(layout.path, { XDG_STATE_HOME: join(dir, 'state-2') });
      appendToReplica(teammate, () => lines(before.slice(0, 10)), { checked: notes() });
      expect(readReplicas(layout, { checked: notes() })!.files).toHaveLength(2);
      const own = join(layout.events, `${readLocal(layout).replica}.jsonl`);
      const theirs = join(layout.events, `${readLocal(teammate).replica}.jsonl`);
      const clash = { ...before[100]!, data: { ...before[100]!.data, value: 1000 } } as LedgerEvent;
      pull(own, readFileSync(own, 'latin1') + lines(pulled));
      pull(theirs, readFileSync(theirs, 'latin1') + lines([clash]));
      expect(() => readReplicas(layout, { checked: notes() })).toThrow(new RegExp(`two different events have the id ${before[100]!.id}`));
    });
  });
});
