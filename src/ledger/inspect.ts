// What `doctor` finds in a ledger's files, each finding with what to do about it in one line. It
// reads every file on its own, so one bad file does not hide what is wrong with the others, and it
// never suggests a step that drops a teammate's work.
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { idTime } from './clock.js';
import { lineHash } from './convert.js';
import type { LedgerEvent } from './event-schema.js';
import { describeError } from './events.js';
import { forEachAsciiLine, NOT_A_FILE, readLedgerFile, readRanges, withLedgerFile } from './files.js';
import { asciiJson } from './json.js';
import { hasConflictMarker, isConflictMarker, seenTwice } from './replica-lines.js';
import { POINTER, replicaFiles, type Layout } from './replicas.js';
import { ledgerText } from './store.js';
import { gitWorkTree } from './team.js';
import { validateEvent } from './validate-ledger.generated.js';

export interface Finding {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do, when something needs doing. */
  fix?: string;
}

/** Names sync clients give the second copy of a file two machines changed (Dropbox, OneDrive, Syncthing, Google Drive, Nextcloud). */
const CONFLICTED = /conflicted copy|\.sync-conflict-|-conflict-\d|\(conflict\)|\(\d+\)\.jsonl$|-[A-Za-z0-9_-]+-PC\.jsonl$/i;

export function isConflictedCopy(name: string): boolean {
  return CONFLICTED.test(name);
}

function readText(file: string): { text: string } | { error: string } {
  try {
    return { text: ledgerText(readLedgerFile(file).bytes) };
  } catch (error) {
    return { error: readError(error) };
  }
}

function readError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code === NOT_A_FILE ? message : code ? `cannot read it (${code})` : message;
}

/** The ledger file itself: the version-2 pointer, a version-1 file not converted yet, or damage. */
export function inspectPointer(layout: Layout): Finding & { version?: number; newer?: boolean } {
  const read = readText(layout.path);
  if ('error' in read) return { name: 'ledger', ok: false, detail: `${layout.path}: ${read.error}` };
  if (hasConflictMarker(read.text)) {
    return { name: 'ledger', ok: false, detail: `${layout.path}: git conflict markers: two single-file ledgers were merged by git`, fix: `run \`playbook import ${layout.path}\` to bring in both sides; nothing of either is lost` };
  }
  let data: { schemaVersion?: unknown };
  try {
    data = JSON.parse(read.text) as { schemaVersion?: unknown };
  } catch (error) {
    return { name: 'ledger', ok: false, detail: `${layout.path}: not valid JSON (${(error as Error).message})`, fix: `write ${JSON.stringify(POINTER.trim())} into it: the events are kept beside it, in ${layout.events}` };
  }
  const version = data?.schemaVersion;
  if (version === 2) return { name: 'ledger', ok: true, detail: `${layout.path}: version 2`, version: 2 };
  if (version === 1) return { name: 'ledger', ok: true, detail: `${layout.path}: version 1 (one file); it is converted on the next change`, version: 1 };
  if (typeof version === 'number' && version > 2) return { name: 'ledger', ok: false, newer: true, detail: `${layout.path}: written by a newer version of playbook (schema ${version})`, fix: 'upgrade playbook to read it' };
  return { name: 'ledger', ok: false, detail: `${layout.path}: not a ledger (schemaVersion ${JSON.stringify(version)})` };
}

/**
 * What the checks below need of a line: not its event, which is dropped once checked, nor its text,
 * so that a ledger of 100,000 events is not held in memory at all (doctor took 1.9 s there, most of
 * it moving those events from one generation of the heap to the next).
 */
interface Line {
  file: string;
  line: number;
  id: string;
  replica: string;
  seq: number;
  /** The hash the line names of the line before it; FOLLOWS when that is the line just above it in its file. */
  prev: string | undefined | typeof FOLLOWS;
  /** lineHash of its text: what the next line of its replica names, and how two copies of an event are told apart. */
  hash: string;
}

