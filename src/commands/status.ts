import type { Context } from '../context.js';
import { dayLabel, dayOf, shortTime, span } from '../dates.js';
import { nextReviewDay, openDecisions as decisionsToLookAt, overdueCheckpoints } from '../ledger/agenda.js';
import { openLedger } from '../ledger/ledger.js';
import { checklistView, conflictsOf, currentStep, listBlockers, listDecisions, listRisks } from '../ledger/queries.js';
import { isBreached } from '../ledger/state.js';
import { oneLine } from '../terminal.js';
import { printJson } from './common.js';

export function run(ctx: Context): void {
  const { cycle, location } = openLedger(ctx);
  const now = ctx.now;
  const step = currentStep(cycle);
  const blockers = listBlockers(cycle, now);
  const breached = blockers.filter((b) => isBreached(b, now));
  const openDecisions = listDecisions(cycle, { status: 'open' });
  const checklist = checklistView(cycle);
  const horizon = new Date(now.getTime() + 7 * 86400_000);
  const today = dayOf(now, ctx.tz);
  const horizonDay = dayOf(horizon, ctx.tz);
  const dueNext = [
    ...openDecisions.flatMap((d) => (d.due && d.due >= today && d.due <= horizonDay ? [{ id: d.id, kind: 'decision', title: d.title, owner: d.owner, due: d.due }] : [])),
    ...blockers.filter((b) => !isBreached(b, now) && Date.parse(b.due) <= horizon.getTime()).map((b) => ({ id: b.id, kind: 'blocker', title: b.title, owner: b.owner, due: b.due })),
    ...[...cycle.checkpoints.values()].filter((c) => c.status === 'planned' && c.date >= today && c.date <= horizonDay).map((c) => ({ id: c.id, kind: 'checkpoint', title: c.title, owner: c.owner, due: c.date })),
  ].sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : 0));
  const nextReview = nextReviewDay(cycle, today);
  const escalated = blockers.filter((b) => b.status === 'escalated');
  const lateCheckpoints = overdueCheckpoints(cycle, today).map((c) => ({ id: c.id, title: c.title, date: c.date, owner: c.owner }));
  const model = {
    ledger: location.path,
    cycle: { id: cycle.id, name: cycle.name, playbook: cycle.snapshot.playbook.id, started: cycle.created.at },
    session: step ? { step: step.id, number: step.index + 1, of: cycle.snapshot.steps.length, title: step.title } : { step: null, done: true },
    outcome: cycle.fields.outcome ?? null,
    counts: {
      openDecisions: openDecisions.length,
      closedDecisions: cycle.decisions.size - openDecisions.length,
      activeBlockers: blockers.length,
      breachedBlockers: breached.length,
      openRisks: listRisks(cycle).length,
      checklistDone: checklist.filter((c) => c.done).length,
      checklistTotal: checklist.length,
      metricReadings: [...cycle.readings.values()].reduce((n, r) => n + r.length, 0),
    },
    breached: breached.map((b) => ({ id: b.id, title: b.title, owner: b.owner, due: b.due, fallback: b.fallback, escalated: b.status === 'escalated', escalationNote: b.escalationNote })),
    escalated: escalated.map((b) => ({ id: b.id, title: b.title, owner: b.owner, due: b.due, breached: isBreached(b, now), escalationNote: b.escalationNote })),
    nextReview,
    openDecisions: decisionsToLookAt(cycle, today, nextReview),
    overdueCheckpoints: lateCheckpoints,
    dueNext,
    conflicts: conflictsOf(cycle),
  };
  if (ctx.json) return printJson(ctx, model);
  const c = ctx.chalk;
  const out: string[] = [];
  out.push(`${c.bold(oneLine(cycle.name))} ${c.dim(`(${cycle.id}, ${cycle.snapshot.playbook.id})`)}`);
  if (model.outcome) out.push(`outcome: ${oneLine(String(model.outcome))}`);
  out.push(step ? `session: step ${step.index + 1} of ${cycle.snapshot.steps.length}, ${oneLine(step.title)} ${c.dim('(playbook resume continues)')}` : 'session: all six steps done');
  const k = model.counts;
  out.push(
    `decisions: ${k.openDecisions} open, ${k.closedDecisions} closed · blockers: ${k.activeBlockers} active${k.breachedBlockers ? `, ${c.red.bold(`${k.breachedBlockers} breached`)}` : ''} · risks: ${k.openRisks} open · checklist: ${k.checklistDone}/${k.checklistTotal}`,
  );
  if (breached.length) {
    out.push('', c.red.bold('Breached'));
    for (const b of breached) {
      const flag = b.status === 'escalated' ? `${b.id} ${c.yellow('escalated')}` : b.id;
      out.push(`  ${flag} ${oneLine(b.title)} (${oneLine(b.owner)}, ${span(now.getTime() - Date.parse(b.due))} overdue)${b.fallback ? `\n     fallback: ${oneLine(b.fallback)}` : ''}${escalation(b.escalationNote)}`);
    }
  }
  const waiting = escalated.filter((b) => !isBreached(b, now));
  if (waiting.length) {
    out.push('', c.yellow.bold('Escalated'));
    for (const b of waiting) out.push(`  ${b.id} ${oneLine(b.title)} (${oneLine(b.owner)}, due ${shortTime(new Date(b.due), ctx.tz)})${escalation(b.escalationNote)}`);
  }
  out.push('', `${c.bold('Open decisions')} ${c.dim(`(overdue, or due by the next review on ${dayLabel(nextReview)})`)}`);
  if (model.openDecisions.length === 0) out.push('  none');
  for (const d of model.openDecisions) {
    const standing = d.due === null ? 'no due date' : d.overdue ? c.red(`${d.daysLate} day${d.daysLate === 1 ? '' : 's'} late, due ${d.due}`) : `due ${d.due}`;
    out.push(`  ${d.overdue ? c.red.bold(`${d.id} OVERDUE`) : d.id} ${oneLine(d.title)} (${oneLine(d.owner)}) · ${standing}`);
  }
  if (lateCheckpoints.length) {
    out.push('', c.yellow.bold('Checkpoints past their date, neither held nor missed'));
    for (const x of lateCheckpoints) out.push(`  ${x.id} ${x.date} ${oneLine(x.title)} (${oneLine(x.owner)})`);
  }
  if (model.conflicts.length) {
    out.push('', c.yellow.bold('Changed on two clones without seeing each other'));
    for (const x of model.conflicts) out.push(`  ${x.record} ${oneLine(x.title)}: ${oneLine(x.note)}`);
  }
  out.push('', c.bold('Due in the next 7 days'));
  if (dueNext.length === 0) out.push('  nothing');
  for (const d of dueNext) {
    const when = d.kind === 'blocker' ? shortTime(new Date(d.due), ctx.tz) : d.due;
    out.push(`  ${d.id} ${when} ${oneLine(d.title)} (${oneLine(d.owner)})`);
  }
  out.push('', c.dim(`ledger: ${location.path}`));
  ctx.print(out.join('\n'));
}

/** The note a blocker was escalated with, on its own line. */
function escalation(note: string | null): string {
  return note ? `\n     escalated: ${oneLine(note)}` : '';
}
