// The entry point and the one error boundary: every failure ends here as one line on
// stderr and a documented exit code.
import { CommanderError } from 'commander';
import { CliError, EXIT } from './errors.js';
import { buildProgram } from './program.js';
import { neutralize } from './terminal.js';

function report(error: unknown, stderr: NodeJS.WriteStream): number {
  if (error instanceof CommanderError) {
    // --help and --version exit 0; help shown because a command was missing is a usage error.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof CliError) {
    // Messages often quote what the user typed: print it, never obey it.
    stderr.write(`playbook: ${neutralize(error.message)}\n`);
    if (error.hint) stderr.write(`hint: ${neutralize(error.hint)}\n`);
    return error.exitCode;
  }
  if (error instanceof Error && 'file' in error && 'problems' in error) {
    stderr.write(`${neutralize(error.message)}\n`);
    return EXIT.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`playbook: unexpected error: ${neutralize(message)}\n`);
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

void main();
