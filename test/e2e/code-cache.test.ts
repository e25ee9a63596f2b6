// The compiled-code cache of bin/playbook.cjs, end to end: a run keeps V8's code for the chunks it
// loaded in the user's cache directory, the next run uses it, and nothing in that directory can
// change what a command does: damaged, foreign or stale files are refused and written again.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, chmodSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createSandbox, hasStackTrace, REPO_ROOT, runCli, type Sandbox } from '../helpers/cli.js';

const ENTRY = readFileSync(join(REPO_ROOT, 'dist', 'entry.txt'), 'utf8').split('\n')[0]!;
const HEADER = 32;

let box: Sandbox;
beforeEach(() => {
  box = createSandbox('playbook-code-cache-');
});
afterEach(() => box.cleanup());

const codeDir = () => join(box.home, '.cache', 'playbook', 'code', `${process.version}-${process.arch}`);
const mode = (path: string) => statSync(path).mode & 0o777;
const inodes = () => Object.fromEntries(readdirSync(codeDir()).map((f) => [f, statSync(join(codeDir(), f)).ino]));

function show(): string {
  const result = box.run(['show', 'healthcare', 'pm']);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout;
}

describe('the compiled-code cache', () => {
  it('keeps the code of every chunk a run loaded, 0600 in a 0700 directory', () => {
    show();
    const files = readdirSync(codeDir());
    expect(files).toContain(ENTRY);
    expect(files.some((f) => f.startsWith('show-'))).toBe(true);
    for (const f of files) {
      expect(f).toMatch(/^[a-z-]+-[A-Z0-9]+\.cjs$/);
      expect(mode(join(codeDir(), f))).toBe(0o600);
    }
    expect(mode(codeDir())).toBe(0o700);
  });

  it('is used by the next run, which prints the same and writes nothing', () => {
    const first = show();
    const before = inodes();
    expect(show()).toBe(first);
    expect(inodes()).toEqual(before);
  });

  it('follows XDG_CACHE_HOME', () => {
    const cacheHome = box.path('cache-home');
    expect(box.run(['--version'], { env: { XDG_CACHE_HOME: cacheHome } }).status).toBe(0);
    expect(readdirSync(join(cacheHome, 'playbook', 'code', `${process.version}-${process.arch}`))).toContain(ENTRY);
  });

  // Each damage is tried on every cached chunk at once. V8 checks none of this itself (its checksums
  // are off) and would stop the process on some of it: the loader compares the two copies each file
  // holds.
  const damages: [string, (bytes: Buffer) => Buffer][] = [
    ['empty', () => Buffer.alloc(0)],
    ['header only', (b) => b.subarray(0, HEADER)],
    ['cut in half', (b) => b.subarray(0, b.length >> 1)],
    ['a byte flipped in the header', (b) => flip(b, 5)],
    ['a byte flipped in V8\'s header', (b) => flip(b, HEADER + 9)],
    ['bytes flipped through the code', (b) => { let out = b; for (let i = HEADER + 64; i < b.length; i += 997) out = flip(out, i); return out; }],
    ['the last byte flipped', (b) => flip(b, b.length - 1)],
    ['random bytes of the same length', (b) => Buffer.from(b.map((_, i) => (i * 7919 + 13) & 0xff))],
    ['one byte longer', (b) => Buffer.concat([b, Buffer.from([0])])],
    ['a byte flipped in the second copy only', (b) => flip(b, HEADER + ((b.length - HEADER) >> 1) + 40)],
  ];

  it.each(damages)('refuses a file that is %s, prints the same, and writes it again', (_name, damage) => {
    const first = show();
    const files = readdirSync(codeDir());
    const damaged = new Map(files.map((f) => [f, damage(readFileSync(join(codeDir(), f)))]));
    for (const [f, bytes] of damaged) writeFileSync(join(codeDir(), f), bytes, { mode: 0o600 });
    const result = box.run(['show', 'healthcare', 'pm']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(first);
    // Refused, so compiled and written again: no damaged file is left.
    for (const [f, bytes] of damaged) expect(readFileSync(join(codeDir(), f)).equals(bytes), f).toBe(false);
    // Written again whole: the next run is back to the shortcut and changes nothing.
    const rewritten = inodes();
    expect(show()).toBe(first);
    expect(inodes()).toEqual(rewritten);
  });

  it('does not use a file other users could have written, and replaces it with the user\'s own', () => {
    show();
    const file = join(codeDir(), ENTRY);
    chmodSync(file, 0o666);
    const before = statSync(file).ino;
    expect(box.run(['--version']).stdout).toBe('0.1.0\n');
    expect(statSync(file).ino).not.toBe(before);
    expect(mode(file)).toBe(0o600);
  });

  it('runs every command as usual when the cache directory cannot be made', () => {
    box.write('not-a-dir', 'a file where the cache directory would be\n');
    const result = box.run(['show', 'healthcare', 'pm'], { env: { XDG_CACHE_HOME: box.path('not-a-dir') } });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Product manager');
  });

  /** A copy of the package, run twice so its code is cached, and the chunk that holds the version. */
  function cachedCopy(prepare: (dist: string) => void = () => {}): { pkg: string; file: string; runCopy: () => string } {
    // A copy, so the chunk can be edited without touching the one other tests run.
    const pkg = box.path('package');
    for (const dir of ['bin', 'dist']) cpSync(join(REPO_ROOT, dir), join(pkg, dir), { recursive: true });
    prepare(join(pkg, 'dist'));
    for (const dir of ['playbooks', 'templates']) symlinkSync(join(REPO_ROOT, dir), join(pkg, dir));
    const runCopy = () => runCli(['--version'], { env: box.env, bin: join(pkg, 'bin', 'playbook.cjs') }).stdout;
    expect(runCopy()).toBe('0.1.0\n');
    expect(runCopy()).toBe('0.1.0\n');
    const chunk = readdirSync(join(pkg, 'dist')).find((f) => readFileSync(join(pkg, 'dist', f), 'utf8').includes('"0.1.0"'));
    expect(chunk).toBeDefined();
    expect(readdirSync(codeDir())).toContain(chunk);
    return { pkg, file: join(pkg, 'dist', chunk!), runCopy };
  }

  it('never runs code kept for a chunk that changed since, even one of the same name and length', () => {
    const { file, runCopy } = cachedCopy();
    writeFileSync(file, readFileSync(file, 'utf8').replace('"0.1.0"', '"9.9.9"'));
    expect(runCopy()).toBe('9.9.9\n');
  });

  it('never runs code kept by another build, even for a chunk of the same name, length and modification time', () => {
    // As after `npm install` of another build: npm gives every installed file the same time.
    const NPM_TIME = new Date('1985-10-26T08:15:00Z');
    const { pkg, file, runCopy } = cachedCopy((dist) => {
      for (const f of readdirSync(dist)) utimesSync(join(dist, f), NPM_TIME, NPM_TIME);
    });
    writeFileSync(file, readFileSync(file, 'utf8').replace('"0.1.0"', '"9.9.9"'));
    utimesSync(file, NPM_TIME, NPM_TIME);
    const entryFile = join(pkg, 'dist', 'entry.txt');
    const [entry, build] = readFileSync(entryFile, 'utf8').split('\n');
    writeFileSync(entryFile, `${entry}\n${build!.replace(/^./, (c) => (c === '0' ? '1' : '0'))}\n`);
    expect(runCopy()).toBe('9.9.9\n');
  });

  it('removes cached code of chunks this build does not have once it is a month old, when it writes the cache', () => {
    show();
    const old = join(codeDir(), 'summary-OLDBUILD1.cjs');
    const recent = join(codeDir(), 'summary-RECENT01.cjs');
    writeFileSync(old, 'code kept by another version\n', { mode: 0o600 });
    writeFileSync(recent, 'code kept by another version\n', { mode: 0o600 });
    const fortyDaysAgo = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    utimesSync(old, fortyDaysAgo, fortyDaysAgo);
    // A run that writes nothing to the cache leaves the directory alone.
    show();
    expect(readdirSync(codeDir())).toContain('summary-OLDBUILD1.cjs');
    // A run that writes (here, because the entry's file went) prunes.
    rmSync(join(codeDir(), ENTRY));
    show();
    const files = readdirSync(codeDir());
    expect(files).toContain(ENTRY);
    expect(files).toContain('summary-RECENT01.cjs');
    expect(files).not.toContain('summary-OLDBUILD1.cjs');
  });

  it('runs as usual when there is no place for the cache: a relative XDG_CACHE_HOME in a deleted directory', () => {
    const gone = box.path('gone');
    const script = `mkdir ${gone} && cd ${gone} && rmdir ${gone} && exec "$0" ${join(REPO_ROOT, 'bin', 'playbook.cjs')} --version`;
    const result = spawnSync('bash', ['-c', script, process.execPath], { env: { ...process.env, ...box.env, XDG_CACHE_HOME: 'relative-cache' }, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('0.1.0\n');
    expect(result.status).toBe(0);
  });

  it('says the build is missing, in one line, when dist/ is gone', () => {
    const pkg = box.path('unbuilt');
    mkdirSync(join(pkg, 'bin'), { recursive: true });
    cpSync(join(REPO_ROOT, 'bin', 'playbook.cjs'), join(pkg, 'bin', 'playbook.cjs'));
    const result = runCli(['--version'], { env: box.env, bin: join(pkg, 'bin', 'playbook.cjs') });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^playbook: the built CLI is missing from dist\/; run `npm install` or `npm run build` in the package\n$/);
    expect(hasStackTrace(result.stderr)).toBe(false);
  });
});

function flip(bytes: Buffer, at: number): Buffer {
  const out = Buffer.from(bytes);
  out[at] = (out[at] ?? 0) ^ 0x5a;
  return out;
}
