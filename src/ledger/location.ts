// Which ledger a command uses, first match wins: --ledger, PLAYBOOK_LEDGER, the nearest
// .playbook/ledger.json from the current directory upward, then the user's data directory.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { dataHome } from '../paths.js';

export interface LedgerLocation {
  path: string;
  source: '--ledger' | 'PLAYBOOK_LEDGER' | 'project' | 'user';
}

export function locateLedger(options: { ledger?: string }, env: NodeJS.ProcessEnv, cwd: string): LedgerLocation {
  if (options.ledger) return { path: resolve(cwd, options.ledger), source: '--ledger' };
  if (env.PLAYBOOK_LEDGER) return { path: resolve(cwd, env.PLAYBOOK_LEDGER), source: 'PLAYBOOK_LEDGER' };
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, '.playbook', 'ledger.json');
    if (existsSync(candidate)) return { path: candidate, source: 'project' };
    if (dirname(dir) === dir) break;
  }
  return { path: join(dataHome(env), 'playbook', 'ledger.json'), source: 'user' };
}

/** Where `playbook init --local` puts the ledger. */
export function localLedgerPath(cwd: string): string {
  return join(resolve(cwd), '.playbook', 'ledger.json');
}
