// Strict YAML loading for playbooks: anything a careless edit or a hostile file can do
// ends as `FILE:LINE:COL: message`, never as a stack trace or a hang.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { Lexer, LineCounter, isAlias, isPair, isScalar, isMap, isSeq, parseDocument, visit, type Document, type Node } from 'yaml';
import type { ZodError } from 'zod';
import { LocatedError, usageError } from '../errors.js';
import { oneLine } from '../terminal.js';
import { playbookSchema, type Playbook } from './schema.js';

export const MAX_PLAYBOOK_BYTES = 512 * 1024;
export const MAX_DEPTH = 24;

export interface SourceProblem {
  line: number;
  col: number;
  message: string;
}

export class PlaybookFileError extends LocatedError {
  constructor(
    readonly file: string,
    readonly problems: SourceProblem[],
    message?: string,
  ) {
    // Both the file name and the messages (which quote keys and values) come from outside.
    super(message ?? problems.map((p) => oneLine(`${file}:${p.line}:${p.col}: ${p.message}`)).join('\n'));
  }
}

export function loadPlaybookFile(file: string, displayName = file): Playbook {
  return parsePlaybook(readPlaybookText(file, displayName), displayName);
}

/**
 * Reads at most MAX_PLAYBOOK_BYTES + 1 bytes of a regular file, so a directory, a FIFO or
 * /dev/zero given as a playbook is refused instead of hanging or exhausting memory.
 */
function readPlaybookText(file: string, displayName: string): string {
  let fd: number;
  try {
    // Non-blocking: opening a named pipe would otherwise wait, forever, for something to write to it.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw usageError(`${oneLine(displayName)}: ${code === 'ENOENT' ? 'no such playbook file' : `cannot read the playbook (${code ?? String(error)})`}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw usageError(`${oneLine(displayName)}: not a playbook file (a playbook is a regular YAML file)`);
    const buffer = Buffer.allocUnsafe(Math.min(stat.size, MAX_PLAYBOOK_BYTES) + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > MAX_PLAYBOOK_BYTES) {
      throw new PlaybookFileError(displayName, [{ line: 1, col: 1, message: `file is larger than ${MAX_PLAYBOOK_BYTES} bytes (512 KiB), the most a playbook may be` }]);
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

/** Parses YAML text into a playbook, or throws PlaybookFileError with every problem found. */
export function parsePlaybook(source: string, file: string): Playbook {
  const { doc, lineCounter } = parseStrictYaml(source, file);
  const value = doc.toJS({ maxAliasCount: 0 }) as unknown;
  const result = playbookSchema.safeParse(value);
  if (!result.success) throw new PlaybookFileError(file, zodProblems(result.error, doc, lineCounter));
  return result.data;
}

/** YAML with every relaxation turned off; shared by playbooks and answers files. */
export function parseStrictYaml(source: string, file: string): { doc: Document.Parsed; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  // Both checks run before the parser, so its line counter is not filled yet.
  const before = (offset: number) => {
    const lines = source.slice(0, offset).split('\n');
    return { line: lines.length, col: lines[lines.length - 1]!.length + 1 };
  };
  const directive = /^\uFEFF?%YAML[ \t]+1\.1\b/m.exec(source);
  if (directive) {
    throw new PlaybookFileError(file, [{ ...before(directive.index), message: 'YAML 1.1 is not supported; remove the %YAML 1.1 directive' }]);
  }
  const deep = tooDeep(source);
  if (deep !== undefined) {
    throw new PlaybookFileError(file, [{ ...before(deep), message: `nested more than ${MAX_DEPTH} levels deep` }]);
  }
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, strict: true, prettyErrors: false, version: '1.2', schema: 'core', merge: false });
  const first = doc.errors[0] ?? doc.warnings[0];
  if (first) {
    const message = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '');
    throw new PlaybookFileError(file, [{ ...at(first.pos[0]), message: yamlMessage(first.code, message) }]);
  }
  const problems: SourceProblem[] = [];
  const checkTag = (node: Node, core: string[]) => {
    if (node.tag && !core.some((name) => node.tag === `tag:yaml.org,2002:${name}`)) {
      problems.push({ ...at(node.range?.[0] ?? 0), message: `the tag ${node.tag} is not allowed` });
      return visit.BREAK;
    }
    return undefined;
  };
  visit(doc, {
    Alias(_, node) {
      problems.push({ ...at(node.range?.[0] ?? 0), message: `aliases (*${node.source}) are not allowed in a playbook; write the value out` });
      return visit.BREAK;
    },
    Pair(_, pair) {
      // A list or mapping as a key (`? [a, b]`) makes no playbook field, and toJS would stringify it
      // with a process warning on stderr; an alias as a key is reported by Alias.
      if (pair.key !== null && !isScalar(pair.key) && !isAlias(pair.key)) {
        problems.push({ ...at((pair.key as Node).range?.[0] ?? 0), message: 'a key must be plain text, not a list or a mapping' });
        return visit.BREAK;
      }
      if (isScalar(pair.key) && pair.key.value === '__proto__') {
        problems.push({ ...at(pair.key.range?.[0] ?? 0), message: 'the key "__proto__" is not allowed' });
        return visit.BREAK;
      }
      return undefined;
    },
    // Explicit tags may only restate a core type; `!!set`, `!!omap`, `!!binary` and the like make
    // objects no playbook field takes.
    Scalar: (_, node) => checkTag(node, ['str', 'int', 'float', 'bool', 'null']),
    Map: (_, node) => checkTag(node, ['map']),
    Seq: (_, node) => checkTag(node, ['seq']),
  });
  if (problems.length > 0) throw new PlaybookFileError(file, problems);
  return { doc, lineCounter };
}

