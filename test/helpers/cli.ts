// Runs the built CLI (`node bin/playbook.cjs`) the way a user's shell would, in a sandbox:
// its own HOME and XDG directories, a fixed clock, and none of the caller's playbook or colour
// settings, so a test sees exactly the environment it sets up.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(REPO_ROOT, 'bin', 'playbook.cjs');

/** The clock every test runs at, unless it sets another. */
export const NOW = '2026-11-23T09:00:00Z';

/** Long enough for a slow CI machine, short enough that a hang fails the test instead of the run. */
export const CLI_TIMEOUT_MS = 10_000;

export interface CliResult {
  /** The exit code; null when the process was killed (see `signal`), for example by the timeout. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** How long the run took, in milliseconds. */
  ms: number;
}

export interface RunOptions {
  /** Variables to set on top of the clean environment; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  /** Text written to the CLI's stdin (which is a pipe, so never a TTY). */
  input?: string;
  cwd?: string;
  timeout?: number;
  /** Another copy of the CLI's loader to run instead of the repository's (runCli only). */
  bin?: string;
}

/** Variables of the caller's environment that would change what the CLI does. */
const INHERITED_SETTINGS = /^(PLAYBOOK_|XDG_|NO_COLOR$|FORCE_COLOR$|TERM$|COLORTERM$|CI$|HOME$)/;

/**
 * The caller's environment without anything that changes the CLI's behaviour, plus the fixed
 * clock and the TERM of an ordinary terminal: libraries that look only at TERM (cli-table3's
 * colours do) must not colour a pipe, and a test run without a TERM would hide that.
 */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !INHERITED_SETTINGS.test(key)) env[key] = value;
  }
  env.PLAYBOOK_NOW = NOW;
  env.TERM = 'xterm-256color';
  return env;
}

/** The environment of a child process: the clean one plus `options.env`, which must name a HOME. */
function childEnv(options: RunOptions): Record<string, string> {
  const env = cleanEnv();
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  if (!env.HOME) throw new Error('give the CLI a HOME of its own in options.env (createSandbox() does)');
  return env;
}

function assertBuilt(): void {
  if (!existsSync(join(REPO_ROOT, 'dist', 'entry.txt'))) throw new Error('the CLI is not built: run `node scripts/build.mjs` (npm test does)');
}

function spawnChild(command: string, args: string[], options: RunOptions): CliResult {
  assertBuilt();
  const env = childEnv(options);
  const started = Date.now();
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? env.HOME,
    env,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: options.timeout ?? CLI_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  // A timeout is reported through `signal`, so the test can say the CLI hung.
  if (result.error && (result.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw result.error;
  return { status: result.status, signal: result.signal, stdout: result.stdout ?? '', stderr: result.stderr ?? '', ms: Date.now() - started };
}

/**
 * At most one CLI per CPU at a time from this test worker: concurrent tests wait for a slot instead
 * of starving each other's processes into the CLI timeout.
 */
const slots = { free: Math.max(2, availableParallelism()), waiting: [] as (() => void)[] };

async function withSlot<T>(work: () => Promise<T>): Promise<T> {
  if (slots.free > 0) slots.free -= 1;
  else await new Promise<void>((resolve) => slots.waiting.push(resolve));
  try {
    return await work();
  } finally {
    const next = slots.waiting.shift();
    if (next) next();
    else slots.free += 1;
  }
}

/** spawnChild without blocking the test worker, so concurrent tests run their CLIs side by side. */
function spawnChildAsync(command: string, args: string[], options: RunOptions): Promise<CliResult> {
  assertBuilt();
  return withSlot(() => spawnOnce(command, args, options));
}

function spawnOnce(command: string, args: string[], options: RunOptions): Promise<CliResult> {
  const env = childEnv(options);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? env.HOME, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => {}); // a CLI that exits without reading its input is not a test failure
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? CLI_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: Date.now() - started });
    });
  });
}

