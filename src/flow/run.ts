// Drives the session: asks the machine what comes next, takes the answer from the answers file
// or the prompter, and records it at once, so an interruption loses nothing already answered.
import type { Context } from '../context.js';
import { failure, usageError } from '../errors.js';
import { describeEvent } from '../ledger/describe.js';
import type { LedgerEvent, NewEvent } from '../ledger/events.js';
import { commit } from '../ledger/ledger.js';
import { apply, type Cycle, type LedgerState } from '../ledger/state.js';
import type { Playbook, Question, RecordTarget, Step } from '../playbook/schema.js';
import type { Prompter } from '../prompts/prompter.js';
import { oneLine } from '../terminal.js';
import type { AnswersFile } from './answers.js';
import type { Fix, GateFailure } from './gates.js';
import { answerEvents, defaultFor, finishEvents, next, questionKey, recordCount } from './machine.js';
import { AnswerError, asOwner, asText, RECORD_SPECS, type FieldSpec, type FlowContext } from './records.js';
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
  const scoped = { ...ctx, options: { ...ctx.options, cycle: cycleId } };
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
  const recorder: Recorder = {
    state,
    recorded: [],
    flow: () => flow(playbook, recorder.state, cycleId, ctx),
    record(build) {
      for (const e of build(flow(playbook, recorder.state, cycleId, ctx))) {
        const event = { id: ++recorder.state.lastEventId, at: ctx.now.toISOString(), actor: ctx.actor, command: ctx.command, cycle: e.cycle ?? cycleId, type: e.type, data: e.data, ...(e.answer ? { answer: e.answer } : {}) } as LedgerEvent;
        apply(recorder.state, event);
        recorder.recorded.push(event);
      }
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
}

/** Runs the session to its end, a gate it cannot pass, or an interruption. */
export async function drive(playbook: Playbook, cycleId: string, recorder: Recorder, io: SessionIO, ctx: Pick<Context, 'now' | 'tz' | 'chalk'>): Promise<'done' | 'stopped'> {
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
      say(ctx.chalk.bold.cyan(`Step ${n.index + 1} of ${playbook.steps.length} · ${n.step.title}`));
      say(ctx.chalk.dim(n.step.guidance.trim()));
      say(ctx.chalk.dim(`Gate: ${n.step.gate}`));
    }
    if (n.kind === 'pass') {
      for (const note of n.notes) say(ctx.chalk.yellow(`  note: ${note}`));
      recorder.record(() => [{ type: 'step.passed', data: { step: n.step.id } }]);
      say(ctx.chalk.green(`  ✔ gate passed: ${n.step.title}`));
      continue;
    }
    if (n.kind === 'gate') {
      if (!io.prompter) {
        throw failure(`the ${n.step.id} gate does not hold: ${n.failures.map((x) => x.message).join('; ')}`, 'fix it in a terminal with `playbook resume`, or with the decision and risk commands');
      }
      say(ctx.chalk.red(`  The gate before the next step does not hold:`));
      for (const x of n.failures) say(ctx.chalk.red(`  ✘ ${x.message}`));
      const fixable = n.failures.filter((x): x is GateFailure & { fix: Fix } => Boolean(x.fix));
      if (fixable.length === 0) {
        say('  Fix it with the decision, risk or checkpoint commands, then run `playbook resume`.');
        return 'stopped';
      }
      const choice = await io.prompter.select({ message: 'What now?', choices: [{ value: 'fix', name: 'Fix it now' }, { value: 'stop', name: 'Stop here and come back later (playbook resume)' }] });
      if (choice === 'stop') return 'stopped';
      for (const x of fixable) await fixGate(io.prompter, recorder, playbook, cycleId, x.fix, ctx);
      continue;
    }
    const { step, question } = n;
    const key = questionKey(step, question);
    if (io.answers?.answers.has(key) && !consumed.has(key)) {
      consumed.add(key);
      fromFile(recorder, step, question, io.answers.answers.get(key), io.answers.position(key));
      continue;
    }
    if (!io.prompter) throw usageError(`missing answer: ${step.id}.${question.id}`, 'add it to the answers file, or run in a terminal to be asked');
    await ask(io.prompter, recorder, f, step, question, ctx);
  }
}

