// What a template receives: the summary model plus a few strings worked out in code (values with
// their units, sparklines, SVG charts). Every string has its control characters made visible (and
// for the terminal and the subject line, is on one line), so a template cannot forget to.
import { sparkline } from './trend.js';
import { neutralizeAll, oneLine } from '../terminal.js';
import type { SummaryModel } from './model.js';
import { trendChart } from './svg.js';
import type { TemplatePart } from './template-files.js';
import { dayLabel } from '../dates.js';
import { decisionStanding, formatValue } from './values.js';

export function templateData(model: SummaryModel, part: TemplatePart): Record<string, unknown> {
  const metrics = model.metrics.map((m) => ({
    ...m,
    latestText: formatValue(m.latest?.value, m.unit),
    baselineText: formatValue(m.baseline, m.unit),
    targetText: formatValue(m.target, m.unit),
    arrow: m.direction === 'up' ? '↑' : '↓',
    goodDirection: m.direction === 'up' ? 'higher is better' : 'lower is better',
    statusText: m.latest === null ? 'no reading yet' : m.onTarget === null ? 'no target set' : m.onTarget ? 'on target' : 'not yet on target',
    // A week without a reading shows as a dot, so the gap is visible.
    sparkline: sparkline(m.trend.values).replace(/ /g, '·'),
    chart: part === 'html' ? trendChart(m) : '',
  }));
  const ships = model.release.ships.map((s) => ({ ...s, targetText: formatValue(s.target, s.metric.unit) }));
  const openDecisions = model.openDecisions.map((d) => ({ ...d, standing: decisionStanding(d) }));
  // Open decisions due after the next review are counted, not listed.
  const openDecisionsLater = model.counts.openDecisions - model.openDecisions.length;
  const data = { ...model, metrics, openDecisions, openDecisionsLater, nextReviewLabel: dayLabel(model.nextReview), release: { ...model.release, ships } };
  if (part === 'text' || part === 'subject') return neutralizeAll(data, oneLine);
  // An HTML page or email is often read with `cat` too: no raw control character gets through.
  return neutralizeAll(data);
}
