// The command tree. Each command's code is imported only when it runs, so `playbook blockers`
// never pays for the YAML parser or the prompt library. The commands themselves are in
// command-table.ts.
import { Command, Option } from '@commander-js/extra-typings';
import { COMMANDS, examples } from './command-table.js';
import { neutralize } from './terminal.js';
import { writeErr, writeOut } from './output.js';

export const VERSION = '0.1.0';

function root(): Command {
  return new Command('playbook')
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
    .configureOutput({ writeOut, writeErr, outputError: (text, write) => write(neutralize(text)) })
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run the command with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      examples('playbook list', 'playbook show healthcare pm', 'playbook validate', 'playbook new fintech risk-officer') +
        '\nExit codes: 0 ok, 1 failure or failed check, 2 bad usage or invalid input, 130 interrupted.\n',
    );
}

/** Global options that take the next word as their value; `--color` takes it when it is not an option. */
const VALUE_OPTIONS = new Set(['--ledger', '--cycle', '--as', '--tz']);
const FLAG_OPTIONS = new Set(['--json', '--no-color', '--no-input']);

/**
 * The top-level command the words name, when it is one of ours: the first word that is neither a
 * global option nor an option's value. Anything else (`help`, a typo, no command, or an option
 * the top level does not know, such as `--help`, before the command) is undefined.
 */
export function invokedCommand(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const word = argv[i]!;
    if (!word.startsWith('-')) return Object.hasOwn(COMMANDS, word) ? word : undefined;
    const name = word.split('=', 1)[0]!;
    if (VALUE_OPTIONS.has(word) || (word === '--color' && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-'))) i += 1;
    else if (!VALUE_OPTIONS.has(name) && !FLAG_OPTIONS.has(word) && name !== '--color') return undefined;
  }
  return undefined;
}

/**
 * The command tree. Given the words of a run, only the command they name is added: building all
 * of them, with their options and help texts, is start-up time a run spends for nothing. Help,
 * suggestions for a typo and shell completion get the whole tree.
 */
export function buildProgram(argv?: readonly string[]): Command {
  const program = root();
  const only = argv ? invokedCommand(argv) : undefined;
  for (const [name, add] of Object.entries(COMMANDS)) if (only === undefined || name === only) add(program);
  return program;
}
