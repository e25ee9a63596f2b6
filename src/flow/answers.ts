// Answers files: every question of the session answered from YAML or JSON, keyed by step id
// and question id, and the commented template `init --answers-template` prints.
import { Document, isMap, isPair, isScalar, type Node } from 'yaml';
import { oneLine } from '../terminal.js';
import { PlaybookFileError } from '../playbook/load.js';
import { readAnswersFile, type AnswersFile as AnswersFileOf } from './answers-file.js';
import type { Playbook } from '../playbook/schema.js';
import { LEDGER_TARGETS } from '../playbook/schema.js';

export type Answers = Map<string, unknown>;

export type AnswersFile = AnswersFileOf<Answers>;

/**
 * Reads and checks an answers file against the playbook. Unknown steps or questions and answers of
 * the wrong shape are errors, all of them reported together, each at its FILE:LINE:COL.
 */
export function loadAnswers(file: string, display: string, playbook: Playbook): AnswersFile {
  const { root, at, locate } = readAnswersFile(file, display);
  const answers: Answers = new Map();
  const problems: string[] = [];
  if (root === null) return { file: display, answers, locate };
  if (!isMap(root)) throw new PlaybookFileError(display, [], `${at(root)}: an answers file is a mapping of step ids to answers`);
  for (const pair of root.items) {
    const stepId = isScalar(pair.key) ? String(pair.key.value) : '';
    const step = playbook.steps.find((s) => s.id === stepId);
    if (!step) {
      problems.push(`${at(pair.key as Node)}: "${stepId}" is not a step (steps: ${playbook.steps.map((s) => s.id).join(', ')})`);
      continue;
    }
    if (pair.value === null || (isScalar(pair.value) && pair.value.value === null)) continue;
    if (!isMap(pair.value)) {
      problems.push(`${at(pair.value as Node)}: ${stepId} must map question ids to answers`);
      continue;
    }
    for (const item of pair.value.items) {
      if (!isPair(item)) continue;
      const qid = isScalar(item.key) ? String(item.key.value) : '';
      const question = step.questions.find((q) => q.id === qid);
      if (!question) {
        problems.push(`${at(item.key as Node)}: "${qid}" is not a question of ${stepId} (questions: ${step.questions.map((q) => q.id).join(', ')})`);
        continue;
      }
      const value: unknown = (item.value as Node | null)?.toJSON?.() ?? (isScalar(item.value) ? item.value.value : null);
      if (value === null || value === undefined) continue;
      if (question.type === 'records' && !(Array.isArray(value) && value.every((r) => r && typeof r === 'object' && !Array.isArray(r)))) {
        problems.push(`${at(item.value as Node)}: ${stepId}.${qid} takes a list of records (mappings)`);
        continue;
      }
      answers.set(`${stepId}/${qid}`, value);
    }
  }
  // One line each: the ids quoted come from the file and may hold line breaks of their own.
  if (problems.length > 0) throw new PlaybookFileError(display, [], problems.map(oneLine).join('\n'));
  return { file: display, answers, locate };
}

/** A commented answers file holding the playbook's example answers; as printed it completes a cycle. */
export function answersTemplate(playbook: Playbook): string {
  const doc = new Document({});
  doc.commentBefore =
    ` Answers for ${playbook.title} (${playbook.id}).\n` +
    ` Use: playbook init ${playbook.industry} ${playbook.aliases[0] ?? playbook.role} --answers THIS_FILE\n` +
    ' Keys are step ids, then question ids. Every value below is the playbook\'s example: replace it with yours.\n' +
    ' Dates may be relative (today, +7d, +48h, next friday). Records questions take a list; delete a key to be asked it.';
  for (const [i, step] of playbook.steps.entries()) {
    const stepMap = doc.createNode({}) as ReturnType<Document['createNode']> & { items: unknown[] };
    const stepPair = doc.createPair(step.id, stepMap);
    (stepPair.key).commentBefore = ` Step ${i + 1} of ${playbook.steps.length}: ${step.title}\n Gate: ${step.gate}`;
    if (i > 0) (stepPair.key).spaceBefore = true;
    for (const q of step.questions) {
      const pair = doc.createPair(q.id, q.example);
      const notes = [` ${q.prompt}${q.required ? '' : ' (optional)'}`, `   → ${LEDGER_TARGETS[q.into]}`];
      if (q.choices) notes.push(`   choices: ${q.choices.join(' | ')}`);
      if (q.choicesFrom) notes.push(`   choices: the ${q.choicesFrom} recorded in this cycle, by id (R-1, R-2, ...)`);
      (pair.key).commentBefore = notes.join('\n');
      (stepMap as unknown as { items: unknown[] }).items.push(pair);
    }
    (doc.contents as unknown as { items: unknown[] }).items.push(stepPair);
  }
  return doc.toString({ lineWidth: 0 });
}
