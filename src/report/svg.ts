// A metric's six-week trend as a small inline SVG: the readings as a polyline, the baseline and
// the target as dashed lines, and a title and aria-label that name the metric for screen readers.
import type { MetricSummary } from './model.js';
import { formatValue } from './values.js';

const WIDTH = 180;
const HEIGHT = 48;
const PAD = 6;

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export function chartLabel(m: MetricSummary): string {
  const latest = m.latest ? `latest ${formatValue(m.latest.value, m.unit)}` : 'no reading yet';
  const parts = [`${m.name}: six-week trend`, latest];
  if (m.baseline !== null) parts.push(`baseline ${formatValue(m.baseline, m.unit)}`);
  if (m.target !== null) parts.push(`target ${formatValue(m.target, m.unit)}`);
  return parts.join(', ');
}

export function trendChart(m: MetricSummary): string {
  const values = m.trend.values;
  const present = values.filter((v): v is number => v !== null);
  const scale = [...present, ...(m.baseline !== null ? [m.baseline] : []), ...(m.target !== null ? [m.target] : [])];
  let low = scale.length ? Math.min(...scale) : 0;
  let high = scale.length ? Math.max(...scale) : 1;
  if (high === low) [low, high] = [low - 1, high + 1];
  const step = (WIDTH - 2 * PAD) / Math.max(1, values.length - 1);
  const x = (i: number) => fixed(PAD + i * step);
  const y = (v: number) => fixed(HEIGHT - PAD - ((v - low) / (high - low)) * (HEIGHT - 2 * PAD));
  const label = escapeXml(chartLabel(m));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="trend" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${label}">`);
  out.push(`<title>${label}</title>`);
  out.push(`<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#f6f7f9" rx="4"/>`);
  if (m.baseline !== null) {
    out.push(`<line class="baseline" x1="${PAD}" x2="${WIDTH - PAD}" y1="${y(m.baseline)}" y2="${y(m.baseline)}" stroke="#8a8f98" stroke-width="1" stroke-dasharray="3 3"/>`);
  }
  if (m.target !== null) {
    out.push(`<line class="target" x1="${PAD}" x2="${WIDTH - PAD}" y1="${y(m.target)}" y2="${y(m.target)}" stroke="#1a7f37" stroke-width="1" stroke-dasharray="5 2"/>`);
  }
  const points = values.flatMap((v, i) => (v === null ? [] : [`${x(i)},${y(v)}`]));
  if (points.length) out.push(`<polyline points="${points.join(' ')}" fill="none" stroke="#0b57d0" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>`);
  values.forEach((v, i) => {
    if (v !== null) out.push(`<circle cx="${x(i)}" cy="${y(v)}" r="2.5" fill="#0b57d0"/>`);
  });
  if (!points.length) out.push(`<text x="${WIDTH / 2}" y="${HEIGHT / 2 + 4}" text-anchor="middle" font-size="11" fill="#5f6368">no readings yet</text>`);
  out.push('</svg>');
  return out.join('');
}

function fixed(n: number): string {
  return String(Number(n.toFixed(1)));
}
