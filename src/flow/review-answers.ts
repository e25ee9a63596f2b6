// The weekly review's answers file (`playbook review --answers FILE`): what happens to each blocker,
// a reading per metric, the checklist items done and the decisions closed.
import { isCollection, isMap, isNode, isScalar, isSeq, type Node } from 'yaml';
import { usageError } from '../errors.js';
import { readAnswersFile, type AnswersFile } from './answers-file.js';
import { pathLabel, type ReviewAnswers } from './review.js';

const SECTIONS = ['blockers', 'metrics', 'checklist', 'decisions'] as const;

/**
 * The review's answers file:
 *   blockers: { B-2: resolve, B-3: { action: extend, due: +48h, reason: ... } }
 *   metrics: { approval-cycle-time: 6 }
 *   checklist: [kickoff-scope-alignment]
 *   decisions: [D-1]            # to close
 */
export type ReviewAnswersFile = AnswersFile<ReviewAnswers>;

/** "FILE:LINE:COL: blockers.B-1.due" for the deepest node of the path that exists. */
export function answerAt(file: ReviewAnswersFile, path: (string | number)[]): string {
  const { at, depth } = file.locate(path);
  return `${at}: ${pathLabel(path.slice(0, Math.max(depth, 1)))}`;
}

/** Reads the review's answers file at `path` (named `file` in messages), checking its shape. */
export function loadReviewAnswers(path: string, file: string): ReviewAnswersFile {
  const { root, at, locate } = readAnswersFile(path, file);
  const bad = (node: Node | null | undefined, message: string) => usageError(`${at(node)}: ${message}`);
  const answers: ReviewAnswers = { blockers: [], metrics: [], checklist: [], decisions: [] };
  if (root === null) return { file, answers, locate };
  if (!isMap(root)) throw bad(root, `a review answers file is a mapping of ${SECTIONS.join(', ')}`);
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!(SECTIONS as readonly string[]).includes(key)) throw bad(pair.key as Node, `"${key}" is not part of a review (${SECTIONS.join(', ')})`);
    const value = pair.value as Node | null;
    if (value === null || (isScalar(value) && value.value === null)) continue;
    if (key === 'blockers' || key === 'metrics') {
      if (!isMap(value)) throw bad(value, `${key} must be a mapping of ${key === 'blockers' ? 'blocker ids to what happens to each' : 'metric ids to readings'}`);
      for (const item of value.items) {
        const k = isScalar(item.key) ? String(item.key.value) : '';
        answers[key].push([k, isCollection(item.value) || isScalar(item.value) ? item.value.toJSON() : null]);
      }
    } else {
      const list = isSeq(value) ? value.items.map((n): unknown => (isNode(n) ? n.toJSON() : n)) : isScalar(value) ? [value.toJSON()] : undefined;
      if (!list) throw bad(value, `${key} must be a list of ${key === 'checklist' ? 'checklist item ids' : 'decision ids to close'}`);
      answers[key as 'checklist' | 'decisions'] = list;
    }
  }
  return { file, answers, locate };
}

