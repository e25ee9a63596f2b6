import type { Context } from '../context.js';
import { failure, usageError } from '../errors.js';
import { stamp } from '../dates.js';
import { shortEventId } from '../ledger/clock.js';
import { describeEvent } from '../ledger/describe.js';
import type { LedgerEvent } from '../ledger/events.js';
import { commit, selectCycle } from '../ledger/ledger.js';
import type { LedgerState } from '../ledger/state.js';
import { oneLine } from '../terminal.js';

interface UndoOptions {
  dryRun?: boolean;
  force?: boolean;
}

/**
 * The change to undo: the one named, else this clone's newest change in the cycle. A teammate's
 * change is undone only when named, and no change is undone while later ones build on it, unless
 * forced: undo never takes away another person's work unasked.
 */
export function pick(ctx: Pick<Context, 'options'>, state: LedgerState, events: readonly LedgerEvent[], replica: string | undefined, typed: string | undefined, force: boolean): LedgerEvent {
  const undone = new Set<string>();
  for (const e of events) if (e.type === 'undo') undone.add(e.data.target);
  const live = (e: LedgerEvent) => e.type !== 'undo' && !undone.has(e.id);
  let target: LedgerEvent | undefined;
  if (typed === undefined) {
    const cycle = selectCycle(ctx, state);
    target = events.findLast((e) => live(e) && e.replica === replica && e.cycle === cycle.key);
    if (!target) throw failure(`nothing of this clone's to undo in cycle ${cycle.id}`, "a teammate's change is undone by naming it: `playbook undo EVENT` with its id from `playbook log`");
  } else {
    const want = typed.trim().toLowerCase();
    if (!/^[0-9a-z]{4,26}$/.test(want)) throw usageError(`"${typed}" is not an event id (like 7k2m9xq4, from \`playbook log\`)`);
    const matches = events.filter((e) => e.id.toLowerCase() === want || shortEventId(e.id).startsWith(want));
    if (matches.length === 0) throw usageError(`no event ${want} in the ledger`, 'event ids are shown by `playbook log`');
    if (matches.length > 1) throw usageError(`event ${want} is ambiguous: ${matches.map((e) => `${shortEventId(e.id)} (${e.id})`).join(', ')}`, 'type more of its id');
    target = matches[0]!;
    if (target.type === 'undo') throw usageError(`event ${shortEventId(target.id)} is an undo; it cannot be undone`);
    if (undone.has(target.id)) throw failure(`event ${shortEventId(target.id)} is already undone`);
  }
  if (!force) {
    const subject = target.rec ?? target.id;
    // A metric the team added is named by its id in the readings, plans and build scope that use it.
    const metric = target.type === 'metric.added' ? target.data.metric : undefined;
    const usesMetric = (e: LedgerEvent) => metric !== undefined && e.cycle === target.cycle && (e.data as { metric?: unknown }).metric === metric;
    const later = events.filter((e) => e.id > target.id && live(e) && (e.rec === subject || e.link === subject || usesMetric(e) || (target.type === 'cycle.created' && e.cycle === target.id)));
    if (later.length > 0) {
      const first = later[0]!;
      throw failure(
        `${later.length} later change${later.length === 1 ? ' builds' : 's build'} on event ${shortEventId(target.id)}, first ${shortEventId(first.id)} by ${oneLine(first.actor)}: ${oneLine(describeEvent(first, 'UTC'))}`,
        'undo those first, or add --force to undo this one anyway',
      );
    }
  }
  return target;
}

export function run(ctx: Context, [typed]: [string | undefined], opts: UndoOptions): void {
  const line = (e: LedgerEvent) => `${shortEventId(e.id)} ${stamp(new Date(e.at), ctx.tz)} ${oneLine(e.actor)}: ${oneLine(describeEvent(e, ctx.tz))}`;
  let undone = '';
  // A dry run is the undo rehearsed (commit's dryRun): the same reading, the same answer, nothing written.
  commit(
    ctx,
    (state, events, local) => {
      // This clone's own last change is among the cycle's events; a named one may be anywhere.
      const target = pick(ctx, state, typed === undefined ? events.cycle : events.all(), local.replica, typed, opts.force === true);
      undone = line(target);
      return [{ type: 'undo', cycle: target.cycle, data: { target: target.id } }];
    },
    { dryRun: opts.dryRun === true },
  );
  ctx.print(`${opts.dryRun ? 'would undo' : 'undid'} ${undone}`);
}
