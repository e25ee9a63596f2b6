// The Slack format: a complete incoming-webhook payload, `{ text, blocks }`, built in code
// because it is data. Everything a user typed is escaped (&, <, >), so `<!channel>` in a blocker
// title pings nobody and `<https://x|y>` links nowhere. Slack rejects a message that breaks its
// limits, so each section is cut to fit with a visible "…and N more" line instead.
import { dayLabel } from '../dates.js';
import { sparkline } from './trend.js';
import { oneLine } from '../terminal.js';
import type { SummaryModel } from './model.js';
import type { SummaryKind } from './template-files.js';
import { decisionStanding, formatValue, plural } from './values.js';

export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, fallbackText: 3000 } as const;

type Text = { type: 'mrkdwn'; text: string } | { type: 'plain_text'; text: string; emoji?: boolean };
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: boolean } }
  | { type: 'section'; text: Text }
  | { type: 'context'; elements: Text[] }
  | { type: 'divider' };

export interface SlackPayload {
  text: string;
  blocks: SlackBlock[];
}

/** Slack's three control characters escaped, control characters made visible, one line. */
export function escapeSlack(text: string): string {
  return oneLine(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** User text escaped and cut so that the escaped result is at most `max` characters (never inside an entity). */
export function slackText(text: string, max: number): string {
  let out = '';
  for (const ch of oneLine(text)) {
    const piece = ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : ch;
    if (out.length + piece.length > max - 1) return `${out}…`;
    out += piece;
  }
  return out;
}

const TITLE = 300;
const NAME = 80;
const DETAIL = 400;

/** A section: a bold heading and one line per item, cut to Slack's limit with a "…and N more" line. */
export function listSection(heading: string, items: string[], empty: string, more = ''): SlackBlock {
  const head = `*${heading}*`;
  if (items.length === 0) return { type: 'section', text: { type: 'mrkdwn', text: `${head}\n_${empty}_` } };
  let text = head;
  for (let i = 0; i < items.length; i++) {
    const rest = items.length - i - 1;
    const marker = rest > 0 ? `\n_…and ${rest} more${more}_` : '';
    const next = `${text}\n${items[i]}`;
    if (next.length + marker.length > SLACK_LIMITS.sectionText) {
      const left = items.length - i;
      return { type: 'section', text: { type: 'mrkdwn', text: `${text}\n_…and ${left} more${more}_` } };
    }
    text = next;
  }
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** Keeps at most 50 blocks; the last one left says how many were cut. */
export function limitBlocks(blocks: SlackBlock[]): SlackBlock[] {
  if (blocks.length <= SLACK_LIMITS.blocks) return blocks;
  const kept = blocks.slice(0, SLACK_LIMITS.blocks - 1);
  const cut = blocks.length - kept.length;
  return [...kept, { type: 'context', elements: [{ type: 'mrkdwn', text: `_…and ${cut} more blocks (run \`playbook summary\` for all of it)_` }] }];
}

function header(text: string): SlackBlock {
  // Cut the plain text until its escaped form fits the header limit.
  return { type: 'header', text: { type: 'plain_text', text: slackText(text, SLACK_LIMITS.headerText), emoji: true } };
}

const TITLES: Record<SummaryKind, string> = { weekly: 'Weekly summary', executive: 'Executive summary', 'release-brief': 'Release brief' };

export function slackPayload(model: SummaryModel, kind: SummaryKind): SlackPayload {
  const t = (s: string, max = TITLE) => slackText(s, max);
  const title = `${TITLES[kind]}: ${model.cycle.name}, ${model.week.id}`;
  const blocks: SlackBlock[] = [
    header(title),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${t(model.cycle.playbook.id, NAME)} · ${model.week.firstDay} to ${model.week.lastDay} · as of ${model.asOfLabel} (${t(model.timeZone, NAME)})`,
        },
      ],
    },
  ];
  if (model.cycle.outcome && kind !== 'executive') blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Outcome:* ${t(model.cycle.outcome, DETAIL)}` } });
  blocks.push({ type: 'divider' });

  const blockerLines = model.blockers.map((b) => {
    const flag = b.breached ? `:red_circle: *${b.id} BREACHED${b.escalated ? ', escalated' : ''}*` : b.status === 'escalated' ? `:large_orange_circle: *${b.id}* escalated` : `:white_circle: *${b.id}*`;
    const due = `due ${b.dueLabel}${b.breached ? ` (${b.overdue} overdue)` : ''}`;
    const escalation = b.escalationNote ? `\n      escalated: ${t(b.escalationNote, DETAIL)}` : '';
    return `${flag} ${t(b.title)}\n      ${t(b.owner, NAME)} · ${due} · raised ${b.age} ago · fallback: ${b.fallback ? t(b.fallback, DETAIL) : 'none'}${escalation}`;
  });
  const blockersSection = listSection(
    `Active blockers (${model.blockers.length}${model.counts.breachedBlockers ? `, ${model.counts.breachedBlockers} breached` : ''})`,
    blockerLines,
    'no active blockers',
    ' (run `playbook blockers`)',
  );
  const metricLines = model.metrics.map((m) => {
    const latest = m.latest ? `${formatValue(m.latest.value, m.unit)} on ${m.latest.day}` : 'no reading';
    const status = m.latest === null ? '' : m.onTarget === null ? '' : m.onTarget ? ' :white_check_mark: on target' : ' not yet on target';
    const spark = sparkline(m.trend.values).replace(/ /g, '·');
    return `*${t(m.name, NAME)}* ${latest} · baseline ${formatValue(m.baseline, m.unit)} · target ${formatValue(m.target, m.unit)}${spark ? ` · \`${spark}\`` : ''}${status}`;
  });
  const metricsSection = (heading: string) => listSection(heading, metricLines, 'no metrics in this cycle');
  const later = model.counts.openDecisions - model.openDecisions.length;
  const decisionsSection = listSection(
    `Open decisions (overdue, or due by the next review on ${dayLabel(model.nextReview)})`,
    [
      ...model.openDecisions.map((d) => `${d.overdue ? `:red_circle: *${d.id} OVERDUE*` : `*${d.id}*`} ${t(d.title)} (${t(d.owner, NAME)}): ${decisionStanding(d)}`),
      ...(later > 0 ? [`_${plural(later, 'more open decision')} due later_`] : []),
    ],
    'none overdue or due by then',
    ' (run `playbook decisions`)',
  );
  const note = (label: string, text: string | null) => (text ? `, ${label}: ${t(text, DETAIL)}` : '');
  const riskLines = model.risks.map((r) => `*${r.id}* ${t(r.title)} (impact ${r.impact}, cost ${r.cost}; ${t(r.owner, NAME)})\n      mitigation: ${t(r.mitigation, DETAIL)}`);
  const risksSection = listSection(`Open risks (${model.risks.length})`, riskLines, 'no open risks', ' (run `playbook risks`)');

  if (kind === 'executive') {
    blocks.push(
      listSection(
        `Decisions closed this week (${model.closed.decisions.length})`,
        model.closed.decisions.map((d) => `:white_check_mark: *${d.id}* ${t(d.title)}${note('decided', d.note)} (${t(d.owner, NAME)}, ${d.day})`),
        'no decision closed this week',
      ),
      blockersSection,
      decisionsSection,
      metricsSection('Latest metric readings'),
    );
  } else if (kind === 'weekly') {
    const closed = [
      ...model.closed.decisions.map((d) => `:white_check_mark: decision *${d.id}* ${t(d.title)}${note('decided', d.note)} (${t(d.owner, NAME)}, ${d.day})`),
      ...model.closed.blockers.map((b) => `:white_check_mark: blocker *${b.id}* ${t(b.title)}${note('resolution', b.note)} (${t(b.owner, NAME)}, resolved ${b.day})`),
      ...model.closed.risks.map((r) => `:white_check_mark: risk *${r.id}* ${t(r.title)}${note('note', r.note)} (${t(r.owner, NAME)}, ${r.day})`),
    ];
    const c = model.checklist;
    blocks.push(
      listSection('Closed this week', closed, 'nothing closed this week'),
      blockersSection,
      decisionsSection,
      metricsSection('Metrics'),
      listSection(
        `Checklist: ${c.done} of ${c.total} done (${c.percent}%)`,
        [
          ...c.doneThisWeek.map((i) => `:white_check_mark: ${t(i.text)} (this week)`),
          ...c.next.map((i) => `:white_large_square: ${t(i.text)}`),
          ...(c.moreOpen > 0 ? [`_and ${plural(c.moreOpen, 'more item')} open_`] : []),
        ],
        'no checklist',
      ),
      listSection(
        `Due next week (${model.nextWeek.id})`,
        model.dueNextWeek.map((d) => `${d.dueLabel}: ${d.kind} *${d.id}* ${t(d.title)} (${t(d.owner, NAME)})`),
        'nothing falls due',
      ),
      listSection(
        'Next checkpoint',
        model.nextCheckpoint ? [`${model.nextCheckpoint.dateLabel}: *${model.nextCheckpoint.id}* ${t(model.nextCheckpoint.title)} (${model.nextCheckpoint.kind}, ${t(model.nextCheckpoint.owner, NAME)})`] : [],
        'none planned',
      ),
      listSection(
        'Checkpoints this week',
        [
          ...model.checkpoints.thisWeek.map(
            (k) => `${k.status === 'held' ? ':white_check_mark:' : ':x:'} *${k.id}* ${t(k.title)} (${k.dateLabel}, ${t(k.owner, NAME)}): ${k.status === 'held' ? 'held' : '*missed*'}${k.note ? `: ${t(k.note, DETAIL)}` : ''}`,
          ),
          ...model.checkpoints.overdue.map((k) => `:warning: *${k.id}* ${t(k.title)} (${k.dateLabel}, ${t(k.owner, NAME)}): *past its date, neither held nor missed*`),
        ],
        'none held or missed',
      ),
      listSection('Changed this week', model.changes.map((x) => `${x.day}, ${t(x.by, NAME)}: ${t(x.text, DETAIL)}`), 'no edits to the plan', ' (run `playbook log`)'),
      risksSection,
    );
  } else {
    const r = model.release;
    blocks.push(
      listSection(
        `What ships (${r.ships.length})`,
        r.ships.map(
          (s) =>
            `*${s.id}* ${t(s.title)} (${t(s.owner, NAME)}; ${s.approved ? 'approved' : 'not yet approved'})\n      behaviour: ${t(s.behaviour, DETAIL)}\n      constraints: ${t(s.constraints, DETAIL)}\n      target: ${t(s.metric.name, NAME)} ${formatValue(s.target, s.metric.unit)}`,
        ),
        'nothing is in build scope yet',
      ),
      listSection(
        'What changes for customer-facing teams',
        [
          ...r.ships.map((s) => `• ${t(s.behaviour, DETAIL)}${s.due ? ` (from ${s.due})` : ''}`),
          ...r.inScope.map((i) => `• in scope: ${t(i, DETAIL)}`),
          ...r.outOfScope.map((i) => `• not in this release: ${t(i, DETAIL)}`),
        ],
        'nothing recorded yet',
      ),
      decisionsSection,
      risksSection,
      listSection('Who to call', r.contacts.map((c) => `*${t(c.name, NAME)}*: ${t(c.roles.join('; '), DETAIL)}`), 'no owners recorded'),
    );
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `playbook · cycle ${t(model.cycle.id, NAME)} · ${model.week.id}` }] });
  return { text: fallback(model, kind, title), blocks: limitBlocks(blocks) };
}

/** The notification text: the title and the counts, escaped and bounded. */
function fallback(model: SummaryModel, kind: SummaryKind, title: string): string {
  const k = model.counts;
  const blockers = `${plural(k.activeBlockers, 'active blocker')}${k.breachedBlockers ? ` (${k.breachedBlockers} breached)` : ''}`;
  const parts =
    kind === 'executive'
      ? [`${plural(k.closedDecisions, 'decision')} closed`, blockers]
      : kind === 'release-brief'
        ? [`${plural(model.release.ships.length, 'change')} in build scope`, plural(k.openRisks, 'open risk')]
        : [`${k.closedDecisions + k.resolvedBlockers + k.closedRisks} closed this week`, blockers, `checklist ${model.checklist.done}/${model.checklist.total}`];
  return slackText(`${title}: ${parts.join(', ')}`, SLACK_LIMITS.fallbackText);
}
