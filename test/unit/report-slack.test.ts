import { describe, expect, it } from 'vitest';
import { deriveState } from '../../src/ledger/state.js';
import { buildSummary, type SummaryModel } from '../../src/report/model.js';
import { escapeSlack, limitBlocks, listSection, slackPayload, slackText, SLACK_LIMITS, type SlackBlock } from '../../src/report/slack.js';
import { parseWeek } from '../../src/report/week.js';
import { cycleNamed } from '../helpers/events.js';
import { CYCLE_ID, SUMMARY_NOW, SUMMARY_TZ, summaryLedger } from '../helpers/summary-ledger.js';
import { prepareZone } from '../../src/zones.js';

// Zones other than the system's load their Date class on demand, as the CLI does before a command.
await Promise.all(['UTC', SUMMARY_TZ].map(prepareZone));

function model(): SummaryModel {
  const events = summaryLedger().events;
  const state = deriveState(events);
  const now = new Date(SUMMARY_NOW);
  return buildSummary({ events, cycle: cycleNamed(state, CYCLE_ID), week: parseWeek('2026-W47', now, SUMMARY_TZ), tz: SUMMARY_TZ, now });
}

describe('Slack escaping', () => {
  it.each([
    ['<!channel> now', '&lt;!channel&gt; now'],
    ['R&D', 'R&amp;D'],
    ['<https://evil.example|click>', '&lt;https://evil.example|click&gt;'],
    ['\u001b[2J two\nlines', '␛[2J two lines'],
  ])('%j becomes %j', (input, expected) => {
    expect(escapeSlack(input)).toBe(expected);
  });

  it('cuts after escaping, never inside an entity', () => {
    const cut = slackText('&'.repeat(100), 23);
    expect(cut.length).toBeLessThanOrEqual(23);
    expect(cut).toMatch(/^(&amp;)+…$/);
  });
});

describe('Slack limits', () => {
  it('cuts a section at 3000 characters with a visible count of what is left', () => {
    const items = Array.from({ length: 100 }, (_, i) => `item ${i} ${'x'.repeat(90)}`);
    const block = listSection('Things', items, 'none') as Extract<SlackBlock, { type: 'section' }>;
    expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    const shown = block.text.text.split('\n').filter((l) => l.startsWith('item ')).length;
    expect(block.text.text).toContain(`…and ${100 - shown} more`);
  });

  it('keeps at most 50 blocks and says how many were cut', () => {
    const blocks: SlackBlock[] = Array.from({ length: 80 }, () => ({ type: 'divider' }));
    const limited = limitBlocks(blocks);
    expect(limited).toHaveLength(50);
    expect(JSON.stringify(limited[49])).toContain('…and 31 more blocks');
    expect(limitBlocks(blocks.slice(0, 50))).toHaveLength(50);
  });

  it('bounds a 5000-character title, owner and fallback in every template', () => {
    const m = model();
    const long = `<!channel> ${'&'.repeat(5000)}`;
    m.blockers[0] = { ...m.blockers[0]!, title: long, owner: long, fallback: long };
    m.cycle.name = 'A'.repeat(5000);
    m.closed.decisions[0] = { ...m.closed.decisions[0]!, title: long };
    for (const kind of ['weekly', 'executive', 'release-brief'] as const) {
      const payload = slackPayload(m, kind);
      const raw = JSON.stringify(payload);
      expect(raw).not.toContain('<!channel>');
      expect(payload.blocks.length).toBeLessThanOrEqual(50);
      expect(payload.text.length).toBeLessThanOrEqual(3000);
      for (const b of payload.blocks) {
        if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
        if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(3000);
      }
    }
  });

  it('the executive payload holds exactly the four items', () => {
    const sections = slackPayload(model(), 'executive').blocks.filter((b) => b.type === 'section') as Extract<SlackBlock, { type: 'section' }>[];
    expect(sections.map((s) => s.text.text.split('\n')[0])).toEqual([
      '*Decisions closed this week (2)*',
      '*Active blockers (3, 1 breached)*',
      '*Open decisions (overdue, or due by the next review on Fri 27 Nov)*',
      '*Latest metric readings*',
    ]);
  });
});
