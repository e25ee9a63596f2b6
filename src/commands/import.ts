import { resolve } from 'node:path';
import type { Context } from '../context.js';
import { failure } from '../errors.js';
import { contentName } from '../ledger/convert.js';
import { readLedgerFile } from '../ledger/files.js';
import { ledgerLocation } from '../ledger/ledger.js';
import { addEventFiles, POINTER, conflictSides, convertText, eventLines, layoutOf, readReplicas, type ImportedFile, type Layout } from '../ledger/replicas.js';
import { asciiJson } from '../ledger/json.js';
import { ledgerText } from '../ledger/store.js';
import { oneLine } from '../terminal.js';

/**
 * Brings another ledger's events into this one, each as a file of its own: a version-1 file (a
 * teammate's copy, a sync client's conflicted copy), both sides of an old git conflict in a
 * version-1 file (the ledger itself included), or another ledger's events file. Importing the same
 * thing twice changes nothing; a short id both sides claimed is shown with a letter (D-2a, D-2b).
 */
export function run(ctx: Context, [typed]: [string]): void {
  const source = resolve(ctx.cwd, typed);
  const { path } = ledgerLocation(ctx);
  const layout = layoutOf(path, ctx.env);
  let text: string;
  try {
    text = ledgerText(readLedgerFile(source).bytes);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw failure(`cannot read ${typed}: ${code === 'ENOENT' ? 'no such file' : message}`);
  }
  const itself = layoutOf(source, ctx.env).path === layout.path;
  if (itself && text === POINTER) {
    ctx.print(`nothing new: ${oneLine(typed)} is this ledger, already in the team format`);
    return;
  }
  const files = parse(text, typed);
  const before = countEvents(layout);
  // The ledger file is replaced by the pointer when it is what was brought in, or a version-1 file
  // (whose own events come in too), or missing.
  let pointer = itself;
  if (!itself) {
    try {
      const own = ledgerText(readLedgerFile(layout.path).bytes);
      const head = JSON.parse(own) as { schemaVersion?: unknown };
      if (head?.schemaVersion === 1) {
        files.push(convertText(own, layout.path));
        pointer = true;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') pointer = true;
      else if (error instanceof SyntaxError && conflictSides(ledgerText(readLedgerFile(layout.path).bytes))) {
        throw failure(`${layout.path} itself has git conflict markers`, `import it first: \`playbook import ${layout.path}\``);
      }
    }
  }
  refuseClashes(layout, files, typed);
  const written = addEventFiles(layout, files, { pointer });
  const after = countEvents(layout);
  const total = files.reduce((n, f) => n + f.events.length, 0);
  if (written.length === 0) ctx.print(`nothing new: every event of ${oneLine(typed)} is already in the ledger`);
  else ctx.print(`imported ${oneLine(typed)}: ${total} events, ${after - before} of them new, into ${written.map((n) => `${layout.events}/${n}`).join(', ')}`);
  ctx.note('a short id claimed on both sides is shown with a letter (D-2a, D-2b); `playbook doctor` checks the result');
}

function parse(text: string, where: string): ImportedFile[] {
  const sides = conflictSides(text);
  if (sides) return [convertText(sides[0], `${where} (the first side of its conflict)`), convertText(sides[1], `${where} (the second side of its conflict)`)];
  let head: { schemaVersion?: unknown } | undefined;
  try {
    head = JSON.parse(text) as { schemaVersion?: unknown };
  } catch {
    // Not one JSON document: lines of events, or damage that eventLines names.
  }
  if (head?.schemaVersion === 2) throw failure(`${where} is a team ledger's file; import its events files (events/*.jsonl) one by one`);
  if (head?.schemaVersion !== undefined) return [convertText(text, where)];
  return [{ name: `import-${contentName(text)}.jsonl`, events: eventLines(text, where) }];
}

function countEvents(layout: Layout): number {
  try {
    return readReplicas(layout)?.events.length ?? 0;
  } catch {
    return 0; // a ledger file with conflict markers: its events are the ones coming in
  }
}

/**
 * An event that is already in the ledger under the same id with other contents (an edited copy) is
 * refused, with nothing written: brought in, it would make the whole ledger damaged.
 */
function refuseClashes(layout: Layout, files: ImportedFile[], typed: string): void {
  const known = new Map<string, string>();
  try {
    for (const e of readReplicas(layout)?.events ?? []) known.set(e.id, asciiJson(e)!);
  } catch {
    // A ledger file with conflict markers: nothing of it is read yet but the events files below.
  }
  for (const file of files) {
    for (const e of file.events) {
      const text = asciiJson(e)!;
      const before = known.get(e.id);
      if (before !== undefined && before !== text) throw failure(`${oneLine(typed)}: event ${e.id} is in the ledger already with other contents (an edited copy); nothing was imported`, '`playbook doctor` checks the ledger; bring in an unedited copy');
      known.set(e.id, text);
    }
  }
}
