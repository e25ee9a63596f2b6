// The playbook format. This schema is the single source of truth: the TypeScript types,
// the checked-in JSON Schema (schema/playbook.schema.json) and `playbook schema` all come from it.
// The namespace import lets the bundler drop zod's error-message locales (half a megabyte parsed on every run).
import * as z from 'zod';

import { STEP_IDS, type StepId } from '../steps.js';

export { STEP_IDS, type StepId };

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be lowercase letters, digits and dashes, at most 40 characters');
const text = z.string().trim().min(1, 'must not be empty').max(4000);
const line = z.string().trim().min(1, 'must not be empty').max(300);

/**
 * Where an answer lands in the ledger. Single values go on the cycle; `*` targets are records
 * the session adds one by one ("add another risk?").
 */
export const LEDGER_TARGETS = {
  'cycle.outcome': 'the cycle outcome (text)',
  'cycle.in-scope': 'what is in scope (list)',
  'cycle.out-of-scope': 'what is out of scope (list)',
  'cycle.filter': 'the decision filter (text)',
  'cycle.window-start': 'first day of the review window (date)',
  'cycle.window-end': 'last day of the review window (date)',
  'cycle.post-launch-owner': 'who owns the cycle after launch (text)',
  risks: 'risks: title, customer impact, operational cost, mitigation, owner',
  decisions: 'decisions: title, one owner, due date, acceptance criteria',
  evidence: 'evidence for a decision: decision id, what was checked, whether it meets the criteria',
  'build-scope': 'build-scope notes for an approved decision: constraints, expected behaviour, metric and target',
  checkpoints: 'post-release checkpoints: kind (weekly, midpoint, retrospective), date, owner',
  metrics: 'metric baselines and targets',
  blockers: 'blockers: title, owner, due, fallback plan',
  notes: 'a note kept with the step',
} as const;
export type LedgerTarget = keyof typeof LEDGER_TARGETS;
const ledgerTarget = z.enum(Object.keys(LEDGER_TARGETS) as [LedgerTarget, ...LedgerTarget[]]);

/** What kind of answer each target takes; a question's `type` must be one of these. */
export const TARGET_TYPES: Record<LedgerTarget, readonly QuestionType[]> = {
  'cycle.outcome': ['text', 'editor', 'choice'],
  'cycle.in-scope': ['list', 'multichoice'],
  'cycle.out-of-scope': ['list', 'multichoice'],
  'cycle.filter': ['text', 'choice'],
  'cycle.window-start': ['date'],
  'cycle.window-end': ['date'],
  'cycle.post-launch-owner': ['text'],
  risks: ['records'],
  decisions: ['records'],
  evidence: ['records'],
  'build-scope': ['records'],
  checkpoints: ['records'],
  metrics: ['records'],
  blockers: ['records'],
  notes: ['text', 'editor', 'confirm', 'number', 'choice', 'multichoice', 'list', 'date'],
};

/** The fields of each record target, as answers files and playbook examples spell them. */
export const RECORD_FIELDS = {
  risks: { required: ['title', 'impact', 'cost', 'mitigation', 'owner'], optional: [] },
  decisions: { required: ['title', 'owner', 'due'], optional: ['criteria'] },
  evidence: { required: ['decision', 'evidence', 'meets'], optional: ['criterion'] },
  'build-scope': { required: ['decision', 'constraints', 'behaviour', 'metric', 'target'], optional: ['approved'] },
  checkpoints: { required: ['title', 'kind', 'date', 'owner'], optional: [] },
  metrics: { required: ['metric', 'baseline', 'target'], optional: [] },
  blockers: { required: ['title', 'owner', 'fallback'], optional: ['due', 'decision'] },
} as const satisfies Partial<Record<LedgerTarget, { required: readonly string[]; optional: readonly string[] }>>;
export type RecordTarget = keyof typeof RECORD_FIELDS;

/** Records of the cycle a choice question may offer instead of a fixed list (`choicesFrom`). */
export const CHOICE_SOURCES = ['risks'] as const;

export const QUESTION_TYPES = ['text', 'editor', 'choice', 'multichoice', 'confirm', 'number', 'date', 'list', 'records'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

const exampleRecord = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]));

