// Bringing other ledgers in (`playbook import`): version-1 files, conflicted copies, both sides of an
// old git conflict, and events files of another ledger, each whole or not at all (replicas.ts).
import { join } from 'node:path';
import { failure } from '../errors.js';
import { contentName, convertV1 } from './convert.js';
import type { LedgerEvent } from './event-schema.js';
import { NewerLedgerError } from './events.js';
import { describe } from './files.js';
import { asciiJson } from './json.js';
import { lockReplica, makeEventsFolder } from './replica-append.js';
import { POINTER, type Layout } from './replica-layout.js';
import { check, parseLines } from './replica-lines.js';
import { replicaFiles } from './replica-read.js';
import { writeAtomic } from './store.js';

export interface ImportedFile {
  /** The name it gets in the events folder. */
  name: string;
  events: LedgerEvent[];
}

/**
 * Adds files of events to the ledger, under this replica's lock: each whole or not at all, a file
 * already there with the same name (the same content) left as it is. With `pointer`, the ledger
 * file becomes the version-2 pointer afterwards (it was the conflicted file just brought in, or a
 * version-1 file, whose own events are converted first). Returns the names written.
 */
export function addEventFiles(layout: Layout, files: ImportedFile[], options: { pointer: boolean; lockTimeoutMs?: number }): string[] {
  const release = lockReplica(layout, options.lockTimeoutMs);
  try {
    makeEventsFolder(layout);
    const present = new Set(replicaFiles(layout));
    const written: string[] = [];
    for (const file of files) {
      if (present.has(file.name)) continue;
      writeAtomic(join(layout.events, file.name), file.events.map((e) => `${asciiJson(e)}\n`).join(''), false);
      present.add(file.name);
      written.push(file.name);
    }
    if (options.pointer) writeAtomic(layout.path, POINTER, false);
    return written;
  } finally {
    release();
  }
}

/** The two sides of a file git left with conflict markers (the base of a diff3 conflict is dropped). */
export function conflictSides(text: string): [string, string] | null {
  if (!/^<<<<<<< /m.test(text)) return null;
  const ours: string[] = [];
  const theirs: string[] = [];
  let where: 'both' | 'ours' | 'base' | 'theirs' = 'both';
  for (const line of text.split('\n')) {
    if (line.startsWith('<<<<<<<')) where = 'ours';
    else if (line.startsWith('|||||||') && where === 'ours') where = 'base';
    else if (line.startsWith('=======') && where !== 'both') where = 'theirs';
    else if (line.startsWith('>>>>>>>') && where === 'theirs') where = 'both';
    else {
      if (where === 'both' || where === 'ours') ours.push(line);
      if (where === 'both' || where === 'theirs') theirs.push(line);
    }
  }
  return [ours.join('\n'), theirs.join('\n')];
}

/** Parses a version-1 file's text into converted events, or throws a one-line error naming `where`. */
export function convertText(text: string, where: string): ImportedFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw failure(`${where}: not valid JSON (${describe(error)})`);
  }
  try {
    const events = convertV1(data);
    for (const event of events) check(event, `event ${event.seq}`);
    return { name: `v1-${contentName(text)}.jsonl`, events };
  } catch (error) {
    if (error instanceof NewerLedgerError) throw failure(error.message);
    throw failure(`${where}: not a ledger playbook can read: ${describe(error)}`);
  }
}

/** Events files of another ledger, checked line by line; their own replica names come with them. */
export function eventLines(text: string, where: string): LedgerEvent[] {
  const end = text.lastIndexOf('\n') + 1;
  const events = parseLines(where, text.slice(0, end));
  if (end < text.length || events.at(-1)?.more !== undefined) throw failure(`${where}: it ends in the middle of a change (a copy still syncing?); nothing was imported`, 'import it once it is complete');
  events.forEach((event, i) => {
    try {
      check(event, `line ${i + 1}`);
    } catch (error) {
      throw failure(`${where}: ${describe(error)}`);
    }
  });
  return events;
}
