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
import { appendedBytes } from '../../src/ledger/ledger.js';
import { bundleLedgerScript } from '../helpers/reliability.js';
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
  return data as Ledger;
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

describe('updateLedger: across processes', () => {
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

  it('loses no update when 8 processes each append 25 times', async () => {
    bundleStore();
    const script = join(dir, 'child.mjs');
    writeFileSync(
      script,
      `import { updateLedger } from './ledger-store.mjs';
const [path, id, count] = process.argv.slice(2);
const validate = (data) => { if (!Array.isArray(data)) throw new Error('not an array'); return data; };
for (let i = 0; i < Number(count); i++) {
  updateLedger(path, validate, (current) => [...(current ?? []), id + '-' + i], { lockTimeoutMs: 60000 });
}
`,
    );
    const target = join(dir, 'shared', 'ledger.json');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, id) => run(script, [target, `p${id}`, '25']).done),
    );
    for (const result of results) expect(result).toEqual({ code: 0, stderr: '' });

    const final = readLedger(target, validate);
    expect(final).toHaveLength(200);
    expect(new Set(final).size).toBe(200);
    for (let id = 0; id < 8; id++) {
      // each process's own entries appear in the order it wrote them
      const mine = (final ?? []).filter((entry) => entry.startsWith(`p${id}-`));
      expect(mine).toEqual(Array.from({ length: 25 }, (_, i) => `p${id}-${i}`));
    }
    expect(tempFiles(join(dir, 'shared'))).toEqual([]);
    expect(existsSync(lockPath(target))).toBe(false);
  });

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

    for (let round = 0; round < 8; round++) {
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

describe('appending to a ledger the store wrote: only the new events are serialised', () => {
  const event = fc.record({ id: fc.nat(), type: fc.constantFrom('blocker.added', 'note.added'), data: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())) });

  it('gives byte for byte the text a full serialisation gives, for any events before and after', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 8 }), fc.array(event, { minLength: 1, maxLength: 4 }), (before, added) => {
        const current = { schemaVersion: 1, events: before };
        const next = { schemaVersion: 1, events: [...before, ...added] };
        const bytes = appendedBytes(Buffer.from(serializeLedger(current)), current, next);
        expect(Buffer.concat(bytes!).toString('utf8')).toBe(serializeLedger(next));
      }),
    );
  });

  it('declines anything that is not an append of new events to the same ledger', () => {
    const a = { id: 1 };
    const current = { schemaVersion: 1, events: [a] };
    const text = Buffer.from(serializeLedger(current));
    expect(appendedBytes(text, current, { schemaVersion: 1, events: [a] })).toBeUndefined();
    expect(appendedBytes(text, current, { schemaVersion: 1, events: [{ id: 1 }, { id: 2 }] })).toBeUndefined();
    expect(appendedBytes(text, current, { schemaVersion: 2, events: [a, { id: 2 }] })).toBeUndefined();
    expect(appendedBytes(text, current, { schemaVersion: 1, events: [a, { id: 2 }], extra: true })).toBeUndefined();
    expect(appendedBytes(Buffer.from(`${serializeLedger(current).trimEnd()} \n`), current, { schemaVersion: 1, events: [a, { id: 2 }] })).toBeUndefined();
  });

  it('declines a file written with characters outside ASCII (by an earlier version), so it is written again in full', () => {
    const current = { schemaVersion: 1, events: [{ id: 1, owner: 'Müller' }] };
    const next = { schemaVersion: 1, events: [...current.events, { id: 2 }] };
    expect(appendedBytes(Buffer.from(`${JSON.stringify(current)}\n`), current, next)).toBeUndefined();
    expect(appendedBytes(Buffer.from(serializeLedger(current)), current, next)).toBeDefined();
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

  it('tells validate a file it wrote is known, and extends only such a file', () => {
    updateLedger(ledger, validateSeeing, append('a'), { checked: notes(), extend });
    expect(readFileSync(ledger, 'utf8')).toBe(serializeLedger(['a']));
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
    // The full check noted it: the next read knows it.
    expect(readLedger(ledger, validateSeeing, { checked: notes() })).toEqual(['x', 'b']);
    expect(seen).toEqual([false, true]);
  });
});
