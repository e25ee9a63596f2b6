// The table of commands: each command's arguments, options, help and examples, and the function
// that runs it, imported only when it runs (program.ts builds the tree from it).
import { Argument, Command, Option } from '@commander-js/extra-typings';
import { action, examples } from './command-action.js';
import { RECORD_COMMANDS } from './command-table-records.js';

export { examples };

/** The top-level commands in the order help lists them, each added to the program by its own function. */
export const COMMANDS: Record<string, (program: Command) => void> = {
  list: (program) => {
    program
      .command('list')
      .description('list the playbooks: built-in and your own')
      .addHelpText('after', examples('playbook list', 'playbook list --json'))
      .action(action(async () => (await import('./commands/list.js')).run));
  },
  show: (program) => {
    program
      .command('show')
      .description("show a playbook's steps, questions, checklist, metrics, risks and triggers")
      .argument('<industry>', 'industry, e.g. healthcare')
      .argument('<role>', 'role or alias, e.g. pm')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'markdown']).default('text'))
      .addHelpText('after', examples('playbook show healthcare pm', 'playbook show healthcare cs --format markdown > cs.md', 'playbook show healthcare ops --json'))
      .action(action(async () => (await import('./commands/show.js')).run));
  },
  validate: (program) => {
    program
      .command('validate')
      .description('check playbook files; with no file, the whole catalog')
      .argument('[file...]', 'playbook YAML files')
      .addHelpText('after', examples('playbook validate', 'playbook validate ~/.config/playbook/playbooks/fintech/risk-officer.yaml'))
      .action(action(async () => (await import('./commands/validate.js')).run));
  },
  schema: (program) => {
    program
      .command('schema')
      .description('print the JSON Schema (draft-07) of the playbook format')
      .addHelpText('after', examples('playbook schema > playbook.schema.json'))
      .action(action(async () => (await import('./commands/schema.js')).run));
  },
  new: (program) => {
    program
      .command('new')
      .description('scaffold a new playbook in your playbook directory')
      .argument('<industry>', 'industry, e.g. fintech')
      .argument('<role>', 'role, e.g. risk-officer')
      .option('--dir <dir>', 'write into this playbook directory instead of ~/.config/playbook/playbooks')
      .addHelpText('after', examples('playbook new fintech risk-officer', 'playbook new healthcare nurse-lead --dir ./playbooks'))
      .action(action(async () => (await import('./commands/new.js')).run));
  },
  init: (program) => {
    program
      .command('init')
      .description('start a cycle from a playbook and walk through its six steps')
      .argument('<industry>', 'industry, e.g. healthcare')
      .argument('<role>', 'role or alias, e.g. pm')
      .option('--local', 'keep the ledger in ./.playbook/ledger.json (for a team repository)')
      .option('--answers <file>', 'answer questions from a YAML or JSON file keyed by step and question id')
      .option('--answers-template', 'print an answers file filled with the playbook\'s example answers')
      .option('--dry-run', 'show what the session would record, and write nothing')
      .option('--no-session', 'only create the cycle; `playbook resume` walks the steps later')
      .option('--new', "start a new cycle even when the current cycle's session is unfinished")
      .addHelpText(
        'after',
        examples(
          'playbook init healthcare pm',
          'playbook init healthcare cs --cycle "Clinic onboarding Q1" --local',
          'playbook init healthcare pm --answers-template > kickoff.yaml',
          'playbook init healthcare pm --answers kickoff.yaml',
        ) + '\nThe --cycle flag names the new cycle.\n',
      )
      .action(action(async () => (await import('./commands/init.js')).run));
  },
  resume: (program) => {
    program
      .command('resume')
      .description('continue the six-step session of the current cycle where it stopped')
      .option('--answers <file>', 'answer questions from a YAML or JSON file')
      .addHelpText('after', examples('playbook resume', 'playbook resume --answers rest.yaml'))
      .action(action(async () => (await import('./commands/resume.js')).run));
  },
  gate: (program) => {
    program
      .command('gate')
      .description("check a step's gate: exit 0 when it holds, 1 with the reasons when it does not")
      .argument('[step]', 'scope, risk, ownership, evidence, build-scope or post-release (default: the current step)')
      .addHelpText('after', examples('playbook gate', 'playbook gate ownership', 'playbook gate evidence --json'))
      .action(action(async () => (await import('./commands/gate.js')).run));
  },
  status: (program) => {
    program
      .command('status')
      .description('the current cycle: session step, counts, what is breached, what falls due next')
      .addHelpText('after', examples('playbook status', 'playbook status --json'))
      .action(action(async () => (await import('./commands/status.js')).run));
  },
  decision: RECORD_COMMANDS.decision,
  decisions: (program) => {
    program
      .command('decisions')
      .description('list decisions (open by default)')
      .option('--open', 'open decisions (default)')
      .option('--closed', 'closed decisions')
      .option('--all', 'every decision')
      .option('--owner <name>', 'only this owner\'s')
      .addHelpText('after', examples('playbook decisions', 'playbook decisions --all --owner "Priya Raman"', 'playbook decisions --json'))
      .action(action(async () => (await import('./commands/decisions.js')).run));
  },
  blocker: RECORD_COMMANDS.blocker,
  blockers: (program) => {
    program
      .command('blockers')
      .description('active blockers, breached first, with owner, age, due and fallback')
      .option('--owner <name>', "only this owner's")
      .option('--breached', 'only breached blockers')
      .option('--all', 'include resolved blockers')
      .option('--check', 'exit 1 when any blocker is breached (for cron and CI)')
      .addHelpText('after', examples('playbook blockers', 'playbook blockers --breached --owner "Sam Lee"', 'playbook blockers --check || notify-team'))
      .action(action(async () => (await import('./commands/blockers.js')).run));
  },
  risk: RECORD_COMMANDS.risk,
  risks: (program) => {
    program
      .command('risks')
      .description('open risks, highest impact first')
      .option('--all', 'include closed risks')
      .addHelpText('after', examples('playbook risks', 'playbook risks --all --json'))
      .action(action(async () => (await import('./commands/risks.js')).run));
  },
  metric: RECORD_COMMANDS.metric,
  metrics: (program) => {
    program
      .command('metrics')
      .description('each metric: latest reading, baseline, target, direction and a 6-week trend')
      .addHelpText('after', examples('playbook metrics', 'playbook metrics --json'))
      .action(action(async () => (await import('./commands/metrics.js')).run));
  },  checkpoint: RECORD_COMMANDS.checkpoint,
  checkpoints: RECORD_COMMANDS.checkpoints,
  evidence: RECORD_COMMANDS.evidence,

  checklist: (program) => {
    const checklist = program
      .command('checklist')
      .description("the cycle's implementation checklist")
      .addHelpText('after', examples('playbook checklist', 'playbook checklist done kickoff-scope-alignment', 'playbook checklist done 3'))
      .action(action(async () => (await import('./commands/checklist.js')).show));
    checklist
      .command('done')
      .description('tick a checklist item by id or number')
      .argument('<id>', 'item id or its number in `playbook checklist`')
      .action(action(async () => (await import('./commands/checklist.js')).done));
  },
  log: (program) => {
    program
      .command('log')
      .description('the audit trail: every change, who made it and when')
      .option('--since <date>', 'only changes from this date on')
      .option('--actor <name>', 'only changes by this person')
      .option('--record <id>', 'only changes to this record, e.g. D-3')
      .addHelpText('after', examples('playbook log --since "-7d"', 'playbook log --record B-2', 'playbook log | head -20'))
      .action(action(async () => (await import('./commands/log.js')).run));
  },
  undo: (program) => {
    program
      .command('undo')
      .description("undo this clone's last change in the cycle (it is shown first); repeat to go further back")
      .argument('[event]', 'a change by its event id from `playbook log` (a teammate\'s, or an older one of yours)')
      .option('--force', 'undo it even though later changes build on it')
      .option('--dry-run', 'only show what would be undone')
      .addHelpText('after', examples('playbook undo --dry-run', 'playbook undo', 'playbook undo 7k2m9xq4'))
      .action(action(async () => (await import('./commands/undo.js')).run));
  },
  cycles: (program) => {
    program
      .command('cycles')
      .description('the cycles in the ledger; * marks the current one')
      .addHelpText('after', examples('playbook cycles', 'playbook cycles --json'))
      .action(action(async () => (await import('./commands/cycles.js')).list));
  },
  use: (program) => {
    program
      .command('use')
      .description('make another cycle the current one')
      .argument('<cycle>', 'cycle id, from `playbook cycles`')
      .addHelpText('after', examples('playbook use pm-2026-11-23'))
      .action(action(async () => (await import('./commands/cycles.js')).use));
  },
  review: (program) => {
    program
      .command('review')
      .description('the weekly review: blockers breached or due, a reading per metric, checklist, decisions; then the summary')
      .option('--answers <file>', 'answers from a YAML or JSON file (blockers, metrics, checklist, decisions)')
      .option('--no-summary', 'do not print the week\'s summary at the end')
      .addHelpText('after', examples('playbook review', 'playbook review --answers friday.yaml --no-summary'))
      .action(action(async () => (await import('./commands/review.js')).run));
  },
  summary: (program) => {
    program
      .command('summary')
      .description("the week's summary of the cycle: for the terminal, Markdown, Slack, email, HTML or JSON")
      .option('--week <week>', 'the ISO week, e.g. 2026-W47, or this, last, next (default: this week in --tz)')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'markdown', 'slack', 'email', 'json', 'html']).default('text'))
      .option('--template <name>', 'weekly, executive, release-brief, or one of your own', 'weekly')
      .option('--to <addresses>', 'email recipients (env PLAYBOOK_EMAIL_TO); with --format email')
      .option('--from <address>', 'email sender (env PLAYBOOK_EMAIL_FROM, else playbook@<hostname>); with --format email')
      .option('--subject <text>', "email subject (default: the template's); with --format email")
      .addHelpText(
        'after',
        examples(
          'playbook summary',
          'playbook summary --week 2026-W47 --template executive',
          'playbook summary --format markdown > week.md',
          'playbook summary --format slack | curl -sS -H \'Content-type: application/json\' --data @- "$SLACK_WEBHOOK_URL"',
          'playbook summary --format email --to team@example.org | sendmail -t',
          'playbook summary --format html --template release-brief > brief.html',
        ) +
          '\nTemplates: templates/summary/<name>.<text|markdown|html|subject>.liquid; a file of the same name in\n' +
          '$XDG_CONFIG_HOME/playbook/templates/summary/ (default ~/.config/...) overrides the built-in one.\n',
      )
      .action(action(async () => (await import('./commands/summary.js')).run));
  },
  calendar: (program) => {
    program
      .command('calendar')
      .description("the cycle's decision due dates, checkpoints and blocker deadlines as an iCalendar file")
      .addHelpText('after', examples('playbook calendar > cycle.ics', 'playbook calendar --cycle pm-2026-11-23 > pm.ics'))
      .action(action(async () => (await import('./commands/calendar.js')).run));
  },
  team: (program) => {
    program
      .command('team')
      .description('set up the ledger folder for a team on git: events merge by lines, machine files stay out')
      .addHelpText('after', examples('playbook team && git add .playbook && git commit -m "Share the launch ledger"'))
      .action(action(async () => (await import('./commands/team.js')).run));
  },
  import: (program) => {
    program
      .command('import')
      .description('bring in another ledger: a version-1 file, a conflicted copy, or both sides of an old git conflict')
      .argument('<file>', 'the ledger file to bring in')
      .addHelpText('after', examples('playbook import "ledger (conflicted copy).json"', 'playbook import .playbook/ledger.json  # both sides of an old git conflict'))
      .action(action(async () => (await import('./commands/import.js')).run));
  },
  doctor: (program) => {
    program
      .command('doctor')
      .description('check every file of the ledger and say what to do; --restore puts back a damaged ledger file')
      .option('--restore', 'put back a damaged ledger file (events are never restored over: git or a teammate holds them)')
      .addHelpText('after', examples('playbook doctor', 'playbook doctor --restore'))
      .action(action(async () => (await import('./commands/doctor.js')).run));
  },
  completion: (program) => {
    program
      .command('completion')
      .description('print a shell completion script')
      .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
      .addHelpText('after', examples('playbook completion bash >> ~/.bashrc', 'playbook completion zsh > "${fpath[1]}/_playbook"', 'playbook completion fish > ~/.config/fish/completions/playbook.fish'))
      .action(action(async () => (await import('./commands/completion.js')).run));
  },
};
