import type { Context } from '../context.js';
import { parseWhen, stamp } from '../dates.js';
import { shortEventId } from '../ledger/clock.js';
import { describeEvent } from '../ledger/describe.js';
import { findCycle, openLedger } from '../ledger/ledger.js';
import type { LedgerEvent } from '../ledger/events.js';
import type { Cycle } from '../ledger/state.js';
import { conflictsOf } from '../ledger/queries.js';
import { oneLine } from '../terminal.js';
import { find, printJson } from './common.js';

export function run(ctx: Context, _args: [], opts: { since?: string; actor?: string; record?: string }): void {
  const since = opts.since ? parseWhen(opts.since, ctx.now, ctx.tz, '--since', false).getTime() : -Infinity;
  const ledger = openLedger(ctx);
  const { events } = ledger;
  // A record is named in the cycle the command is about; its events are those that name its key.
  const record = opts.record ? recordKey(ledger.cycle, opts.record) : undefined;
  const cycle = ctx.options.cycle === undefined ? undefined : findCycle(ledger.state, ctx.options.cycle).key;
  const undone = new Map<string, string>();
  for (const e of events) if (e.type === 'undo') undone.set(e.data.target, e.id);
  const shown = events.filter(
    (e) =>
      Date.parse(e.at) >= since &&
      (!opts.actor || e.actor.toLowerCase() === opts.actor.toLowerCase()) &&
      (!record || e.id === record || e.rec === record || e.link === record) &&
      (!cycle || e.cycle === cycle),
  );
  const names = recordNames(ledger.state.cycles.values());
  if (ctx.json) {
    return printJson(ctx, {
      events: shown.map((e) => ({ ...e, event: shortEventId(e.id), record: names.get(e.rec ?? e.id)?.id ?? null, undoneBy: undone.has(e.id) ? undone.get(e.id)! : null })),
      conflicts: conflicts(ledger.state.cycles.values(), cycle),
    });
  }
  const line = (e: LedgerEvent) => {
    const text = `${ctx.chalk.dim(shortEventId(e.id))} ${stamp(new Date(e.at), ctx.tz)} ${ctx.chalk.cyan(oneLine(e.actor))} ${ctx.chalk.dim(`[${e.command}]`)} ${oneLine(describeEvent(e, ctx.tz, names))}`;
    return undone.has(e.id) ? `${text} ${ctx.chalk.yellow(`(undone by ${shortEventId(undone.get(e.id)!)})`)}` : text;
  };
  const notes = conflicts(ledger.state.cycles.values(), cycle).map((c) => ctx.chalk.yellow(`conflict on ${c.record}: ${oneLine(c.note)}`));
  if (shown.length === 0 && notes.length === 0) return ctx.note('no events match');
  // Printed a thousand lines at a time: the lines of a long log are not all held at once (at
  // 100,000 events that was a quarter of the time, spent moving them between the heap's generations).
  for (let i = 0; i < shown.length; i += PRINTED_AT_ONCE) ctx.print(shown.slice(i, i + PRINTED_AT_ONCE).map(line).join('\n'));
  if (notes.length > 0) ctx.print(notes.join('\n'));
}

const PRINTED_AT_ONCE = 1000;

function recordKey(cycle: Cycle, typed: string): string {
  const kind = { d: 'decision', b: 'blocker', r: 'risk', c: 'checkpoint' } as const;
  const k = kind[typed.trim()[0]?.toLowerCase() as keyof typeof kind];
  return k ? find(cycle, k, typed).key : typed.trim().toUpperCase();
}

type Named = { id: string; key: string };

/** Every record by its key, for showing the short id it has now (D-3a) in the events that name it. */
export function recordNames(cycles: Iterable<Cycle>): Map<string, Named> {
  return new Map([...cycles].flatMap((c) => [...c.byKey]));
}

/** The records of the cycles shown that carry a conflict note (two changes made without seeing each other). */
function conflicts(cycles: Iterable<Cycle>, only: string | undefined): { cycle: string; record: string; note: string }[] {
  return [...cycles].filter((c) => only === undefined || c.key === only).flatMap((c) => conflictsOf(c).map((x) => ({ cycle: c.id, record: x.record, note: x.note })));
}
