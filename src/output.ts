// Where text goes: stdout and stderr.
//
// A command prints whole texts, so when stdout or stderr is a pipe or a file the text is written
// straight to the descriptor. process.stdout and process.stderr are Node streams whose first use
// loads Node's stream, net and tty modules: about a tenth of a short command's start-up, spent
// before anything is printed. The streams are still used for a terminal (Node's tty stream knows
// the console, on Windows too), on Windows, and from the moment a session hands them to the
// prompt library, so that everything after keeps its order.
import { fstatSync, statSync, writeSync, type Stats } from 'node:fs';
import { EXIT } from './errors.js';

type Fd = 1 | 2;

let streamsInUse = process.platform === 'win32';
const terminal = new Map<number, boolean>();
const stdoutWatched = { done: false };

/** `2>/dev/null` is a character device too, and common enough to tell apart with one stat. */
function isDevNull(stat: Stats): boolean {
  try {
    const devNull = statSync('/dev/null');
    return stat.rdev === devNull.rdev && stat.ino === devNull.ino;
  } catch {
    return false;
  }
}

/** True when the descriptor is a terminal. A pipe or a file is known not to be one without loading tty. */
export function isTerminal(fd: 0 | Fd): boolean {
  let known = terminal.get(fd);
  if (known === undefined) {
    try {
      const stat = fstatSync(fd);
      known = stat.isCharacterDevice() && !isDevNull(stat) && (process.getBuiltinModule('node:tty')).isatty(fd);
    } catch {
      known = false;
    }
    terminal.set(fd, known);
  }
  return known;
}

function stream(fd: Fd): NodeJS.WriteStream {
  if (fd === 2) return process.stderr;
  if (!stdoutWatched.done) {
    stdoutWatched.done = true;
    // `playbook log | head -1`: a reader that goes away is not an error.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(EXIT.ok);
      throw error;
    });
  }
  return process.stdout;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

function writeAll(fd: Fd, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(fd, bytes, done);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A descriptor another process made non-blocking: wait for the reader, as a stream would.
      if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
      else if (code === 'EPIPE') return fd === 1 ? void process.exit(EXIT.ok) : undefined;
      else throw error;
    }
  }
}

/** Writes text to stdout (fd 1) or stderr (fd 2). */
export function write(fd: Fd, text: string): void {
  if (streamsInUse || isTerminal(fd)) stream(fd).write(text);
  else writeAll(fd, text);
}

export const writeOut = (text: string): void => write(1, text);
export const writeErr = (text: string): void => write(2, text);

/** The standard streams, for a session's prompts. From here on, all output goes through them. */
export function standardStreams(): { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream } {
  streamsInUse = true;
  return { stdin: process.stdin, stdout: stream(1), stderr: stream(2) };
}
