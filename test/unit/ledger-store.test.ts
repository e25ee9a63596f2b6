import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CliError, EXIT } from '../../src/errors.js';
import { lineHash } from '../../src/ledger/convert.js';
import { appendToReplica, layoutOf, POINTER, readLocal, readReplicas, type Layout } from '../../src/ledger/replicas.js';
import { asciiJson } from '../../src/ledger/json.js';
import { bundleLedgerScript, chainProblems } from '../helpers/reliability.js';
import { summaryLedger } from '../helpers/summary-ledger.js';
import {
  backupPath,
  lockPath,
  readLedger,
  serializeLedger,
  updateLedger,
} from '../../src/ledger/store.js';

type Ledger = string[];

function validate(data: unknown): Ledger {
  if (!Array.isArray(data) || !data.every((item) => typeof item === 'string')) {
    throw new Error('expected an array of strings');
  }
  return data;
}

const append =
  (...items: string[]) =>
  (current: Ledger | null): Ledger => [...(current ?? []), ...items];

let dir: string;
let ledger: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'playbook-store-'));
  ledger = join(dir, 'ledger.json');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

function tempFiles(where = dir): string[] {
  return readdirSync(where).filter((name) => name.endsWith('.tmp'));
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function writeLock(holder: { pid: number; host?: string; at?: string }): string {
  const content = JSON.stringify({
    pid: holder.pid,
    host: holder.host ?? hostname(),
    at: holder.at ?? new Date().toISOString(),
    command: 'blocker add test',
  });
  writeFileSync(lockPath(ledger), content, { mode: 0o600 });
  return content;
}

/** Sets a file's modification time `seconds` into the past. */
function age(path: string, seconds: number): void {
  const then = new Date(Date.now() - seconds * 1000);
  utimesSync(path, then, then);
}

/** A pid that certainly belonged to a process of this host that has exited. */
function deadPid(): number {
  const result = spawnSync(process.execPath, ['-e', '0']);
  expect(result.status).toBe(0);
  expect(typeof result.pid).toBe('number');
  return result.pid;
}

function expectLockTimeout(fn: () => unknown, pidText?: string): CliError {
  const started = performance.now();
  const error = catchError(fn);
  const elapsed = performance.now() - started;
  expect(error).toBeInstanceOf(CliError);
  const cliError = error as CliError;
  expect(cliError.exitCode).toBe(EXIT.failure);
  expect(cliError.message).toContain(`${lockPath(ledger)}: the ledger is locked by`);
  if (pidText !== undefined) expect(cliError.message).toContain(pidText);
  expect(cliError.hint).toContain('wait for that command to finish');
  expect(elapsed).toBeGreaterThanOrEqual(180);
  expect(elapsed).toBeLessThan(5000);
  return cliError;
}

describe('paths and serialisation', () => {
  it('names the backup and lock beside the ledger', () => {
    expect(backupPath('/x/ledger.json')).toBe('/x/ledger.json.bak');
    expect(lockPath('/x/ledger.json')).toBe('/x/ledger.json.lock');
  });

  it('serialises as compact JSON ending with a newline', () => {
    expect(serializeLedger({ a: [1, 2] })).toBe('{"a":[1,2]}\n');
  });

  it('writes every character outside ASCII as a JSON escape, and reads back the same text', () => {
    expect(serializeLedger({ owner: 'Müller — 🚀' })).toBe('{"owner":"M\\u00fcller \\u2014 \\ud83d\\ude80"}\n');
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, text) => {
        const written = serializeLedger({ value, text });
        expect(/^[\x00-\x7f]*$/.test(written)).toBe(true);
        expect(JSON.parse(written)).toStrictEqual(JSON.parse(JSON.stringify({ value, text })));
      }),
    );
  });
});

