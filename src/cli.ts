// The entry point and the one error boundary: every failure ends here as one line on
// stderr and a documented exit code.
import { CommanderError } from 'commander';
import { CliError, EXIT, LocatedError } from './errors.js';
import { buildProgram } from './program.js';
import { sourceLine } from './source-line.js';
import { neutralize } from './terminal.js';
import { writeErr } from './output.js';

function report(error: unknown, write: (text: string) => void): number {
  if (error instanceof CommanderError) {
    // --help and --version exit 0; help shown because a command was missing is a usage error.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof CliError) {
    // Messages often quote what the user typed: print it, never obey it.
    write(`${error instanceof LocatedError ? '' : 'playbook: '}${neutralize(error.message)}\n`);
    if (error.hint) write(`hint: ${neutralize(error.hint)}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  const where = error instanceof Error ? sourceLine(error) : undefined;
  write(`playbook: unexpected error: ${neutralize(message)}${where ? ` (at ${where})` : ''}\n`);
  if (process.env.PLAYBOOK_DEBUG && error instanceof Error) write(`${error.stack}\n`);
  return EXIT.failure;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram(argv).parseAsync(argv);
  } catch (error) {
    process.exitCode = report(error, writeErr);
  }
}

void main();
