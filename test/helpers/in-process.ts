// The command tree of src/program.ts run in the test's own process, the way cli.ts runs it: for
// property tests that run thousands of commands, where a process per command would take minutes.
import { vi } from 'vitest';
import { CommanderError } from 'commander';
import { CliError } from '../../src/errors.js';
import { buildProgram } from '../../src/program.js';

/** Runs `playbook ARGS` with `env` set for its duration, output discarded; returns the exit code. Anything but a CliError is a bug and is thrown. */
export async function execInProcess(env: Record<string, string>, args: string[]): Promise<number> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await buildProgram().parseAsync(['node', 'playbook', ...args]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliError) return error.exitCode;
    throw error;
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