/**
 * A line that names the line just above it, of its replica and the number before its own, as nearly
 * every line does: it needs no look-up among all the lines.
 */
const FOLLOWS = Symbol('follows');

/** What doctor finds in one replica file. */
interface FileLines {
  lines: Line[];
  /** The first line that is not an event, when there is one; the lines after it are not read. */
  bad?: Finding;
  /** A git conflict marker at the start of a line: the file is not read as events. */
  marker: boolean;
  /** Bytes (characters, in a file that is not ASCII) after the last newline. */
  cut: number;
}

const BAD_LINE_FIX = 'restore the file from git (`git checkout -- <file>`) or from a teammate\'s copy';

/** Checks the lines of a file one by one, keeping of each what the checks across files need. */
function lineChecker(file: string): FileLines & { line(raw: string): void; tail(text: string): void } {
  let number = 0;
  const seen: FileLines & { line(raw: string): void; tail(text: string): void } = {
    lines: [],
    marker: false,
    cut: 0,
    tail(text) {
      if (isConflictMarker(text)) seen.marker = true;
    },
    line(raw) {
      number++;
      if (isConflictMarker(raw)) seen.marker = true;
      if (seen.marker || seen.bad) return;
      let event: unknown;
      try {
        event = JSON.parse(raw);
      } catch {
        seen.bad = { name: 'events', ok: false, detail: `${file}:${number}: not valid JSON`, fix: `the line was edited or damaged; ${BAD_LINE_FIX}` };
        return;
      }
      if (!validateEvent(event)) {
        seen.bad = { name: 'events', ok: false, detail: `${file}:${number}: not a valid event${describeError(validateEvent.errors?.[0])}`, fix: BAD_LINE_FIX };
        return;
      }
      const { id, replica, seq, prev, at } = event as LedgerEvent;
      if (idTime(id) < Date.parse(at)) {
        // playbook never writes one (clock.ts: nextEventId); log --since finds events by their ids' times.
        seen.bad = { name: 'events', ok: false, detail: `${file}:${number}: event ${id} has an id earlier than its time (${at})`, fix: `the line was edited or written by another program; ${BAD_LINE_FIX}` };
        return;
      }
      const above = seen.lines[seen.lines.length - 1];
      const follows = above !== undefined && above.replica === replica && above.seq === seq - 1 && above.hash === prev;
      // One string of the replica's name for all its lines, not one per line.
      seen.lines.push({ file, line: number, id, replica: above?.replica === replica ? above.replica : replica, seq, prev: follows ? FOLLOWS : prev, hash: lineHash(raw) });
    },
  };
  return seen;
}

/**
 * The lines of a replica file: read a line at a time through one buffer when it is ASCII (what
 * playbook writes; a 34 MB ledger read into one string cost 225 ms of page faults and copies, through
 * the buffer 40), else decoded whole.
 */
function readFileLines(file: string): FileLines | { error: string } {
  let checker = lineChecker(file);
  let streamed: boolean;
  try {
    streamed = withLedgerFile(file, (fd, stat) => {
      const size = Number(stat.size);
      let end = 0;
      const read = forEachAsciiLine(fd, size, (raw, start) => {
        checker.line(raw);
        end = start + raw.length + 1;
        return true;
      });
      checker.cut = size - end;
      // A marker may stand on a last line without its newline too.
      if (read !== null && checker.cut > 0) checker.tail(readRanges(fd, [end, size]).toString('latin1'));
      return read !== null;
    });
  } catch (error) {
    return { error: readError(error) };
  }
  if (streamed) return checker;
  const read = readText(file);
  if ('error' in read) return read;
  checker = lineChecker(file);
  const { text } = read;
  let at = 0;
  for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', at)) {
    checker.line(text.slice(at, end));
    at = end + 1;
  }
  checker.cut = text.length - at;
  checker.tail(text.slice(at));
  return checker;
}

