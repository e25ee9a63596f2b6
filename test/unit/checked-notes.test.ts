// The notes of checked ledger files never make a changed file look unchanged, also where time stamps
// are coarse (1-2 s): an edit of the same size within the same tick keeps every part of a file's
// identity, so a note taken less than two seconds after the file's last change is not trusted on
// identity alone (git's "racily clean" rule). Coarse time stamps are simulated by giving two stats
// the same times, as such a file system would.
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { type BigIntStats, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identity, isChecked, NOTES_VERSION, noteChecked } from '../../src/ledger/checked.js';

let dir: string;
let notes: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'playbook-checked-'));
  notes = join(dir, 'cache', 'checked.json');
  file = join(dir, 'ledger.json');
});

afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

const stat = (path = file): BigIntStats => statSync(path, { bigint: true });
const NS_PER_MS = 1_000_000n;

/** The same stat with other modification and change times: what a file system with coarse time stamps shows. */
function withTimes(s: BigIntStats, mtimeNs: bigint, ctimeNs: bigint): BigIntStats {
  return Object.assign(Object.create(Object.getPrototypeOf(s) as object) as BigIntStats, s, { mtimeNs, ctimeNs });
}

/** A stat of the file as it is, with both times `ms` before the (possibly frozen) clock. */
function agedBy(ms: number): BigIntStats {
  const then = BigInt(Date.now() - ms) * NS_PER_MS;
  return withTimes(stat(), then, then);
}

/** Freezes Date.now() at `ms` from now (real timers keep running). */
function clockAt(ms: number): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + ms);
}

describe('a note taken right after the file changed (racily clean)', () => {
  it('an edit of the same size within the same tick, after noting, is not trusted', () => {
    const valid = Buffer.from('["a","b"]\n');
    const edited = Buffer.from('["a","X"]\n');
    writeFileSync(file, valid);
    const noted = stat();
    noteChecked(notes, file, noted);
    writeFileSync(file, edited); // the same inode and size
    // With 1-2 s time stamps the edit keeps the noted modification and change times.
    const seen = withTimes(stat(), noted.mtimeNs, noted.ctimeNs);
    expect(identity(seen), 'the edit is invisible in the identity').toBe(identity(noted));
    expect(readFileSync(file).equals(valid)).toBe(false);
    expect(isChecked(notes, file, seen)).toBe(false);
    expect(isChecked(notes, file, seen, { bytes: edited })).toBe(false);
  });

  it('is trusted for the very bytes noted, and only for them', () => {
    const valid = Buffer.from('["a","b"]\n');
    writeFileSync(file, valid);
    const noted = stat();
    noteChecked(notes, file, noted, { bytes: [valid.subarray(0, 4), valid.subarray(4)] }); // as written, in chunks
    expect(isChecked(notes, file, noted, { bytes: valid })).toBe(true);
    expect(isChecked(notes, file, noted, { bytes: Buffer.from('["a","X"]\n') })).toBe(false);
    expect(isChecked(notes, file, noted), 'without the bytes: checked in full').toBe(false);
  });

  it('the rule is measured on both times: a recent change time alone makes a note racy', () => {
    writeFileSync(file, '[]\n');
    const old = BigInt(Date.now() - 60_000) * NS_PER_MS;
    const recentChange = withTimes(stat(), old, BigInt(Date.now()) * NS_PER_MS); // e.g. after touch -d
    noteChecked(notes, file, recentChange);
    expect(isChecked(notes, file, recentChange)).toBe(false);
    const recentModification = withTimes(stat(), BigInt(Date.now()) * NS_PER_MS, old);
    noteChecked(notes, file, recentModification);
    expect(isChecked(notes, file, recentModification)).toBe(false);
  });

  it('under two seconds is racy; two seconds and more is settled', () => {
    writeFileSync(file, '[]\n');
    clockAt(0);
    const young = agedBy(1999);
    noteChecked(notes, file, young);
    expect(isChecked(notes, file, young)).toBe(false);
    const settled = agedBy(2000);
    noteChecked(notes, file, settled);
    expect(isChecked(notes, file, settled)).toBe(true);
  });

  it('measured from when the caller took the identity, if it says so', () => {
    writeFileSync(file, '[]\n');
    clockAt(0);
    const s = agedBy(2500);
    noteChecked(notes, file, s, { takenAtMs: Date.now() - 1000 });
    expect(isChecked(notes, file, s)).toBe(false);
  });
});

describe('a note taken well after the file changed', () => {
  it('is trusted on identity alone, and any change of identity ends the trust', () => {
    writeFileSync(file, '["a"]\n');
    const s = stat();
    clockAt(3000); // the next read, three seconds after the write
    noteChecked(notes, file, s);
    expect(isChecked(notes, file, s)).toBe(true);
    writeFileSync(file, '["b"]\n'); // a fine-grained file system sees this edit
    expect(isChecked(notes, file, stat())).toBe(false);
    expect(isChecked(notes, join(dir, 'other.json'), s), 'notes are per path').toBe(false);
  });
});

describe('the notes file', () => {
  it('notes of the earlier format, which had no time, are not trusted', () => {
    writeFileSync(file, '["a"]\n');
    const s = agedBy(60_000);
    noteChecked(notes, file, s); // creates the notes' directory
    writeFileSync(notes, JSON.stringify({ version: 1, files: { [file]: identity(s) } }));
    expect(isChecked(notes, file, s)).toBe(false);
  });

  it('damaged notes mean a full check, and the next note repairs them', () => {
    writeFileSync(file, '["a"]\n');
    const s = agedBy(60_000);
    noteChecked(notes, file, s);
    for (const damage of ['not json', `{"version":${NOTES_VERSION},"files":{"x":`, `{"version":${NOTES_VERSION},"files":{${JSON.stringify(file)}:{"id":"${identity(s)}","at":"soon"}}}`]) {
      writeFileSync(notes, damage);
      expect(isChecked(notes, file, s)).toBe(false);
    }
    noteChecked(notes, file, s);
    expect(isChecked(notes, file, s)).toBe(true);
    expect(statSync(notes).mode & 0o777).toBe(0o600);
  });
});