describe('readLedger', () => {
  it('returns null for a missing ledger and creates nothing', () => {
    const nested = join(dir, 'not', 'there', 'ledger.json');
    expect(readLedger(nested, validate)).toBeNull();
    expect(existsSync(join(dir, 'not'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports a ledger path that is a directory as a one-line failure', () => {
    mkdirSync(ledger);
    const error = catchError(() => readLedger(ledger, validate));
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toBe(`${ledger}: cannot read the ledger: EISDIR`);
  });
});

describe('updateLedger: writing', () => {
  it('writes the ledger and reads it back', () => {
    const result = updateLedger(ledger, validate, append('a', 'b'));
    expect(result).toEqual({ ledger: ['a', 'b'], written: true });
    expect(readFileSync(ledger, 'utf8')).toBe(serializeLedger(['a', 'b']));
    expect(readLedger(ledger, validate)).toEqual(['a', 'b']);

    const second = updateLedger(ledger, validate, (current) => {
      expect(current).toEqual(['a', 'b']);
      return [...(current ?? []), 'c'];
    });
    expect(second).toEqual({ ledger: ['a', 'b', 'c'], written: true });
    expect(readLedger(ledger, validate)).toEqual(['a', 'b', 'c']);
    expect(tempFiles()).toEqual([]);
    expect(existsSync(lockPath(ledger))).toBe(false);
  });

  it('keeps the previous generation as the backup', () => {
    updateLedger(ledger, validate, append('one'));
    expect(existsSync(backupPath(ledger))).toBe(false);

    updateLedger(ledger, validate, append('two'));
    expect(readFileSync(backupPath(ledger), 'utf8')).toBe(serializeLedger(['one']));
    expect(readFileSync(ledger, 'utf8')).toBe(serializeLedger(['one', 'two']));

    updateLedger(ledger, validate, append('three'));
    expect(readFileSync(backupPath(ledger), 'utf8')).toBe(serializeLedger(['one', 'two']));
    expect(readFileSync(ledger, 'utf8')).toBe(serializeLedger(['one', 'two', 'three']));
    expect(tempFiles()).toEqual([]);
  });

  it('writes nothing when the change returns undefined', () => {
    const nothing = updateLedger(ledger, validate, () => undefined);
    expect(nothing).toEqual({ ledger: null, written: false });
    expect(existsSync(ledger)).toBe(false);

    updateLedger(ledger, validate, append('a'));
    const before = readFileSync(ledger);
    const unchanged = updateLedger(ledger, validate, () => undefined);
    expect(unchanged).toEqual({ ledger: ['a'], written: false });
    expect(readFileSync(ledger).equals(before)).toBe(true);
    expect(existsSync(backupPath(ledger))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['ledger.json']);
  });

  it('creates files 0600 and a missing directory 0700, even under umask 000', () => {
    const previous = process.umask(0);
    try {
      const nested = join(dir, 'state', 'playbook', 'ledger.json');
      let lockMode = -1;
      let lockHolder: unknown;
      updateLedger(nested, validate, (current) => {
        lockMode = mode(lockPath(nested));
        lockHolder = JSON.parse(readFileSync(lockPath(nested), 'utf8'));
        return [...(current ?? []), 'first'];
      });
      updateLedger(nested, validate, append('second'));

      expect(mode(join(dir, 'state', 'playbook'))).toBe(0o700);
      expect(mode(nested)).toBe(0o600);
      expect(mode(backupPath(nested))).toBe(0o600);
      expect(lockMode).toBe(0o600);
      expect(lockHolder).toMatchObject({ pid: process.pid, host: hostname() });
      expect(new Date((lockHolder as { at: string }).at).toISOString()).toBe((lockHolder as { at: string }).at);
      expect(existsSync(lockPath(nested))).toBe(false);
    } finally {
      process.umask(previous);
    }
  });

  it('replaces a too-open ledger with a 0600 one', () => {
    writeFileSync(ledger, serializeLedger(['a']), { mode: 0o644 });
    const previous = process.umask(0);
    try {
      updateLedger(ledger, validate, append('b'));
    } finally {
      process.umask(previous);
    }
    expect(mode(ledger)).toBe(0o600);
    expect(mode(backupPath(ledger))).toBe(0o600);
  });

  it('releases the lock and writes nothing when the change throws', () => {
    updateLedger(ledger, validate, append('a'));
    const before = readFileSync(ledger);
    expect(() =>
      updateLedger(ledger, validate, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(readFileSync(ledger).equals(before)).toBe(true);
    expect(existsSync(lockPath(ledger))).toBe(false);
    expect(tempFiles()).toEqual([]);
  });
});

describe('updateLedger: a damaged ledger is never overwritten', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['truncated JSON', '["a","b"', /ledger is damaged: not valid JSON: /],
    ['an empty file', '', /ledger is damaged: not valid JSON: /],
    ['valid JSON that fails validation', '{"events":"nope"}\n', /ledger is damaged: expected an array of strings$/],
  ];

  for (const [name, content, reason] of cases) {
    it(`refuses ${name} and leaves it byte-for-byte as it was`, () => {
      writeFileSync(ledger, content, { mode: 0o600 });
      const before = readFileSync(ledger);

      const readError = catchError(() => readLedger(ledger, validate));
      expect(readError).toBeInstanceOf(CliError);
      expect((readError as CliError).message.startsWith(`${ledger}: ledger is damaged: `)).toBe(true);
      expect((readError as CliError).message).toMatch(reason);
      expect((readError as CliError).hint).toContain('playbook doctor --restore');

      let called = false;
      const updateError = catchError(() =>
        updateLedger(ledger, validate, (current) => {
          called = true;
          return [...(current ?? []), 'x'];
        }),
      );
      expect(updateError).toBeInstanceOf(CliError);
      expect((updateError as CliError).exitCode).toBe(EXIT.failure);
      expect((updateError as CliError).message).toBe((readError as CliError).message);
      expect(called).toBe(false);
      expect(readFileSync(ledger).equals(before)).toBe(true);
      expect(readdirSync(dir).sort()).toEqual(['ledger.json']); // no temp, no backup, no lock
    });
  }

  it('keeps a multi-line validation message on one line, without control characters', () => {
    writeFileSync(ledger, '{}');
    const error = catchError(() =>
      readLedger(ledger, () => {
        throw new Error('first problem\n  second \u001b[2J problem');
      }),
    ) as CliError;
    expect(error.message).toBe(`${ledger}: ledger is damaged: first problem second \\u001b[2J problem`);
  });
});

describe('updateLedger: file system errors', () => {
  it('reports a path through a regular file as a one-line failure', () => {
    writeFileSync(join(dir, 'afile'), 'x');
    for (const path of [join(dir, 'afile', 'ledger.json'), join(dir, 'afile', 'sub', 'ledger.json')]) {
      const error = catchError(() => updateLedger(path, validate, append('a')));
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).message).toBe(`${path}: cannot write the ledger: ENOTDIR`);
    }
  });

  it('leaves the ledger and no temp files behind when the write fails half-way', () => {
    updateLedger(ledger, validate, append('a'));
    const before = readFileSync(ledger);
    mkdirSync(backupPath(ledger)); // renaming the backup over a directory fails
    const error = catchError(() => updateLedger(ledger, validate, append('b')));
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toMatch(new RegExp(`^${ledger.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot write the ledger: E`));
    expect(readFileSync(ledger).equals(before)).toBe(true);
    expect(tempFiles()).toEqual([]);
    expect(existsSync(lockPath(ledger))).toBe(false);
  });
});

describe('updateLedger: the lock', () => {
  it('takes over a lock left by a dead process', () => {
    updateLedger(ledger, validate, append('a'));
    writeLock({ pid: deadPid() });
    expect(updateLedger(ledger, validate, append('b'), { lockTimeoutMs: 200 }).written).toBe(true);
    expect(readLedger(ledger, validate)).toEqual(['a', 'b']);
    expect(existsSync(lockPath(ledger))).toBe(false);
    expect(existsSync(`${lockPath(ledger)}.break`)).toBe(false);
  });

  it('waits for a live holder, then fails naming the lock and its holder', async () => {
    const child: ChildProcess = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
      const pid = child.pid as number;
      updateLedger(ledger, validate, append('a'));
      const before = readFileSync(ledger);
      const content = writeLock({ pid, at: '2026-03-02T09:00:00.000Z' });

      const error = expectLockTimeout(
        () => updateLedger(ledger, validate, append('b'), { lockTimeoutMs: 200 }),
        `pid ${pid}`,
      );
      expect(error.message).toBe(
        `${lockPath(ledger)}: the ledger is locked by pid ${pid} on ${hostname()} since 2026-03-02T09:00:00.000Z`,
      );
      expect(readFileSync(ledger).equals(before)).toBe(true);
      expect(readFileSync(lockPath(ledger), 'utf8')).toBe(content); // somebody else's lock is left alone
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('reads the default wait from PLAYBOOK_LOCK_TIMEOUT_MS', () => {
    writeLock({ pid: process.ppid });
    const previous = process.env.PLAYBOOK_LOCK_TIMEOUT_MS;
    process.env.PLAYBOOK_LOCK_TIMEOUT_MS = '200';
    try {
      expectLockTimeout(() => updateLedger(ledger, validate, append('a')), `pid ${process.ppid}`);
    } finally {
      if (previous === undefined) delete process.env.PLAYBOOK_LOCK_TIMEOUT_MS;
      else process.env.PLAYBOOK_LOCK_TIMEOUT_MS = previous;
    }
  });

  it('never takes over a lock from another host', () => {
    const content = writeLock({ pid: deadPid(), host: 'some-other-host.example' });
    expectLockTimeout(
      () => updateLedger(ledger, validate, append('a'), { lockTimeoutMs: 200 }),
      'on some-other-host.example',
    );
    expect(readFileSync(lockPath(ledger), 'utf8')).toBe(content);
    expect(existsSync(ledger)).toBe(false);
  });

  it('treats a garbled lock as held while fresh and as stale after 10 s', () => {
    writeFileSync(lockPath(ledger), '{"pid":', { mode: 0o600 });
    const error = expectLockTimeout(() => updateLedger(ledger, validate, append('a'), { lockTimeoutMs: 200 }));
    expect(error.message).toContain('unreadable lock file');

    age(lockPath(ledger), 60);
    expect(updateLedger(ledger, validate, append('a'), { lockTimeoutMs: 200 }).written).toBe(true);
    expect(existsSync(lockPath(ledger))).toBe(false);
  });

  it('leaves a dead lock alone while another process is breaking it, until the breaker is stale', () => {
    const breaker = `${lockPath(ledger)}.break`;
    writeLock({ pid: deadPid() });
    writeFileSync(breaker, '', { mode: 0o600 });
    expectLockTimeout(() => updateLedger(ledger, validate, append('a'), { lockTimeoutMs: 200 }));
    expect(existsSync(ledger)).toBe(false);

    age(breaker, 60);
    expect(updateLedger(ledger, validate, append('a'), { lockTimeoutMs: 200 }).written).toBe(true);
    expect(existsSync(breaker)).toBe(false);
    expect(existsSync(lockPath(ledger))).toBe(false);
  });

  it('takes over a lock with its own pid only when it predates this process', () => {
    writeLock({ pid: process.pid });
    expectLockTimeout(
      () => updateLedger(ledger, validate, append('a'), { lockTimeoutMs: 200 }),
      `pid ${process.pid}`,
    );
    age(lockPath(ledger), 3600 + process.uptime());
    expect(updateLedger(ledger, validate, append('a'), { lockTimeoutMs: 200 }).written).toBe(true);
  });
});

describe('writeAtomic (the ledger file, this machine\'s state) under kill -9, through updateLedger', () => {
  // The store as a plain module the child processes import, next to their scripts.
  const bundleStore = () => bundleLedgerScript(dir, 'ledger-store', "export * from './store.ts';");

  function run(script: string, args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const done = new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stderr }));
    });
    return { child, done };
  }

  it('shows readers and survivors of kill -9 only whole generations, and the next writer takes over the lock', async () => {
    bundleStore();
    const SIZE = 8_000_000;
    const script = join(dir, 'writer.mjs');
    // Each generation is one 8 MB string of a single repeated digit: cheap to parse, slow to write, so a torn
    // (truncated or half-rewritten) file is likely to be seen if writes are not atomic, and easy to tell.
    writeFileSync(
      script,
      `import { updateLedger } from './ledger-store.mjs';
const [path] = process.argv.slice(2);
const validate = (data) => { if (!Array.isArray(data)) throw new Error('not an array'); return data; };
for (let g = 0; ; g++) updateLedger(path, validate, () => [String(g % 10).repeat(${SIZE})], { lockTimeoutMs: 60000 });
`,
    );
    const wholeGeneration = (data: unknown): string[] => {
      const text: unknown = Array.isArray(data) && data.length === 1 ? data[0] : undefined;
      if (typeof text !== 'string' || text.length !== SIZE) throw new Error('torn: wrong length');
      if (text !== text.charAt(0).repeat(SIZE)) throw new Error('torn: mixed generations');
      return data as string[];
    };

    for (let round = 0; round < 4; round++) {
      const { child, done } = run(script, [ledger]);
      const started = Date.now();
      while (!existsSync(ledger) && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 5));
      // Meanwhile, readers only ever see whole generations.
      const until = Date.now() + 100 + Math.random() * 300;
      while (Date.now() < until) expect(() => readLedger(ledger, wholeGeneration)).not.toThrow();
      child.kill('SIGKILL');
      const result = await done;
      expect(result.stderr).toBe('');
      expect(() => readLedger(ledger, wholeGeneration)).not.toThrow();
      if (existsSync(backupPath(ledger))) {
        expect(() => readLedger(backupPath(ledger), wholeGeneration)).not.toThrow();
      }
    }
    // The last writer died holding the lock (or not): either way the next update goes through at once.
    expect(updateLedger(ledger, wholeGeneration, () => ['x'.repeat(SIZE)], { lockTimeoutMs: 200 }).written).toBe(true);
    expect(readLedger(ledger, wholeGeneration)?.[0]?.charAt(0)).toBe('x');
  });
});

