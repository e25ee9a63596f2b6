// Runs the built CLI (`node bin/playbook.js`) the way a user's shell would, in a sandbox:
// its own HOME and XDG directories, a fixed clock, and none of the caller's playbook or colour
// settings, so a test sees exactly the environment it sets up.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(REPO_ROOT, 'bin', 'playbook.js');

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
}

/** Variables of the caller's environment that would change what the CLI does. */
const INHERITED_SETTINGS = /^(PLAYBOOK_|XDG_|NO_COLOR$|FORCE_COLOR$|TERM$|COLORTERM$|CI$|HOME$)/;

/** The caller's environment without anything that changes the CLI's behaviour, plus the fixed clock. */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !INHERITED_SETTINGS.test(key)) env[key] = value;
  }
  env.PLAYBOOK_NOW = NOW;
  return env;
}

/**
 * Runs `node bin/playbook.js ...args`. The environment must name a HOME (use a Sandbox), so no
 * test ever reads or writes the real user's files.
 */
export function runCli(args: string[], options: RunOptions = {}): CliResult {
  const env: Record<string, string> = cleanEnv();
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  if (!env.HOME) throw new Error('runCli needs a HOME in options.env; use createSandbox().run(...)');
  const started = Date.now();
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? env.HOME,
    env,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: options.timeout ?? CLI_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error && (result.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw result.error;
  return { status: result.status, signal: result.signal, stdout: result.stdout ?? '', stderr: result.stderr ?? '', ms: Date.now() - started };
}

/** Runs a bash script (for pipelines such as `playbook show ... | head -1`) in the same environment rules. */
export function runShell(script: string, options: RunOptions = {}): CliResult {
  const env: Record<string, string> = { ...cleanEnv(), PLAYBOOK: `${process.execPath} ${BIN}` };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  if (!env.HOME) throw new Error('runShell needs a HOME in options.env; use createSandbox().shell(...)');
  const started = Date.now();
  const result = spawnSync('bash', ['-c', script], {
    cwd: options.cwd ?? env.HOME,
    env,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: options.timeout ?? CLI_TIMEOUT_MS,
  });
  if (result.error && (result.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw result.error;
  return { status: result.status, signal: result.signal, stdout: result.stdout ?? '', stderr: result.stderr ?? '', ms: Date.now() - started };
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
  /** Runs a bash script with the sandbox's environment; `$PLAYBOOK` is the CLI command. */
  shell(script: string, options?: RunOptions): CliResult;
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
    shell: (script, options) => runShell(script, withEnv(options)),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** True when the text holds an escape sequence, BEL or any other C0/C1 control but tab and newline. */
export function hasControlCharacters(text: string): boolean {
  return /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(text);
}

/** True when some line of the text looks like a Node.js stack frame. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+/m.test(text);
}
