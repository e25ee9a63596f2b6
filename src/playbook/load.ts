// Strict YAML loading for playbooks: anything a careless edit or a hostile file can do
// ends as `FILE:LINE:COL: message`, never as a stack trace or a hang.
import { readFileSync, statSync } from 'node:fs';
import { LineCounter, isAlias, isPair, isScalar, isMap, isSeq, parseDocument, visit, type Document, type Node } from 'yaml';
import type { ZodError } from 'zod';
import { usageError } from '../errors.js';
import { playbookSchema, type Playbook } from './schema.js';

export const MAX_PLAYBOOK_BYTES = 512 * 1024;
export const MAX_DEPTH = 24;

export interface SourceProblem {
  line: number;
  col: number;
  message: string;
}

export class PlaybookFileError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly file: string,
    readonly problems: SourceProblem[],
    message?: string,
  ) {
    super(message ?? problems.map((p) => `${file}:${p.line}:${p.col}: ${p.message}`).join('\n'));
  }
}

export function loadPlaybookFile(file: string, displayName = file): Playbook {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw usageError(`${displayName}: no such playbook file`);
  }
  if (size > MAX_PLAYBOOK_BYTES) {
    throw new PlaybookFileError(displayName, [{ line: 1, col: 1, message: `file is ${size} bytes; a playbook may be at most ${MAX_PLAYBOOK_BYTES}` }]);
  }
  return parsePlaybook(readFileSync(file, 'utf8'), displayName);
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
  const directive = /^%YAML\s+1\.1\b/m.exec(source);
  if (directive) {
    const line = source.slice(0, directive.index).split('\n').length;
    throw new PlaybookFileError(file, [{ line, col: 1, message: 'YAML 1.1 is not supported; remove the %YAML 1.1 directive' }]);
  }
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, strict: true, prettyErrors: false, version: '1.2', schema: 'core', merge: false });
  const first = doc.errors[0] ?? doc.warnings[0];
  if (first) {
    const message = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '');
    throw new PlaybookFileError(file, [{ ...at(first.pos[0]), message: yamlMessage(first.code, message) }]);
  }
  const problems: SourceProblem[] = [];
  visit(doc, {
    Alias(_, node) {
      problems.push({ ...at(node.range?.[0] ?? 0), message: `aliases (*${node.source}) are not allowed in a playbook; write the value out` });
      return visit.BREAK;
    },
    Pair(_, pair, path) {
      if (isScalar(pair.key) && pair.key.value === '__proto__') {
        problems.push({ ...at(pair.key.range?.[0] ?? 0), message: 'the key "__proto__" is not allowed' });
        return visit.BREAK;
      }
      if (path.length > MAX_DEPTH * 2) {
        const node = pair.key as Node | null;
        problems.push({ ...at(node?.range?.[0] ?? 0), message: `nested more than ${MAX_DEPTH} levels deep` });
        return visit.BREAK;
      }
      return undefined;
    },
    Seq(_, seq, path) {
      if (path.length > MAX_DEPTH * 2) {
        problems.push({ ...at(seq.range?.[0] ?? 0), message: `nested more than ${MAX_DEPTH} levels deep` });
        return visit.BREAK;
      }
      return undefined;
    },
    Scalar(_, scalar) {
      if (scalar.tag && !['tag:yaml.org,2002:str', 'tag:yaml.org,2002:int', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:bool', 'tag:yaml.org,2002:null'].includes(scalar.tag)) {
        problems.push({ ...at(scalar.range?.[0] ?? 0), message: `the tag ${scalar.tag} is not allowed` });
        return visit.BREAK;
      }
      return undefined;
    },
  });
  if (problems.length > 0) throw new PlaybookFileError(file, problems);
  return { doc, lineCounter };
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