/**
 * Finds where a document nests deeper than MAX_DEPTH collections, from the lexer's flat token
 * stream, before the recursive composer sees it: a few thousand `[` or `- ` would overflow its
 * stack. Flow collections are counted exactly. A block collection is counted at the column of the
 * first node on its line (lines further left close it) and at each compact `- ` or `? ` indicator;
 * a sequence at its parent map's indentation or a map inside a `- ` item is not counted, so the
 * count is at least half the real depth. Returns the offset of the token that goes too deep.
 */
function tooDeep(source: string): number | undefined {
  const blocks: number[] = []; // the columns of the open block collections
  let flow = 0;
  let offset = 0;
  let lineStart = 0;
  let atLineStart = true;
  let scalarNext = false;
  let blockScalar = false; // a `|` or `>` header was seen: the next scalar is its text, not structure
  for (const token of new Lexer().lex(source)) {
    // The lexer's marker tokens (document mode, scalar, flow error end) take no room in the source.
    if (token === '\u0002' || token === '\u0018') continue;
    if (token === '\u001f') {
      scalarNext = true;
      continue;
    }
    const start = offset;
    offset += token.length;
    const scalar = scalarNext;
    scalarNext = false;
    if (scalar && blockScalar) {
      blockScalar = false;
    } else if (scalar || !(/^[ \t]*(\r?\n)?$/.test(token) || token.startsWith('#'))) {
      const col = start - lineStart;
      const inFlow = flow > 0;
      if (!scalar && (token === '[' || token === '{')) flow += 1;
      else if (!scalar && (token === ']' || token === '}')) flow = Math.max(0, flow - 1);
      else if (!scalar && (token.startsWith('|') || token.startsWith('>'))) blockScalar = true;
      if (!inFlow && atLineStart) {
        while (blocks.length > 0 && blocks[blocks.length - 1]! >= col) blocks.pop();
        if (flow === 0) blocks.push(col);
      } else if (!inFlow && !scalar && (token === '-' || token === '?')) {
        blocks.push(col);
      }
      if (blocks.length + flow > MAX_DEPTH) return start;
      atLineStart = false;
    }
    const newline = token.lastIndexOf('\n');
    if (newline >= 0) {
      lineStart = start + newline + 1;
      atLineStart = /^[ \t]*$/.test(token.slice(newline + 1));
    }
  }
  return undefined;
}

function yamlMessage(code: string, message: string): string {
  if (code === 'DUPLICATE_KEY') return message.replace(/^Map keys must be unique/, 'duplicate key');
  if (code === 'TAG_RESOLVE_FAILED') return `${message} (custom tags are not allowed)`;
  return message;
}

/** Maps each zod issue back to the line and column of the YAML node it is about. */
export function zodProblems(error: ZodError, doc: Document.Parsed, lineCounter: LineCounter): SourceProblem[] {
  return error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    let keyName: string | undefined;
    if (issue.code === 'unrecognized_keys') keyName = issue.keys[0];
    const offset = offsetOf(doc, path, keyName);
    const { line, col } = lineCounter.linePos(offset);
    const where = path.length > 0 ? `${path.join('.')}: ` : '';
    return { line, col, message: `${where}${issueMessage(issue)}` };
  });
}

function issueMessage(issue: ZodError['issues'][number]): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) return `missing (expected ${issue.expected})`;
  return issue.message.replace(/^Invalid input: /, '');
}

function offsetOf(doc: Document.Parsed, path: (string | number)[], keyName?: string): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === segment);
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
      if ((node as Node | null)?.range) offset = (node as Node).range![0];
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (!item) break;
      node = item;
      offset = (item as Node).range?.[0] ?? offset;
    } else {
      break;
    }
  }
  if (keyName && isMap(node)) {
    const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === keyName);
    if (pair) offset = (pair.key as Node).range?.[0] ?? offset;
  }
  if (isAlias(node)) offset = node.range?.[0] ?? offset;
  return offset;
}
