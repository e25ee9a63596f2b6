// QUALITY.md, "Never lose or corrupt the ledger": the ledger's files are the user's own. The ledger file,
// every events file, this machine's own state and lock are created with mode 0600 (and temporary files
// too), and a folder made for them 0700, whatever the umask. (.gitattributes and .gitignore, written
// to be committed beside the ledger, are 0644: readable, writable by the user alone.)
//
// The CLI runs under `umask 000`, where anything created without an explicit mode is world-writable.
// Besides looking at the files it leaves, a small preloaded module watches every file and directory
// the CLI creates (events files, lock, temporary files, takeover "breaker", the converted version-1
// file) and notes its mode at the moment it is created, before anything could narrow it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv } from '../helpers/cli.js';
import { createLedgerSandbox, eventsDirOf, makeSeeds, type LedgerSandbox, type Seeds } from '../helpers/ledger.js';
import { summaryLedger } from '../helpers/summary-ledger.js';
import { copyLedger, FS_TRACE_HOOK, layoutFor, lockFileOf, readTrace, recordFigures } from '../helpers/reliability.js';

const figures = { commandsUnderUmask000: 0, filesCreated: 0, directoriesCreated: 0, eventsFilesSeen: 0, locksSeen: 0, tempFilesSeen: 0, convertedSeen: 0, breakersSeen: 0, widerThan0600: 0 };

let seeds: Seeds;
let box: LedgerSandbox;
let hook: string;
let traceFile: string;

beforeAll(() => {
  seeds = makeSeeds(['bare']);
  box = createLedgerSandbox('playbook-umask-');
  hook = box.write('hook/trace.mjs', FS_TRACE_HOOK);
  traceFile = box.path('trace.jsonl');
});

afterAll(() => {
  box?.cleanup();
  seeds?.cleanup();
  recordFigures('permissions', figures);
});

const mode = (path: string) => statSync(path).mode & 0o777;
const octal = (m: number | null | undefined) => (m === null || m === undefined ? 'missing' : m.toString(8).padStart(4, '0'));

/** Runs the CLI as `sh -c 'umask 000; exec node --import trace.mjs bin/playbook.cjs ARGS'`. */
function underUmask000(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): { status: number | null; stdout: string; stderr: string } {
  const env: Record<string, string> = { ...cleanEnv(), ...box.env, XDG_STATE_HOME: box.path('state'), PLAYBOOK_TZ: 'UTC', PLAYBOOK_TRACE_FILE: traceFile };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const result = spawnSync('sh', ['-c', 'umask 000; hook="$1"; shift; exec "$0" --import "$hook" "$@"', process.execPath, hook, BIN, ...args], {
    cwd: options.cwd ?? box.home,
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  figures.commandsUnderUmask000 += 1;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}


/** Every file and folder under `dir`, with its mode. */
function modesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const name of readdirSync(join(dir, sub)).sort()) {
      const rel = sub ? `${sub}/${name}` : name;
      out[rel] = octal(mode(join(dir, rel)));
      if (statSync(join(dir, rel)).isDirectory()) walk(rel);
    }
  };
  walk('');
  return out;
}

/** What the ledger's own files must be: 0600 files, 0700 folders; the git files beside them 0644. */
function expectOwnModes(dir: string): void {
  for (const [name, m] of Object.entries(modesUnder(dir))) {
    const want = name === '.gitattributes' || name === '.gitignore' ? '0644' : statSync(join(dir, name)).isDirectory() ? '0700' : '0600';
    expect(m, `${dir}/${name}`).toBe(want);
  }
}

