// Every failure a user can cause is thrown as a CliError and caught once, in cli.ts,
// which prints its message and exits with its code. Anything else is a bug.
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failure,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad flags, bad arguments, or input that fails validation: exit 2. */
export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, EXIT.usage, hint);
}

/** The command ran and could not do what was asked, or a check failed: exit 1. */
export function failure(message: string, hint?: string): CliError {
  return new CliError(message, EXIT.failure, hint);
}

/**
 * Input that fails where a file says so: the message starts with FILE:LINE:COL (one line per
 * problem) and is printed as it is, as a compiler prints its errors. Exit 2.
 */
export class LocatedError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** The user pressed Ctrl+C at a prompt: exit 130. */
export class InterruptedError extends CliError {
  constructor(message = 'interrupted') {
    super(message, EXIT.interrupted);
  }
}
