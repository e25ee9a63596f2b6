import type { Context } from '../context.js';
import { dayOf } from '../dates.js';
import { openLedger } from '../ledger/ledger.js';
import { metricViews, sparkline, TREND_WEEKS } from '../report/trend.js';
import { renderTable, styled } from '../table.js';
import { neutralize } from '../terminal.js';
import { printJson } from './common.js';

export function run(ctx: Context): void {
  const { cycle } = openLedger(ctx);
  const views = metricViews(cycle, ctx.now, ctx.tz);
  if (ctx.json) return printJson(ctx, { cycle: cycle.id, metrics: views });
  const fmt = (v: number | null, unit: string) => (v === null ? '–' : `${v}${unit === '%' ? '%' : ''}`);
  const rows = views.map((m) => [
    styled(`${neutralize(m.name)}\n${ctx.chalk.dim(neutralize(m.id))}`),
    m.latest ? styled(`${fmt(m.latest.value, m.unit)}\n${ctx.chalk.dim(dayOf(new Date(m.latest.at), ctx.tz))}`) : styled(ctx.chalk.dim('no reading')),
    fmt(m.baseline, m.unit),
    fmt(m.target, m.unit),
    `${m.direction === 'up' ? '↑' : '↓'} ${m.unit}`,
    sparkline(m.trend),
    m.onTarget === null ? '' : styled(m.onTarget ? ctx.chalk.green('on target') : ctx.chalk.yellow('not yet')),
  ]);
  ctx.print(renderTable(ctx, ['metric', 'latest', 'baseline', 'target', 'good', `trend (${TREND_WEEKS} wk)`, 'status'], rows));
}