describe('under umask 000', () => {
  it('init --local makes .playbook/ and its events folder 0700, the ledger and events files 0600, this machine\'s folder 0700 and its state 0600; so after the next writes; doctor agrees', () => {
    const project = box.path('project');
    mkdirSync(project);
    mkdirSync(join(project, 'sub'));
    const env = { PLAYBOOK_LEDGER: undefined };
    let r = underUmask000(['init', 'healthcare', 'pm', '--no-session', '--local'], { cwd: project, env });
    expect(r.status, r.stderr).toBe(0);
    const dotDir = join(project, '.playbook');
    const ledger = join(dotDir, 'ledger.json');
    expect(octal(mode(dotDir))).toBe('0700');
    expect(octal(mode(ledger))).toBe('0600');
    expect(octal(mode(eventsDirOf(ledger)))).toBe('0700');
    expectOwnModes(dotDir);
    for (const args of [['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'], ['blocker', 'add', 'Sandbox', '--owner', 'Sam'], ['use', 'pm-2026-11-23']]) {
      r = underUmask000(args, { cwd: join(project, 'sub'), env });
      expect(r.status, r.stderr).toBe(0);
    }
    expectOwnModes(dotDir);
    expect(readdirSync(eventsDirOf(ledger))).toHaveLength(1);
    const { local } = layoutFor(ledger, { XDG_STATE_HOME: box.path('state') });
    expect(octal(mode(local))).toBe('0700');
    expectOwnModes(local);
    expect(Object.keys(modesUnder(local))).toContain('replica.json');
    r = underUmask000(['doctor'], { cwd: project, env });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/^FAIL/m);
    expect(r.stdout).not.toMatch(/permissions/);
  });

  it('the default ledger directory ($XDG_DATA_HOME/playbook, and any parent it has to make) is created 0700, its events folder 0700 and files 0600', () => {
    const data = box.path('fresh-data', 'nested');
    const r = underUmask000(['init', 'healthcare', 'pm', '--no-session'], { env: { PLAYBOOK_LEDGER: undefined, XDG_DATA_HOME: data } });
    expect(r.status, r.stderr).toBe(0);
    expect(octal(mode(join(data, 'playbook')))).toBe('0700');
    expect(octal(mode(data))).toBe('0700');
    expect(octal(mode(join(data, 'playbook', 'ledger.json')))).toBe('0600');
    expectOwnModes(join(data, 'playbook'));
  });

  it('playbook new makes no directory or playbook anyone else can write to', () => {
    const config = box.path('fresh-config');
    const r = underUmask000(['new', 'fintech', 'risk-officer'], { env: { XDG_CONFIG_HOME: config } });
    expect(r.status, r.stderr).toBe(0);
    const made = [config, join(config, 'playbook'), join(config, 'playbook', 'playbooks'), join(config, 'playbook', 'playbooks', 'fintech')];
    for (const dir of made) expect(octal(mode(dir)), dir).toBe('0755');
    expect(octal(mode(join(config, 'playbook', 'playbooks', 'fintech', 'risk-officer.yaml')))).toBe('0644');
  });

  it('every file the CLI creates (events files, lock, temporary files, breaker, converted version-1 file) is 0600 from the moment it exists, every directory 0700', () => {
    const dir = box.path('traced');
    const state = box.path('state');
    const ledger = join(dir, 'ledger.json');
    const env = { PLAYBOOK_LEDGER: ledger };
    copyLedger(seeds.bare, ledger);
    for (const args of [
      ['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'],
      ['blocker', 'add', 'Sandbox', '--owner', 'Sam'],
      ['metric', 'record', 'approval-cycle-time', '4'],
      ['undo'],
    ]) {
      const r = underUmask000(args, { env });
      expect(r.status, r.stderr).toBe(0);
    }
    // A lock left by a dead process: taking it over creates the "breaker" file.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(lockFileOf(ledger, { XDG_STATE_HOME: state }), JSON.stringify({ pid: dead, host: hostname(), at: '2026-01-01T00:00:00.000Z' }), { mode: 0o600 });
    let r = underUmask000(['checklist', 'done', '1'], { env });
    expect(r.status, r.stderr).toBe(0);
    // A damaged ledger file brought back by doctor --restore.
    writeFileSync(ledger, '{"schemaVersion":2', { mode: 0o600 });
    r = underUmask000(['doctor', '--restore'], { env });
    expect(r.status, r.stderr).toBe(0);
    // A version-1 ledger converted on its first write.
    const old = join(dir, 'old', 'ledger.json');
    mkdirSync(join(dir, 'old'), { mode: 0o700 });
    summaryLedger().write(old);
    r = underUmask000(['blocker', 'add', 'Converted', '--owner', 'Sam', '--fallback', 'none'], { env: { PLAYBOOK_LEDGER: old } });
    expect(r.status, r.stderr).toBe(0);
    // And a ledger in a directory that does not exist yet.
    r = underUmask000(['init', 'healthcare', 'pm', '--no-session'], { env: { PLAYBOOK_LEDGER: join(dir, 'new', 'deeper', 'ledger.json') } });
    expect(r.status, r.stderr).toBe(0);

    const ours = (path: string | null) => path !== null && (path.startsWith(`${dir}/`) || path.startsWith(`${state}/`));
    const all = readTrace(traceFile).filter((t) => t.trace.some((e) => ours(e.path)));
    expect(all.length).toBeGreaterThanOrEqual(9);
    for (const t of all) expect(t.umask, 'the CLI really ran under umask 000').toBe(0);
    const created = all.flatMap((t) => t.trace).filter((e) => ours(e.path) && ['create', 'mkdir', 'link', 'copy', 'rename'].includes(e.op));
    const wrong: string[] = [];
    for (const e of created) {
      const want = e.op === 'mkdir' ? 0o700 : 0o600;
      if (e.op === 'mkdir') figures.directoriesCreated += 1;
      else if (e.op !== 'rename') figures.filesCreated += 1;
      if (e.mode !== want) wrong.push(`${e.op} ${e.path}${e.from ? ` from ${e.from}` : ''}: ${octal(e.mode)}, not ${octal(want)}`);
    }
    figures.widerThan0600 = wrong.length;
    expect(wrong).toEqual([]);

    const names = created.filter((e) => e.op !== 'mkdir').map((e) => e.path!.slice(e.path!.lastIndexOf('/') + 1));
    const count = (re: RegExp) => names.filter((n) => re.test(n)).length;
    figures.eventsFilesSeen = created.filter((e) => e.op === 'create' && e.path!.endsWith('.jsonl')).length;
    figures.locksSeen = count(/^ledger\.lock$/);
    figures.tempFilesSeen = count(/\.\d+\.[0-9a-f]+\.tmp$/);
    figures.convertedSeen = count(/^(ledger-v1\.json|v1-[0-9a-z]+\.jsonl)$/);
    figures.breakersSeen = count(/^ledger\.lock\.break$/);
    // The watch must have seen each kind of file, or the test above proves nothing about it.
    expect(figures.eventsFilesSeen, 'events files seen').toBeGreaterThanOrEqual(3);
    expect(figures.locksSeen, 'lock files seen').toBeGreaterThanOrEqual(8);
    expect(figures.tempFilesSeen, 'temporary files seen').toBeGreaterThanOrEqual(8);
    expect(figures.convertedSeen, 'converted version-1 files seen').toBeGreaterThanOrEqual(2);
    expect(figures.breakersSeen, 'breaker files seen').toBeGreaterThanOrEqual(1);
    const dirs = created.filter((e) => e.op === 'mkdir').map((e) => e.path);
    for (const d of [join(dir, 'new', 'deeper'), join(dir, 'new'), eventsDirOf(join(dir, 'new', 'deeper', 'ledger.json')), eventsDirOf(old)]) expect(dirs, d).toContain(d);
    expectOwnModes(dir);
    expectOwnModes(state);
  });
});
