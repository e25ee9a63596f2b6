// The ledger's lock against what an attacker or an accident can leave at its path, and against holders
// it cannot see: a holder in another pid namespace (containers sharing a volume and a host name) is
// never taken over as dead; anything at the lock's path that is not a regular file is refused within
// the lock's timeout, never followed, read without bound, spun on or hung on.
import { describe, it, expect, beforeAll, beforeEach, afterEach } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, EXIT } from '../../src/errors.js';
import { acquireLock, inspectLock, lockPath } from '../../src/ledger/lock.js';
import { bundleLedgerScript } from '../helpers/reliability.js';

/** What this process's locks record about where it runs; undefined where /proc does not tell. */
function readOr(read: () => string): string | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
const ourBoot = readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
const ourPidns = readOr(() => readlinkSync('/proc/self/ns/pid'));
const linux = ourBoot !== undefined && ourPidns !== undefined;

let dir: string;
let ledger: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'playbook-lock-'));
  ledger = join(dir, 'ledger.json');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A pid that certainly belonged to a process of this host that has exited. */
function deadPid(): number {
  const result = spawnSync(process.execPath, ['-e', '0']);
  expect(result.status).toBe(0);
  return result.pid;
}

function writeLock(holder: Record<string, unknown>): string {
  const content = `${JSON.stringify({ host: hostname(), at: new Date().toISOString(), command: 'blocker add test', ...holder })}\n`;
  writeFileSync(lockPath(ledger), content, { mode: 0o600 });
  return content;
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe.runIf(linux)('a lock held from another pid namespace or boot', () => {
  it('a lock records the boot and pid namespace of its holder', () => {
    const release = acquireLock(ledger, 200);
    expect(JSON.parse(readFileSync(lockPath(ledger), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), boot: ourBoot, pidns: ourPidns });
    release();
    expect(existsSync(lockPath(ledger))).toBe(false);
  });

  it('a dead pid of our host in another pid namespace is not taken over: wait, then the one-line failure', () => {
    const pid = deadPid();
    const content = writeLock({ pid, boot: ourBoot, pidns: 'pid:[1]' });
    const started = performance.now();
    const error = catchError(() => acquireLock(ledger, 200));
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT.failure);
    expect((error as CliError).message).toBe(`${lockPath(ledger)}: the ledger is locked by pid ${pid} on ${hostname()} since ${JSON.parse(content).at}`);
    expect(readFileSync(lockPath(ledger), 'utf8'), 'the holder keeps its lock').toBe(content);
  });

  it('a holder that recorded a boot but no namespace, or one we cannot compare, is not taken over either', () => {
    const content = writeLock({ pid: deadPid(), boot: ourBoot });
    expect(catchError(() => acquireLock(ledger, 50))).toBeInstanceOf(CliError);
    expect(readFileSync(lockPath(ledger), 'utf8')).toBe(content);
    const odd = writeLock({ pid: deadPid(), boot: ourBoot, pidns: 42 });
    expect(catchError(() => acquireLock(ledger, 50))).toBeInstanceOf(CliError);
    expect(readFileSync(lockPath(ledger), 'utf8')).toBe(odd);
  });

  it('a dead pid of our host, boot and namespace is taken over', () => {
    writeLock({ pid: deadPid(), boot: ourBoot, pidns: ourPidns });
    const release = acquireLock(ledger, 200);
    expect(JSON.parse(readFileSync(lockPath(ledger), 'utf8')).pid).toBe(process.pid);
    release();
    expect(existsSync(lockPath(ledger))).toBe(false);
  });

  it('a lock from an earlier version (no boot, no namespace) with a dead pid of our host is taken over, as before', () => {
    writeLock({ pid: deadPid() });
    acquireLock(ledger, 200)();
    expect(existsSync(lockPath(ledger))).toBe(false);
  });

  it('a lock written before this machine booted is stale, even if its pid is alive now', () => {
    writeLock({ pid: process.ppid, boot: 'an-earlier-boot', pidns: ourPidns });
    const longAgo = new Date('2001-01-01T00:00:00Z');
    utimesSync(lockPath(ledger), longAgo, longAgo);
    acquireLock(ledger, 200)();
    expect(existsSync(lockPath(ledger))).toBe(false);
  });

  it('another boot id on a lock written since this boot is another machine with our name: not taken over', () => {
    const content = writeLock({ pid: deadPid(), boot: 'another-machine', pidns: ourPidns });
    expect(catchError(() => acquireLock(ledger, 50))).toBeInstanceOf(CliError);
    expect(readFileSync(lockPath(ledger), 'utf8')).toBe(content);
  });
});

describe('inspectLock, for doctor', () => {
  it('tells a free lock from a held one', () => {
    expect(inspectLock(ledger)).toEqual({ state: 'free' });
    const release = acquireLock(ledger, 200);
    const at = JSON.parse(readFileSync(lockPath(ledger), 'utf8')).at;
    expect(inspectLock(ledger)).toEqual({ state: 'held', holder: `pid ${process.pid} on ${hostname()} since ${at}` });
    release();
    expect(inspectLock(ledger)).toEqual({ state: 'free' });
  });

  it('names a garbled lock as unreadable', () => {
    writeFileSync(lockPath(ledger), 'x'.repeat(100_000));
    expect(inspectLock(ledger)).toMatchObject({ state: 'held', holder: expect.stringMatching(/^an unreadable lock file since /) });
  });
});

