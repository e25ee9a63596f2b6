// The commands that add and change a cycle's records: decisions and their evidence and build
// scope, blockers, risks, metrics and checkpoints (command-table.ts lists them with the others).
import { Option, type Command } from '@commander-js/extra-typings';
import { action, collect, examples } from './command-action.js';
import { CHECKPOINT_KINDS } from './ledger/constants.js';

export const RECORD_COMMANDS = {
  decision: (program) => {
    const decision = program.command('decision').description('add, edit, approve, scope, close or reopen a decision');
    decision
      .command('add')
      .description('add a decision with exactly one owner and a due date')
      .argument('<title>', 'what is being decided')
      .requiredOption('--owner <name>', 'the one person who decides')
      .requiredOption('--due <date>', 'when: 2026-12-04, +7d, next friday')
      .option('--criteria <text>', 'an acceptance criterion (repeatable)', collect, [])
      .addHelpText('after', examples('playbook decision add "Ship guided setup to all clinics" --owner "Priya Raman" --due "next friday" --criteria "Setup completion above 80%"'))
      .action(action(async () => (await import('./commands/decision.js')).add));
    for (const [verb, what] of [
      ['approve', 'record the owner\'s approval of a decision'],
      ['close', 'close a decision'],
      ['reopen', 'reopen a closed decision'],
    ] as const) {
      decision
        .command(verb)
        .description(what)
        .argument('<id>', 'decision id, e.g. D-3')
        .option('--note <text>', 'why')
        .addHelpText('after', examples(`playbook decision ${verb} D-3`))
        .action(action(async () => (await import('./commands/decision.js'))[verb]));
    }
    decision
      .command('edit')
      .description('change a decision: its title, owner, due date or acceptance criteria')
      .argument('<id>', 'decision id, e.g. D-3')
      .option('--title <text>', 'the new title')
      .option('--owner <name>', 'the one person who decides')
      .option('--due <date>', 'the new due date (today or later while the decision is open)')
      .option('--criteria <text>', 'an acceptance criterion (repeatable; replaces them all)', collect, [])
      .addHelpText('after', examples('playbook decision edit D-3 --due "next friday"', 'playbook decision edit D-3 --owner "Sam Lee" --criteria "Vendor signs the BAA" --criteria "Delivery above 98%"'))
      .action(action(async () => (await import('./commands/decision.js')).edit));
    decision
      .command('scope')
      .description('put an approved decision into build scope, as step 5 of the session does')
      .argument('<id>', 'decision id, e.g. D-3')
      .requiredOption('--constraints <text>', 'implementation constraints')
      .requiredOption('--behaviour <text>', 'expected behaviour')
      .requiredOption('--metric <id>', 'the metric it moves (id or name)')
      .requiredOption('--target <n>', 'the value that metric should reach')
      .addHelpText('after', examples('playbook decision scope D-3 --constraints "Existing SMS vendor only" --behaviour "Clinics get a reminder 24h before go-live" --metric exception-state-completion --target 75'))
      .action(action(async () => (await import('./commands/decision.js')).scope));
  },

  blocker: (program) => {
    const blocker = program.command('blocker').description('raise, resolve, escalate or extend a blocker');
    blocker
      .command('add')
      .description('raise a blocker; it is breached when its window (48 hours by default) passes')
      .argument('<title>', 'what is blocked')
      .requiredOption('--owner <name>', 'the one person who unblocks it')
      .option('--due <when>', "when it must be resolved (default: the playbook's blocker window)")
      .option('--fallback <text>', 'what happens if it is not resolved in time')
      .option('--decision <id>', 'the decision it blocks, e.g. D-2')
      .addHelpText('after', examples('playbook blocker add "EHR sandbox access" --owner "Sam Lee" --fallback "Test against the recorded fixtures"', 'playbook blocker add "BAA signature" --owner Dana --due +24h --decision D-2'))
      .action(action(async () => (await import('./commands/blocker.js')).add));
    for (const [verb, what] of [
      ['resolve', 'mark a blocker resolved'],
      ['escalate', 'escalate a blocker'],
    ] as const) {
      blocker
        .command(verb)
        .description(what)
        .argument('<id>', 'blocker id, e.g. B-2')
        .option('--note <text>', 'what happened')
        .addHelpText('after', examples(`playbook blocker ${verb} B-2 --note "..."`))
        .action(action(async () => (await import('./commands/blocker.js'))[verb]));
    }
    blocker
      .command('extend')
      .description('give a blocker a later due time, with the reason (as the weekly review does)')
      .argument('<id>', 'blocker id, e.g. B-2')
      .requiredOption('--due <when>', 'the new due time: +48h, friday, 2026-12-04T17:00')
      .requiredOption('--reason <text>', 'why it needs longer')
      .addHelpText('after', examples('playbook blocker extend B-2 --due friday --reason "Vendor confirmed the sandbox for Thursday"'))
      .action(action(async () => (await import('./commands/blocker.js')).extend));
  },

  risk: (program) => {
    const risk = program.command('risk').description('add, edit or close a risk');
    risk
      .command('add')
      .description('add a risk with its impact, cost, mitigation and owner')
      .argument('<title>', 'the risk')
      .requiredOption('--impact <level>', 'customer impact: low, medium, high')
      .requiredOption('--cost <level>', 'operational cost: low, medium, high')
      .requiredOption('--mitigation <text>', 'how it is mitigated')
      .requiredOption('--owner <name>', 'who owns it')
      .addHelpText('after', examples('playbook risk add "Clinics stall before first value" --impact high --cost medium --mitigation "Daily setup review in week one" --owner "Priya Raman"'))
      .action(action(async () => (await import('./commands/risk.js')).add));
    risk
      .command('close')
      .description('close a risk')
      .argument('<id>', 'risk id, e.g. R-2')
      .option('--note <text>', 'why')
      .addHelpText('after', examples('playbook risk close R-2 --note "Mitigated by the staged rollout"'))
      .action(action(async () => (await import('./commands/risk.js')).close));
    risk
      .command('edit')
      .description("change a risk's impact, cost, mitigation or owner")
      .argument('<id>', 'risk id, e.g. R-2')
      .option('--impact <level>', 'customer impact: low, medium, high')
      .option('--cost <level>', 'operational cost: low, medium, high')
      .option('--mitigation <text>', 'how it is mitigated')
      .option('--owner <name>', 'who owns it')
      .addHelpText('after', examples('playbook risk edit R-2 --impact medium --mitigation "Staged rollout, five clinics a week"'))
      .action(action(async () => (await import('./commands/risk.js')).edit));
  },

  metric: (program) => {
    const metric = program.command('metric').description("record a metric reading; add a metric of the team's own; set a baseline and target");
    metric
      .command('record')
      .description('record a reading of one of the cycle\'s metrics')
      .argument('<name>', 'metric id or name, e.g. approval-cycle-time')
      .argument('<value>', 'the reading, a number')
      .option('--at <date>', 'when it was measured (default: now)')
      .option('--note <text>', 'context for the reading')
      .addHelpText('after', examples('playbook metric record approval-cycle-time 4.5', 'playbook metric record decision-closure-rate 72 --at 2026-11-20 --note "after the review change"'))
      .action(action(async () => (await import('./commands/metric.js')).record));
    metric
      .command('add')
      .description("add a metric of the team's own (the cycle's outcome metric, a segment target) with its baseline and target")
      .argument('<name>', 'what is measured; its id is made from it')
      .requiredOption('--unit <unit>', '%, days, hours, a count, or a scale such as "score (1-5)": it sets which readings are allowed')
      .addOption(new Option('--better <direction>', 'which way is better').choices(['up', 'down'] as const).makeOptionMandatory())
      .requiredOption('--baseline <n>', 'where it stands now')
      .requiredOption('--target <n>', 'where the cycle should take it')
      .addHelpText('after', examples('playbook metric add "Clinics live in 14 days" --unit % --better up --baseline 40 --target 75', 'playbook metric add "Setup calls per clinic" --unit calls --better down --baseline 5 --target 2'))
      .action(action(async () => (await import('./commands/metric-plan.js')).add));
    metric
      .command('set')
      .description("change a metric's baseline or target (the other stays as it is)")
      .argument('<metric>', 'metric id or name')
      .option('--baseline <n>', 'the new baseline')
      .option('--target <n>', 'the new target')
      .addHelpText('after', examples('playbook metric set scope-stability --target 90', 'playbook metric set approval-cycle-time --baseline 9 --target 4'))
      .action(action(async () => (await import('./commands/metric-plan.js')).set));
  },
  checkpoint: (program) => {
    const checkpoint = program.command('checkpoint').description('plan a checkpoint; mark it held or missed');
    checkpoint
      .command('add')
      .description('plan a checkpoint: a review, a go/no-go, a milestone')
      .argument('<title>', 'what happens then')
      .requiredOption('--at <date>', 'the day: 2026-12-11, next friday, +2w')
      .option('--owner <name>', 'who runs it (default: you)')
      .addOption(new Option('--kind <kind>', 'what kind of checkpoint').choices(CHECKPOINT_KINDS).default('milestone' as const))
      .addHelpText('after', examples('playbook checkpoint add "Go/no-go with the clinic leads" --at 2026-12-11 --owner "Priya Raman"', 'playbook checkpoint add "Midpoint review" --at +2w --kind midpoint'))
      .action(action(async () => (await import('./commands/checkpoint.js')).add));
    for (const [verb, what] of [
      ['done', 'mark a checkpoint held'],
      ['missed', 'mark a checkpoint missed'],
    ] as const) {
      checkpoint
        .command(verb)
        .description(what)
        .argument('<id>', 'checkpoint id, e.g. C-2')
        .option('--note <text>', verb === 'done' ? 'what came of it' : 'why, and what happens instead')
        .addHelpText('after', examples(`playbook checkpoint ${verb} C-2 --note "${verb === 'done' ? 'Go for the five signed clinics' : 'Moved: two leads out sick'}"`))
        .action(action(async () => (await import('./commands/checkpoint.js'))[verb]));
    }
  },
  checkpoints: (program) => {
    program
      .command('checkpoints')
      .description("the cycle's checkpoints: planned, held, missed, and those past their day without either")
      .addHelpText('after', examples('playbook checkpoints', 'playbook checkpoints --json'))
      .action(action(async () => (await import('./commands/checkpoint.js')).list));
  },
  evidence: (program) => {
    const evidence = program.command('evidence').description("record evidence against a decision's acceptance criteria");
    evidence
      .command('add')
      .description('record what was checked for a decision, and whether it meets a criterion')
      .argument('<decision>', 'decision id, e.g. D-3')
      .argument('<evidence>', 'what was checked, and what it showed')
      .requiredOption('--criterion <n|text>', "the criterion's number in the decision's list, or its words")
      .requiredOption('--meets <yes|no>', 'whether the evidence meets it')
      .addHelpText('after', examples('playbook evidence add D-3 "Pilot: 41 of 50 clinics finished setup" --criterion 1 --meets yes'))
      .action(action(async () => (await import('./commands/evidence.js')).add));
  },
} satisfies Record<string, (program: Command) => void>;
