// What a command loads when it starts: each command reads only the chunks of dist/ it needs, so
// `playbook blockers` never pays for the prompt library, the YAML parser or the template engine,
// and only the Node modules it uses (node:crypto alone costs about ten milliseconds).
// Seen from outside: a preloaded module notes every file of dist/ the loader opens, and the
// Node modules loaded by the end of the run.
import { createHash, createHmac } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { summarySandbox, type SummarySandbox } from '../helpers/summary.js';
import { SUMMARY_NOW, SUMMARY_TZ } from '../helpers/summary-ledger.js';

const DIST = join(REPO_ROOT, 'dist');

/** Chunks holding a library, found by a string only that library's code contains. */
function chunksWith(marker: string): string[] {
  const found = readdirSync(DIST).filter((f) => f.endsWith('.cjs') && readFileSync(join(DIST, f), 'utf8').includes(marker));
  expect(found.length, `one chunk holds "${marker}"`).toBe(1);
  return found;
}

const LIBRARIES = {
  'the template engine (LiquidJS)': chunksWith('Failed to lookup'),
  'the prompt library (inquirer)': chunksWith('ExitPromptError'),
  'the YAML parser': chunksWith('YAMLParseError'),
};

const OPENED_HOOK = `const fs = require('node:fs');
const open = fs.openSync;
const seen = [];
fs.openSync = function (path, ...rest) { seen.push(String(path)); return open.call(this, path, ...rest); };
process.on('exit', () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
  fs.writeFileSync(process.env.PLAYBOOK_OPENED_FILE, JSON.stringify({ opened: seen, builtins }));
});
`;

let box: SummarySandbox;
let hook: string;
beforeAll(() => {
  box = summarySandbox();
  hook = box.write('opened-hook.cjs', OPENED_HOOK);
});
afterAll(() => box?.cleanup());

interface Loaded {
  /** The chunks of dist/ the run opened. */
  chunks: string[];
  /** Node's own modules loaded by the end of the run, as `crypto` or `internal/perf/performance`. */
  builtins: string[];
}

/** What a run of the CLI loaded, its stdout going to /dev/null. */
function run(args: string[]): Loaded {
  const out = box.path(`opened-${args.join('-').replace(/\W+/g, '_')}.json`);
  const env = { PLAYBOOK_LEDGER: box.ledger, PLAYBOOK_NOW: SUMMARY_NOW, PLAYBOOK_TZ: SUMMARY_TZ, NODE_OPTIONS: `--require ${hook}`, PLAYBOOK_OPENED_FILE: out };
  const result = box.shell(`playbook ${args.map((a) => `'${a}'`).join(' ')} > /dev/null`, { env });
  expect(result.stderr).not.toMatch(/unexpected error/);
  expect([0, 1]).toContain(result.status);
  const { opened, builtins } = JSON.parse(readFileSync(out, 'utf8')) as { opened: string[]; builtins: string[] };
  return { chunks: opened.filter((p) => p.startsWith(DIST)).map((p) => p.slice(DIST.length + 1)), builtins };
}

const loaded = (args: string[]) => run(args).chunks;

describe('start-up: each command loads only what it uses', () => {
  const lean: [string, string[], string[]][] = [
    ['blockers', ['blockers'], Object.keys(LIBRARIES)],
    ['status', ['status'], Object.keys(LIBRARIES)],
    ['summary --format slack', ['summary', '--format', 'slack'], ['the template engine (LiquidJS)', 'the prompt library (inquirer)']],
    ['summary --format json', ['summary', '--format', 'json'], ['the template engine (LiquidJS)', 'the prompt library (inquirer)']],
    ['calendar', ['calendar'], ['the template engine (LiquidJS)', 'the prompt library (inquirer)']],
    ['blocker add', ['blocker', 'add', 'Start-up check', '--owner', 'Dana Kim'], Object.keys(LIBRARIES)],
    ['--version', ['--version'], Object.keys(LIBRARIES)],
  ];
  it.each(lean)('%s loads none of the libraries it does not use', (_name, args, absent) => {
    const chunks = loaded(args);
    expect(chunks.length).toBeGreaterThan(1);
    for (const library of absent) expect(chunks, library).not.toEqual(expect.arrayContaining(LIBRARIES[library as keyof typeof LIBRARIES]));
  });

  it('a Markdown summary does load the template engine, so the check above can fail', () => {
    expect(loaded(['summary', '--format', 'markdown'])).toEqual(expect.arrayContaining(LIBRARIES['the template engine (LiquidJS)']));
  });
});