function fromFile(recorder: Recorder, step: Step, q: Question, value: unknown, where: string): void {
  const wrap = (error: unknown) => {
    if (error instanceof AnswerError) return usageError(`${where}: ${step.id}.${q.id}: ${error.message}`);
    return error;
  };
  try {
    if (q.type === 'records') {
      const records = value as Record<string, unknown>[];
      const already = recordCount(recorder.flow().cycle, step, q);
      for (const [i, record] of records.entries()) {
        if (i < already) continue; // recorded by an earlier, interrupted run
        try {
          recorder.record((f) => answerEvents(f, step, q, record));
        } catch (error) {
          if (error instanceof AnswerError) throw new AnswerError(`record ${i + 1}: ${error.message}`);
          throw error;
        }
      }
      recorder.record((f) => finishEvents(f, step, q));
    } else {
      recorder.record((f) => answerEvents(f, step, q, value));
    }
  } catch (error) {
    throw wrap(error);
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

async function ask(p: Prompter, recorder: Recorder, f: FlowContext, step: Step, q: Question, ctx: Pick<Context, 'chalk'>): Promise<void> {
  if (q.help) p.say(ctx.chalk.dim(`  ${q.help.trim()}`));
  const message = `${q.prompt}${q.required ? '' : ' (optional)'}`;
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
      const choices = (q.choices ?? []).map((c) => ({ value: c, name: c }));
      const dflt = defaultFor(f, q);
      const value = await p.select({ message, choices: q.required ? choices : [...choices, { value: '', name: '(skip)' }], ...(dflt && q.choices?.includes(dflt) ? { default: dflt } : {}) });
      return value === '' ? skip() : save(value);
    }
    case 'multichoice': {
      const value = await p.checkbox({
        message,
        choices: (q.choices ?? []).map((c) => ({ value: c, name: c })),
        validate: (v) => (v.length === 0 ? (q.required ? 'choose at least one (space selects, enter confirms)' : true) : true),
      });
      return value.length === 0 ? skip() : save(value);
    }
    case 'list': {
      const items: string[] = [];
      p.say(ctx.chalk.dim(`  ${q.prompt} One item per line; an empty line finishes.${exampleHint(q)}`));
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

async function askRecords(p: Prompter, recorder: Recorder, step: Step, q: Question, ctx: Pick<Context, 'chalk'>): Promise<void> {
  const target = q.into as RecordTarget;
  const spec = RECORD_SPECS[target];
  for (;;) {
    const count = recordCount(recorder.flow().cycle, step, q);
    const required = q.required && count === 0;
    if (!required) {
      const more = await p.confirm({ message: count === 0 ? `${q.prompt}? (add a ${spec.noun})` : `Add another ${spec.noun}?`, default: false });
      if (!more) {
        recorder.record((fresh) => finishEvents(fresh, step, q));
        return;
      }
    } else {
      p.say(ctx.chalk.bold(`  ${q.prompt}`));
    }
    await askOneRecord(p, recorder, step, q, ctx);
  }
}

async function askOneRecord(p: Prompter, recorder: Recorder, step: Step, q: Question, ctx: Pick<Context, 'chalk'>): Promise<void> {
  const target = q.into as RecordTarget;
  const spec = RECORD_SPECS[target];
  const values: Record<string, unknown> = {};
  const f = () => recorder.flow();
  if (target === 'risks') {
    const used = new Set([...f().cycle.risks.values()].map((r) => r.title));
    const catalog = f().playbook.risks.filter((r) => !used.has(r.risk));
    if (catalog.length) {
      const pick = await p.select({ message: 'Pick from the playbook\'s risk catalog, or write your own', choices: [...catalog.map((r) => ({ value: r.id, name: r.risk, description: r.mitigation })), { value: '', name: 'Write my own' }] });
      const chosen = catalog.find((r) => r.id === pick);
      if (chosen) [values.title, values.mitigation] = [chosen.risk, chosen.mitigation];
    }
  }
  const fields = spec.fields;
  let pending: FieldSpec[] = fields.filter((s) => values[s.key] === undefined || s.key === 'mitigation');
  for (;;) {
    for (const s of pending) values[s.key] = await askField(p, f(), s, values[s.key]);
    try {
      const built = (fresh: FlowContext) => answerEvents(fresh, step, q, stripEmpty(values));
      built(f()); // check before taking the lock
      recorder.record(built);
      p.say(ctx.chalk.green(`  ✔ ${oneLine(describeEvent(lastAdded(recorder)))}`));
      return;
    } catch (error) {
      if (!(error instanceof AnswerError)) throw error;
      p.say(ctx.chalk.red(`  ✘ ${error.message}`));
      const bad = fields.find((s) => s.key === error.field);
      pending = bad ? [bad] : fields;
    }
  }
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

async function askField(p: Prompter, f: FlowContext, s: FieldSpec, current: unknown): Promise<unknown> {
  const label = `  ${s.label}${s.optional ? ' (optional)' : ''}`;
  if (s.hint) p.say(`    ${s.hint}`);
  const dflt = current !== undefined ? String(current) : s.default?.(f)?.toString();
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
            return `"${v}" is not a date (try 2026-12-04, +7d, next friday)`;
          }
        },
      });
    case 'number':
      return p.number({ message: label });
    case 'confirm':
      return p.confirm({ message: label, default: true });
    case 'choice': {
      const choices = s.choices?.(f) ?? [];
      if (choices.length === 0) throw new AnswerError(`nothing to choose for ${s.label}`, s.key);
      return p.select({ message: label, choices: s.optional ? [...choices, { value: '', name: '(none)' }] : choices });
    }
    case 'list': {
      const items: string[] = [];
      for (;;) {
        const item = await p.input({ message: `  ${s.label} ${items.length + 1} (empty line to finish)` });
        if (item.trim() === '') return items;
        items.push(item.trim());
      }
    }
  }
}

