import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Context } from '../context.js';
import { CliError, failure } from '../errors.js';
import { ledgerLocation, validateLedger } from '../ledger/ledger.js';
import { backupPath, ledgerText, lockPath, NOT_A_FILE, readLedgerFile, restoreBackup } from '../ledger/store.js';
import { oneLine } from '../terminal.js';
import { printJson } from './common.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** What is wrong with a ledger file, if anything. `newer`: written by a newer playbook, which is not damage. */
function inspect(file: string): { ok: boolean; detail: string; events?: number; newer?: boolean } {
  let bytes: Buffer;
  try {
    ({ bytes } = readLedgerFile(file));
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return { ok: false, detail: `cannot read it (${code === NOT_A_FILE ? message : (code ?? String(error))})` };
  }
  let text: string;
  try {
    text = ledgerText(bytes);
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // The parser's message quotes the file: it is printed with its control characters made visible.
    return { ok: false, detail: `not valid JSON (${(error as Error).message}); ${bytes.length} bytes, ${bytes.at(-1) === 0x0a ? 'ends with a newline' : 'does not end with a newline, so it may be cut short'}` };
  }
  try {
    const ledger = validateLedger(data);
    const cycles = new Set(ledger.events.map((e) => e.cycle).filter(Boolean)).size;
    return { ok: true, detail: `${ledger.events.length} events, ${cycles} cycle${cycles === 1 ? '' : 's'}`, events: ledger.events.length };
  } catch (error) {
    if (error instanceof CliError) return { ok: false, newer: true, detail: error.message };
    return { ok: false, detail: `does not validate: ${(error as Error).message}` };
  }
}

export function run(ctx: Context, _args: [], opts: { restore?: boolean }): void {
  const { path, source } = ledgerLocation(ctx);
  if (!existsSync(path) && !existsSync(backupPath(path))) {
    throw failure(`no ledger at ${path}`, 'start a cycle with `playbook init <industry> <role>`');
  }
  const ledger = existsSync(path) ? inspect(path) : { ok: false, detail: 'missing' };
  if (opts.restore) {
    if (ledger.ok) throw failure(`${path} is healthy (${ledger.detail}); nothing to restore`);
    // A ledger from a newer playbook is not damaged: putting an older generation over it would lose its changes.
    if ('newer' in ledger && ledger.newer) throw failure(`${path} is not damaged: ${ledger.detail}`, 'upgrade playbook instead of restoring an older copy');
    const { kept } = restoreBackup(path, validateLedger, ctx.now.toISOString().replace(/[:.]/g, '-'));
    ctx.print(`restored ${path} from ${backupPath(path)} (${inspect(path).detail})`);
    if (kept) ctx.note(`the damaged ledger is kept as ${kept}`);
    return;
  }
  const checks: Check[] = [{ name: 'ledger', ok: ledger.ok, detail: `${path} (${source}): ${ledger.detail}` }];
  // Only a file has permissions worth judging: anything else at the path is already reported above.
  const stat = existsSync(path) ? statSync(path) : undefined;
  if (stat?.isFile()) {
    const mode = stat.mode & 0o777;
    checks.push({ name: 'permissions', ok: (mode & 0o077) === 0, detail: `mode ${mode.toString(8).padStart(4, '0')}${mode & 0o077 ? ' (others can read it; the next write makes it 0600)' : ''}` });
  }
  const bak = backupPath(path);
  const backup = existsSync(bak) ? inspect(bak) : undefined;
  checks.push({ name: 'backup', ok: backup ? backup.ok : true, detail: backup ? `${bak}: ${backup.detail}` : 'none yet (it appears after the second change)' });
  const lock = lockPath(path);
  if (existsSync(lock)) {
    let holder = 'unreadable';
    try {
      const h = JSON.parse(readFileSync(lock, 'utf8')) as { pid?: number; host?: string; at?: string };
      holder = `pid ${h.pid} on ${h.host} since ${h.at}`;
    } catch {
      /* shown as unreadable */
    }
    checks.push({ name: 'lock', ok: true, detail: `${lock} is held: ${oneLine(holder)} (a command is running, or one died and the next command takes the lock over)` });
  }
  const prefix = `${basename(path)}.`;
  const strays = readdirSync(dirname(path)).filter((f) => f.startsWith(prefix) && f.endsWith('.tmp'));
  if (strays.length) checks.push({ name: 'temporary files', ok: true, detail: `${strays.length} left by interrupted writes (safe to delete): ${strays.map((f) => join(dirname(path), f)).join(', ')}` });
  const healthy = checks.every((c) => c.ok);
  if (ctx.json) printJson(ctx, { ledger: path, healthy, checks });
  else {
    for (const c of checks) ctx.print(`${c.ok ? ctx.chalk.green('ok  ') : ctx.chalk.red('FAIL')} ${c.name}: ${oneLine(c.detail)}`);
  }
  if (!healthy) {
    const newer = 'newer' in ledger && ledger.newer;
    const hint = newer
      ? 'upgrade playbook to read it'
      : !ledger.ok && backup?.ok
        ? 'run `playbook doctor --restore` to bring back the backup (the damaged file is kept beside it)'
        : undefined;
    throw failure('the ledger needs attention', hint);
  }
}
