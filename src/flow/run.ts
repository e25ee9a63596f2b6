// Drives the session: asks the machine what comes next, takes the answer from the answers file
// or the prompter, and records it at once, so an interruption loses nothing already answered.
import { withOptions, type Context } from '../context.js';
import { failure, usageError } from '../errors.js';
import { describeEvent } from '../ledger/describe.js';
import type { LedgerEvent, NewEvent } from '../ledger/events.js';
import { commit, rehearsal, stampEvent } from '../ledger/ledger.js';
import type { Cycle, LedgerState } from '../ledger/state.js';
import type { Playbook, Question, RecordTarget, Step } from '../playbook/schema.js';
import type { Prompter } from '../prompts/prompter.js';
import { neutralize, oneLine } from '../terminal.js';
import type { AnswersFile } from './answers.js';
import type { Fix, GateFailure } from './gates.js';
import { answerEvents, defaultFor, finishEvents, next, questionKey, recordCount } from './machine.js';
import { AnswerError, asOwner, asText, buildScopeProblem, RECORD_SPECS, type FieldSpec, type FlowContext } from './records.js';
import { parseDay } from '../dates.js';

/** Where answers go: the ledger, under its lock, or (for --dry-run and checks) memory. */
export interface Recorder {
  state: LedgerState;
  /** The session's view of the cycle as recorded so far. */
  flow(): FlowContext;
  /** Builds events from the freshest state and records them. */
  record(build: (f: FlowContext) => NewEvent[]): void;
  readonly recorded: LedgerEvent[];
}

type RecorderContext = Pick<Context, 'options' | 'env' | 'cwd' | 'now' | 'actor' | 'command' | 'tz'>;

function flow(playbook: Playbook, state: LedgerState, cycleId: string, ctx: Pick<Context, 'now' | 'tz'>): FlowContext {
  const cycle = state.cycles.get(cycleId);
  if (!cycle) throw failure(`cycle ${cycleId} is no longer in the ledger`);
  return { playbook, cycle, now: ctx.now, tz: ctx.tz };
}

export function ledgerRecorder(ctx: RecorderContext, playbook: Playbook, cycleId: string, state: LedgerState): Recorder {
  const scoped = withOptions(ctx, { cycle: cycleId });
  const recorder: Recorder = {
    state,
    recorded: [],
    flow: () => flow(playbook, recorder.state, cycleId, ctx),
    record(build) {
      const change = commit(scoped, (fresh) => build(flow(playbook, fresh, cycleId, ctx)));
      recorder.state = change.state;
      recorder.recorded.push(...change.events);
    },
  };
  return recorder;
}

export function memoryRecorder(ctx: RecorderContext, playbook: Playbook, cycleId: string, state: LedgerState): Recorder {
  const writer = rehearsal();
  const recorder: Recorder = {
    state,
    recorded: [],
    flow: () => flow(playbook, recorder.state, cycleId, ctx),
    record(build) {
      const fresh = build(flow(playbook, recorder.state, cycleId, ctx));
      fresh.forEach((e, i) => recorder.recorded.push(stampEvent(ctx, recorder.state, e, cycleId, writer, fresh.length - 1 - i)));
    },
  };
  return recorder;
}

/** The question ids nobody will answer: not yet answered in the ledger and not in the answers file. */
export function missingAnswers(playbook: Playbook, cycle: Cycle | undefined, answers: AnswersFile | undefined): string[] {
  const missing: string[] = [];
  for (const step of playbook.steps) {
    if (cycle?.passed.has(step.id)) continue;
    for (const q of step.questions) {
      const key = questionKey(step, q);
      if (cycle?.answered.has(key) || answers?.answers.has(key)) continue;
      if (!q.required) continue; // an optional question nobody answers is skipped
      missing.push(`${step.id}.${q.id}`);
    }
  }
  return missing;
}

export interface SessionIO {
  answers?: AnswersFile;
  prompter: Prompter | null;
  /**
   * Without a prompter: stop (returning 'missing') at the first required question the answers
   * file does not answer, or at a gate that does not hold, instead of failing. A rehearsal before
   * a terminal session uses it to check the answers file before anything is written.
   */
  untilMissing?: boolean;
}