async function fixGate(p: Prompter, recorder: Recorder, playbook: Playbook, cycleId: string, fix: Fix, ctx: Pick<Context, 'now' | 'tz'>): Promise<void> {
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
            return `"${v}" is not a date (try 2026-12-04, +7d, next friday)`;
          }
        },
      });
      recorder.record(() => [{ type: 'decision.updated', data: { id: d.id, due: parseDay(due, f.now, f.tz) } }]);
      return;
    }
    case 'decision-owner': {
      const d = f.cycle.decisions.get(fix.id)!;
      const owner = await p.input({ message: `The one owner of ${d.id} "${oneLine(d.title)}"`, validate: (v) => { try { asOwner(v, 'Owner'); return true; } catch (e) { return (e as Error).message; } } });
      recorder.record(() => [{ type: 'decision.updated', data: { id: d.id, owner: asOwner(owner, 'Owner') } }]);
      return;
    }
    case 'decision-criteria': {
      const d = f.cycle.decisions.get(fix.id)!;
      const criteria: string[] = [];
      for (;;) {
        const c = await p.input({ message: `Acceptance criterion ${criteria.length + 1} for ${d.id} (empty line to finish)`, validate: (v) => (v.trim() === '' && criteria.length === 0 ? 'give at least one testable criterion' : true) });
        if (c.trim() === '') break;
        criteria.push(c.trim());
      }
      recorder.record(() => [{ type: 'decision.updated', data: { id: d.id, criteria } }]);
      return;
    }
    case 'decision-approval': {
      const d = f.cycle.decisions.get(fix.id)!;
      if (await p.confirm({ message: `Has ${d.owner} approved ${d.id} "${oneLine(d.title)}"?`, default: false })) {
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
  }
}

/**
 * Plays the session through in memory with the answers file alone, so a missing or bad answer
 * is reported before anything is written. Returns the events it would record.
 */
export async function rehearse(ctx: Context, playbook: Playbook, state: LedgerState, cycleId: string, answers: AnswersFile | undefined): Promise<LedgerEvent[]> {
  const missing = missingAnswers(playbook, state.cycles.get(cycleId), answers);
  if (missing.length > 0 && !ctx.interactive) {
    throw usageError(
      `no terminal to ask on, and ${missing.length} answer${missing.length === 1 ? ' is' : 's are'} missing: ${missing.join(', ')}`,
      answers ? `add them to ${answers.file}` : `pass --answers FILE (\`playbook init ${playbook.industry} ${playbook.role} --answers-template\` prints one)`,
    );
  }
  if (missing.length > 0) return []; // a terminal will ask for the rest; answers are checked as they are recorded
  const rehearsal = memoryRecorder(ctx, playbook, cycleId, structuredClone(state));
  await drive(playbook, cycleId, rehearsal, { ...(answers ? { answers } : {}), prompter: null }, ctx);
  return rehearsal.recorded;
}

/** The session for real: answers file first, then the terminal; each answer recorded as it is given. */
export async function runSession(ctx: Context, playbook: Playbook, state: LedgerState, cycleId: string, answers: AnswersFile | undefined): Promise<void> {
  const recorder = ledgerRecorder(ctx, playbook, cycleId, state);
  const prompter = ctx.interactive ? (await import('../prompts/inquirer.js')).createPrompter(ctx) : null;
  const end = await drive(playbook, cycleId, recorder, { ...(answers ? { answers } : {}), prompter }, ctx);
  if (end === 'stopped') {
    ctx.note('stopped at a gate; everything so far is saved. `playbook gate` shows what fails; `playbook resume` continues.');
    throw failure('the session stopped before the last gate');
  }
  recap(ctx, recorder.state.cycles.get(cycleId)!);
}

function recap(ctx: Context, cycle: Cycle): void {
  const c = ctx.chalk;
  const decisions = [...cycle.decisions.values()];
  const lines = [
    '',
    c.bold.green(`All six steps of ${cycle.name} are done.`),
    `  outcome: ${oneLine(String(cycle.fields.outcome ?? ''))}`,
    `  ${cycle.risks.size} risks · ${decisions.length} decisions (${decisions.filter((d) => d.buildScope).length} in build scope, ${decisions.filter((d) => !d.evidence.some((e) => e.meets)).length} awaiting evidence) · ${cycle.blockers.size} blockers · ${cycle.checkpoints.size} checkpoints · ${cycle.plans.size} metric targets`,
    '',
    'Next:',
    '  playbook status                 where the cycle stands',
    '  playbook blockers               the weekly blocker review',
    '  playbook metric record ID VALUE a reading against its target',
    '  playbook checklist              the implementation checklist',
  ];
  ctx.print(lines.join('\n'));
}