/**
 * Runs `node bin/playbook.cjs ...args`. The environment must name a HOME (use a Sandbox), so no
 * test ever reads or writes the real user's files.
 */
export function runCli(args: string[], options: RunOptions = {}): CliResult {
  return spawnChild(process.execPath, [options.bin ?? BIN, ...args], options);
}

/** runCli for concurrent tests (`describe.concurrent`): the CLIs of several tests run at once. */
export function runCliAsync(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return spawnChildAsync(process.execPath, [BIN, ...args], options);
}

/** Quotes a word for bash. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs a bash script in which `playbook` is the built CLI, for pipelines such as
 * `set -o pipefail; playbook show healthcare pm | head -1`. Same environment rules as runCli.
 */
export function runShell(script: string, options: RunOptions = {}): CliResult {
  return spawnChild('bash', ['-c', shellPrelude() + script], options);
}

/** runShell for concurrent tests. */
export function runShellAsync(script: string, options: RunOptions = {}): Promise<CliResult> {
  return spawnChildAsync('bash', ['-c', shellPrelude() + script], options);
}

function shellPrelude(): string {
  return `playbook() { ${shellQuote(process.execPath)} ${shellQuote(BIN)} "$@"; }\n`;
}

export interface Sandbox {
  /** The temporary directory holding everything below. */
  root: string;
  home: string;
  configHome: string;
  dataHome: string;
  /** Where the user's own playbooks live: $XDG_CONFIG_HOME/playbook/playbooks. */
  userPlaybooks: string;
  /** HOME, XDG_CONFIG_HOME and XDG_DATA_HOME pointing into the sandbox. */
  env: Record<string, string>;
  /** A path inside the sandbox root. */
  path(...parts: string[]): string;
  /** Writes a file (creating its directories) below the sandbox root and returns its path. */
  write(relativePath: string, text: string): string;
  /** Runs the CLI with the sandbox's environment plus `options.env`. */
  run(args: string[], options?: RunOptions): CliResult;
  /** `run` for concurrent tests. */
  runAsync(args: string[], options?: RunOptions): Promise<CliResult>;
  /** Runs a bash script with the sandbox's environment, in which `playbook` is the built CLI. */
  shell(script: string, options?: RunOptions): CliResult;
  /** `shell` for concurrent tests. */
  shellAsync(script: string, options?: RunOptions): Promise<CliResult>;
  /** Removes the sandbox. */
  cleanup(): void;
}

export function createSandbox(prefix = 'playbook-test-'): Sandbox {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const home = join(root, 'home');
  const configHome = join(root, 'config');
  const dataHome = join(root, 'data');
  for (const dir of [home, configHome, dataHome]) mkdirSync(dir, { recursive: true });
  const env = { HOME: home, XDG_CONFIG_HOME: configHome, XDG_DATA_HOME: dataHome };
  const withEnv = (options: RunOptions = {}): RunOptions => ({ ...options, env: { ...env, ...options.env } });
  return {
    root,
    home,
    configHome,
    dataHome,
    userPlaybooks: join(configHome, 'playbook', 'playbooks'),
    env,
    path: (...parts) => join(root, ...parts),
    write(relativePath, text) {
      const file = join(root, relativePath);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    },
    run: (args, options) => runCli(args, withEnv(options)),
    runAsync: (args, options) => runCliAsync(args, withEnv(options)),
    shell: (script, options) => runShell(script, withEnv(options)),
    shellAsync: (script, options) => runShellAsync(script, withEnv(options)),
    // A CLI a test ended (a killed terminal) may still be writing its code cache: removal retries then.
    cleanup: () => rmSync(root, { recursive: true, force: true, maxRetries: 5 }),
  };
}

/** True when the text holds an escape sequence, BEL or any other C0/C1 control but tab and newline. */
export function hasControlCharacters(text: string): boolean {
  return /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(text);
}

/** True when some line of the text looks like a Node.js stack frame (`    at fn (file:1:2)`). */
export function hasStackTrace(text: string): boolean {
  return /^ {4}at \S/m.test(text);
}