describe('start-up: Node modules a command does not need stay unloaded', () => {
  // v8 brings Node's streams along, and the streams alone cost a few milliseconds.
  const UNUSED = ['crypto', 'child_process', 'perf_hooks', 'tty', 'net', 'v8', 'stream'];
  const reads: [string, string[]][] = [
    ['blockers', ['blockers']],
    ['status', ['status']],
    ['summary --format markdown', ['summary', '--format', 'markdown']],
    ['summary --format slack', ['summary', '--format', 'slack']],
    ['summary --format html', ['summary', '--format', 'html']],
    ['--version', ['--version']],
  ];
  it.each(reads)('%s, printing to a file, loads none of crypto, child_process, perf_hooks, tty, net, v8 or stream', (_name, args) => {
    const { builtins } = run(args);
    expect(builtins.length).toBeGreaterThan(10);
    for (const name of UNUSED) expect(builtins, name).not.toContain(name);
  });

  // A write of the team ledger takes random bits for the event id and hashes the line before it, and
  // neither needs node:crypto (src/ledger/clock.ts, hash.ts): it is not loaded, nor its streams.
  it('blocker add, a write, printing to a file, loads none of crypto, child_process, perf_hooks, tty, net, v8 or stream', () => {
    const { builtins } = run(['blocker', 'add', 'Start-up write', '--owner', 'Dana Kim']);
    expect(builtins.length).toBeGreaterThan(10);
    for (const name of UNUSED) expect(builtins, name).not.toContain(name);
  });

  it('a read does not load node:os: the home directory comes from $HOME; a write loads it for the lock holder\'s host name', () => {
    for (const args of [['blockers'], ['status'], ['summary', '--format', 'markdown'], ['--version']]) expect(run(args).builtins, args.join(' ')).not.toContain('os');
    expect(run(['blocker', 'add', 'Start-up host', '--owner', 'Dana Kim']).builtins).toContain('os');
  });

  it('with XDG_CACHE_HOME set the loader needs no home directory: without $HOME it neither loads node:os nor gives up the cache', () => {
    // os.homedir() throws for a user with neither $HOME nor a passwd entry (containers, CI runners).
    const cache = box.path('xdg-cache-no-home');
    const out = box.path('opened-no-home.json');
    const env = { XDG_CACHE_HOME: cache, NODE_OPTIONS: `--require ${hook}`, PLAYBOOK_OPENED_FILE: out };
    const result = box.shell('(unset HOME; playbook --version > /dev/null)', { env });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect((JSON.parse(readFileSync(out, 'utf8')) as { builtins: string[] }).builtins).not.toContain('os');
    expect(readdirSync(join(cache, 'playbook', 'code', `${process.version}-${process.arch}`)).length).toBeGreaterThan(1);
  });

  it('an email summary does load crypto, for its Message-ID, so the check above can fail', () => {
    expect(run(['summary', '--format', 'email', '--from', 'pm@example.com', '--to', 'team@example.com']).builtins).toContain('crypto');
  });

  it("a template's sha256 and hmac_sha256 filters still work, loading crypto when used", () => {
    box.userTemplate('digest.markdown.liquid', '{{ "launch" | sha256 }} {{ "launch" | hmac_sha256: "key" }}\n');
    const out = box.ok(['summary', '--format', 'markdown', '--template', 'digest']);
    expect(out.trim()).toBe(`${createHash('sha256').update('launch').digest('hex')} ${createHmac('sha256', 'key').update('launch').digest('hex')}`);
  });
});

describe('start-up: the ledger validator loads only when an event is checked', () => {
  // The generated validator is most of the ledger code by size (src/vendor/validator-lazy.cjs).
  const validator = readdirSync(DIST).filter((f) => /^validate-ledger-\w+\.cjs$/.test(f));

  it('a read of files checked before does not load it; a read that checks a file does', () => {
    expect(validator).toHaveLength(1);
    // A write checks the new event (and converts a version-1 ledger), and notes the files it wrote.
    expect(loaded(['blocker', 'add', 'Start-up validator', '--owner', 'Dana Kim'])).toContain(validator[0]);
    // A note is trusted alone once the file is 2 s older than the note (src/ledger/checked.ts);
    // instead of waiting, the notes are dated 5 s later, as a read 5 s from now would have taken them.
    const notes = join(box.home, '.cache', 'playbook', 'checked.json');
    const data = JSON.parse(readFileSync(notes, 'utf8')) as { files: Record<string, { at: string }> };
    expect(Object.keys(data.files).length).toBeGreaterThan(0);
    for (const note of Object.values(data.files)) note.at = String(BigInt(note.at) + 5_000_000_000n);
    writeFileSync(notes, JSON.stringify(data));
    for (const args of [['blockers'], ['status'], ['summary', '--format', 'slack']]) expect(loaded(args), args.join(' ')).not.toContain(validator[0]);
    // Without the notes every file is checked again, as on a fresh clone.
    rmSync(notes);
    expect(loaded(['blockers'])).toContain(validator[0]);
  });
});
