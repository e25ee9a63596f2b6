// The cycle as an iCalendar file (RFC 5545): open decisions' due dates and the checkpoints as
// all-day events, open blockers' due times as 30-minute events in UTC. UIDs are stable
// (`<cycle>-<record id>@playbook`), so importing the file again updates events instead of
// duplicating them. Text is escaped, lines end in CRLF and are folded at 75 octets.
import { checkpointOrder, listBlockers, listDecisions } from '../ledger/queries.js';
import type { Cycle } from '../ledger/state.js';

const PRODID = '-//playbook//playbook summaries//EN';

/**
 * TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks; other controls
 * dropped, C1 (U+0080-U+009F, which some terminals obey like ESC sequences) included.
 */
export function escapeText(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, '');
}

/** Folds a content line so that no line is longer than 75 octets, never splitting a UTF-8 character. */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, 'utf8');
    const limit = out.length === 0 ? 75 : 74; // continuation lines start with a space
    if (octets + size > limit) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

function utcStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function dateValue(day: string): string {
  return day.replace(/-/g, '');
}

function nextDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

interface CalendarEvent {
  uid: string;
  summary: string;
  description: string;
  start: string[];
  end: string[];
  categories: string;
}

export function cycleCalendar(cycle: Cycle, now: Date): string {
  const uid = (id: string) => `${cycle.id}-${id}@playbook`;
  const allDay = (day: string) => ({ start: [`DTSTART;VALUE=DATE:${dateValue(day)}`], end: [`DTEND;VALUE=DATE:${dateValue(nextDay(day))}`] });
  const events: CalendarEvent[] = [];
  for (const d of listDecisions(cycle, { status: 'open' })) {
    if (!d.due) continue;
    const criteria = d.criteria.length ? `\nAcceptance criteria:\n${d.criteria.map((c) => `- ${c}`).join('\n')}` : '';
    events.push({ uid: uid(d.id), summary: `Decision due: ${d.id} ${d.title}`, description: `Owner: ${d.owner}${criteria}`, ...allDay(d.due), categories: 'decision' });
  }
  for (const c of [...cycle.checkpoints.values()].sort(checkpointOrder)) {
    events.push({ uid: uid(c.id), summary: `Checkpoint: ${c.title}`, description: `${c.kind} checkpoint (${c.id})\nOwner: ${c.owner}`, ...allDay(c.date), categories: 'checkpoint' });
  }
  for (const b of listBlockers(cycle, now)) {
    const due = new Date(b.due);
    events.push({
      uid: uid(b.id),
      summary: `Blocker due: ${b.id} ${b.title}`,
      description: `Owner: ${b.owner}\nFallback: ${b.fallback || 'none'}`,
      start: [`DTSTART:${utcStamp(due)}`],
      end: [`DTEND:${utcStamp(new Date(due.getTime() + 30 * 60_000))}`],
      categories: 'blocker',
    });
  }
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${PRODID}`, 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH', `X-WR-CALNAME:${escapeText(`${cycle.name} (playbook)`)}`];
  for (const e of events) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${e.uid}`,
      `DTSTAMP:${utcStamp(now)}`,
      ...e.start,
      ...e.end,
      `SUMMARY:${escapeText(e.summary)}`,
      `DESCRIPTION:${escapeText(e.description)}`,
      `CATEGORIES:${escapeText(e.categories)}`,
      'TRANSP:TRANSPARENT',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return `${lines.map(foldLine).join('\r\n')}\r\n`;
}
