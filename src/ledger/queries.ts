// Questions the commands ask of a cycle, as pure functions of the state and the clock.
import { baseId, isBreached, type Blocker, type Cycle, type Decision, type Risk } from './state.js';

export interface DecisionFilter {
  status: 'open' | 'closed' | 'all';
  owner?: string;
}

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export function listDecisions(cycle: Cycle, filter: DecisionFilter): Decision[] {
  return [...cycle.decisions.values()]
    .filter((d) => filter.status === 'all' || d.status === filter.status)
    .filter((d) => !filter.owner || sameName(d.owner, filter.owner))
    .sort((a, b) => {
      const x = a.due ?? '9999', y = b.due ?? '9999';
      return x < y ? -1 : x > y ? 1 : idOrder(a.id, b.id);
    });
}

export interface BlockerFilter {
  owner?: string;
  breachedOnly?: boolean;
  all?: boolean;
}

/** Active blockers, breached first, then by due time; --all adds the resolved ones at the end. */
export function listBlockers(cycle: Cycle, now: Date, filter: BlockerFilter = {}): Blocker[] {
  return [...cycle.blockers.values()]
    .filter((b) => filter.all || b.status !== 'resolved')
    .filter((b) => !filter.breachedOnly || isBreached(b, now))
    .filter((b) => !filter.owner || sameName(b.owner, filter.owner))
    .sort((a, b) => {
      const rank = (x: Blocker) => (x.status === 'resolved' ? 2 : isBreached(x, now) ? 0 : 1);
      return rank(a) - rank(b) || Date.parse(a.due) - Date.parse(b.due) || idOrder(a.id, b.id);
    });
}

export function listRisks(cycle: Cycle, all = false): Risk[] {
  const weight = { high: 3, medium: 2, low: 1 } as const;
  return [...cycle.risks.values()]
    .filter((r) => all || r.status === 'open')
    .sort((a, b) => (a.status === b.status ? 0 : a.status === 'open' ? -1 : 1) || weight[b.impact] - weight[a.impact] || weight[b.cost] - weight[a.cost] || idOrder(a.id, b.id));
}

/** Code-point order, the same on every machine (localeCompare depends on the ICU data). */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** D-2 before D-10, and D-3a before D-3b. */
export function idOrder(a: string, b: string): number {
  const x = baseId(a), y = baseId(b);
  return Number(x.slice(2)) - Number(y.slice(2)) || byText(a, b);
}

/** Checkpoints by date, then by id (C-2 before C-10). */
export function checkpointOrder(a: { date: string; id: string }, b: { date: string; id: string }): number {
  return byText(a.date, b.date) || idOrder(a.id, b.id);
}

export interface ChecklistView {
  id: string;
  text: string;
  done: { at: string; actor: string } | null;
}

export function checklistView(cycle: Cycle): ChecklistView[] {
  return cycle.snapshot.checklist.map((item) => {
    const done = cycle.checklistDone.get(item.id);
    return { id: item.id, text: item.text, done: done ? { at: done.at, actor: done.actor } : null };
  });
}

/** The step the session stands at: the first whose gate has not been passed, or null when all six are. */
export function currentStep(cycle: Cycle): { index: number; id: string; title: string } | null {
  const i = cycle.snapshot.steps.findIndex((s) => !cycle.passed.has(s.id));
  if (i === -1) return null;
  const step = cycle.snapshot.steps[i]!;
  return { index: i, id: step.id, title: step.title };
}

export interface ConflictView {
  record: string;
  title: string;
  note: string;
}

/**
 * The records that carry a conflict note: two changes made on two clones without seeing each
 * other. The later one holds; the note stays until somebody who has seen both acts on the record.
 */
export function conflictsOf(cycle: Cycle): ConflictView[] {
  const out: ConflictView[] = [];
  for (const map of [cycle.decisions, cycle.blockers, cycle.risks]) {
    for (const r of map.values()) if (r.conflict) out.push({ record: r.id, title: r.title, note: r.conflict });
  }
  return out;
}
