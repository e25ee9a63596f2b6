// Drives the built CLI in a real pseudo-terminal: a tmux session on a socket of its own, read
// with capture-pane and typed into with send-keys. Every wait polls the screen for what a person
// would wait for, with a timeout, so a hang fails the test instead of the run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from './cli.js';

/** True when tmux can be run here (CI installs it). */
export const HAS_TMUX = (() => {
  try {
    return spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
  } catch {
    return false;
  }
})();

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface TerminalOptions {
  /** A scratch directory: the tmux config, the exit code and stderr go there. */
  dir: string;
  /** The CLI's arguments. */
  args: string[];
  /** The whole environment of the CLI (nothing else leaks in). */
  env: Record<string, string>;
  cwd: string;
  width?: number;
  height?: number;
}

let serial = 0;

/**
 * `node bin/playbook.cjs ARGS` running in a tmux pane. stdin and stdout are the terminal; stderr
 * goes to a file, so what the CLI says on it can be read exactly.
 */
export class Terminal {
  readonly name: string;
  private readonly socket: string;
  private readonly conf: string;
  readonly stderrFile: string;
  private readonly exitFile: string;

  constructor(options: TerminalOptions) {
    serial += 1;
    this.name = `pb${process.pid}-${serial}`;
    // A server per terminal, its socket in the scratch directory: closing the session ends it,
    // no test waits on another's server, and nothing is left behind in /tmp/tmux-UID.
    this.socket = join(options.dir, `tmux-${serial}.sock`);
    this.conf = join(options.dir, 'tmux.conf');
    this.stderrFile = join(options.dir, `stderr-${serial}.txt`);
    this.exitFile = join(options.dir, `exit-${serial}.txt`);
    writeFileSync(this.conf, 'set -g remain-on-exit on\nset -g history-limit 100000\nset -g status off\n');
    const env = Object.entries(options.env).map(([k, v]) => `${k}=${quote(v)}`).join(' ');
    const cli = [process.execPath, BIN, ...options.args].map(quote).join(' ');
    const command = `env -i ${env} ${cli} 2> ${quote(this.stderrFile)}; echo $? > ${quote(this.exitFile)}`;
    this.tmux('-f', this.conf, 'new-session', '-d', '-s', this.name, '-x', String(options.width ?? 200), '-y', String(options.height ?? 50), '-c', options.cwd, command);
  }

  private tmux(...args: string[]): string {
    const result = spawnSync('tmux', ['-S', this.socket, ...args], { encoding: 'utf8', timeout: 10_000 });
    if (result.status !== 0) throw new Error(`tmux ${args[0]} failed: ${result.stderr}`);
    return result.stdout;
  }

  /** Everything the pane has shown, wrapped lines joined, without colours. */
  history(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', this.name);
  }

  /** The visible screen. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-t', this.name);
  }

  /** Types text literally (no key names). */
  type(text: string): void {
    if (text !== '') this.tmux('send-keys', '-t', this.name, '-l', '--', text);
  }

  /** Presses keys by tmux name: Enter, Space, Down, C-c, C-u, BSpace. */
  press(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Polls until `test` passes on the history; fails with the screen when it does not in time. */
  async waitFor<T>(what: string, test: (history: string) => T | undefined | false, timeout = 15_000): Promise<T> {
    const until = Date.now() + timeout;
    let last: string;
    for (;;) {
      last = this.history();
      const found = test(last);
      if (found !== undefined && found !== false) return found;
      if (Date.now() > until) throw new Error(`timed out after ${timeout} ms waiting for ${what}; the terminal shows:\n${last.trimEnd().split('\n').slice(-25).join('\n')}`);
      await sleep(40);
    }
  }

  /** Waits until `text` appears anywhere on the terminal. */
  waitForText(text: string | RegExp, timeout?: number): Promise<true> {
    return this.waitFor(JSON.stringify(String(text)), (h) => (typeof text === 'string' ? h.includes(text) : text.test(h)) || undefined, timeout);
  }

  /** The lines from the active prompt (the last line starting with "? ") to the end. */
  static active(history: string): string[] | undefined {
    const lines = history.trimEnd().split('\n');
    for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.startsWith('? ')) return lines.slice(i);
    return undefined;
  }

