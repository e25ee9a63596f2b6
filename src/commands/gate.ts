import type { Context } from '../context.js';
import { failure, usageError } from '../errors.js';
import { checkGate } from '../flow/gates.js';
import { openLedger } from '../ledger/ledger.js';
import { currentStep } from '../ledger/queries.js';
import { STEP_IDS, type StepId } from '../steps.js';
import { oneLine } from '../terminal.js';
import { printJson } from './common.js';

export function run(ctx: Context, [typed]: [string | undefined]): void {
  if (typed !== undefined && !(STEP_IDS as readonly string[]).includes(typed)) {
    throw usageError(`"${typed}" is not a step`, `steps: ${STEP_IDS.join(', ')}`);
  }
  const { cycle } = openLedger(ctx);
  const step = (typed as StepId | undefined) ?? (currentStep(cycle)?.id as StepId | undefined) ?? 'post-release';
  const result = checkGate(step, cycle);
  const title = cycle.snapshot.steps.find((s) => s.id === step)?.title ?? step;
  if (ctx.json) printJson(ctx, { cycle: cycle.id, step, holds: result.holds, failures: result.failures.map((f) => f.message), notes: result.notes });
  else {
    ctx.print(result.holds ? `${ctx.chalk.green('✔')} the ${step} gate holds (${oneLine(title)})` : `${ctx.chalk.red('✘')} the ${step} gate does not hold (${oneLine(title)})`);
    for (const f of result.failures) ctx.print(`  ✘ ${oneLine(f.message)}`);
    for (const n of result.notes) ctx.print(`  note: ${oneLine(n)}`);
  }
  if (!result.holds) throw failure(`the ${step} gate does not hold: ${result.failures.map((f) => f.message).join('; ')}`);
}
