// Checkpoints after kickoff: plan one, say it was held or missed, list them.
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { dayLabel, dayOf, parseDay } from '../dates.js';
import { CHECKPOINT_KINDS } from '../ledger/constants.js';
import { commit, openLedger, selectCycle } from '../ledger/ledger.js';
import { overdueCheckpoints } from '../ledger/agenda.js';
import { checkpointOrder } from '../ledger/queries.js';
import { nextId, type Checkpoint } from '../ledger/state.js';
import { renderTable, styled } from '../table.js';
import { oneLine } from '../terminal.js';
import { find, owner, printJson, text } from './common.js';

type Kind = (typeof CHECKPOINT_KINDS)[number];

export function add(ctx: Context, [title]: [string], opts: { at?: string; owner?: string; kind?: Kind }): void {
  const t = text(title, 'the checkpoint title');
  if (!opts.at) throw usageError('a checkpoint needs a date: --at DATE', 'e.g. --at 2026-12-11, --at "next friday", --at +2w');
  const date = parseDay(opts.at, ctx.now, ctx.tz, '--at');
  const who = owner(opts.owner ?? ctx.actor);
  const kind = opts.kind ?? 'milestone';
  let id = '';
  commit(ctx, (state) => {
    const cycle = selectCycle(ctx, state);
    const started = dayOf(new Date(cycle.created.at), ctx.tz);
    if (date < started) throw usageError(`--at ${date} is before cycle ${cycle.id} began (${started})`);
    id = nextId(cycle, 'C');
    return [{ type: 'checkpoint.added', data: { id, title: t, kind, date, owner: who } }];
  });
  ctx.print(`${id} planned: ${oneLine(t)} on ${dayLabel(date)} (${kind}, ${oneLine(who)})`);
}

function outcome(status: 'held' | 'missed') {
  return (ctx: Context, [typed]: [string], opts: { note?: string }): void => {
    const note = opts.note === undefined ? undefined : text(opts.note, '--note', 2000);
    let id = '';
    commit(ctx, (state) => {
      const c = find(selectCycle(ctx, state), 'checkpoint', typed);
      id = c.id;
      if (c.status !== 'planned') throw usageError(`${c.id} is already marked ${c.status} (by ${oneLine(c.outcome!.actor)} on ${dayOf(new Date(c.outcome!.at), ctx.tz)})`, `\`playbook log --record ${c.id}\` shows that change; \`playbook undo EVENT\` takes it back`);
      const today = dayOf(ctx.now, ctx.tz);
      if (status === 'missed' && c.date > today) throw usageError(`${c.id} is on ${c.date}; it cannot be missed before then`);
      const data = { id, ...(note !== undefined ? { note } : {}) };
      return [status === 'held' ? { type: 'checkpoint.held', data } : { type: 'checkpoint.missed', data }];
    });
    ctx.print(`${id} ${status}`);
  };
}

export const done = outcome('held');
export const missed = outcome('missed');

/** Planned and overdue: a checkpoint past its date that nobody marked held or missed (agenda.ts). */
function state(c: Checkpoint, today: string): Checkpoint['status'] | 'overdue' {
  return c.status === 'planned' && c.date < today ? 'overdue' : c.status;
}

export function list(ctx: Context): void {
  const { cycle } = openLedger(ctx);
  const today = dayOf(ctx.now, ctx.tz);
  const checkpoints = [...cycle.checkpoints.values()].sort(checkpointOrder);
  if (ctx.json) {
    printJson(ctx, {
      cycle: cycle.id,
      checkpoints: checkpoints.map((c) => ({ id: c.id, title: c.title, kind: c.kind, date: c.date, owner: c.owner, status: state(c, today), note: c.outcomeNote, marked: c.outcome })),
    });
    return;
  }
  if (checkpoints.length === 0) {
    ctx.note(`no checkpoints in ${cycle.id}; plan one with \`playbook checkpoint add TITLE --at DATE\``);
    return;
  }
  const c = ctx.chalk;
  const rows = checkpoints.map((cp) => {
    const s = state(cp, today);
    const shown = s === 'overdue' ? styled(c.red.bold('overdue')) : s === 'held' ? styled(c.green('held')) : s === 'missed' ? styled(c.yellow('missed')) : 'planned';
    return [cp.id, dayLabel(cp.date), cp.title, cp.kind, cp.owner, shown, cp.outcomeNote ?? ''];
  });
  ctx.print(renderTable(ctx, ['id', 'date', 'checkpoint', 'kind', 'owner', 'status', 'note'], rows, { wrap: [0, 0, 30, 0, 0, 0, 30] }));
  const overdue = overdueCheckpoints(cycle, today);
  if (overdue.length) ctx.note(`${overdue.map((cp) => cp.id).join(', ')} passed without being marked: \`playbook checkpoint done ID\` or \`playbook checkpoint missed ID\``);
}
