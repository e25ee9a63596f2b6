import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { commit, selectCycle } from '../ledger/ledger.js';
import { nextId } from '../ledger/state.js';
import { oneLine } from '../terminal.js';
import { find, owner, text } from './common.js';

const LEVELS = ['low', 'medium', 'high'] as const;
type Level = (typeof LEVELS)[number];

function level(value: string | undefined, flag: string): Level {
  const v = (value ?? '').toLowerCase();
  if (!(LEVELS as readonly string[]).includes(v)) throw usageError(`${flag} must be low, medium or high${value ? `, not "${value}"` : ''}`);
  return v as Level;
}

export function add(ctx: Context, [title]: [string], opts: { impact?: string; cost?: string; mitigation?: string; owner?: string }): void {
  const t = text(title, 'the risk title');
  const impact = level(opts.impact, '--impact');
  const cost = level(opts.cost, '--cost');
  if (!opts.mitigation) throw usageError('a risk needs a mitigation: --mitigation TEXT');
  const mitigation = text(opts.mitigation, '--mitigation', 2000);
  const who = owner(opts.owner);
  let id = '';
  commit(ctx, (state) => {
    const cycle = selectCycle(ctx, state);
    id = nextId(cycle, 'R');
    return [{ type: 'risk.added', data: { id, title: t, impact, cost, mitigation, owner: who } }];
  });
  ctx.print(`${id} added: ${oneLine(t)} (impact ${impact}, cost ${cost}, owner ${oneLine(who)})`);
}

export function close(ctx: Context, [typed]: [string], opts: { note?: string }): void {
  let id = '';
  commit(ctx, (state) => {
    const r = find(selectCycle(ctx, state), 'risk', typed);
    id = r.id;
    if (r.status === 'closed') throw usageError(`${r.id} is already closed`);
    return [{ type: 'risk.closed', data: opts.note ? { id, note: text(opts.note, '--note', 2000) } : { id } }];
  });
  ctx.print(`${id} closed`);
}

interface EditOptions {
  impact?: string;
  cost?: string;
  mitigation?: string;
  owner?: string;
}

/** Re-rates a risk or changes its mitigation or owner: each flag given replaces that field. */
export function edit(ctx: Context, [typed]: [string], opts: EditOptions): void {
  if (Object.values(opts).every((v) => v === undefined)) throw usageError('nothing to change: give --impact, --cost, --mitigation or --owner');
  const wanted = {
    ...(opts.impact !== undefined ? { impact: level(opts.impact, '--impact') } : {}),
    ...(opts.cost !== undefined ? { cost: level(opts.cost, '--cost') } : {}),
    ...(opts.mitigation !== undefined ? { mitigation: text(opts.mitigation, '--mitigation', 2000) } : {}),
    ...(opts.owner !== undefined ? { owner: owner(opts.owner) } : {}),
  };
  let id = '';
  let changes: string[] = [];
  commit(ctx, (state) => {
    const r = find(selectCycle(ctx, state), 'risk', typed);
    id = r.id;
    const data = { id, ...Object.fromEntries(Object.entries(wanted).filter(([k, v]) => r[k as keyof typeof wanted] !== v)) };
    changes = Object.keys(data).filter((k) => k !== 'id');
    return changes.length ? [{ type: 'risk.updated', data }] : [];
  });
  ctx.print(changes.length ? `${id} changed: ${changes.join(', ')}` : `${id} already reads so; nothing changed`);
}