/** Runs the session to its end, a gate it cannot pass, or an interruption. */
export async function drive(playbook: Playbook, cycleId: string, recorder: Recorder, io: SessionIO, ctx: Pick<Context, 'now' | 'tz' | 'chalk'>): Promise<'done' | 'stopped' | 'missing'> {
  const consumed = new Set<string>();
  let shownStep = -1;
  const say = (text: string) => io.prompter?.say(text);
  for (;;) {
    const f = flow(playbook, recorder.state, cycleId, ctx);
    const n = next(f);
    if (n.kind === 'done') return 'done';
    if (n.index !== shownStep && io.prompter) {
      shownStep = n.index;
      say('');
      say(ctx.chalk.bold.cyan(`Step ${n.index + 1} of ${playbook.steps.length} · ${oneLine(n.step.title)}`));
      say(ctx.chalk.dim(neutralize(n.step.guidance.trim())));
      say(ctx.chalk.dim(`Gate: ${oneLine(n.step.gate)}`));
    }
    if (n.kind === 'pass') {
      for (const note of n.notes) say(ctx.chalk.yellow(`  note: ${oneLine(note)}`));
      recorder.record(() => [{ type: 'step.passed', data: { step: n.step.id } }]);
      say(ctx.chalk.green(`  ✔ gate passed: ${oneLine(n.step.title)}`));
      continue;
    }
    if (n.kind === 'gate') {
      if (!io.prompter) {
        if (io.untilMissing) return 'missing';
        throw failure(`the ${n.step.id} gate does not hold: ${n.failures.map((x) => oneLine(x.message)).join('; ')}`, 'fix it in a terminal with `playbook resume`, or with the decision and risk commands');
      }
      say(ctx.chalk.red(`  The gate before the next step does not hold:`));
      for (const x of n.failures) say(ctx.chalk.red(`  ✘ ${oneLine(x.message)}`));
      const fixable = n.failures.filter((x): x is GateFailure & { fix: Fix } => Boolean(x.fix) && canFix(n.step, x.fix!));
      if (fixable.length === 0) {
        say('  Fix it with the decision, risk or checkpoint commands, then run `playbook resume`.');
        return 'stopped';
      }
      const choice = await io.prompter.select({ message: 'What now?', choices: [{ value: 'fix', name: 'Fix it now' }, { value: 'stop', name: 'Stop here and come back later (playbook resume)' }] });
      if (choice === 'stop') return 'stopped';
      for (const x of fixable) await fixGate(io.prompter, recorder, playbook, cycleId, n.step, x.fix, ctx);
      continue;
    }
    const { step, question } = n;
    const key = questionKey(step, question);
    if (io.answers?.answers.has(key) && !consumed.has(key)) {
      consumed.add(key);
      fromFile(recorder, step, question, io.answers.answers.get(key), io.answers);
      say(ctx.chalk.dim(`  ✔ ${step.id}.${question.id} answered from ${oneLine(io.answers.file)}`));
      continue;
    }
    if (!io.prompter) {
      // An optional question nobody answers is skipped; a required one cannot be.
      if (!question.required) {
        recorder.record((fresh) => finishEvents(fresh, step, question));
        continue;
      }
      if (io.untilMissing) return 'missing';
      throw usageError(`missing answer: ${step.id}.${question.id}`, 'add it to the answers file, or run in a terminal to be asked');
    }
    await ask(io.prompter, recorder, f, step, question, ctx);
  }
}