describe('updateLedger with notes of checked files', () => {
  const notes = () => join(dir, 'cache', 'checked.json');
  const seen: boolean[] = [];
  const validateSeeing = (data: unknown, known: boolean): Ledger => {
    seen.push(known);
    return validate(data);
  };
  // Marks what it wrote, so the test sees whether the store used it or serialised in full.
  const extend = (bytes: Buffer): Buffer[] => [bytes.subarray(0, bytes.length - 2), Buffer.from(',"extended"]\n')];

  beforeEach(() => void (seen.length = 0));

  /**
   * A note taken right after a write is trusted only for the bytes it names (checked.ts: a file can
   * still change unseen within the file system's time granularity); this moves the notes back in time
   * past that margin, as if the next command came a few seconds later.
   */
  const later = () => {
    const data = JSON.parse(readFileSync(notes(), 'utf8')) as { files: Record<string, { at: string }> };
    for (const note of Object.values(data.files)) note.at = (BigInt(note.at) + 3_000_000_000n).toString();
    writeFileSync(notes(), JSON.stringify(data));
  };

  it('tells validate a file it wrote is known, and extends only such a file', () => {
    updateLedger(ledger, validateSeeing, append('a'), { checked: notes(), extend });
    expect(readFileSync(ledger, 'utf8')).toBe(serializeLedger(['a']));
    later();
    updateLedger(ledger, validateSeeing, append('b'), { checked: notes(), extend });
    expect(readFileSync(ledger, 'utf8')).toBe('["a","extended"]\n');
    expect(seen).toEqual([true]);
  });

  it('a file changed by anything else is unknown: validated in full and serialised in full', () => {
    updateLedger(ledger, validateSeeing, append('a'), { checked: notes(), extend });
    writeFileSync(ledger, serializeLedger(['x']));
    updateLedger(ledger, validateSeeing, append('b'), { checked: notes(), extend });
    expect(seen).toEqual([false]);
    expect(readFileSync(ledger, 'utf8')).toBe(serializeLedger(['x', 'b']));
    // The full check noted it: the next read, a little later, knows it.
    later();
    expect(readLedger(ledger, validateSeeing, { checked: notes() })).toEqual(['x', 'b']);
    expect(seen).toEqual([false, true]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The team ledger's store: each replica appends to its own events file (src/ledger/replicas.ts)

describe('appendToReplica and readReplicas', () => {
  /** Valid events of a small ledger (a version-1 fixture converted), to append as lines. */
  const fixture = () => summaryLedger().events.slice(0, 6);
  /** The lines of one change: every event but the last says how many follow. */
  const change = (events: object[]) => events.map((e, i) => `${asciiJson(i < events.length - 1 ? { ...e, more: events.length - 1 - i } : e)}\n`).join('');
  let layout: Layout;
  beforeEach(() => {
    layout = layoutOf(join(dir, 'team', 'ledger.json'), { XDG_STATE_HOME: join(dir, 'state') });
  });
  const ownFile = () => join(layout.events, `${readLocal(layout).replica}.jsonl`);

  it('appends each change whole to this replica\'s own file, names the replica once, writes the pointer once, and reads the events back', () => {
    const events = fixture();
    expect(readReplicas(layout)).toBeNull();
    const first = appendToReplica(layout, (read, local) => {
      expect(read).toBeNull();
      expect(local.replica).toMatch(/^[0-9a-z]{16}$/);
      return change(events.slice(0, 2));
    });
    expect(first.written).toBe(true);
    const replica = readLocal(layout).replica!;
    expect(readFileSync(layout.path, 'utf8')).toBe(POINTER);
    expect(readdirSync(layout.events)).toEqual([`${replica}.jsonl`]);
    appendToReplica(layout, (read) => {
      expect(read!.events.map((e) => e.id)).toEqual(events.slice(0, 2).map((e) => e.id));
      return change(events.slice(2, 5));
    });
    expect(readLocal(layout).replica).toBe(replica);
    expect(readFileSync(ownFile(), 'utf8')).toBe(change(events.slice(0, 2)) + change(events.slice(2, 5)));
    expect(readReplicas(layout)!.events.map((e) => e.id)).toEqual(events.slice(0, 5).map((e) => e.id));
    expect(readdirSync(join(dir, 'team')).sort()).toEqual(['events', 'ledger.json']);
    expect(readdirSync(layout.local).sort()).toEqual(['replica.json']);
  });

  it('writes nothing when the change returns undefined, and releases the lock and writes nothing when it throws', () => {
    appendToReplica(layout, () => change(fixture().slice(0, 1)));
    const before = readFileSync(ownFile());
    expect(appendToReplica(layout, () => undefined).written).toBe(false);
    expect(() => appendToReplica(layout, () => { throw new Error('boom'); })).toThrow('boom');
    expect(readFileSync(ownFile()).equals(before)).toBe(true);
    expect(existsSync(join(layout.local, 'ledger.lock'))).toBe(false);
    expect(tempFiles(layout.events)).toEqual([]);
  });

  it('skips a change cut off at the end of its own file, and the next write cuts it off', () => {
    const events = fixture();
    appendToReplica(layout, () => change(events.slice(0, 1)));
    const whole = readFileSync(ownFile());
    const localState = readFileSync(join(layout.local, 'replica.json'));
    const cut = change(events.slice(1, 4));
    for (const at of [1, cut.indexOf('\n') + 1, cut.length - 1]) {
      // What a kill inside the write of the second change leaves: part of it, and this machine's state as before.
      writeFileSync(ownFile(), Buffer.concat([whole, Buffer.from(cut.slice(0, at))]));
      writeFileSync(join(layout.local, 'replica.json'), localState);
      const read = readReplicas(layout, { replica: readLocal(layout).replica })!;
      expect(read.events.map((e) => e.id)).toEqual([events[0]!.id]);
      expect(read.skipped).toHaveLength(1);
      expect(read.own).toMatchObject({ valid: whole.length, size: whole.length + at });
      appendToReplica(layout, () => change(events.slice(4, 5)));
      expect(readFileSync(ownFile(), 'utf8')).toBe(whole.toString('utf8') + change(events.slice(4, 5)));
    }
  });

  it('reads another replica\'s cut-off change as not arrived yet, and never touches that file', () => {
    const events = fixture();
    appendToReplica(layout, () => change(events.slice(0, 1)));
    const theirs = join(layout.events, 'teammate000000001.jsonl');
    const partial = change(events.slice(1, 4)).slice(0, -40);
    writeFileSync(theirs, partial, { mode: 0o600 });
    const read = readReplicas(layout)!;
    expect(read.events.map((e) => e.id)).toEqual([events[0]!.id]);
    expect(read.skipped[0]).toMatch(/teammate000000001\.jsonl: skipped 2 events of a change not yet complete/);
    appendToReplica(layout, () => change(events.slice(4, 5)));
    expect(readFileSync(theirs, 'utf8')).toBe(partial);
    // Once the rest arrives, the whole change is read.
    writeFileSync(theirs, change(events.slice(1, 4)));
    expect(readReplicas(layout)!.events).toHaveLength(5);
  });

  const damage: [string, (events: object[]) => Buffer, RegExp][] = [
    ['a line that is not JSON', (e) => Buffer.from(`${change(e.slice(0, 1))}{"id":\n`), /line 2 is not valid JSON/],
    ['a line that is not a valid event', (e) => Buffer.from(`${change(e.slice(0, 1))}${JSON.stringify({ ...e[1], seq: 'two' })}\n`), /line 2/],
    ['bytes that are not UTF-8', (e) => Buffer.concat([Buffer.from(change(e.slice(0, 1))), Buffer.from([0xff, 0x0a])]), /UTF-8/],
  ];
  it.each(damage)('never writes to a ledger with %s: refuses before the change is made, every byte as it was', (_name, make, reason) => {
    const events = fixture();
    appendToReplica(layout, () => change(events.slice(0, 1)));
    const theirs = join(layout.events, 'teammate000000001.jsonl');
    writeFileSync(theirs, make(events), { mode: 0o600 });
    const before = { own: readFileSync(ownFile()), theirs: readFileSync(theirs), local: readdirSync(layout.local) };
    let called = false;
    const error = catchError(() => appendToReplica(layout, () => { called = true; return change(events.slice(2, 3)); }));
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toMatch(new RegExp(`^${theirs.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ledger is damaged: `));
    expect((error as CliError).message).toMatch(reason);
    expect((error as CliError).message).not.toMatch(/\n/);
    expect(called).toBe(false);
    expect(readFileSync(ownFile()).equals(before.own)).toBe(true);
    expect(readFileSync(theirs).equals(before.theirs)).toBe(true);
    expect(readdirSync(layout.local)).toEqual(before.local);
  });

  it('creates the events file and pointer 0600, and the folders 0700, even under umask 000; the lock, in this machine\'s folder, names this process while held', () => {
    const previous = process.umask(0);
    try {
      let lock: { mode: number; holder: { pid: number } } | undefined;
      appendToReplica(layout, () => {
        const file = join(layout.local, 'ledger.lock');
        lock = { mode: mode(file), holder: JSON.parse(readFileSync(file, 'utf8')) };
        return change(fixture().slice(0, 1));
      });
      expect(lock).toMatchObject({ mode: 0o600, holder: { pid: process.pid } });
      expect(mode(layout.path)).toBe(0o600);
      expect(mode(ownFile())).toBe(0o600);
      expect(mode(layout.events)).toBe(0o700);
      expect(mode(join(dir, 'team'))).toBe(0o700);
      expect(mode(layout.local)).toBe(0o700);
      expect(mode(join(layout.local, 'replica.json'))).toBe(0o600);
      expect(existsSync(join(layout.local, 'ledger.lock'))).toBe(false);
    } finally {
      process.umask(previous);
    }
  });
});

describe('appendToReplica: across processes', () => {
  // The store as a plain module the child processes import, next to their scripts.
  const bundle = () => bundleLedgerScript(dir, 'replica-store', "export * from './replicas.ts'; export { nextEventId, randomPart } from './clock.ts'; export { asciiJson } from './json.ts'; export { lineHash } from './convert.ts';");

  function run(script: string, args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const done = new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stderr }));
    });
    return { child, done };
  }

  /** A child that appends COUNT changes of SIZE readings, numbered from BASE, to the ledger at PATH as the replica of XDG_STATE_HOME. */
  const WRITER = `import { appendToReplica, chainHash, layoutOf, lineHash, nextEventId, randomPart, asciiJson } from './replica-store.mjs';
const [path, base, count, size] = process.argv.slice(2).map((a, i) => (i === 0 ? a : Number(a)));
const layout = layoutOf(path, process.env);
for (let i = 0; count < 0 || i < count; i++) {
  appendToReplica(layout, (read, local) => {
    let last = read?.events.at(-1)?.id;
    let seq = read?.own?.lastSeq ?? 0;
    let prev = chainHash(read?.own);
    let lines = '';
    for (let k = 0; k < size; k++) {
      const id = nextEventId(last, Date.now(), randomPart());
      const event = { id, replica: local.replica, seq: ++seq, at: '2026-11-23T09:00:00.000Z', actor: 'child', command: 'test', cycle: null, type: 'metric.recorded', data: { metric: 'm', value: base + i * 1000 + k, at: '2026-11-23T09:00:00.000Z' } };
      if (prev) event.prev = prev;
      if (k < size - 1) event.more = size - 1 - k;
      const line = asciiJson(event);
      lines += line + '\\n';
      prev = lineHash(line);
      last = id;
    }
    return lines;
  }, { lockTimeoutMs: 60000 });
}
`;

  function writerScript(): string {
    bundle();
    const script = join(dir, 'writer.mjs');
    writeFileSync(script, WRITER);
    return script;
  }

  const values = (path: string) => readReplicas(layoutOf(path, {}))!.events.map((e) => (e.data as { value: number }).value);

  it('loses no change when 8 processes of one replica each append 25 times: one file, numbered and chained, each process\'s changes in its order', async () => {
    const script = writerScript();
    const target = join(dir, 'shared', 'ledger.json');
    const env = { XDG_STATE_HOME: join(dir, 'state') };
    const results = await Promise.all(Array.from({ length: 8 }, (_, p) => run(script, [target, String((p + 1) * 100_000), '25', '1'], env).done));
    for (const result of results) expect(result).toEqual({ code: 0, stderr: '' });
    const found = values(target);
    expect(found).toHaveLength(200);
    expect(new Set(found).size).toBe(200);
    for (let p = 1; p <= 8; p++) {
      const mine = found.filter((v) => Math.floor(v / 100_000) === p);
      expect(mine).toEqual(Array.from({ length: 25 }, (_, i) => p * 100_000 + i * 1000));
    }
    expect(readdirSync(join(dir, 'shared', 'events'))).toHaveLength(1);
    expect(chainProblems(target)).toEqual([]);
    expect(existsSync(join(layoutOf(target, env as NodeJS.ProcessEnv).local, 'ledger.lock'))).toBe(false);
  });

  it('loses no change when two replicas of one folder (two state folders) append at once, 4 processes each; neither writes the other\'s file', async () => {
    const script = writerScript();
    const target = join(dir, 'shared2', 'ledger.json');
    const runs = [0, 1].flatMap((r) => Array.from({ length: 4 }, (_, p) => run(script, [target, String((r * 4 + p + 1) * 100_000), '15', String(1 + (p % 3))], { XDG_STATE_HOME: join(dir, `state-${r}`) }).done));
    for (const result of await Promise.all(runs)) expect(result).toEqual({ code: 0, stderr: '' });
    const found = values(target);
    const expected = Array.from({ length: 8 }, (_, q) => Array.from({ length: 15 }, (_, i) => Array.from({ length: 1 + ((q % 4) % 3) }, (_, k) => (q + 1) * 100_000 + i * 1000 + k)).flat()).flat();
    expect([...found].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
    expect(readdirSync(join(dir, 'shared2', 'events'))).toHaveLength(2);
    expect(chainProblems(target)).toEqual([]);
  });

  it('kill -9 while appending large changes: readers meanwhile, and the files after, show only whole changes; the next write cuts off what the kill left', async () => {
    const script = writerScript();
    const SIZE = 400;
    const AFTER = 999_999_999;
    const env = { XDG_STATE_HOME: join(dir, 'state') };
    let cutOff = 0;
    for (let round = 0; round < 4; round++) {
      const target = join(dir, `big-${round}`, 'ledger.json');
      const layout = layoutOf(target, env);
      const wholeChanges = () => {
        const read = readReplicas(layout);
        const byChange = new Map<number, number>();
        for (const v of read?.events.map((e) => (e.data as { value: number }).value).filter((v) => v !== AFTER) ?? []) byChange.set(Math.floor(v / 1000), (byChange.get(Math.floor(v / 1000)) ?? 0) + 1);
        for (const [c, n] of byChange) expect(n, `change ${c}: ${n} of ${SIZE} events seen`).toBe(SIZE);
        return byChange.size;
      };
      const { child, done } = run(script, [target, '0', '-1', String(SIZE)], env);
      const started = Date.now();
      while (!existsSync(layout.events) && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 5));
      const until = Date.now() + 150 + Math.random() * 300;
      while (Date.now() < until) wholeChanges();
      child.kill('SIGKILL');
      expect((await done).stderr).toBe('');
      const changes = wholeChanges();
      const own = readReplicas(layout, { replica: readLocal(layout).replica })!.own!;
      if (own.valid < own.size) cutOff += 1;
      // The next write (this process, the same replica) cuts off whatever the kill left and follows on.
      appendToReplica(layout, (read, local) => {
        const event = { id: '7ZZZZZZZZZZZZZZZZZZZZZZZZZ', replica: local.replica, seq: (read!.own?.lastSeq ?? 0) + 1, at: '2026-11-23T09:00:00.000Z', actor: 'after', command: 'test', cycle: null, type: 'metric.recorded', data: { metric: 'm', value: AFTER, at: '2026-11-23T09:00:00.000Z' } } as Record<string, unknown>;
        if (read!.own?.lastLine) event.prev = lineHash(read!.own.lastLine);
        return `${asciiJson(event)}\n`;
      }, { lockTimeoutMs: 200 });
      expect(readReplicas(layout)!.skipped).toEqual([]);
      expect(chainProblems(target)).toEqual([]);
      expect(wholeChanges()).toBe(changes);
      expect(readReplicas(layout)!.events.at(-1)!.data).toMatchObject({ value: AFTER });
    }
    // How many kills landed inside a write (the kernel stops a large write part-way): nothing to assert, the checks above hold either way.
    console.log(`appendToReplica kill -9: ${cutOff} of 4 kills left a change cut off`);
  });
});
