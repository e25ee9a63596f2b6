// Small file-system helpers the ledger's store and lock share: exact modes, unique temporary
// names, directory fsync, and turning the errors a user can cause into one-line failures.
import {
  type BigIntStats,
  chmodSync,
  closeSync,
  fchmodSync,
  fstatSync,
  constants as fsConstants,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { isAscii } from 'node:buffer';
import { dirname } from 'node:path';
import { failure } from '../errors.js';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** A ledger path that names something other than a file or a directory. */
export const NOT_A_FILE = 'ENOTFILE';

function kindOf(stat: BigIntStats): string {
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  return 'a device';
}

/**
 * The bytes of a ledger file and the identity of the version read: both come from one open file.
 * It is opened without blocking and read only if it is a regular file: a named pipe would wait
 * forever for a writer, and a device such as /dev/zero never ends.
 */
export function readLedgerFile(path: string): { stat: BigIntStats; bytes: Buffer } {
  return withLedgerFile(path, (fd, stat) => ({ stat, bytes: readFileSync(fd) }));
}

/**
 * Opens a ledger file as readLedgerFile does and hands its descriptor and identity to `use`, which
 * decides what to read of it; the file is closed afterwards.
 */
export function withLedgerFile<T>(path: string, use: (fd: number, stat: BigIntStats) => T): T {
  const fd = openSync(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  try {
    const stat = fstatSync(fd, { bigint: true });
    // A directory is left to the read, which fails with EISDIR as on every system.
    if (!stat.isFile() && !stat.isDirectory()) throw Object.assign(new Error(`it is ${kindOf(stat)}, not a file`), { code: NOT_A_FILE });
    return use(fd, stat);
  } finally {
    closeSync(fd);
  }
}

/** The bytes of [start, end) ranges (flat pairs) of an open file, one after the other. */
export function readRanges(fd: number, ranges: readonly number[]): Buffer {
  let total = 0;
  for (let i = 0; i < ranges.length; i += 2) total += ranges[i + 1]! - ranges[i]!;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    for (let pos = ranges[i]!; pos < ranges[i + 1]!; ) {
      const n = readSync(fd, out, at, ranges[i + 1]! - pos, pos);
      if (n === 0) throw Object.assign(new Error('the file is shorter than when it was read'), { code: 'ESHORT' });
      at += n;
      pos += n;
    }
  }
  return out;
}

/** Bytes read at a time by AsciiLines: a buffer used over and over stays in the processor's cache. */
const LINE_CHUNK = 256 * 1024;

/**
 * The whole lines of the first `size` bytes of an open file (from byte `from`, the start of a line),
 * one at a time as text without its newline, reading the file a quarter of a megabyte at a time
 * (`chunkSize`) into one buffer; `chunk` sees every byte read, in order. The lines end at the first
 * byte that is not ASCII (`ascii` is then false); the bytes after the last newline (a line not yet
 * complete) are read but given as no line. Reading 34 MB this way rather than into one buffer
 * decoded as one string takes 40 ms instead of 225 (measured on the 2-core machine of
 * ARCHITECTURE.md's benchmark): the pages of buffers that size are each faulted in, once for the
 * bytes and once for the string, and a line at a time the parser reads from cache. Several files
 * can be read side by side (replica-read.ts: walk merges them in the order of their ids).
 */
export class AsciiLines {
  /** The byte of the file the last line given starts at. */
  start = 0;
  /** False once a byte read was not ASCII: no more lines are given. */
  ascii = true;
  private buffer: Buffer;
  /** The bytes read and not yet given; the buffer starts at byte `base` of the file. */
  private view: Buffer;
  private base: number;
  /** Where in the buffer the next line starts. */
  private at = 0;

  constructor(
    private readonly fd: number,
    private readonly size: number,
    private readonly options: { chunk?: (bytes: Uint8Array) => void; chunkSize?: number; from?: number } = {},
  ) {
    this.buffer = Buffer.allocUnsafe(Math.max(1, Math.min(options.chunkSize ?? LINE_CHUNK, size - (options.from ?? 0))));
    this.view = this.buffer.subarray(0, 0);
    this.base = options.from ?? 0;
  }

  /** Bytes of the file read so far: all of them once next() has given undefined for an ASCII file. */
  get read(): number {
    return this.base + this.view.length;
  }

  /** The next whole line, or undefined at the end. */
  next(): string | undefined {
    for (;;) {
      const end = this.view.indexOf(10, this.at);
      if (end !== -1) {
        this.start = this.base + this.at;
        const text = this.view.toString('latin1', this.at, end);
        this.at = end + 1;
        return text;
      }
      if (!this.fill()) return undefined;
    }
  }

  /** Reads on after the bytes not yet given, moved to the start of the buffer; false at the end or a byte that is not ASCII. */
  private fill(): boolean {
    if (!this.ascii) return false;
    const kept = this.view.length - this.at;
    this.buffer.copy(this.buffer, 0, this.at, this.view.length);
    this.base += this.at;
    this.at = 0;
    if (kept === this.buffer.length) this.buffer = Buffer.concat([this.buffer], this.buffer.length * 2); // a line longer than the buffer
    this.view = this.buffer.subarray(0, kept);
    const n = readSync(this.fd, this.buffer, kept, Math.min(this.buffer.length - kept, this.size - this.base - kept), this.base + kept);
    if (n === 0) return false;
    const fresh = this.buffer.subarray(kept, kept + n);
    if (!isAscii(fresh)) {
      this.ascii = false;
      return false;
    }
    this.options.chunk?.(fresh);
    this.view = this.buffer.subarray(0, kept + n);
    return true;
  }
}

/**
 * Gives `line` each whole line of an open file as AsciiLines reads them, with the byte it starts at.
 * Returns the bytes read, or null as soon as a byte is not ASCII or `line` returns false (nothing
 * more is read).
 */
export function forEachAsciiLine(
  fd: number,
  size: number,
  line: (text: string, start: number) => boolean,
  options: { chunk?: (bytes: Uint8Array) => void; chunkSize?: number; from?: number } = {},
): number | null {
  const lines = new AsciiLines(fd, size, options);
  for (let text = lines.next(); text !== undefined; text = lines.next()) if (!line(text, lines.start)) return null;
  return lines.ascii ? lines.read : null;
}

/** Hands `each` the bytes [start, end) of an open file, a chunk at a time; false when the file is shorter. */
export function readChunks(fd: number, start: number, end: number, each: (bytes: Uint8Array) => void): boolean {
  const buffer = Buffer.allocUnsafe(Math.min(LINE_CHUNK, Math.max(1, end - start)));
  for (let at = start; at < end; ) {
    const n = readSync(fd, buffer, 0, Math.min(buffer.length, end - at), at);
    if (n === 0) return false;
    each(buffer.subarray(0, n));
    at += n;
  }
  return true;
}

/**
 * A name beside `base` no other process uses: the process id and a random suffix. It needs to be
 * unique, not secret: the file is created with O_EXCL, which never follows a link or reuses a file
 * that is there, so Math.random serves, and node:crypto (ten milliseconds to load) is not needed.
 */
export function tempName(base: string): string {
  const suffix = Math.floor(Math.random() * 2 ** 48).toString(16).padStart(12, '0');
  return `${base}.${process.pid}.${suffix}.tmp`;
}

export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (error) {
    if (isDirSyncUnsupported(error)) return;
    throw error;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    if (!isDirSyncUnsupported(error)) throw error;
  } finally {
    closeSync(fd);
  }
}

