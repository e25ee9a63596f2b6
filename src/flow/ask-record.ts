// Asking for records at the terminal: as many as the user wants for a records question, one field
// after another. What is special about a kind of record (a catalog to start from, a field known
// without asking, a check as soon as a field is answered) is said by its spec in records.ts.
import type { Context } from '../context.js';
import { failure } from '../errors.js';
import { parseDay } from '../dates.js';
import { describeEvent } from '../ledger/describe.js';
import type { LedgerEvent } from '../ledger/events.js';
import type { Question, RecordTarget, Step } from '../playbook/schema.js';
import type { Prompter } from '../prompts/prompter.js';
import { oneLine } from '../terminal.js';
import { answerEvents, finishEvents, needsRecord, recordCount } from './machine.js';
import { AnswerError, asOwner, asText, RECORD_SPECS, type FieldSpec, type FlowContext, type RecordSpec } from './records.js';
import type { Recorder } from './recorder.js';

type Style = Pick<Context, 'chalk' | 'tz'>;

/** When a new record of this kind has nothing left to refer to, why; else null. */
function nothingLeft(f: FlowContext, spec: RecordSpec): string | null {
  const pick = spec.fields.find((s) => s.type === 'choice' && !s.optional && s.choices);
  if (!pick || (pick.choices?.(f).length ?? 0) > 0) return null;
  return spec.nothingLeft?.(f) ?? `there is nothing left to choose for "${pick.label}"`;
}

/** A records question: records one after another until the user is done, then marks it answered. */
export async function askRecords(p: Prompter, recorder: Recorder, step: Step, q: Question, ctx: Style): Promise<void> {
  const spec = RECORD_SPECS[q.into as RecordTarget];
  const finish = () => recorder.record((fresh) => finishEvents(fresh, step, q));
  p.say(ctx.chalk.bold(`  ${oneLine(q.prompt)}`));
  for (;;) {
    const count = recordCount(recorder.flow().cycle, step, q);
    const left = nothingLeft(recorder.flow(), spec);
    if (left) {
      if (count === 0 && needsRecord(q)) throw failure(`${step.id}.${q.id} needs a ${spec.noun}, but ${left}`, 'go back with `playbook undo`, or add what is missing with the decision commands, then `playbook resume`');
      p.say(ctx.chalk.dim(`  ${left}; moving on`));
      return finish();
    }
    if (!(needsRecord(q) && count === 0)) {
      // A question the playbook asks (evidence, build scope) offers its first record; an optional one does not.
      const more = await p.confirm({ message: count === 0 ? `Add a ${spec.noun}?` : `Add another ${spec.noun}?`, default: count === 0 && q.required });
      if (!more) return finish();
    }
    await askOneRecord(p, recorder, step, q, ctx);
  }
}

/**
 * Asks for one record field by field, and records it; a field the record refuses is asked again,
 * unless the question can do without this record: then it is left out and the caller asks what next.
 */
export async function askOneRecord(p: Prompter, recorder: Recorder, step: Step, q: Question, ctx: Style): Promise<void> {
  const spec = RECORD_SPECS[q.into as RecordTarget];
  const { fields } = spec;
  const values: Record<string, unknown> = {};
  const f = () => recorder.flow();
  const at = (key: string) => fields.findIndex((s) => s.key === key);
  let queue = fields.map((_, k) => k);
  const presets = spec.presets?.options(f()) ?? [];
  if (presets.length) {
    const pick = await p.select({ message: spec.presets!.message, choices: [...presets.map((o) => ({ value: o.value, name: oneLine(o.name), description: oneLine(o.description) })), { value: '', name: spec.presets!.own }] });
    const chosen = presets.find((o) => o.value === pick);
    if (chosen) {
      Object.assign(values, chosen.values);
      queue = queue.filter((k) => !chosen.fills.includes(fields[k]!.key));
    }
  }
  for (;;) {
    while (queue.length > 0) {
      const s = fields[queue.shift()!]!;
      const given = s.given?.(f(), values);
      if (given !== undefined) {
        values[s.key] = given;
        continue;
      }
      values[s.key] = await askField(p, f(), s, values[s.key], values);
      const problem = s.check?.(f(), values);
      if (!problem) continue;
      p.say(ctx.chalk.red(`  ✘ ${oneLine(problem.message)}`));
      if (problem.criteriaFor && (await p.confirm({ message: `Add testable acceptance criteria to ${problem.criteriaFor} now?`, default: true }))) {
        await askCriteria(p, recorder, problem.criteriaFor);
        continue;
      }
      if (!needsRecord(q) || recordCount(f().cycle, step, q) > 0) {
        p.say(ctx.chalk.dim(`  no ${spec.noun} recorded`));
        return;
      }
      for (const key of problem.again) delete values[key];
      queue = [...problem.again.map(at), ...queue.filter((j) => !problem.again.includes(fields[j]!.key))];
    }
    try {
      const built = (fresh: FlowContext) => answerEvents(fresh, step, q, stripEmpty(values));
      built(f()); // check before taking the lock
      recorder.record(built);
      p.say(ctx.chalk.green(`  ✔ ${oneLine(describeEvent(lastAdded(recorder), ctx.tz))}`));
      return;
    } catch (error) {
      if (!(error instanceof AnswerError)) throw error;
      p.say(ctx.chalk.red(`  ✘ ${oneLine(error.message)}`));
      const bad = at(error.field ?? '');
      if (bad >= 0) {
        delete values[fields[bad]!.key]; // ask again without offering the rejected value as the default
        queue = [bad];
      } else {
        queue = fields.map((_, k) => k);
      }
    }
  }
}

