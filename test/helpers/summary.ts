// A sandbox holding a fixture ledger, with the clock and zone of the summary tests, for running
// `playbook summary` and `playbook calendar` as a user would.
import { createSandbox, type CliResult, type RunOptions, type Sandbox } from './cli.js';
import { summaryLedger, SUMMARY_NOW, SUMMARY_TZ, type LedgerBuilder } from './summary-ledger.js';

export interface SummarySandbox extends Sandbox {
  ledger: string;
  /** Runs the CLI against the fixture ledger at the summary clock, in Europe/Berlin. */
  run(args: string[], options?: RunOptions): CliResult;
  /** Runs the CLI and fails with its stderr unless it exits 0; returns stdout. */
  ok(args: string[], options?: RunOptions): string;
  /** Writes a template into the user's template directory. */
  userTemplate(file: string, text: string): string;
}

export function summarySandbox(ledger: LedgerBuilder | null = summaryLedger()): SummarySandbox {
  const sandbox = createSandbox('playbook-summary-');
  const path = sandbox.path('ledger.json');
  if (ledger) ledger.write(path);
  const env = { PLAYBOOK_LEDGER: path, PLAYBOOK_NOW: SUMMARY_NOW, PLAYBOOK_TZ: SUMMARY_TZ };
  const run = (args: string[], options: RunOptions = {}) => sandbox.run(args, { ...options, env: { ...env, ...options.env } });
  return {
    ...sandbox,
    ledger: path,
    run,
    ok(args, options) {
      const result = run(args, options);
      if (result.status !== 0) throw new Error(`playbook ${args.join(' ')} exited ${result.status ?? result.signal}:\n${result.stderr}`);
      return result.stdout;
    },
    userTemplate: (file, text) => sandbox.write(`config/playbook/templates/summary/${file}`, text),
  };
}
