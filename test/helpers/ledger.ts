// A sandbox for the ledger commands: the CLI sandbox of cli.ts plus a ledger of its own
// (PLAYBOOK_LEDGER in the sandbox), UTC, the fixed clock, and ready-made ledgers to start from.
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createSandbox, hasStackTrace, type CliResult, type RunOptions, type Sandbox } from './cli.js';

export interface LedgerSandbox extends Sandbox {
  /** The ledger file PLAYBOOK_LEDGER names, and its directory. */
  ledger: string;
  ledgerDir: string;
  /** Runs the CLI with PLAYBOOK_LEDGER and PLAYBOOK_TZ=UTC set (options.env can change or unset them). */
  run(args: string[], options?: RunOptions): CliResult;
  /** Runs the CLI and fails the test, with its stderr, unless it exits 0. */
  ok(args: string[], options?: RunOptions): CliResult;
  /** Runs the CLI with --json, expects exit 0 and returns the parsed output. */
  json<T = any>(args: string[], options?: RunOptions): T;
  /** The ledger, parsed: its version, and every event of every replica file, in the order of their ids. */
  read(): { schemaVersion: number; events: any[] };
  /** Every file under the ledger's directory with its exact bytes (ledger, events/…, any temp file), by relative path. */
  files(): Record<string, string>;
  /** Puts a copy of a ledger (its file and its events folder) at the sandbox's ledger path (0600). */
  useLedger(source: string): void;
}

export function createLedgerSandbox(prefix = 'playbook-ledger-'): LedgerSandbox {
  const sandbox = createSandbox(prefix);
  const ledgerDir = sandbox.path('ledger');
  const ledger = join(ledgerDir, 'ledger.json');
  const env = {
    PLAYBOOK_LEDGER: ledger,
    PLAYBOOK_TZ: 'UTC',
    XDG_STATE_HOME: sandbox.path('state'),
    XDG_CACHE_HOME: sandbox.path('cache'),
  };
  const run = (args: string[], options: RunOptions = {}) => sandbox.run(args, { ...options, env: { ...env, ...options.env } });
  const ok = (args: string[], options: RunOptions = {}) => {
    const result = run(args, options);
    if (result.status !== 0) {
      throw new Error(`playbook ${args.join(' ')} exited ${result.status ?? result.signal}:\n${result.stderr}${result.stdout}`);
    }
    return result;
  };
  return {
    ...sandbox,
    ledger,
    ledgerDir,
    run,
    ok,
    json: (args, options) => JSON.parse(ok([...args, '--json'], options).stdout),
    read: () => readLedgerEvents(ledger),
    files: () => filesUnder(ledgerDir),
    useLedger(source) {
      mkdirSync(dirname(ledger), { recursive: true, mode: 0o700 });
      copyFileSync(source, ledger);
      chmodSync(ledger, 0o600);
      const events = eventsDirOf(source);
      if (existsSync(events)) cpSync(events, eventsDirOf(ledger), { recursive: true });
    },
  };
}

/**
 * Ledgers to start tests from, made once per test file by the CLI itself:
 * - bare: `init healthcare pm --no-session`, one cycle at step 1 and nothing in it;
 * - full: the answers template of healthcare/pm answered back, all six steps done (3 decisions,
 *   1 blocker, 3 risks, 6 metric plans, checkpoints).
 */
export interface Seeds {
  bare: string;
  full: string;
  cleanup(): void;
}

export function makeSeeds(which: ('bare' | 'full')[] = ['bare', 'full']): Seeds {
  const box = createLedgerSandbox('playbook-seed-');
  const paths = { bare: '', full: '' };
  if (which.includes('bare')) {
    const bare = box.path('bare.json');
    box.ok(['init', 'healthcare', 'pm', '--no-session'], { env: { PLAYBOOK_LEDGER: bare } });
    paths.bare = bare;
  }
  if (which.includes('full')) {
    const full = box.path('full.json');
    const template = box.ok(['init', 'healthcare', 'pm', '--answers-template']).stdout;
    const answers = box.write('answers.yaml', template);
    box.ok(['init', 'healthcare', 'pm', '--answers', answers], { env: { PLAYBOOK_LEDGER: full } });
    paths.full = full;
  }
  return { ...paths, cleanup: () => box.cleanup() };
}

/** A failure the way a user should see one: a message on stderr, nothing on stdout, no stack trace, no "unexpected error". */
export function isCleanFailure(result: CliResult): boolean {
  return result.stderr.trim() !== '' && result.stdout === '' && !hasStackTrace(result.stderr) && !/unexpected error/.test(result.stderr);
}

/** The folder of replica files beside a ledger file (src/ledger/replicas.ts: layoutOf). */
export function eventsDirOf(ledger: string): string {
  const name = basename(ledger);
  return join(dirname(ledger), name === 'ledger.json' ? 'events' : `${name.replace(/\.json$/, '')}.events`);
}

/** A ledger as its files hold it: the version of its file, and every replica's events in the order of their ids. */
export function readLedgerEvents(ledger: string): { schemaVersion: number; events: any[] } {
  const head = JSON.parse(readFileSync(ledger, 'utf8')) as { schemaVersion: number; events?: any[] };
  if (head.schemaVersion === 1) return { schemaVersion: 1, events: head.events ?? [] };
  const dir = eventsDirOf(ledger);
  const events = existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => name.endsWith('.jsonl'))
        .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line)))
    : [];
  const unique = [...new Map(events.map((e) => [e.id, e])).values()];
  unique.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { schemaVersion: head.schemaVersion, events: unique };
}

/** Every file under `dir` with its exact bytes, by path relative to it. */
export function filesUnder(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  const out: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const name of readdirSync(join(dir, sub)).sort()) {
      const rel = sub ? `${sub}/${name}` : name;
      if (statSync(join(dir, rel)).isDirectory()) walk(rel);
      else out[rel] = readFileSync(join(dir, rel), 'latin1');
    }
  };
  walk('');
  return out;
}
