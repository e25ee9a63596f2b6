// What the session asks for each kind of record, and how an answer becomes ledger events.
// Pure: the same answer, state and clock always give the same events or the same complaint.
import { dayOf, parseDay, parseWhen } from '../dates.js';
import type { NewEvent } from '../ledger/events.js';
import { nextId, type Cycle } from '../ledger/state.js';
import type { Playbook, RecordTarget } from '../playbook/schema.js';
import { planProblem, readValue } from '../metric-values.js';
import { AnswerError, asBoolean, asList, asNumber, asOwner, asText, buildScopeProblem } from './answer-checks.js';

export { AnswerError, asBoolean, asList, asNumber, asOwner, asText };

export interface FlowContext {
  playbook: Playbook;
  cycle: Cycle;
  now: Date;
  tz: string;
}

/** `value`: a metric's value, typed as text so that "85%" reads the same as in a file or a command. */
export type FieldType = 'text' | 'choice' | 'confirm' | 'number' | 'value' | 'date' | 'when' | 'list';

export interface FieldSpec {
  key: string;
  label: string;
  type: FieldType;
  optional?: boolean;
  /** Shown under the prompt. */
  hint?: string;
  choices?: (f: FlowContext) => { value: string; name: string }[];
  default?: (f: FlowContext) => string | number | boolean | undefined;
  /** The field's value without asking, given the record so far; undefined: ask. */
  given?: (f: FlowContext, values: Record<string, unknown>) => unknown;
  /** Checked as soon as the field is answered, so the user hears at once why the record cannot go on. */
  check?: (f: FlowContext, values: Record<string, unknown>) => FieldProblem | null;
}

export interface FieldProblem {
  message: string;
  /** The fields to ask again (their answers are dropped). */
  again: string[];
  /** A decision without acceptance criteria, whose criteria may be added on the spot instead. */
  criteriaFor?: string;
}

/** A ready-made record to start from, such as an entry of the playbook's risk catalog. */
export interface Preset {
  value: string;
  name: string;
  description: string;
  values: Record<string, unknown>;
  /** The fields it fills that are not asked any more (the others are asked, its values as defaults). */
  fills: string[];
}

export interface RecordSpec {
  noun: string;
  fields: FieldSpec[];
  /** Why a new record cannot be made when its required choice has nothing left to choose. */
  nothingLeft?: (f: FlowContext) => string;
  /** Ready-made records offered first, with the choice of writing one's own. */
  presets?: { message: string; own: string; options: (f: FlowContext) => Preset[] };
}

const LEVELS = ['low', 'medium', 'high'].map((v) => ({ value: v, name: v }));

/** Build scope takes only a decision with testable criteria and its owner's approval: said as soon as either is given. */
const buildScopeCheck = (field: 'decision' | 'approved') => (f: FlowContext, values: Record<string, unknown>): FieldProblem | null => {
  const id = String(values.decision ?? '');
  const problem = buildScopeProblem(f, id, field === 'approved' ? values.approved === true : true);
  if (!problem) return null;
  const d = f.cycle.decisions.get(id);
  return { message: problem.message, again: field === 'decision' ? ['decision'] : ['decision', 'approved'], ...(d && !d.buildScope && d.criteria.length === 0 ? { criteriaFor: d.id } : {}) };
};
/**
 * A baseline or target is checked as soon as it is typed: within the metric's range, a target on the
 * better side of the baseline (the one typed with it, or for build scope the metric's plan, if it has one).
 */
const valueCheck = (key: 'baseline' | 'target', plan: boolean) => (f: FlowContext, values: Record<string, unknown>): FieldProblem | null => {
  try {
    const metric = cycleMetric(f, values.metric);
    const value = metricValue(metric, values[key], key);
    const baseline = key !== 'target' ? undefined : plan ? metricValue(metric, values.baseline, 'baseline') : f.cycle.plans.get(metric.id)?.baseline;
    const wrong = baseline === undefined ? null : planProblem(metric, baseline, value);
    return wrong ? { message: wrong, again: [key] } : null;
  } catch (error) {
    if (error instanceof AnswerError && error.field === key) return { message: error.message, again: [key] };
    return null; // the whole record is checked again before it is recorded
  }
};
const metricChoices = (f: FlowContext, planned: boolean) =>
  f.cycle.metrics.filter((m) => planned || !f.cycle.plans.has(m.id)).map((m) => ({ value: m.id, name: `${m.name} (${m.unit}, ${m.direction === 'up' ? 'higher' : 'lower'} is better)` }));
