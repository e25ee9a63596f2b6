// The six-step session: asks the machine what comes next, takes the answer from the answers file
// or the terminal, and records it at once, so an interruption loses nothing already answered. A
// gate that does not hold is fixed on the spot (fix-gate.ts) or the session stops, to be resumed.
import type { Context } from '../context.js';
import { failure, usageError } from '../errors.js';
import type { LedgerEvent } from '../ledger/events.js';
import type { Cycle, LedgerState } from '../ledger/state.js';
import type { Playbook, Question, Step } from '../playbook/schema.js';
import type { Prompter } from '../prompts/prompter.js';
import { neutralize, oneLine } from '../terminal.js';
import type { AnswersFile } from './answers.js';
import { askQuestion } from './ask.js';
import { canFix, fixGate } from './fix-gate.js';
import { BUILD_SCOPE_EMPTY, type Fix, type GateFailure } from './gates.js';
import { answerEvents, finishEvents, next, questionKey, recordCount } from './machine.js';
import { AnswerError } from './records.js';
import { flowOf, ledgerRecorder, memoryRecorder, type Recorder } from './recorder.js';

export { memoryRecorder, type Recorder } from './recorder.js';

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
    const f = flowOf(playbook, recorder.state, cycleId, ctx);
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
    await askQuestion(io.prompter, recorder, f, step, question, ctx);
  }
}

/** Records an answer from the file; a bad one is a usage error that says where it is in the file. */
function fromFile(recorder: Recorder, step: Step, q: Question, value: unknown, file: AnswersFile): void {
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
        throw bad(error, file.locate([step.id, q.id, ...field]).at, `record ${i + 1}: `);
      }
    }
    try {
      recorder.record((f) => finishEvents(f, step, q));
    } catch (error) {
      throw bad(error, file.locate([step.id, q.id]).at);
    }
    return;
  }
  try {
    recorder.record((f) => answerEvents(f, step, q, value));
  } catch (error) {
    throw bad(error, file.locate([step.id, q.id]).at);
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
    ...(inBuild === 0 ? [c.yellow(`  ${BUILD_SCOPE_EMPTY}`)] : []),
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
