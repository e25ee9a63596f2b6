// Parts of the summary model worked out on their own (pure): the checkpoints held or missed in the
// week and those past their date with no outcome, and the checklist as progress, the items done in
// the week and the next few open ones.
import { dayLabel, dayOf } from '../dates.js';
import { overdueCheckpoints } from '../ledger/agenda.js';
import { checkpointOrder } from '../ledger/queries.js';
import type { Cycle, Stamp } from '../ledger/state.js';

export interface CheckpointOutcome {
  id: string;
  title: string;
  date: string;
  dateLabel: string;
  owner: string;
  status: 'held' | 'missed';
  /** The day it was marked held or missed, in the zone. */
  day: string;
  note: string | null;
}

export interface OverdueCheckpoint {
  id: string;
  title: string;
  date: string;
  dateLabel: string;
  owner: string;
}

export interface CheckpointSections {
  /** Held or missed during the week, by date. */
  thisWeek: CheckpointOutcome[];
  /** Dated before the as-of day and neither held nor missed. */
  overdue: OverdueCheckpoint[];
}

export function checkpointSections(cycle: Cycle, inWeek: (s: Stamp | null) => boolean, asOfDay: string, tz: string): CheckpointSections {
  const thisWeek = [...cycle.checkpoints.values()]
    .filter((c) => c.status !== 'planned' && inWeek(c.outcome))
    .sort(checkpointOrder)
    .map((c): CheckpointOutcome => ({
      id: c.id,
      title: c.title,
      date: c.date,
      dateLabel: dayLabel(c.date),
      owner: c.owner,
      status: c.status === 'held' ? 'held' : 'missed',
      day: dayOf(new Date(c.outcome!.at), tz),
      note: c.outcomeNote,
    }));
  const overdue = overdueCheckpoints(cycle, asOfDay).map((c) => ({ id: c.id, title: c.title, date: c.date, dateLabel: dayLabel(c.date), owner: c.owner }));
  return { thisWeek, overdue };
}

/** How many open checklist items a summary names; the rest are counted. */
export const NEXT_ITEMS = 3;

export interface ChecklistSection {
  done: number;
  total: number;
  percent: number;
  doneThisWeek: { id: string; text: string; day: string; by: string }[];
  /** Every open item, in the playbook's order. */
  open: { id: string; text: string }[];
  /** The first few open items (NEXT_ITEMS): what a summary shows. */
  next: { id: string; text: string }[];
  /** How many open items are not in `next`. */
  moreOpen: number;
}

export function checklistSection(cycle: Cycle, inWeek: (s: Stamp | null) => boolean, tz: string): ChecklistSection {
  const items = cycle.snapshot.checklist;
  const done = items.filter((item) => cycle.checklistDone.has(item.id));
  const open = items.filter((item) => !cycle.checklistDone.has(item.id)).map((item) => ({ id: item.id, text: item.text }));
  return {
    done: done.length,
    total: items.length,
    percent: items.length ? Math.round((done.length / items.length) * 100) : 0,
    doneThisWeek: done
      .filter((item) => inWeek(cycle.checklistDone.get(item.id)!))
      .map((item) => {
        const s = cycle.checklistDone.get(item.id)!;
        return { id: item.id, text: item.text, day: dayOf(new Date(s.at), tz), by: s.actor };
      }),
    open,
    next: open.slice(0, NEXT_ITEMS),
    moreOpen: Math.max(0, open.length - NEXT_ITEMS),
  };
}