const decisionChoices = (filter: (f: FlowContext, id: string) => boolean) => (f: FlowContext) =>
  [...f.cycle.decisions.values()].filter((d) => filter(f, d.id)).map((d) => ({ value: d.id, name: `${d.id} ${d.title}` }));

export const RECORD_SPECS: Record<RecordTarget, RecordSpec> = {
  risks: {
    noun: 'risk',
    presets: {
      message: "Pick from the playbook's risk catalog, or write your own",
      own: 'Write my own',
      options: (f) => {
        const used = new Set([...f.cycle.risks.values()].map((r) => r.title));
        // The mitigation is still offered, to keep or reword.
        return f.playbook.risks.filter((r) => !used.has(r.risk)).map((r) => ({ value: r.id, name: r.risk, description: r.mitigation, values: { title: r.risk, mitigation: r.mitigation }, fills: ['title'] }));
      },
    },
    fields: [
      { key: 'title', label: 'Risk', type: 'text' },
      { key: 'impact', label: 'Customer impact', type: 'choice', choices: () => LEVELS },
      { key: 'cost', label: 'Operational cost', type: 'choice', choices: () => LEVELS },
      { key: 'mitigation', label: 'Mitigation', type: 'text', optional: true, hint: 'leave empty if there is none yet; the gate will ask for it' },
      { key: 'owner', label: 'Owner (one person)', type: 'text' },
    ],
  },
  decisions: {
    noun: 'decision',
    fields: [
      { key: 'title', label: 'Decision', type: 'text' },
      { key: 'owner', label: 'Owner (exactly one person)', type: 'text' },
      { key: 'due', label: 'Due date', type: 'date', optional: true, hint: 'e.g. 2026-12-04, +7d, next friday; leave empty to set it at the gate' },
      { key: 'criteria', label: 'Acceptance criterion', type: 'list', optional: true, hint: 'testable: a number, a yes/no check or a named sign-off' },
    ],
  },
  evidence: {
    noun: 'piece of evidence',
    nothingLeft: () => 'there is no decision to add evidence to',
    fields: [
      { key: 'decision', label: 'For which decision', type: 'choice', choices: decisionChoices(() => true) },
      { key: 'criterion', label: 'Which criterion it checks', type: 'text', optional: true },
      { key: 'evidence', label: 'What was checked, and what it showed', type: 'text' },
      { key: 'meets', label: 'Does it meet the acceptance criteria?', type: 'confirm' },
    ],
  },
  'build-scope': {
    noun: 'build-scope entry',
    nothingLeft: (f) => (f.cycle.decisions.size === 0 ? 'there is no decision to put in build scope' : 'every decision is already in build scope'),
    fields: [
      { key: 'decision', label: 'Which decision enters build scope', type: 'choice', choices: decisionChoices((f, id) => !f.cycle.decisions.get(id)?.buildScope), check: buildScopeCheck('decision') },
      {
        key: 'approved',
        label: 'Has its owner approved it?',
        type: 'confirm',
        optional: true, // optional when approved before
        default: () => false,
        given: (f, values) => (f.cycle.decisions.get(String(values.decision))?.approved ? true : undefined),
        check: buildScopeCheck('approved'),
      },
      { key: 'constraints', label: 'Implementation constraints', type: 'text' },
      { key: 'behaviour', label: 'Expected behaviour', type: 'text' },
      { key: 'metric', label: 'Metric it moves', type: 'choice', choices: (f) => metricChoices(f, true) },
      { key: 'target', label: 'Target value', type: 'value', check: valueCheck('target', false) },
    ],
  },
  checkpoints: {
    noun: 'checkpoint',
    fields: [
      { key: 'title', label: 'Checkpoint', type: 'text' },
      { key: 'kind', label: 'Kind', type: 'choice', choices: () => ['weekly', 'midpoint', 'retrospective'].map((v) => ({ value: v, name: v })) },
      { key: 'date', label: 'Date', type: 'date' },
      { key: 'owner', label: 'Owner', type: 'text' },
    ],
  },
  metrics: {
    noun: 'metric baseline',
    nothingLeft: () => 'every metric of the cycle has a baseline and a target',
    fields: [
      { key: 'metric', label: 'Metric', type: 'choice', choices: (f) => metricChoices(f, false) },
      { key: 'baseline', label: 'Baseline', type: 'value', check: valueCheck('baseline', true) },
      { key: 'target', label: 'Target', type: 'value', check: valueCheck('target', true) },
    ],
  },
  blockers: {
    noun: 'blocker',
    fields: [
      { key: 'title', label: 'Blocker', type: 'text' },
      { key: 'owner', label: 'Owner (one person)', type: 'text' },
      { key: 'due', label: 'Due', type: 'when', optional: true, hint: 'default: the blocker window', default: (f) => `+${f.playbook.cadence.blockerWindowHours}h` },
      { key: 'fallback', label: 'Fallback plan if it is not resolved in time', type: 'text' },
      { key: 'decision', label: 'Decision it blocks', type: 'choice', optional: true, choices: decisionChoices(() => true) },
    ],
  },
};


