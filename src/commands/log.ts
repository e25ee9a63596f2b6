import type { Context } from '../context.js';
import { parseWhen, stamp } from '../dates.js';
import { encodeTime, shortEventId } from '../ledger/clock.js';
import { describeEvent } from '../ledger/describe.js';
import { isStructural } from '../ledger/file-index.js';
import { openLedger, type OpenLedger } from '../ledger/ledger.js';
import { byId, type Each, type LedgerEvent } from '../ledger/events.js';
import { deriveFrom, deriveState, type Cycle } from '../ledger/state.js';
import { conflictsOf } from '../ledger/queries.js';
import { oneLine } from '../terminal.js';
import { find, kindOf, PRINTED_AT_ONCE, printJsonList } from './common.js';

type Named = { id: string };
type Conflict = { cycle: string; record: string; note: string };

export function run(ctx: Context, _args: [], opts: { since?: string; actor?: string; record?: string }): void {
  const since = opts.since ? parseWhen(opts.since, ctx.now, ctx.tz, '--since', false).getTime() : undefined;
  const ledger = openLedger(ctx);
  const { walk, only, record } = scope(ledger, ctx.options.cycle !== undefined, opts.record, since);
  // Every undo counts, whatever cycle it was written in (a converted version-1 undo carries the
  // cycle current then, not its target's); undos are read with every cycle's lines.
  const undone = new Map<string, string>();
  for (const e of ledger.eventsOf(null)) if (e.type === 'undo') undone.set(e.data.target, e.id);
  const actor = opts.actor?.toLowerCase();
  walk((each, cycles) => {
    const names = new Map<string, Named>();
    for (const c of cycles) for (const [key, r] of c.byKey) names.set(key, r);
    // Since a moment, the conflicts of the cycles changed since then (by anyone); else every cycle's read.
    const changed = new Set<string | null>();
    const shows = (e: LedgerEvent): boolean => {
      if ((only !== undefined && e.cycle !== only) || (since !== undefined && Date.parse(e.at) < since)) return false;
      if (since !== undefined) changed.add(e.cycle);
      return (!actor || e.actor.toLowerCase() === actor) && (!record || e.id === record || e.rec === record || e.link === record);
    };
    const conflicts = () => cycles.filter((c) => since === undefined || changed.has(c.key)).flatMap(conflictsIn);
    if (ctx.json) {
      return printJsonList(ctx, 'events', (emit) => each((e) => {
        if (!shows(e)) return;
        // Object.assign, then the fields: an object spread followed by more fields is about ten times slower in V8 (records.ts: record).
        const shown: Record<string, unknown> = Object.assign({}, e);
        shown.event = shortEventId(e.id); shown.record = names.get(e.rec ?? e.id)?.id ?? null; shown.undoneBy = undone.get(e.id) ?? null;
        emit(shown);
      }), () => ({ conflicts: conflicts() }));
    }
    const line = (e: LedgerEvent) => {
      const text = `${ctx.chalk.dim(shortEventId(e.id))} ${stamp(new Date(e.at), ctx.tz)} ${ctx.chalk.cyan(oneLine(e.actor))} ${ctx.chalk.dim(`[${e.command}]`)} ${oneLine(describeEvent(e, ctx.tz, names))}`;
      return undone.has(e.id) ? `${text} ${ctx.chalk.yellow(`(undone by ${shortEventId(undone.get(e.id)!)})`)}` : text;
    };
    // Printed a thousand lines at a time as the events are read (twice over a large ledger, none kept).
    let lines: string[] = [];
    let printed = 0;
    each((e) => {
      if (!shows(e)) return;
      lines.push(line(e));
      if (lines.length === PRINTED_AT_ONCE) {
        ctx.print(lines.join('\n'));
        printed += lines.length;
        lines = [];
      }
    });
    if (lines.length > 0) ctx.print(lines.join('\n'));
    const notes = conflicts().map((c) => ctx.chalk.yellow(`conflict on ${c.record}: ${oneLine(c.note)}`));
    if (printed + lines.length === 0 && notes.length === 0) return ctx.note('no events match');
    if (notes.length > 0) ctx.print(notes.join('\n'));
  });
}

/**
 * The events the log may show (handed over one at a time) and the cycles derived to name their
 * records (D-3a) and list the conflicts. Each cycle is read on its own where it can be, as any
 * command about one cycle is:
 * - with --cycle, or --record and a short id (a record's events are all in its cycle), that cycle;
 * - with --since, the lines read with every cycle's (starts, undos) and the cycles with an event
 *   since then, found by the files' indexes (an event's id is never earlier than its time), unless
 *   that is most cycles;
 * - else, or when a file's index cannot tell (an event of no cycle), every event, twice: once to
 *   derive every cycle, once to print, each parsed as it comes and none kept.
 */
function scope(ledger: OpenLedger, oneCycle: boolean, typed: string | undefined, since: number | undefined): { walk: Walk; only?: string; record?: string } {
  const kind = typed === undefined ? undefined : kindOf(typed);
  if (oneCycle || kind !== undefined) {
    const cycle = ledger.cycle;
    const record = typed === undefined ? undefined : kind ? find(cycle, kind, typed).key : typed.trim().toUpperCase();
    return { walk: over(ledger.eventsOf(cycle.key), [cycle]), only: cycle.key, ...(record ? { record } : {}) };
  }
  const record = typed === undefined ? {} : { record: typed.trim().toUpperCase() };
  const keys = since !== undefined && since >= 0 ? ledger.cyclesFrom(encodeTime(since)) : undefined;
  // The cycles an undo, a start or a step passed since then belongs to changed too.
  if (keys) for (const e of ledger.eventsOf(null)) if (e.cycle !== null && Date.parse(e.at) >= since!) keys.add(e.cycle);
  // Read one by one, all 50 cycles of a 100,000-event ledger took 2.1 s against 1.8 read together.
  if (keys && keys.size <= ledger.overview.cycles.size / 2) {
    const cycles = [...keys].flatMap((key) => deriveState(ledger.eventsOf(key), { cycle: key }).cycles.get(key) ?? []);
    const events = ledger.eventsOf(null).concat(...[...keys].map((key) => ledger.eventsOf(key).filter((e) => !isStructural(e))));
    return { walk: over(events.sort(byId), cycles), ...record };
  }
  // Every event twice, the files opened once: to derive every cycle, then to print.
  return { walk: (use) => ledger.walk((each) => use(each, [...deriveFrom(each, ledger.eventsOf(null)).cycles.values()])), ...record };
}

/** Runs `use` with the events the log may show, handed over one at a time, and the cycles derived. */
type Walk = (use: (each: Each, cycles: Cycle[]) => void) => void;

const over = (events: readonly LedgerEvent[], cycles: Cycle[]): Walk => (use) => use((visit) => events.forEach((e) => visit(e)), cycles);

/** A cycle's records that carry a conflict note (two changes made without seeing each other). */
function conflictsIn(c: Cycle): Conflict[] {
  return conflictsOf(c).map((x) => ({ cycle: c.id, record: x.record, note: x.note }));
}
