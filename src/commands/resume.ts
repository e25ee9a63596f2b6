import { resolve } from 'node:path';
import { withOptions, type Context } from '../context.js';
import { openLedger, selectCycle } from '../ledger/ledger.js';
import { resolvePlaybook } from '../playbook/catalog.js';
import { next } from '../flow/machine.js';

export async function run(ctx: Context, _args: [], opts: { answers?: string }): Promise<void> {
  const { state, location } = openLedger(ctx);
  const cycle = selectCycle(ctx, state);
  const { industry, role } = cycle.snapshot.playbook;
  const { playbook } = resolvePlaybook(ctx.env, industry, role);
  if (next({ playbook, cycle }).kind === 'done') {
    ctx.note(`the session of ${cycle.id} is complete; see \`playbook status\``);
    return;
  }
  const { loadAnswers } = await import('../flow/answers.js');
  const answers = opts.answers ? loadAnswers(resolve(ctx.cwd, opts.answers), opts.answers, playbook) : undefined;
  const { rehearse, runSession } = await import('../flow/session.js');
  const scoped = withOptions(ctx, { cycle: cycle.key, ledger: location.path });
  // Check the answers file (and, without a terminal, that nothing is missing) before writing anything.
  if (!ctx.interactive || answers) await rehearse(scoped, playbook, state, cycle.key, answers);
  await runSession(scoped, playbook, state, cycle.key, answers);
}