export const questionSchema = z
  .object({
    id: slug.describe('Answers files key the answer by this id, under its step id.'),
    prompt: line.describe('The question as the session asks it.'),
    help: text.optional().describe('A longer hint shown under the question.'),
    type: z.enum(QUESTION_TYPES).describe('How the question is asked; `records` asks for one record after another.'),
    into: ledgerTarget.describe('Where the answer goes in the ledger.'),
    choices: z.array(line).min(2).max(50).optional().describe('The options of a choice or multichoice question.'),
    choicesFrom: z
      .enum(CHOICE_SOURCES)
      .optional()
      .describe(
        'Instead of `choices`, the options are records of this cycle: `risks` offers the open risks recorded so far ("R-2 title"; an answer may give R-2 alone). The question must come after the one that records risks; with none open the session says so and asks nothing.',
      ),
    required: z.boolean().default(true).describe('Whether the step can close without an answer.'),
    example: z
      .union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.array(exampleRecord)])
      .describe('An example answer; `--answers-template` prints it and the session offers it as the default.'),
  })
  .strict();
export type Question = z.infer<typeof questionSchema>;

export const stepSchema = z
  .object({
    id: z.enum(STEP_IDS),
    title: line.describe("The step's name in the role's words."),
    guidance: text.describe('What the step is for and how to do it well, shown when it opens.'),
    questions: z.array(questionSchema).min(1).max(30),
    gate: line.describe('What must hold before the next step, in the words shown to the user.'),
  })
  .strict();
export type Step = z.infer<typeof stepSchema>;

export const metricSchema = z
  .object({
    id: slug,
    name: line,
    indicates: text.describe('What a movement of this metric tells the team.'),
    targetSignal: text.describe('What good looks like.'),
    unit: z.string().trim().min(1).max(40).describe('For example %, days, hours, count, score.'),
    direction: z.enum(['up', 'down']).describe('Which way is good.'),
  })
  .strict();
export type Metric = z.infer<typeof metricSchema>;

const checklistItem = z.object({ id: slug, text }).strict();
const riskTemplate = z.object({ id: slug, risk: line, mitigation: text }).strict();
const trigger = z
  .object({
    id: slug,
    kind: line.optional().describe('Capacity breach, adoption gap, quality threshold, integration delay, cost overrun...'),
    threshold: line.describe('The condition that fires the trigger.'),
    action: line.describe('What the team does when it fires.'),
  })
  .strict();
const pattern = z.object({ title: line, summary: text, practices: z.array(line).max(20).default([]) }).strict();

const segment = z
  .object({
    name: line,
    description: text.optional(),
    targets: z.array(z.object({ metric: line, target: line }).strict()).min(1).max(20),
  })
  .strict();
const journeyPhase = z
  .object({
    name: line,
    days: z.string().regex(/^\d+-\d+$/, 'must be a day range such as 0-30'),
    focus: text,
    successCriteria: z.array(line).min(1).max(20),
  })
  .strict();
const complianceCheck = z.object({ name: line, check: text }).strict();
const clarityGap = z.object({ name: line, question: line }).strict();
const promise = z.object({ metric: line, timeframe: line, constraint: line, example: text.optional() }).strict();
const interfaceMap = z
  .object({ handoff: line, input: line, output: line, owner: line, sla: line, escalation: line })
  .strict();
const capacity = z.object({ role: line, allocation: line }).strict();
const sprintPhase = z.object({ days: z.string().regex(/^\d+-\d+$/, 'must be a day range such as 1-7'), focus: line, actions: z.array(line).min(1).max(20) }).strict();

