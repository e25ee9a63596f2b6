// The command tree. Each command's code is imported only when it runs, so `playbook blockers`
// never pays for the YAML parser or the prompt library. This file is also the one error boundary.
import { Command, CommanderError, Option } from 'commander';
import { createContext, type Context, type GlobalOptions } from './context.js';
import { CliError, EXIT } from './errors.js';

type Loader = () => Promise<{ run: (ctx: Context, args: any, opts: any) => Promise<void> | void }>;

const VERSION = '0.1.0';

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/** Wires a command to its lazily loaded module. */
function action(load: Loader) {
  return async (...received: unknown[]) => {
    const command = received[received.length - 1] as Command;
    const args = received.slice(0, -2);
    const globals = command.optsWithGlobals<GlobalOptions>();
    const ctx = createContext(globals, commandPath(command));
    const mod = await load();
    await mod.run(ctx, args, command.opts());
  };
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

export function buildProgram(): Command {
  const program = new Command('playbook')
    .description('Run launch-cycle playbooks: a six-step decision session, a ledger of decisions, blockers, risks and metrics, and weekly summaries.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--ledger <path>', 'the ledger file (env PLAYBOOK_LEDGER)')
    .option('--cycle <id>', 'the cycle to work on instead of the current one')
    .option('--as <name>', 'who is acting, for the audit trail (env PLAYBOOK_ACTOR, else the OS user)')
    .option('--json', 'machine-readable output on commands that list or show')
    .addOption(new Option('--color [when]', 'colour: always, never or auto').choices(['always', 'never', 'auto']))
    .option('--no-color', 'no colour (also NO_COLOR=1 or TERM=dumb)')
    .option('--no-input', 'never prompt; fail when an answer is missing')
    .option('--tz <zone>', 'time zone for dates and weeks (env PLAYBOOK_TZ, else the system zone)')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run the command with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      examples('playbook list', 'playbook show healthcare pm', 'playbook validate', 'playbook new fintech risk-officer') +
        '\nExit codes: 0 ok, 1 failure or failed check, 2 bad usage or invalid input, 130 interrupted.\n',
    );

  program
    .command('list')
    .description('list the playbooks: built-in and your own')
    .addHelpText('after', examples('playbook list', 'playbook list --json'))
    .action(action(() => import('./commands/list.js')));

  program
    .command('show')
    .description("show a playbook's steps, questions, checklist, metrics, risks and triggers")
    .argument('<industry>', 'industry, e.g. healthcare')
    .argument('<role>', 'role or alias, e.g. pm')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'markdown']).default('text'))
    .addHelpText('after', examples('playbook show healthcare pm', 'playbook show healthcare cs --format markdown > cs.md', 'playbook show healthcare ops --json'))
    .action(action(() => import('./commands/show.js')));

  program
    .command('validate')
    .description('check playbook files; with no file, the whole catalog')
    .argument('[file...]', 'playbook YAML files')
    .addHelpText('after', examples('playbook validate', 'playbook validate ~/.config/playbook/playbooks/fintech/risk-officer.yaml'))
    .action(action(() => import('./commands/validate.js')));

  program
    .command('schema')
    .description('print the JSON Schema (draft-07) of the playbook format')
    .addHelpText('after', examples('playbook schema > playbook.schema.json'))
    .action(action(() => import('./commands/schema.js')));

  program
    .command('new')
    .description('scaffold a new playbook in your playbook directory')
    .argument('<industry>', 'industry, e.g. fintech')
    .argument('<role>', 'role, e.g. risk-officer')
    .option('--dir <dir>', 'write into this playbook directory instead of ~/.config/playbook/playbooks')
    .addHelpText('after', examples('playbook new fintech risk-officer', 'playbook new healthcare nurse-lead --dir ./playbooks'))
    .action(action(() => import('./commands/new.js')));

  return program;
}

function report(error: unknown, stderr: NodeJS.WriteStream): number {
  if (error instanceof CommanderError) {
    if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)) return EXIT.ok;
    return EXIT.usage;
  }
  if (error instanceof CliError) {
    stderr.write(`playbook: ${error.message}\n`);
    if (error.hint) stderr.write(`hint: ${error.hint}\n`);
    return error.exitCode;
  }
  if (error instanceof Error && 'file' in error && 'problems' in error) {
    stderr.write(`${error.message}\n`);
    return EXIT.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`playbook: unexpected error: ${message}\n`);
  if (process.env.PLAYBOOK_DEBUG && error instanceof Error) stderr.write(`${error.stack}\n`);
  return EXIT.failure;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  // `playbook log | head -1`: a reader that goes away is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.ok);
    throw error;
  });
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.exitCode = report(error, process.stderr);
  }
}

await main();