/** A day typed or read from a file; `from`: the first day allowed, and why a day before it is refused. */
function asDay(value: unknown, label: string, f: FlowContext, field: string, from: { day: string; why: string }): string {
  let day: string;
  try {
    day = parseDay(asText(value, label, field, 100), f.now, f.tz, label);
  } catch (error) {
    if (error instanceof AnswerError) throw error;
    throw new AnswerError(`${label}: "${String(value)}" is not a date (try 2026-12-04, +7d, next friday)`, field);
  }
  if (day < from.day) throw new AnswerError(`${label}: ${day} ${from.why}`, field);
  return day;
}

/** Where a decision's due date may start: today. */
export function dueFrom(f: Pick<FlowContext, 'now' | 'tz'>) {
  const day = dayOf(f.now, f.tz);
  return { day, why: `is in the past; a decision is due today (${day}) or later` };
}
function cycleStart(f: FlowContext) {
  const day = dayOf(new Date(f.cycle.created.at), f.tz);
  return { day, why: `is before the cycle began (${day})` };
}

function asChoice(value: unknown, spec: FieldSpec, f: FlowContext): string {
  const t = asText(value, spec.label, spec.key, 200);
  const choices = spec.choices?.(f) ?? [];
  const match = choices.find((c) => c.value.toLowerCase() === t.toLowerCase());
  if (!match) throw new AnswerError(`${spec.label}: "${t}" is not one of ${choices.map((c) => c.value).join(', ') || '(none available)'}`, spec.key);
  return match.value;
}

const present = (v: unknown) => v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '') && !(Array.isArray(v) && v.length === 0);

