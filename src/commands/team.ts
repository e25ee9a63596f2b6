import type { Context } from '../context.js';
import { failure } from '../errors.js';
import { ledgerLocation } from '../ledger/ledger.js';
import { layoutOf } from '../ledger/replicas.js';
import { writeTeamFiles } from '../ledger/team.js';
import { existsSync } from 'node:fs';

export function run(ctx: Context): void {
  const { path } = ledgerLocation(ctx);
  if (!existsSync(path)) throw failure(`no ledger at ${path}`, 'start one in this folder with `playbook init <industry> <role> --local`');
  const changed = writeTeamFiles(layoutOf(path, ctx.env).path);
  if (changed.length === 0) ctx.print('the ledger folder is already set up for a team');
  else ctx.print(`wrote ${changed.join(', ')}; commit them with the ledger, and every clone merges without conflicts`);
}
