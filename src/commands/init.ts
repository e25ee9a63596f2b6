import { resolve } from 'node:path';
import { withOptions, type Context } from '../context.js';
import { usageError } from '../errors.js';
import { dayOf } from '../dates.js';
import { describeEvent } from '../ledger/describe.js';
import { cycleId, snapshot, uniqueCycleId } from '../ledger/cycle.js';
import { commit, ledgerLocation, openLedger, readState, rehearsal, stampEvent } from '../ledger/ledger.js';
import { localLedgerPath } from '../ledger/location.js';
import { currentStep } from '../ledger/queries.js';
import type { Cycle } from '../ledger/state.js';
import { writeTeamFiles } from '../ledger/team.js';
import { resolvePlaybook } from '../playbook/catalog.js';
import { oneLine } from '../terminal.js';
import { text } from './common.js';

export interface InitOptions {
  local?: boolean;
  answers?: string;
  answersTemplate?: boolean;
  dryRun?: boolean;
  session?: boolean;
  /** Start a new cycle even when the current cycle's session is unfinished. */
  new?: boolean;
}

export async function run(ctx: Context, [industry, role]: [string, string], opts: InitOptions): Promise<void> {
  const { playbook } = resolvePlaybook(ctx.env, industry, role);
  const flow = await import('../flow/answers.js');
  if (opts.answersTemplate) {
    ctx.print(flow.answersTemplate(playbook));
    return;
  }
  const answers = opts.answers ? flow.loadAnswers(resolve(ctx.cwd, opts.answers), opts.answers, playbook) : undefined;
  // `init --cycle NAME` names the new cycle; it does not select an existing one.
  const name = ctx.options.cycle ? text(ctx.options.cycle, '--cycle', 120) : `${playbook.title} (${dayOf(ctx.now, ctx.tz)})`;
  const base = cycleId(ctx.options.cycle ? name : `${playbook.aliases[0] ?? playbook.role}-${dayOf(ctx.now, ctx.tz)}`);
  const path = opts.local ? localLedgerPath(ctx.cwd) : ledgerLocation(ctx).path;
  const scoped = withOptions(ctx, { cycle: undefined, ledger: path });
  const session = opts.session !== false;
  const { runSession, rehearse } = await import('../flow/session.js');

  // Rehearse in memory first: a missing or bad answer is reported before the cycle exists.
  const before = readState(path, ctx.env);
  // Only a kickoff is held back: --no-session creates a cycle and leaves every session as it is.
  const mode = opts.dryRun ? 'tell' : answers ? 'refuse' : 'ask';
  if (session && !opts.new && before.current !== null && (await resumeInstead(ctx, openLedger(scoped).cycle, `playbook init ${industry} ${role} --new`, mode))) {
    return (await import('./resume.js')).run(scoped, [], {});
  }
  const planned = uniqueCycleId(before, base);
  const start = stampEvent(ctx, before, { type: 'cycle.created', data: { cycle: snapshot(playbook, planned, name) } }, null, rehearsal(), 0);
  // With a terminal and no answers file there is nothing to check before the questions start.
  const rehearsed = session && (answers || !ctx.interactive || opts.dryRun) ? await rehearse(ctx, playbook, before, start.id, answers) : { events: [], missing: [] };
  if (opts.dryRun) {
    ctx.print(
      [
        `would start cycle ${planned} (${oneLine(playbook.title)}) in ${oneLine(path)}`,
        ...rehearsed.events.map((e) => `would record: ${oneLine(describeEvent(e, ctx.tz))}`),
        ...(rehearsed.missing.length ? [`would ask: ${rehearsed.missing.join(', ')}`] : []),
      ].join('\n'),
    );
    return;
  }

  let id = '';
  const change = commit(
    scoped,
    (state) => {
      id = uniqueCycleId(state, base);
      return [{ type: 'cycle.created', data: { cycle: snapshot(playbook, id, name) } }];
    },
    // The new cycle becomes this clone's current one; a teammate's clone is only told about it.
    { create: true, path, local: (events, local) => ({ ...local, current: events[0]!.id }) },
  );
  const key = change.events[0]!.id;
  if (opts.local) writeTeamFiles(change.location.path);
  ctx.note(`started cycle ${change.state.cycles.get(key)?.id ?? id} (${oneLine(playbook.title)}) in ${change.location.path}`);
  if (!session) {
    ctx.note('run `playbook resume` to walk through the six steps');
    return;
  }
  await runSession({ ...scoped, options: { ...scoped.options, cycle: key } }, playbook, change.state, key, answers);
}

/**
 * When this clone's current cycle (`cycle`, read in full) has an unfinished session: says so, and in a terminal asks whether
 * to resume it (true) or start a new cycle anyway; elsewhere (or with an answers file) it is a usage
 * error naming both ways on. A dry run only tells.
 */
async function resumeInstead(ctx: Context, cycle: Cycle, anyway: string, mode: 'ask' | 'refuse' | 'tell'): Promise<boolean> {
  const step = currentStep(cycle);
  if (!step) return false;
  const where = `step ${step.index + 1} of ${cycle.snapshot.steps.length}, ${oneLine(step.title)}`;
  const said = `the session of cycle ${oneLine(cycle.id)} is unfinished (${where})`;
  const ways = `\`playbook resume\` continues it; \`${oneLine(anyway)}\` starts a new cycle anyway`;
  if (mode === 'tell') {
    ctx.note(`note: ${said}, so init without --dry-run stops there: ${ways}`);
    return false;
  }
  if (mode === 'refuse' || !ctx.interactive) throw usageError(said, ways);
  ctx.note(said);
  const prompter = (await import('../prompts/inquirer.js')).createPrompter(ctx);
  const choice = await prompter.select({
    message: 'Resume it, or start a new cycle?',
    choices: [
      { value: 'resume', name: `Resume ${oneLine(cycle.id)} at step ${step.index + 1} (playbook resume)` },
      { value: 'new', name: 'Start a new cycle anyway' },
    ],
  });
  return choice === 'resume';
}