/** Validates one record and returns the events that add it. */
export function recordEvents(target: RecordTarget, raw: Record<string, unknown>, f: FlowContext): NewEvent[] {
  const spec = RECORD_SPECS[target];
  const known = new Set(spec.fields.map((s) => s.key));
  for (const key of Object.keys(raw)) if (!known.has(key)) throw new AnswerError(`"${key}" is not a field of a ${spec.noun} (fields: ${[...known].join(', ')})`, key);
  for (const s of spec.fields) if (!s.optional && !present(raw[s.key])) throw new AnswerError(`${s.label} is missing`, s.key);
  const cycle = f.cycle;
  switch (target) {
    case 'risks':
      return [
        {
          type: 'risk.added',
          data: {
            id: nextId(cycle, 'R'),
            title: asText(raw.title, 'Risk', 'title', 200),
            impact: asChoice(raw.impact, spec.fields[1]!, f) as 'low',
            cost: asChoice(raw.cost, spec.fields[2]!, f) as 'low',
            mitigation: present(raw.mitigation) ? asText(raw.mitigation, 'Mitigation', 'mitigation') : '',
            owner: asOwner(raw.owner, 'Owner', 'owner'),
          },
        },
      ];
    case 'decisions':
      return [
        {
          type: 'decision.added',
          data: {
            id: nextId(cycle, 'D'),
            title: asText(raw.title, 'Decision', 'title', 200),
            owner: asOwner(raw.owner, 'Owner', 'owner'),
            ...(present(raw.due) ? { due: asDay(raw.due, 'Due date', f, 'due', dueFrom(f)) } : {}),
            criteria: present(raw.criteria) ? asList(raw.criteria, 'Acceptance criteria', 'criteria') : [],
          },
        },
      ];
    case 'evidence': {
      const decision = decisionRef(raw.decision, f, 'decision');
      return [
        {
          type: 'evidence.added',
          data: {
            decision,
            evidence: asText(raw.evidence, 'Evidence', 'evidence'),
            meets: asBoolean(raw.meets, 'Meets the criteria', 'meets'),
            ...(present(raw.criterion) ? { criterion: asText(raw.criterion, 'Criterion', 'criterion') } : {}),
          },
        },
      ];
    }
    case 'build-scope': {
      const id = decisionRef(raw.decision, f, 'decision');
      const d = cycle.decisions.get(id)!;
      const approvedNow = present(raw.approved) ? asBoolean(raw.approved, 'Approved', 'approved') : false;
      const problem = buildScopeProblem(f, id, approvedNow);
      if (problem) throw problem;
      const metric = cycleMetric(f, raw.metric);
      const target = metricValue(metric, raw.target, 'target');
      const plan = cycle.plans.get(metric.id);
      const wrongWay = plan ? planProblem(metric, plan.baseline, target) : null;
      if (wrongWay) throw new AnswerError(wrongWay, 'target');
      const events: NewEvent[] = [];
      if (!d.approved) events.push({ type: 'decision.approved', data: { id } });
      events.push({
        type: 'build-scope.added',
        data: { decision: id, constraints: asText(raw.constraints, 'Constraints', 'constraints'), behaviour: asText(raw.behaviour, 'Expected behaviour', 'behaviour'), metric: metric.id, target },
      });
      return events;
    }
    case 'checkpoints':
      return [
        {
          type: 'checkpoint.added',
          data: {
            id: nextId(cycle, 'C'),
            title: asText(raw.title, 'Checkpoint', 'title', 200),
            kind: asChoice(raw.kind, spec.fields[1]!, f) as 'weekly',
            date: asDay(raw.date, 'Date', f, 'date', cycleStart(f)),
            owner: asOwner(raw.owner, 'Owner', 'owner'),
          },
        },
      ];
    case 'metrics': {
      const metric = cycleMetric(f, raw.metric);
      const [baseline, target] = [metricValue(metric, raw.baseline, 'baseline'), metricValue(metric, raw.target, 'target')];
      const wrong = planProblem(metric, baseline, target);
      if (wrong) throw new AnswerError(wrong, 'target');
      return [{ type: 'metric.planned', data: { metric: metric.id, baseline, target } }];
    }
    case 'blockers': {
      const dueText = present(raw.due) ? asText(raw.due, 'Due', 'due', 100) : `+${f.playbook.cadence.blockerWindowHours}h`;
      let due: Date;
      try {
        due = parseWhen(dueText, f.now, f.tz, 'Due');
      } catch {
        throw new AnswerError(`Due: "${dueText}" is not a date or time (try +48h, tomorrow, 2026-12-04T17:00)`, 'due');
      }
      if (due.getTime() <= f.now.getTime()) throw new AnswerError(`Due: "${dueText}" is already past`, 'due');
      return [
        {
          type: 'blocker.added',
          data: {
            id: nextId(cycle, 'B'),
            title: asText(raw.title, 'Blocker', 'title', 200),
            owner: asOwner(raw.owner, 'Owner', 'owner'),
            due: due.toISOString(),
            fallback: asText(raw.fallback, 'Fallback', 'fallback'),
            ...(present(raw.decision) ? { decision: decisionRef(raw.decision, f, 'decision') } : {}),
          },
        },
      ];
    }
  }
}


/** The cycle's metric an answer names: the playbook's or one the team added. */
function cycleMetric(f: FlowContext, value: unknown): Cycle['metrics'][number] {
  const id = asText(value, 'Metric', 'metric', 100);
  const metric = f.cycle.metrics.find((m) => m.id === id);
  if (!metric) throw new AnswerError(`"${id}" is not a metric of this cycle (${f.cycle.metrics.map((m) => m.id).join(', ')})`, 'metric');
  return metric;
}

/** A baseline or target of the metric, within its range ("85%" only for a percentage). */
function metricValue(metric: Cycle['metrics'][number], value: unknown, field: 'baseline' | 'target'): number {
  const read = readValue(metric, value, `the ${field}`);
  if ('problem' in read) throw new AnswerError(read.problem, field);
  return read.value;
}

function decisionRef(value: unknown, f: FlowContext, field: string): string {
  const t = asText(value, 'Decision', field, 20);
  const m = /^d-?(\d+)$/i.exec(t);
  const id = m ? `D-${Number(m[1])}` : t;
  if (!f.cycle.decisions.has(id)) {
    const known = [...f.cycle.decisions.keys()];
    throw new AnswerError(`there is no decision ${id} in this cycle${known.length ? ` (decisions: ${known.join(', ')})` : ''}`, field);
  }
  return id;
}