/** Asks for a decision's acceptance criteria, one per line, and records them. */
export async function askCriteria(p: Prompter, recorder: Recorder, id: string): Promise<void> {
  const criteria: string[] = [];
  for (;;) {
    const c = await p.input({
      message: `Acceptance criterion ${criteria.length + 1} for ${id} (empty line to finish)`,
      validate: (v) => (v.trim() === '' && criteria.length === 0 ? 'give at least one testable criterion' : v.length > 2000 ? 'at most 2000 characters' : true),
    });
    if (c.trim() === '') break;
    criteria.push(c.trim());
  }
  recorder.record(() => [{ type: 'decision.updated', data: { id, criteria } }]);
}

/** The record just added (an answer may record more than one event: an approval before its build scope). */
function lastAdded(recorder: Recorder): LedgerEvent {
  for (let i = recorder.recorded.length - 1; i >= 0; i--) {
    const e = recorder.recorded[i]!;
    if (e.type.endsWith('.added') || e.type === 'metric.planned') return e;
  }
  return recorder.recorded[recorder.recorded.length - 1]!;
}

function stripEmpty(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => !(v === '' || v === undefined || (Array.isArray(v) && v.length === 0))));
}

/** A prompt's check of a date: true, or how to write one. */
/** A check of a typed day; `from`: the first day allowed, and why a day before it is refused. */
export function dateCheck(f: Pick<FlowContext, 'now' | 'tz'>, from?: { day: string; why: string }) {
  return (v: string): string | true => {
    let day: string;
    try {
      day = parseDay(v, f.now, f.tz);
    } catch {
      return `"${v}" is not a date (try 2026-12-04, +7d, next friday)`;
    }
    return from && day < from.day ? `${day} ${from.why}` : true;
  };
}

/** Asks one field of a record; `current` is offered as the default (a value asked again keeps the one given); `values`: the record so far. */
export async function askField(p: Prompter, f: FlowContext, s: FieldSpec, current: unknown, values: Record<string, unknown> = {}): Promise<unknown> {
  const label = `  ${s.label}${s.optional && s.type !== 'confirm' ? ' (optional)' : ''}`;
  if (s.hint) p.say(`    ${s.hint}`);
  const preset = current ?? s.default?.(f);
  const dflt = preset !== undefined && typeof preset !== 'boolean' ? String(preset) : undefined;
  switch (s.type) {
    case 'text':
      return p.input({
        message: label,
        ...(dflt !== undefined ? { default: dflt } : {}),
        validate: (v) => {
          if (v.trim() === '') return s.optional ? true : `${s.label} must not be empty`;
          try {
            if (s.key === 'owner') asOwner(v, s.label);
            else asText(v, s.label);
            return true;
          } catch (error) {
            return (error as Error).message;
          }
        },
      });
    case 'date':
    case 'when':
      return p.input({
        message: label,
        ...(dflt !== undefined ? { default: dflt } : {}),
        validate: (v) => {
          if (v.trim() === '') return s.optional ? true : `${s.label} must not be empty`;
          // A due time is checked with the whole record (it must also lie ahead).
          return s.type === 'when' ? true : dateCheck(f)(v);
        },
      });
    case 'number':
      return p.number({ message: label, ...(typeof preset === 'number' ? { default: preset } : {}) });
    case 'value':
      // A metric's value: its check (the metric's range, the plan's direction) refuses it at the prompt.
      return p.input({
        message: label,
        ...(dflt !== undefined ? { default: dflt } : {}),
        validate: (v) => {
          if (v.trim() === '') return `${s.label} must not be empty`;
          const problem = s.check?.(f, { ...values, [s.key]: v });
          return problem ? oneLine(problem.message) : true;
        },
      });
    case 'confirm':
      return p.confirm({ message: label, default: typeof preset === 'boolean' ? preset : true });
    case 'choice': {
      // Names may hold text someone else typed (decision titles): never raw escape sequences.
      const choices = (s.choices?.(f) ?? []).map((c) => ({ value: c.value, name: oneLine(c.name) }));
      if (choices.length === 0) {
        if (s.optional) return undefined;
        throw failure(`there is nothing to choose for "${s.label}"`);
      }
      return p.select({ message: label, choices: s.optional ? [...choices, { value: '', name: '(none)' }] : choices, ...(dflt && choices.some((c) => c.value === dflt) ? { default: dflt } : {}) });
    }
    case 'list': {
      const items: string[] = [];
      for (;;) {
        const item = await p.input({ message: `  ${s.label} ${items.length + 1} (empty line to finish)`, validate: (v) => (v.length > 2000 ? 'at most 2000 characters' : true) });
        if (item.trim() === '') return items;
        items.push(item.trim());
      }
    }
  }
}