/**
 * Whether two lines of one id hold the same event as playbook writes it: a second look at the files,
 * made only for copies whose bytes differ. A line that changed since reads as a different event.
 */
function sameEvent(a: Line, b: Line): boolean {
  const text = ({ file, line }: Line) => {
    const read = readText(file);
    return 'error' in read ? '' : (read.text.split('\n')[line - 1] ?? '');
  };
  try {
    return asciiJson(JSON.parse(text(a))) === asciiJson(JSON.parse(text(b)));
  } catch {
    return false;
  }
}

/** Every replica file: readable, whole lines, valid events, each replica's lines chained, no id used twice. */
export function inspectReplicas(layout: Layout): { findings: Finding[]; events: number; replicas: Set<string> } {
  const findings: Finding[] = [];
  /** The lines of each file read. */
  const files: Line[][] = [];
  const names = replicaFiles(layout);
  for (const name of names) {
    const file = join(layout.events, name);
    const read = readFileLines(file);
    if ('error' in read) {
      findings.push({ name: 'events', ok: false, detail: `${file}: ${read.error}` });
      continue;
    }
    if (read.marker) {
      findings.push({ name: 'events', ok: false, detail: `${file}: git conflict markers`, fix: 'the events files merge by lines: run `playbook team` to write .gitattributes, commit it, then `git checkout --merge` the file, or remove just the marker lines (every event line on both sides is kept)' });
      continue;
    }
    if (read.cut > 0) findings.push({ name: 'events', ok: true, detail: `${file}: its last line is not complete (${read.cut} bytes): a sync still arriving, or a write cut short; it is skipped until complete` });
    if (read.bad) findings.push(read.bad);
    files.push(read.lines);
    if (isConflictedCopy(name)) findings.push({ name: 'conflicted copy', ok: true, detail: `${file}: a sync client's conflicted copy; its events are read with the others, so nothing in it is lost` });
  }
  const replicas = new Set<string>();
  // Each replica's lines are numbered 1, 2, 3 and each names the hash of the line before it. Two
  // lines may share a number (branches of one clone merged, or a copied state folder): then both
  // are read and the replica forks; a line whose predecessor is nowhere was edited or removed.
  const hashes = new LineHashes();
  for (const lines of files) {
    for (const l of lines) {
      replicas.add(l.replica);
      hashes.add(l.replica, l.seq, l.hash);
    }
  }
  const broken = new Set<string>();
  for (const event of files.flat()) {
    const { file, line, prev } = event;
    // Checked as it was read (FOLLOWS); converted from a version-1 file (not chained); or broken already.
    if (prev === FOLLOWS || event.replica === 'v1' || broken.has(event.replica)) continue;
    const follows = event.seq === 1 ? prev === undefined : prev !== undefined && hashes.has(event.replica, event.seq - 1, prev);
    if (!follows) {
      broken.add(event.replica);
      findings.push({ name: 'chain', ok: false, detail: `${file}:${line}: replica ${event.replica}'s event ${event.seq} does not follow on from its event ${event.seq - 1}: a line was removed or edited`, fix: 'restore the file from git (`git checkout -- <file>`) or from a teammate\'s copy; `git log -p` shows who changed it' });
    }
  }
  // One id, two contents: damage. Two copies with the same hash are the same bytes (a conflicted
  // copy); others are compared as playbook writes an event (another tool's spacing is no damage).
  // Every command's read compares the events themselves, whatever their hashes (replica-read.ts).
  // Only the ids in more than one place are looked at (found by merging each file's rising ids).
  const twice = seenTwice(files.map((lines) => lines.map((l) => l.id)));
  const copies = new Map<string, Line>();
  let events = 0;
  for (const lines of files) {
    events += lines.length;
    if (twice.size === 0) continue;
    for (const l of lines) {
      if (!twice.has(l.id)) continue;
      const seen = copies.get(l.id);
      if (seen) events--;
      if (seen && seen.hash !== l.hash && !sameEvent(seen, l)) {
        findings.push({ name: 'duplicate ids', ok: false, detail: `event ${l.id} is in ${seen.file}:${seen.line} and ${l.file}:${l.line} with different contents`, fix: 'one of the two lines was edited: restore that file from git or a teammate\'s copy' });
      }
      copies.set(l.id, l);
    }
  }
  const forked = new Set<string>();
  for (const replica of hashes.forks()) if (replica !== 'v1') forked.add(replica);
  for (const replica of forked) {
    findings.push({ name: 'forked replica', ok: true, detail: `replica ${replica} has two histories (branches of one clone merged, or two machines writing as one): both are read and nothing is lost` });
  }
  if (names.length > 0 && !findings.some((f) => !f.ok)) {
    findings.unshift({ name: 'events', ok: true, detail: `${events} events from ${replicas.size} replica${replicas.size === 1 ? '' : 's'} in ${names.length} file${names.length === 1 ? '' : 's'} (${layout.events})` });
  }
  return { findings, events, replicas };
}