describe('anything but a regular file at the lock path is refused within the timeout', () => {
  // lock.ts as a plain module, for child processes: a regression (a spin, a hang, an endless read) is
  // then a child killed at a hard time limit and a failed test, never a hung test run.
  let bundleDir: string;
  let script: string;
  const TIMEOUT_MS = 300;
  const HARD_LIMIT_MS = 5000;

  beforeAll(() => {
    bundleDir = mkdtempSync(join(tmpdir(), 'playbook-lock-bundle-'));
    bundleLedgerScript(bundleDir, 'ledger-lock', "export * from './lock.ts';");
    script = join(bundleDir, 'child.mjs');
    writeFileSync(
      script,
      `import * as lock from './ledger-lock.mjs';
const [base, timeout] = process.argv.slice(2);
const inspected = lock.inspectLock?.(base);
const started = performance.now();
let outcome;
try {
  lock.acquireLock(base, Number(timeout))();
  outcome = { took: true };
} catch (error) {
  outcome = { name: error.name, exitCode: error.exitCode, message: error.message, hint: error.hint };
}
process.stdout.write(JSON.stringify({ inspected, ms: performance.now() - started, ...outcome }));
`,
    );
    return () => rmSync(bundleDir, { recursive: true, force: true });
  });

  interface Outcome {
    inspected: unknown;
    ms: number;
    took?: boolean;
    name?: string;
    exitCode?: number;
    message?: string;
    hint?: string;
  }

  function attempt(): Outcome {
    const result = spawnSync(process.execPath, [script, ledger, String(TIMEOUT_MS)], { encoding: 'utf8', timeout: HARD_LIMIT_MS, killSignal: 'SIGKILL' });
    expect(result.signal, `the child was stopped at ${HARD_LIMIT_MS} ms: it spun, hung or read without end`).toBeNull();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return JSON.parse(result.stdout) as Outcome;
  }

  function expectRefused(kind: string, file = lockPath(ledger)): void {
    const outcome = attempt();
    expect(outcome.took).toBeUndefined();
    expect(outcome).toMatchObject({ name: 'CliError', exitCode: EXIT.failure, message: `${file}: the lock is ${kind}, not a lock file` });
    expect(outcome.hint).toContain(`rm ${file}`);
    expect(outcome.ms).toBeLessThan(TIMEOUT_MS + 1000);
  }

  it('a dangling symbolic link', () => {
    symlinkSync(join(dir, 'nowhere'), lockPath(ledger));
    expectRefused('a symbolic link');
    expect(lstatSync(lockPath(ledger)).isSymbolicLink(), 'left as it was').toBe(true);
    expect(existsSync(join(dir, 'nowhere')), 'nothing created through it').toBe(false);
  });

  it('a symbolic link to /dev/zero', () => {
    symlinkSync('/dev/zero', lockPath(ledger));
    expectRefused('a symbolic link');
  });

  it('a symbolic link to a real lock of another ledger', () => {
    const other = join(dir, 'other.json');
    writeFileSync(lockPath(other), JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }));
    symlinkSync(lockPath(other), lockPath(ledger));
    expectRefused('a symbolic link');
  });

  it('a named pipe', () => {
    execFileSync('mkfifo', [lockPath(ledger)]);
    const outcome = attempt();
    expect(outcome.inspected).toEqual({ state: 'bad', detail: `${lockPath(ledger)} is a named pipe, not a lock file` });
    expect(outcome.message).toBe(`${lockPath(ledger)}: the lock is a named pipe, not a lock file`);
    expect(outcome.ms).toBeLessThan(TIMEOUT_MS + 1000);
  });

  it('a directory', () => {
    mkdirSync(lockPath(ledger));
    expectRefused('a directory');
  });

  it.runIf(process.getuid?.() === 0)('a device', () => {
    execFileSync('mknod', [lockPath(ledger), 'c', '1', '5']); // what /dev/zero is
    expectRefused('a device');
  });

  it('a dangling symbolic link where a stale lock is being broken', () => {
    writeLock({ pid: deadPid() });
    symlinkSync(join(dir, 'nowhere'), `${lockPath(ledger)}.break`);
    expectRefused('a symbolic link', `${lockPath(ledger)}.break`);
  });

  it('doctor can name each of them', () => {
    symlinkSync('/dev/zero', lockPath(ledger));
    expect(attempt().inspected).toEqual({ state: 'bad', detail: `${lockPath(ledger)} is a symbolic link, not a lock file` });
    rmSync(lockPath(ledger));
    mkdirSync(lockPath(ledger));
    expect(attempt().inspected).toEqual({ state: 'bad', detail: `${lockPath(ledger)} is a directory, not a lock file` });
  });
});