  /** How many prompts have been answered: inquirer leaves one "✔ " line per answer. */
  static answered(history: string): number {
    return history.split('\n').filter((l) => l.startsWith('✔ ')).length;
  }

  /** Waits for the prompt whose message contains `message` to be the one asking. */
  async prompt(message: string): Promise<string[]> {
    return this.waitFor(`the prompt "${message}"`, (h) => {
      const active = Terminal.active(h);
      return active && active[0]!.includes(message) ? active : undefined;
    });
  }

  /** Answers the prompt with keys, then waits until it is done. */
  private async submit(message: string, act: () => void | Promise<void>): Promise<void> {
    await this.prompt(message);
    const before = Terminal.answered(this.history());
    await act();
    await this.waitFor(`"${message}" to be answered`, (h) => Terminal.answered(h) > before || undefined);
  }

  /** Types an answer into a text prompt (clearing whatever is there) and presses Enter. */
  input(message: string, text: string): Promise<void> {
    return this.submit(message, () => {
      this.press('C-u');
      this.type(text);
      this.press('Enter');
    });
  }

  /** Types a refused answer and waits for the prompt to say why; the prompt keeps asking. */
  async refused(message: string, text: string, reason: string): Promise<string> {
    await this.prompt(message);
    this.press('C-u');
    this.type(text);
    this.press('Enter');
    return this.waitFor(`"${reason}" under "${message}"`, (h) => {
      const active = Terminal.active(h);
      return active && active[0]!.includes(message) ? active.slice(1).find((l) => l.includes(reason)) : undefined;
    });
  }

  /** Answers a yes/no prompt. */
  confirm(message: string, yes: boolean): Promise<void> {
    return this.submit(message, () => {
      this.type(yes ? 'y' : 'n');
      this.press('Enter');
    });
  }

  /** Moves the select cursor (❯) to the choice whose line contains `choice`. */
  private async moveTo(message: string, choice: string): Promise<void> {
    for (let moves = 0; moves < 60; moves++) {
      const active = await this.prompt(message);
      const cursor = active.find((l) => l.includes('❯'));
      if (cursor?.includes(choice)) return;
      const shown = active.join('\n');
      this.press('Down');
      await this.waitFor(`the cursor to move in "${message}"`, (h) => {
        const now = Terminal.active(h);
        return now && now.join('\n') !== shown ? true : undefined;
      });
    }
    throw new Error(`"${choice}" is not a choice of "${message}"`);
  }

  /** Picks a choice of a select prompt by (part of) its name. */
  select(message: string, choice: string): Promise<void> {
    return this.submit(message, async () => {
      await this.moveTo(message, choice);
      this.press('Enter');
    });
  }

  /** Ticks the named choices of a checkbox prompt with the space bar, then presses Enter. */
  checkbox(message: string, choices: string[]): Promise<void> {
    return this.submit(message, async () => {
      for (const choice of choices) {
        await this.moveTo(message, choice);
        const shown = (await this.prompt(message)).join('\n');
        this.press('Space');
        await this.waitFor(`"${choice}" to be ticked`, (h) => {
          const now = Terminal.active(h);
          return now && now.join('\n') !== shown ? true : undefined;
        });
      }
      this.press('Enter');
    });
  }

  /** The exit code once the CLI has ended, else null. */
  exitCode(): number | null {
    if (!existsSync(this.exitFile)) return null;
    const text = readFileSync(this.exitFile, 'utf8').trim();
    return text === '' ? null : Number(text);
  }

  /** Waits for the CLI to end and returns its exit code. */
  waitForExit(timeout = 15_000): Promise<number> {
    return this.waitFor('the CLI to exit', () => this.exitCode() ?? undefined, timeout);
  }

  stderr(): string {
    return existsSync(this.stderrFile) ? readFileSync(this.stderrFile, 'utf8') : '';
  }

  /** Ends the tmux session, the CLI in it if it still runs, and so its server. */
  close(): void {
    spawnSync('tmux', ['-S', this.socket, 'kill-session', '-t', this.name], { encoding: 'utf8', timeout: 10_000 });
  }
}