/** Records an answer from the file; a bad one is a usage error that says where it is in the file. */
function fromFile(recorder: Recorder, step: Step, q: Question, value: unknown, file: AnswersFile): void {
  const key = questionKey(step, q);
  const bad = (error: unknown, where: string, prefix = '') => {
    if (error instanceof AnswerError) return usageError(oneLine(`${where}: ${step.id}.${q.id}: ${prefix}${error.message}`));
    return error;
  };
  if (q.type === 'records') {
    const records = value as Record<string, unknown>[];
    const already = recordCount(recorder.flow().cycle, step, q);
    for (const [i, record] of records.entries()) {
      if (i < already) continue; // recorded by an earlier, interrupted run
      try {
        recorder.record((f) => answerEvents(f, step, q, record));
      } catch (error) {
        const field = error instanceof AnswerError && error.field !== undefined && error.field in record ? [i, error.field] : [i];
        throw bad(error, file.position(key, field), `record ${i + 1}: `);
      }
    }
    try {
      recorder.record((f) => finishEvents(f, step, q));
    } catch (error) {
      throw bad(error, file.position(key));
    }
    return;
  }
  try {
    recorder.record((f) => answerEvents(f, step, q, value));
  } catch (error) {
    throw bad(error, file.position(key));
  }
}

/** Validates a typed answer the way recording it would, so the prompt can say why at once. */
function check(f: FlowContext, step: Step, q: Question, value: unknown): string | true {
  try {
    answerEvents(f, step, q, value);
    return true;
  } catch (error) {
    if (error instanceof AnswerError) return error.message;
    throw error;
  }
}

function exampleHint(q: Question): string {
  if (q.example === undefined || q.type === 'records') return '';
  const text = Array.isArray(q.example) ? q.example.join('; ') : String(q.example);
  return ` (e.g. ${text.length > 80 ? `${text.slice(0, 77)}...` : text})`;
}

async function ask(p: Prompter, recorder: Recorder, f: FlowContext, step: Step, q: Question, ctx: Pick<Context, 'chalk' | 'tz'>): Promise<void> {
  if (q.help) p.say(ctx.chalk.dim(`  ${neutralize(q.help.trim())}`));
  const message = `${oneLine(q.prompt)}${q.required ? '' : ' (optional)'}`;
  const skip = () => recorder.record((fresh) => finishEvents(fresh, step, q));
  const save = (value: unknown) => recorder.record((fresh) => answerEvents(fresh, step, q, value));
  switch (q.type) {
    case 'records':
      return askRecords(p, recorder, step, q, ctx);
    case 'text':
    case 'date': {
      const dflt = defaultFor(f, q);
      const value = await p.input({
        message: `${message}${dflt ? '' : exampleHint(q)}`,
        ...(dflt ? { default: dflt } : {}),
        validate: (v) => (v.trim() === '' && !q.required ? true : check(f, step, q, v)),
      });
      return value.trim() === '' && !q.required ? skip() : save(value);
    }
    case 'editor': {
      const value = await p.editor({ message, validate: (v) => (v.trim() === '' && !q.required ? true : check(f, step, q, v)) });
      return value.trim() === '' && !q.required ? skip() : save(value);
    }
    case 'number': {
      const value = await p.number({ message: `${message}${exampleHint(q)}` });
      return save(value);
    }
    case 'confirm':
      return save(await p.confirm({ message, ...(typeof q.example === 'boolean' ? { default: q.example } : {}) }));
    case 'choice': {
      const choices = (q.choices ?? []).map((c) => ({ value: c, name: oneLine(c) }));
      const dflt = defaultFor(f, q);
      const value = await p.select({ message, choices: q.required ? choices : [...choices, { value: '', name: '(skip)' }], ...(dflt && q.choices?.includes(dflt) ? { default: dflt } : {}) });
      return value === '' ? skip() : save(value);
    }
    case 'multichoice': {
      const value = await p.checkbox({
        message,
        choices: (q.choices ?? []).map((c) => ({ value: c, name: oneLine(c) })),
        validate: (v) => (v.length === 0 ? (q.required ? 'choose at least one (space selects, enter confirms)' : true) : true),
      });
      return value.length === 0 ? skip() : save(value);
    }
    case 'list': {
      const items: string[] = [];
      p.say(ctx.chalk.dim(`  ${oneLine(q.prompt)} One item per line; an empty line finishes.${oneLine(exampleHint(q))}`));
      for (;;) {
        const item = await p.input({
          message: `  ${items.length + 1}.`,
          validate: (v) => (v.trim() === '' && items.length === 0 && q.required ? 'give at least one item' : v.length > 2000 ? 'at most 2000 characters' : true),
        });
        if (item.trim() === '') break;
        items.push(item.trim());
      }
      return items.length === 0 ? skip() : save(items);
    }
  }
}