/** Whether the folder is set up for a team: events merged by lines, machine-local files ignored. */
export function inspectTeamFiles(layout: Layout): Finding | undefined {
  const dir = dirname(layout.path);
  if (!gitWorkTree(dir)) return undefined;
  const attributes = join(dir, '.gitattributes');
  let text = '';
  try {
    text = ledgerText(readLedgerFile(attributes).bytes);
  } catch {
    // missing: said below
  }
  if (!/merge=union/.test(text)) {
    return { name: 'git', ok: false, detail: `${attributes} does not say the events files merge by lines`, fix: 'run `playbook team` and commit the files it writes; every clone then merges without conflicts, with nothing to set up' };
  }
  return { name: 'git', ok: true, detail: `${attributes}: events merge by lines (merge=union)` };
}

/** Files of this machine's own for the ledger (replica name, lock, converted version-1 file). */
export function localFiles(layout: Layout): string[] {
  try {
    return readdirSync(layout.local)
      .filter((name) => !name.endsWith('.tmp'))
      .map((name) => join(layout.local, name));
  } catch {
    return [];
  }
}

/** The mode of the ledger file, for the record: 0644 from a git checkout is normal. */
export function inspectMode(path: string): Finding | undefined {
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return { name: 'ledger link', ok: true, detail: `${path} is a symbolic link to ${statSync(path).isFile() ? 'a file' : 'something'}; changes go to its target` };
    const mode = stat.mode & 0o777;
    if (mode & 0o002) return { name: 'permissions', ok: false, detail: `${basename(path)}: mode ${mode.toString(8).padStart(4, '0')}: anybody on this machine can change it`, fix: `chmod o-w ${path}` };
  } catch {
    // reported by the ledger check
  }
  return undefined;
}

/**
 * The hashes of the lines under each replica and number: nearly always one, so a second one (a
 * replica that forked) gets a set of its own instead of every line getting one. By replica, then by
 * number: 100,000 lines took 130 ms under keys of the two joined in a string. The numbers run 1, 2,
 * 3, so each replica's first hashes are an array by number.
 */
class LineHashes {
  private readonly first = new Map<string, string[]>();
  private readonly more = new Map<string, Map<number, Set<string>>>();

  add(replica: string, seq: number, hash: string): void {
    let first = this.first.get(replica);
    if (first === undefined) this.first.set(replica, (first = []));
    const known = first[seq];
    if (known === undefined) first[seq] = hash;
    else if (known !== hash) {
      let more = this.more.get(replica);
      if (more === undefined) this.more.set(replica, (more = new Map<number, Set<string>>()));
      more.set(seq, (more.get(seq) ?? new Set([known])).add(hash));
    }
  }

  has(replica: string, seq: number, hash: string): boolean {
    return this.first.get(replica)?.[seq] === hash || this.more.get(replica)?.get(seq)?.has(hash) === true;
  }

  /** The replicas with a number under which there is more than one line. */
  forks(): IterableIterator<string> {
    return this.more.keys();
  }
}