function isDirSyncUnsupported(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'EISDIR' || code === 'EPERM' || code === 'EACCES' || code === 'EINVAL' || code === 'EBADF' || code === 'ENOTSUP';
}

export function ensureDir(path: string): void {
  const dir = dirname(path);
  try {
    const created = mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    if (created !== undefined) chmodSync(dir, DIR_MODE);
  } catch (error) {
    // mkdir -p reports EEXIST when a component of the path is a file: say what is really wrong.
    throw fsFailure(path, errorCode(error) === 'EEXIST' ? Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }) : error, 'write');
  }
}

/** What link() says on a file system that has no hard links. */
export const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/** Creates `file` with O_EXCL and writes `content` into it. False when the file exists; a failure removes what it created. */
export function writeExclusive(path: string, file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', FILE_MODE);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw fsFailure(path, error, 'write');
  }
  try {
    try {
      fchmodSync(fd, FILE_MODE);
      writeFileSync(fd, content, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    unlinkQuietly(file);
    throw fsFailure(path, error, 'write');
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Errors

/** Filesystem errors a user can cause (permissions, read-only or full disk, a bad path) -> one-line failures. */
const USER_FS_ERRORS: Record<string, string> = {
  EACCES: 'check the permissions of the ledger file and its directory',
  EPERM: 'check the permissions of the ledger file and its directory',
  EROFS: 'the ledger is on a read-only file system; use a writable location',
  ENOSPC: 'free some disk space and try again; the ledger was not changed',
  EDQUOT: 'free some disk space and try again; the ledger was not changed',
  ENOTDIR: 'check the ledger path: part of it is a file where a directory is expected',
  EISDIR: 'check the ledger path: it, or its backup, is a directory',
  ENAMETOOLONG: 'use a shorter ledger path',
  ELOOP: 'check the ledger path: it has a symbolic link loop',
  [NOT_A_FILE]: 'check the ledger path: a ledger is a regular file',
  EMFILE: 'too many open files; try again',
};

export function fsFailure(path: string, error: unknown, verb: 'read' | 'write'): unknown {
  const code = errorCode(error);
  if (code === undefined || !Object.hasOwn(USER_FS_ERRORS, code)) return error;
  const hint = verb === 'write' ? USER_FS_ERRORS[code] : USER_FS_ERRORS[code]?.replace(/; the ledger was not changed$/, '');
  return failure(`${path}: cannot ${verb} the ledger: ${code === NOT_A_FILE ? (error as Error).message : code}`, hint);
}

export function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = printable(message.replace(/\s*\n\s*/g, ' ').trim()) || 'invalid';
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}

/** Neutralises control characters (text from files must not drive the terminal). */
export function printable(text: string): string {
   
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

export function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