/** When a new record of this kind has nothing left to refer to, why; else null. */
function nothingLeft(f: FlowContext, target: RecordTarget): string | null {
  const spec = RECORD_SPECS[target];
  const pick = spec.fields.find((s) => s.type === 'choice' && !s.optional && s.choices);
  if (!pick || (pick.choices?.(f).length ?? 0) > 0) return null;
  switch (target) {
    case 'evidence':
      return 'there is no decision to add evidence to';
    case 'build-scope':
      return f.cycle.decisions.size === 0 ? 'there is no decision to put in build scope' : 'every decision is already in build scope';
    case 'metrics':
      return "every metric of the playbook has a baseline and a target";
    default:
      return `there is nothing left to choose for "${pick.label}"`;
  }
}

async function askRecords(p: Prompter, recorder: Recorder, step: Step, q: Question, ctx: Pick<Context, 'chalk' | 'tz'>): Promise<void> {
  const target = q.into as RecordTarget;
  const spec = RECORD_SPECS[target];
  const finish = () => recorder.record((fresh) => finishEvents(fresh, step, q));
  p.say(ctx.chalk.bold(`  ${oneLine(q.prompt)}`));
  for (;;) {
    const count = recordCount(recorder.flow().cycle, step, q);
    const left = nothingLeft(recorder.flow(), target);
    if (left) {
      if (count === 0 && q.required) throw failure(`${step.id}.${q.id} needs a ${spec.noun}, but ${left}`, 'go back with `playbook undo`, or add what is missing with the decision commands, then `playbook resume`');
      p.say(ctx.chalk.dim(`  ${left}; moving on`));
      return finish();
    }
    if (!(q.required && count === 0)) {
      const more = await p.confirm({ message: count === 0 ? `Add a ${spec.noun}?` : `Add another ${spec.noun}?`, default: false });
      if (!more) return finish();
    }
    await askOneRecord(p, recorder, step, q, ctx);
  }
}

