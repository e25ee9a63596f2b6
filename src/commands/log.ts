import type { Context } from '../context.js';
import { parseWhen, stamp } from '../dates.js';
import { describeEvent, recordsOf } from '../ledger/describe.js';
import { openLedger } from '../ledger/ledger.js';
import { oneLine } from '../terminal.js';
import { printJson, recordId } from './common.js';

export function run(ctx: Context, _args: [], opts: { since?: string; actor?: string; record?: string; limit?: string }): void {
  const since = opts.since ? parseWhen(opts.since, ctx.now, ctx.tz, '--since', false).getTime() : -Infinity;
  const record = opts.record ? normalizeRecord(opts.record) : undefined;
  const { file } = openLedger(ctx);
  const undone = new Map<number, number>();
  for (const e of file.events) if (e.type === 'undo') undone.set(e.data.target, e.id);
  const events = file.events.filter(
    (e) =>
      Date.parse(e.at) >= since &&
      (!opts.actor || e.actor.toLowerCase() === opts.actor.toLowerCase()) &&
      (!record || recordsOf(e).includes(record)) &&
      (!ctx.options.cycle || e.cycle === ctx.options.cycle),
  );
  if (ctx.json) return printJson(ctx, { events: events.map((e) => ({ ...e, undoneBy: undone.get(e.id) ?? null })) });
  const lines = events.map((e) => {
    const text = `${ctx.chalk.dim(`#${e.id}`)} ${stamp(new Date(e.at), ctx.tz)} ${ctx.chalk.cyan(oneLine(e.actor))} ${ctx.chalk.dim(`[${e.command}]`)} ${oneLine(describeEvent(e, ctx.tz))}`;
    return undone.has(e.id) ? `${text} ${ctx.chalk.yellow(`(undone by #${undone.get(e.id)})`)}` : text;
  });
  if (lines.length === 0) ctx.note('no events match');
  else ctx.print(lines.join('\n'));
}

function normalizeRecord(typed: string): string {
  const kind = { d: 'decision', b: 'blocker', r: 'risk' } as const;
  const k = kind[typed.trim()[0]?.toLowerCase() as keyof typeof kind];
  return k ? recordId(k, typed) : typed.trim().toUpperCase();
}
