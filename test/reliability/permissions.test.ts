// QUALITY.md, "Never lose or corrupt the ledger": the ledger, its backup and lock are created with mode
// 0600 (and temporary files too, and a directory made for the ledger 0700), whatever the umask.
//
// The CLI runs under `umask 000`, where anything created without an explicit mode is world-writable.
// Besides looking at the files it leaves, a small preloaded module watches every file and directory
// the CLI creates (lock, temporary files, backup, takeover "breaker") and notes its mode at the moment
// it is created, before anything could narrow it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv } from '../helpers/cli.js';
import { createLedgerSandbox, makeSeeds, type LedgerSandbox, type Seeds } from '../helpers/ledger.js';
import { FS_TRACE_HOOK, readTrace, recordFigures } from '../helpers/reliability.js';

const figures = { commandsUnderUmask000: 0, filesCreated: 0, directoriesCreated: 0, locksSeen: 0, tempFilesSeen: 0, backupsSeen: 0, breakersSeen: 0, widerThan0600: 0 };

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
  const env: Record<string, string> = { ...cleanEnv(), ...box.env, PLAYBOOK_TZ: 'UTC', PLAYBOOK_TRACE_FILE: traceFile };
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


describe('under umask 000', () => {
  it('init --local makes .playbook/ 0700 and the ledger 0600; the backup after the next writes is 0600; doctor agrees', () => {
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
    for (const args of [['decision', 'add', 'Ship', '--owner', 'Priya', '--due', '+7d'], ['blocker', 'add', 'Sandbox', '--owner', 'Sam']]) {
      r = underUmask000(args, { cwd: join(project, 'sub'), env });
      expect(r.status, r.stderr).toBe(0);
    }
    expect(octal(mode(ledger))).toBe('0600');
    expect(octal(mode(`${ledger}.bak`))).toBe('0600');
    expect(octal(mode(dotDir))).toBe('0700');
    r = underUmask000(['doctor'], { cwd: project, env });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok {3}permissions: mode 0600$/m);
  });

  it('the default ledger directory ($XDG_DATA_HOME/playbook, and any parent it has to make) is created 0700', () => {
    const data = box.path('fresh-data', 'nested');
    const r = underUmask000(['init', 'healthcare', 'pm', '--no-session'], { env: { PLAYBOOK_LEDGER: undefined, XDG_DATA_HOME: data } });
    expect(r.status, r.stderr).toBe(0);
    expect(octal(mode(join(data, 'playbook')))).toBe('0700');
    expect(octal(mode(data))).toBe('0700');
    expect(octal(mode(join(data, 'playbook', 'ledger.json')))).toBe('0600');
  });

  it('playbook new makes no directory or playbook anyone else can write to', () => {
    const config = box.path('fresh-config');
    const r = underUmask000(['new', 'fintech', 'risk-officer'], { env: { XDG_CONFIG_HOME: config } });
    expect(r.status, r.stderr).toBe(0);
    const made = [config, join(config, 'playbook'), join(config, 'playbook', 'playbooks'), join(config, 'playbook', 'playbooks', 'fintech')];
    for (const dir of made) expect(octal(mode(dir)), dir).toBe('0755');
    expect(octal(mode(join(config, 'playbook', 'playbooks', 'fintech', 'risk-officer.yaml')))).toBe('0644');
  });

  it('every file the CLI creates (lock, temporary files, backup, breaker) is 0600 from the moment it exists, every directory 0700', () => {
    const dir = box.path('traced');
    mkdirSync(dir, { mode: 0o700 });
    const ledger = join(dir, 'ledger.json');
    const env = { PLAYBOOK_LEDGER: ledger };
    copyFileSync(seeds.bare, ledger);
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
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(`${ledger}.lock`, JSON.stringify({ pid: dead, host: hostname(), at: '2026-01-01T00:00:00.000Z' }), { mode: 0o600 });
    let r = underUmask000(['checklist', 'done', '1'], { env });
    expect(r.status, r.stderr).toBe(0);
    // A damaged ledger brought back by doctor --restore.
    writeFileSync(ledger, '{"schemaVersion":1,"ev', { mode: 0o600 });
    r = underUmask000(['doctor', '--restore'], { env });
    expect(r.status, r.stderr).toBe(0);
    // And a ledger in a directory that does not exist yet.
    r = underUmask000(['init', 'healthcare', 'pm', '--no-session'], { env: { PLAYBOOK_LEDGER: join(dir, 'new', 'deeper', 'ledger.json') } });
    expect(r.status, r.stderr).toBe(0);

    const all = readTrace(traceFile).filter((t) => t.trace.some((e) => e.path?.startsWith(dir)));
    expect(all.length).toBeGreaterThanOrEqual(7);
    for (const t of all) expect(t.umask, 'the CLI really ran under umask 000').toBe(0);
    const created = all.flatMap((t) => t.trace).filter((e) => e.path?.startsWith(dir) && ['create', 'mkdir', 'link', 'copy', 'rename'].includes(e.op));
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
    figures.locksSeen = count(/^ledger\.json\.lock$/);
    figures.tempFilesSeen = count(/^ledger\.json\.\d+\.[0-9a-f]+\.tmp$/);
    figures.backupsSeen = count(/^ledger\.json\.bak(\.\d+\.[0-9a-f]+\.tmp)?$/);
    figures.breakersSeen = count(/^ledger\.json\.lock\.break$/);
    // The watch must have seen each kind of file, or the test above proves nothing about it.
    expect(figures.locksSeen, 'lock files seen').toBeGreaterThanOrEqual(7);
    expect(figures.tempFilesSeen, 'temporary files seen').toBeGreaterThanOrEqual(7);
    expect(figures.backupsSeen, 'backups seen').toBeGreaterThanOrEqual(5);
    expect(figures.breakersSeen, 'breaker files seen').toBeGreaterThanOrEqual(1);
    expect(created.filter((e) => e.op === 'mkdir').map((e) => e.path)).toEqual([join(dir, 'new', 'deeper'), join(dir, 'new')]);
  });
});
