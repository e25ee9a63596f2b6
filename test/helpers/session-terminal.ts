// The session's terminal tests share this: a sandbox, a fresh ledger folder and state folder per test,
// the built CLI in a tmux pane (closed after each test), and the same CLI without a terminal against
// the same ledger. Call it once at the top of a test file; it registers its own hooks.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { BIN, cleanEnv, createSandbox, NOW, type Sandbox } from './cli.js';
import { Terminal } from './tmux.js';

export interface SessionTerminals {
  sandbox: Sandbox;
  /** This test's folder (the terminal's scratch files) and ledger (in a folder of its own). */
  dir: () => string;
  ledger: () => string;
  /** This test's state folder (the replica's name, the current cycle). */
  state: () => string;
  /** A file in this test's folder. */
  write: (name: string, text: string) => string;
  /** The built CLI in a tmux pane, with this test's ledger. */
  terminal: (...args: string[]) => Terminal;
  /** The CLI without a terminal (stdin /dev/null), against the same ledger. */
  cli: (...args: string[]) => { status: number | null; stdout: string; stderr: string };
}

export function sessionTerminals(prefix: string): SessionTerminals {
  const sandbox = createSandbox(prefix);
  afterAll(() => sandbox.cleanup());
  let n = 0;
  let open: Terminal[] = [];
  const dir = () => sandbox.path(`run-${n}`);
  const ledger = () => `${dir()}/ledger/ledger.json`;
  const state = () => sandbox.path(`state-${n}`);
  beforeEach(() => {
    n += 1;
    mkdirSync(dir(), { recursive: true });
  });
  afterEach(() => {
    for (const t of open) t.close();
    open = [];
  });
  /** The CLI's whole environment in the terminal. */
  const env = (): Record<string, string> => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    ...sandbox.env,
    PLAYBOOK_LEDGER: ledger(),
    PLAYBOOK_NOW: NOW,
    PLAYBOOK_TZ: 'UTC',
    PLAYBOOK_ACTOR: 'tester',
    XDG_STATE_HOME: state(),
  });
  return {
    sandbox,
    dir,
    ledger,
    state,
    write: (name, text) => sandbox.write(`run-${n}/${name}`, text),
    terminal: (...args) => {
      const t = new Terminal({ dir: dir(), args, env: env(), cwd: sandbox.home });
      open.push(t);
      return t;
    },
    cli: (...args) => {
      const fd = openSync('/dev/null', 'r');
      try {
        const r = spawnSync(process.execPath, [BIN, ...args], { cwd: sandbox.home, env: { ...cleanEnv(), ...env() }, stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', timeout: 10_000 });
        return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
      } finally {
        closeSync(fd);
      }
    },
  };
}
