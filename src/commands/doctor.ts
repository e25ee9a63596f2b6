import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Context } from '../context.js';
import { failure } from '../errors.js';
import { convertV1 } from '../ledger/convert.js';
import { checkedNotes, ledgerLocation } from '../ledger/ledger.js';
import { inspectMode, inspectPointer, inspectReplicas, inspectTeamFiles, localFiles, type Finding } from '../ledger/inspect.js';
import { layoutOf, POINTER, readLocal, replicaFiles } from '../ledger/replicas.js';
import { backupPath, restoreBackup, writeAtomic } from '../ledger/store.js';
import { inspectLock, lockPath } from '../ledger/lock.js';
import { join } from 'node:path';
import { oneLine } from '../terminal.js';
import { printJson } from './common.js';

export function run(ctx: Context, _args: [], opts: { restore?: boolean }): void {
  const { path, source } = ledgerLocation(ctx);
  const layout = layoutOf(path, ctx.env);
  const hasEvents = replicaFiles(layout).length > 0;
  if (!existsSync(path) && !existsSync(backupPath(path)) && !hasEvents) {
    throw failure(`no ledger at ${path}`, 'start a cycle with `playbook init <industry> <role>`');
  }
  const pointer = existsSync(path) ? inspectPointer(layout) : { name: 'ledger', ok: false, detail: `${path}: missing`, fix: hasEvents ? `write ${POINTER.trim()} into it (\`playbook doctor --restore\`): the events are beside it` : undefined };
  if (opts.restore) return restore(ctx, path, layout, pointer, hasEvents);
  const findings: Finding[] = [{ ...pointer, detail: `${pointer.detail} (${source})` }];
  const replicas = inspectReplicas(layout);
  findings.push(...replicas.findings);
  const team = inspectTeamFiles(layout);
  if (team) findings.push(team);
  const mode = inspectMode(path);
  if (mode) findings.push(mode);
  const local = readLocal(layout);
  findings.push({ name: 'this clone', ok: true, detail: local.replica ? `replica ${local.replica}${replicas.replicas.has(local.replica) ? '' : ' (nothing written yet)'}; its own files are in ${layout.local}` : `no change written from here yet; its own files will be in ${layout.local}` });
  const lock = inspectLock(join(layout.local, 'ledger'));
  const lockFile = lockPath(join(layout.local, 'ledger'));
  if (lock.state === 'held') findings.push({ name: 'lock', ok: true, detail: `${lockFile} is held by ${oneLine(lock.holder)} (a command is running, or one died and the next command takes the lock over)` });
  if (lock.state === 'bad') findings.push({ name: 'lock', ok: false, detail: `${lockFile}: ${lock.detail}`, fix: `remove ${lockFile}: only playbook's own lock file belongs there` });
  const healthy = findings.every((f) => f.ok);
  if (ctx.json) {
    const files = [path, ...replicaFiles(layout).map((name) => join(layout.events, name)), ...localFiles(layout), checkedNotes(ctx.env)];
    printJson(ctx, { ledger: path, healthy, checks: findings, files: files.filter((f) => existsSync(f)) });
  } else {
    for (const f of findings) {
      ctx.print(`${f.ok ? ctx.chalk.green('ok  ') : ctx.chalk.red('FAIL')} ${f.name}: ${oneLine(f.detail)}`);
      if (!f.ok && f.fix) ctx.print(`     ${ctx.chalk.dim('→')} ${oneLine(f.fix)}`);
    }
  }
  if (!healthy) {
    const first = findings.find((f) => !f.ok && f.fix);
    throw failure('the ledger needs attention', first?.fix);
  }
}

/**
 * Puts back what can be put back without losing anyone's work: the ledger file of a version-2
 * ledger (it only says where the events are), or a version-1 file's backup from before the team
 * format. Events are never restored over: a teammate's clone or git holds every line.
 */
function restore(ctx: Context, path: string, layout: ReturnType<typeof layoutOf>, pointer: Finding & { newer?: boolean }, hasEvents: boolean): void {
  if (pointer.ok) throw failure(`${path} is healthy (${pointer.detail}); nothing to restore`, 'a damaged events file is restored from git (`git checkout -- <file>`) or a teammate\'s copy');
  if (pointer.newer) throw failure(`${path} is not damaged: ${pointer.detail}`, 'upgrade playbook instead of restoring an older copy');
  if (hasEvents) {
    writeAtomic(path, POINTER, false);
    ctx.print(`restored ${path}: it points to the events in ${dirname(layout.events)}`);
    return;
  }
  const { kept } = restoreBackup(path, (data) => convertV1(data), ctx.now.toISOString().replace(/[:.]/g, '-'));
  ctx.print(`restored ${path} from ${backupPath(path)}`);
  if (kept) ctx.note(`the damaged ledger is kept as ${kept}`);
}