async function askOneRecord(p: Prompter, recorder: Recorder, step: Step, q: Question, ctx: Pick<Context, 'chalk' | 'tz'>): Promise<void> {
  const target = q.into as RecordTarget;
  const spec = RECORD_SPECS[target];
  const values: Record<string, unknown> = {};
  const f = () => recorder.flow();
  const fields = spec.fields;
  const at = (key: string) => fields.findIndex((s) => s.key === key);
  let queue = fields.map((_, k) => k);
  if (target === 'risks') {
    const used = new Set([...f().cycle.risks.values()].map((r) => r.title));
    const catalog = f().playbook.risks.filter((r) => !used.has(r.risk));
    if (catalog.length) {
      const pick = await p.select({ message: "Pick from the playbook's risk catalog, or write your own", choices: [...catalog.map((r) => ({ value: r.id, name: oneLine(r.risk), description: oneLine(r.mitigation) })), { value: '', name: 'Write my own' }] });
      const chosen = catalog.find((r) => r.id === pick);
      if (chosen) {
        [values.title, values.mitigation] = [chosen.risk, chosen.mitigation];
        queue = queue.filter((k) => fields[k]!.key !== 'title'); // the mitigation is still offered, to keep or reword
      }
    }
  }
  for (;;) {
    while (queue.length > 0) {
      const k = queue.shift()!;
      const s = fields[k]!;
      if (target === 'build-scope' && s.key === 'approved' && f().cycle.decisions.get(String(values.decision))?.approved) {
        values.approved = true; // approved before: nothing to ask
        continue;
      }
      values[s.key] = await askField(p, f(), s, values[s.key]);
      if (target === 'build-scope') {
        const again = await checkBuildScopeField(p, recorder, s.key, values, ctx);
        if (again) queue = [...again.map(at), ...queue.filter((j) => !again.includes(fields[j]!.key))];
      }
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

/**
 * Build scope takes only decisions with testable criteria and their owner's approval: say so as
 * soon as the decision or the approval is given, not after every other field. Returns the fields
 * to ask again, or null when the answer stands.
 */
async function checkBuildScopeField(p: Prompter, recorder: Recorder, key: string, values: Record<string, unknown>, ctx: Pick<Context, 'chalk'>): Promise<string[] | null> {
  if (key !== 'decision' && key !== 'approved') return null;
  const id = String(values.decision ?? '');
  const approvedNow = key === 'approved' ? values.approved === true : true;
  const problem = buildScopeProblem(recorder.flow(), id, approvedNow);
  if (!problem) return null;
  p.say(ctx.chalk.red(`  ✘ ${oneLine(problem.message)}`));
  const d = recorder.flow().cycle.decisions.get(id);
  if (d && !d.buildScope && d.criteria.length === 0) {
    if (await p.confirm({ message: `Add testable acceptance criteria to ${d.id} now?`, default: true })) {
      await askCriteria(p, recorder, d.id);
      return null;
    }
  }
  delete values.decision;
  delete values.approved;
  return key === 'decision' ? ['decision'] : ['decision', 'approved'];
}

async function askCriteria(p: Prompter, recorder: Recorder, id: string): Promise<void> {
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

const notADate = (v: string) => `"${v}" is not a date (try 2026-12-04, +7d, next friday)`;

async function askField(p: Prompter, f: FlowContext, s: FieldSpec, current: unknown): Promise<unknown> {
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
          if (s.type === 'when') return true; // checked with the whole record (it must also lie ahead)
          try {
            parseDay(v, f.now, f.tz);
            return true;
          } catch {
            return notADate(v);
          }
        },
      });
    case 'number':
      return p.number({ message: label, ...(typeof preset === 'number' ? { default: preset } : {}) });
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

/** Whether the session can fix this failure on the spot. */
function canFix(step: Step, fix: Fix): boolean {
  return fix.kind !== 'add-record' || step.questions.some((q) => q.type === 'records' && q.into === fix.target);
}

async function fixGate(p: Prompter, recorder: Recorder, playbook: Playbook, cycleId: string, step: Step, fix: Fix, ctx: Pick<Context, 'now' | 'tz' | 'chalk'>): Promise<void> {
  const f = flow(playbook, recorder.state, cycleId, ctx);
  switch (fix.kind) {
    case 'decision-due': {
      const d = f.cycle.decisions.get(fix.id)!;
      const due = await p.input({
        message: `Due date for ${d.id} "${oneLine(d.title)}"`,
        validate: (v) => {
          try {
            parseDay(v, f.now, f.tz);
            return true;
          } catch {
            return notADate(v);
          }
        },
      });
      recorder.record(() => [{ type: 'decision.updated', data: { id: d.id, due: parseDay(due, f.now, f.tz) } }]);
      return;
    }
    case 'decision-owner': {
      const d = f.cycle.decisions.get(fix.id)!;
      const owner = await p.input({
        message: `The one owner of ${d.id} "${oneLine(d.title)}"`,
        validate: (v) => {
          try {
            asOwner(v, 'Owner');
            return true;
          } catch (e) {
            return (e as Error).message;
          }
        },
      });
      recorder.record(() => [{ type: 'decision.updated', data: { id: d.id, owner: asOwner(owner, 'Owner') } }]);
      return;
    }
    case 'decision-criteria':
      return askCriteria(p, recorder, fix.id);
    case 'decision-approval': {
      const d = f.cycle.decisions.get(fix.id)!;
      if (await p.confirm({ message: `Has ${oneLine(d.owner)} approved ${d.id} "${oneLine(d.title)}"?`, default: false })) {
        recorder.record(() => [{ type: 'decision.approved', data: { id: d.id } }]);
      }
      return;
    }
    case 'risk-mitigation': {
      const r = f.cycle.risks.get(fix.id)!;
      const mitigation = await p.input({ message: `Mitigation for ${r.id} "${oneLine(r.title)}"`, validate: (v) => (v.trim() ? true : 'a mitigation must not be empty') });
      recorder.record(() => [{ type: 'risk.updated', data: { id: r.id, mitigation: mitigation.trim() } }]);
      return;
    }
    case 'add-record': {
      const q = step.questions.find((x) => x.type === 'records' && x.into === fix.target)!;
      return askOneRecord(p, recorder, step, q, ctx);
    }
  }
}

export interface Rehearsal {
  /** The events the answers file leads to, up to the first question only a terminal can answer. */
  events: LedgerEvent[];
  /** Required questions neither the ledger nor the answers file answers: the terminal will ask them. */
  missing: string[];
}

/**
 * Plays the session through in memory with the answers file alone, so a missing or bad answer
 * is reported before anything is written. Without a terminal every required answer must be there;
 * with one, the rehearsal stops where the terminal takes over.
 */
export async function rehearse(ctx: Context, playbook: Playbook, state: LedgerState, cycleId: string, answers: AnswersFile | undefined): Promise<Rehearsal> {
  const missing = missingAnswers(playbook, state.cycles.get(cycleId), answers);
  if (missing.length > 0 && !ctx.interactive) {
    throw usageError(
      `${ctx.options.input === false ? 'nothing is asked with --no-input' : 'no terminal to ask on'}, and ${missing.length} answer${missing.length === 1 ? ' is' : 's are'} missing: ${missing.join(', ')}`,
      answers
        ? `add them to ${oneLine(answers.file)}`
        : `pass --answers FILE (\`playbook init ${playbook.industry} ${playbook.aliases[0] ?? playbook.role} --answers-template\` prints one)`,
    );
  }
  const rehearsal = memoryRecorder(ctx, playbook, cycleId, structuredClone(state));
  await drive(playbook, cycleId, rehearsal, { ...(answers ? { answers } : {}), prompter: null, untilMissing: ctx.interactive }, ctx);
  return { events: rehearsal.recorded, missing };
}

/** The session for real: answers file first, then the terminal; each answer recorded as it is given. */
export async function runSession(ctx: Context, playbook: Playbook, state: LedgerState, cycleId: string, answers: AnswersFile | undefined): Promise<void> {
  const recorder = ledgerRecorder(ctx, playbook, cycleId, state);
  const prompter = ctx.interactive ? (await import('../prompts/inquirer.js')).createPrompter(ctx) : null;
  const end = await drive(playbook, cycleId, recorder, { ...(answers ? { answers } : {}), prompter }, ctx);
  if (end !== 'done') {
    ctx.note('stopped at a gate; everything so far is saved. `playbook gate` shows what fails; `playbook resume` continues.');
    throw failure('the session stopped before the last gate');
  }
  recap(ctx, recorder.state.cycles.get(cycleId)!);
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function recap(ctx: Context, cycle: Cycle): void {
  const c = ctx.chalk;
  const decisions = [...cycle.decisions.values()];
  const inBuild = decisions.filter((d) => d.buildScope).length;
  const awaiting = decisions.filter((d) => d.status === 'open' && !d.evidence.some((e) => e.meets)).length;
  const lines = [
    '',
    c.bold.green(`All six steps of ${oneLine(cycle.name)} are done.`),
    `  outcome: ${oneLine(String(cycle.fields.outcome ?? ''))}`,
    `  ${count(cycle.risks.size, 'risk')} · ${count(decisions.length, 'decision')} (${inBuild} in build scope, ${awaiting} awaiting evidence) · ${count(cycle.blockers.size, 'blocker')} · ${count(cycle.checkpoints.size, 'checkpoint')} · ${count(cycle.plans.size, 'metric target')}`,
    ...(cycle.fields.postLaunchOwner ? [`  owner after launch: ${oneLine(String(cycle.fields.postLaunchOwner))}`] : []),
    '',
    'Next:',
    '  playbook status                 where the cycle stands',
    '  playbook blockers               the weekly blocker review',
    '  playbook metric record ID VALUE a reading against its target',
    '  playbook checklist              the implementation checklist',
    '  playbook summary                the weekly summary for email or Slack',
  ];
  ctx.print(lines.join('\n'));
}