export const playbookSchema = z
  .object({
    $schema: z.string().optional(),
    formatVersion: z.literal(1).describe('The version of this format.'),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*$/, 'must be industry/role'),
    industry: slug,
    role: slug,
    aliases: z.array(slug).max(10).default([]).describe('Short names for the role, such as pm.'),
    title: line,
    objective: line.describe('What a cycle run with this playbook is for.'),
    context: z.array(text).min(1).max(30).describe('Short paragraphs on the situation the playbook is written for.'),
    decisionFilter: line.describe('The one filter every decision is held against.'),
    cadence: z
      .object({
        reviewWindowDays: z.number().int().min(1).max(366).describe('How long the post-release review window runs.'),
        reviewEveryDays: z.number().int().min(1).max(31).default(7),
        blockerWindowHours: z.number().int().min(1).max(24 * 60).default(48).describe('How long a blocker may stay open before it is breached.'),
      })
      .strict(),
    steps: z.array(stepSchema).length(6, 'a playbook has exactly the six steps'),
    checklist: z.array(checklistItem).min(1).max(100),
    metrics: z.array(metricSchema).min(1).max(50),
    risks: z.array(riskTemplate).min(1).max(100),
    triggers: z.array(trigger).max(20).optional(),
    patterns: z.array(pattern).max(20).default([]),
    segments: z.array(segment).max(20).optional(),
    journey: z.array(journeyPhase).max(10).optional(),
    compliance: z.array(complianceCheck).max(40).optional(),
    clarityGaps: z.array(clarityGap).max(10).optional(),
    promises: z.array(promise).max(20).optional(),
    interfaces: z.array(interfaceMap).max(30).optional(),
    capacity: z.array(capacity).max(30).optional(),
    definitionOfDone: z.array(line).max(30).optional().describe('What "done" means for an integration.'),
    sprint: z.array(sprintPhase).max(10).optional().describe('A short sprint plan, such as the 30-day clarity sprint.'),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.id !== `${p.industry}/${p.role}`) {
      ctx.addIssue({ code: 'custom', path: ['id'], message: `must be "${p.industry}/${p.role}" (industry/role)` });
    }
    p.steps.forEach((step, i) => {
      const expected = STEP_IDS[i];
      if (step.id !== expected) {
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `step ${i + 1} must be "${expected}" (the six steps come in order: ${STEP_IDS.join(', ')})` });
      }
      const seen = new Set<string>();
      step.questions.forEach((q, j) => {
        if (seen.has(q.id)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'questions', j, 'id'], message: `duplicate question id "${q.id}" in step ${step.id}` });
        seen.add(q.id);
        if (!TARGET_TYPES[q.into].includes(q.type)) {
          ctx.addIssue({ code: 'custom', path: ['steps', i, 'questions', j, 'type'], message: `"${q.into}" takes ${TARGET_TYPES[q.into].join(' or ')} answers, not ${q.type}` });
        }
        if ((q.type === 'choice' || q.type === 'multichoice') && !q.choices && !q.choicesFrom) {
          ctx.addIssue({ code: 'custom', path: ['steps', i, 'questions', j], message: `a ${q.type} question needs choices (or choicesFrom)` });
        }
        if (q.choicesFrom) choicesFromIssues(p.steps, i, j).forEach((message) => ctx.addIssue({ code: 'custom', path: ['steps', i, 'questions', j, 'choicesFrom'], message }));
        if (q.type === 'records' && !(Array.isArray(q.example) && q.example.every((e) => typeof e === 'object'))) {
          ctx.addIssue({ code: 'custom', path: ['steps', i, 'questions', j, 'example'], message: 'a records question needs a list of example records' });
        } else if (q.type === 'records') {
          const fields = RECORD_FIELDS[q.into as RecordTarget];
          (q.example as Record<string, unknown>[]).forEach((record, k) => {
            for (const key of fields.required) {
              if (!(key in record)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'questions', j, 'example', k], message: `example ${q.into} record needs "${key}"` });
            }
            for (const key of Object.keys(record)) {
              if (!(fields.required as readonly string[]).includes(key) && !(fields.optional as readonly string[]).includes(key)) {
                ctx.addIssue({ code: 'custom', path: ['steps', i, 'questions', j, 'example', k, key], message: `"${key}" is not a field of ${q.into} (fields: ${[...fields.required, ...fields.optional].join(', ')})` });
              }
            }
          });
        }
      });
    });
    for (const [key, list] of [
      ['checklist', p.checklist],
      ['metrics', p.metrics],
      ['risks', p.risks],
      ['triggers', p.triggers ?? []],
    ] as const) {
      const seen = new Set<string>();
      list.forEach((item, i) => {
        if (seen.has(item.id)) ctx.addIssue({ code: 'custom', path: [key, i, 'id'], message: `duplicate id "${item.id}" in ${key}` });
        seen.add(item.id);
      });
    }
    if (p.aliases.includes(p.role)) {
      ctx.addIssue({ code: 'custom', path: ['aliases'], message: `"${p.role}" is the role itself, not an alias` });
    }
  });
export type Playbook = z.infer<typeof playbookSchema>;

/** What is wrong with question j of step i taking its choices from the cycle's records. */
function choicesFromIssues(steps: readonly { questions: readonly Question[] }[], i: number, j: number): string[] {
  const q = steps[i]!.questions[j]!;
  const source = q.choicesFrom!;
  const issues: string[] = [];
  if (q.type !== 'choice' && q.type !== 'multichoice') issues.push(`only a choice or multichoice question takes choicesFrom, not ${q.type}`);
  else if (q.into !== 'notes') issues.push(`a question with choicesFrom goes into notes, not ${q.into}`);
  if (q.choices) issues.push('give choices or choicesFrom, not both');
  const before = [...steps.slice(0, i).flatMap((s) => s.questions), ...steps[i]!.questions.slice(0, j)];
  if (!before.some((x) => x.type === 'records' && x.into === source)) issues.push(`choicesFrom: ${source} must come after the question that records ${source}`);
  return issues;
}

export function playbookJsonSchema(): unknown {
  return z.toJSONSchema(playbookSchema, { target: 'draft-7', io: 'input', unrepresentable: 'any' });
}
