// Which ledger files are already known to be valid, so that reading one again does not check
// every event again. The store notes a file's identity (device, inode, size, modification and
// change times) after it wrote the file or after a read checked every event of it. A later read
// of a file with the same identity reads the same bytes: the kernel sets the change time on every
// write, rename or link, and nobody can set it back. A copy, a checkout, an edit or a restored
// backup is a different identity and is checked in full. This is the trust git gives its index.
//
// The notes are a cache in the user's cache directory. Losing or damaging them only means the
// next read checks everything; nothing in them can make a file that changed look unchanged.
import type { BigIntStats } from 'node:fs';
import { mkdirSync, openSync, readFileSync, renameSync, writeSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';

/** At most this many ledgers are remembered; the least recently noted are forgotten first. */
const MAX_FILES = 32;

export function identity(stat: BigIntStats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

function readNotes(notes: string): Record<string, string> {
  try {
    const data = JSON.parse(readFileSync(notes, 'utf8')) as { files?: unknown };
    const files = data?.files;
    if (!files || typeof files !== 'object' || Array.isArray(files)) return {};
    return Object.fromEntries(Object.entries(files).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return {};
  }
}

/** True when the file at `path` with this identity was checked in full before. */
export function isChecked(notes: string, path: string, stat: BigIntStats): boolean {
  const files = readNotes(notes);
  return Object.hasOwn(files, path) && files[path] === identity(stat);
}

/** Notes that the file at `path` with this identity is valid. Best effort: a failure is ignored. */
export function noteChecked(notes: string, path: string, stat: BigIntStats): void {
  try {
    const files = readNotes(notes);
    delete files[path];
    files[path] = identity(stat);
    const kept = Object.entries(files).slice(-MAX_FILES);
    mkdirSync(dirname(notes), { recursive: true, mode: 0o700 });
    const tmp = `${notes}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify({ version: 1, files: Object.fromEntries(kept) })}\n`);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, notes);
  } catch {
    /* a cache: the next read checks the ledger in full */
  }
}
