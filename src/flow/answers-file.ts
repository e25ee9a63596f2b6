// Reading an answers file, for the session (`init --answers`, `resume --answers`) and for the
// weekly review (`review --answers`): a size limit, strict YAML, and where each answer sits, so
// that every complaint names FILE:LINE:COL.
import { readFileSync, statSync } from 'node:fs';
import { isNode, isScalar, type Node } from 'yaml';
import { CliError, usageError } from '../errors.js';
import { MAX_PLAYBOOK_BYTES, parseStrictYaml } from '../playbook/load.js';

/** An answers file read: what it answers, and where. */
export interface AnswersFile<T> {
  /** The file as the user named it. */
  file: string;
  answers: T;
  /** Where the deepest node of `path` that exists is ("FILE:LINE:COL"), and how much of the path it reached. */
  locate: (path: readonly (string | number)[]) => { at: string; depth: number };
}

export interface AnswersSource {
  file: string;
  /** The document's top node; null for an empty file. */
  root: Node | null;
  /** "FILE:LINE:COL" of a node. */
  at: (node: Node | null | undefined) => string;
  locate: AnswersFile<unknown>['locate'];
}

/** Reads and parses the answers file at `path`, named `display` in messages. */
export function readAnswersFile(path: string, display: string): AnswersSource {
  let source: string;
  try {
    if (statSync(path).size > MAX_PLAYBOOK_BYTES) throw usageError(`${display}: the answers file is larger than ${MAX_PLAYBOOK_BYTES} bytes`);
    source = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw usageError(`${display}: cannot read the answers file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const { doc, lineCounter } = parseStrictYaml(source, display);
  const at = (node: Node | null | undefined) => {
    const { line, col } = lineCounter.linePos(node?.range?.[0] ?? 0);
    return `${display}:${line}:${col}`;
  };
  const contents = doc.contents;
  const root = contents === null || (isScalar(contents) && contents.value === null) ? null : contents;
  const locate = (path: readonly (string | number)[]) => {
    for (let depth = path.length; depth > 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) return { at: at(node), depth };
    }
    return { at: at(root), depth: 0 };
  };
  return { file: display, root, at, locate };
}
