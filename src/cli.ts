// The entry point and the one error boundary: every failure ends here as one line on
// stderr and a documented exit code.
import { CommanderError } from 'commander';
import { CliError, EXIT } from './errors.js';
import { buildProgram } from './program.js';

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
