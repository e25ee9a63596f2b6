import type { Context } from '../context.js';
import { parseWhen, stamp } from '../dates.js';
import { shortEventId } from '../ledger/clock.js';
import { describeEvent } from '../ledger/describe.js';
import { openLedger, type OpenLedger } from '../ledger/ledger.js';
import type { LedgerEvent } from '../ledger/events.js';
import type { Cycle } from '../ledger/state.js';
import { conflictsOf } from '../ledger/queries.js';
import { oneLine } from '../terminal.js';
import { find, printJson } from './common.js';

type Named = { id: string };
type Conflict = { cycle: string; record: string; note: string };

export function run(ctx: Context, _args: [], opts: { since?: string; actor?: string; record?: string }): void {
  const since = opts.since ? parseWhen(opts.since, ctx.now, ctx.tz, '--since', false).getTime() : -Infinity;
  const ledger = openLedger(ctx);
  const { events, names, conflicts, record } = scope(ledger, ctx.options.cycle !== undefined, opts.record);
  const undone = new Map<string, string>();
  for (const e of events) if (e.type === 'undo') undone.set(e.data.target, e.id);
  const actor = opts.actor?.toLowerCase();
  const shown =
    since === -Infinity && !actor && !record
      ? events
      : events.filter(
          (e) =>
            (since === -Infinity || Date.parse(e.at) >= since) &&
            (!actor || e.actor.toLowerCase() === actor) &&
            (!record || e.id === record || e.rec === record || e.link === record),
        );
  if (ctx.json) {
    return printJson(ctx, {
      events: shown.map((e) => ({ ...e, event: shortEventId(e.id), record: names.get(e.rec ?? e.id)?.id ?? null, undoneBy: undone.has(e.id) ? undone.get(e.id)! : null })),
      conflicts,
    });
  }
  const line = (e: LedgerEvent) => {
    const text = `${ctx.chalk.dim(shortEventId(e.id))} ${stamp(new Date(e.at), ctx.tz)} ${ctx.chalk.cyan(oneLine(e.actor))} ${ctx.chalk.dim(`[${e.command}]`)} ${oneLine(describeEvent(e, ctx.tz, names))}`;
    return undone.has(e.id) ? `${text} ${ctx.chalk.yellow(`(undone by ${shortEventId(undone.get(e.id)!)})`)}` : text;
  };
  const notes = conflicts.map((c) => ctx.chalk.yellow(`conflict on ${c.record}: ${oneLine(c.note)}`));
  if (shown.length === 0 && notes.length === 0) return ctx.note('no events match');
  // Printed a thousand lines at a time: the lines of a long log are not all held at once (at
  // 100,000 events that was a quarter of the time, spent moving them between the heap's generations).
  for (let i = 0; i < shown.length; i += PRINTED_AT_ONCE) ctx.print(shown.slice(i, i + PRINTED_AT_ONCE).map(line).join('\n'));
  if (notes.length > 0) ctx.print(notes.join('\n'));
}

const PRINTED_AT_ONCE = 1000;

/**
 * What the log is about. With --cycle or --record, one cycle: only its events are read and only
 * its records derived, as any other command about one cycle does (a record's events are all in its
 * cycle), so `log --record D-3` on a long-lived ledger reads a few per cent of it. Else every event,
 * with every cycle derived to name records (D-3a) and list the conflicts.
 */
function scope(ledger: OpenLedger, oneCycle: boolean, typed: string | undefined): { events: LedgerEvent[]; names: Map<string, Named>; conflicts: Conflict[]; record?: string } {
  const kind = typed === undefined ? undefined : KINDS[typed.trim()[0]?.toLowerCase() as keyof typeof KINDS];
  if (oneCycle || kind !== undefined) {
    const cycle = ledger.cycle;
    const record = typed === undefined ? undefined : kind ? find(cycle, kind, typed).key : typed.trim().toUpperCase();
    return { events: ledger.eventsOf(cycle.key).filter((e) => e.cycle === cycle.key), names: cycle.byKey, conflicts: conflictsIn(cycle), ...(record ? { record } : {}) };
  }
  // Every cycle, or a record named by its key (the id of the event that added it), in any cycle.
  const { events } = ledger;
  const cycles = [...ledger.state.cycles.values()];
  return { events, names: new Map(cycles.flatMap((c) => [...c.byKey])), conflicts: cycles.flatMap(conflictsIn), ...(typed ? { record: typed.trim().toUpperCase() } : {}) };
}

/** The kind of record a short id's letter names (D-3, B-12, R-2, C-1). */
const KINDS = { d: 'decision', b: 'blocker', r: 'risk', c: 'checkpoint' } as const;

/** A cycle's records that carry a conflict note (two changes made without seeing each other). */
function conflictsIn(c: Cycle): Conflict[] {
  return conflictsOf(c).map((x) => ({ cycle: c.id, record: x.record, note: x.note }));
}
