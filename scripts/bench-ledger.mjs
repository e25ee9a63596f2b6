// Synthetic ledgers for the benchmark: deterministic, with the mix of a real team's use.
// ---------------------------------------------------------------------------------------------
// A realistic ledger: a cycle per ~2,000 events, each with decisions, blockers, risks, weekly
// metric readings and checklist ticks spread over the weeks before the clock.

/** A ledger of `count` events for `playbook` (as `playbook show --json` prints it), ending at `now`. */
export function generateLedger(count, playbook, NOW) {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const people = ['Priya Raman', 'Sam Whitfield', 'Marcus Bell', 'Lena Ortiz', 'Tom Okafor', 'Dana Kim'];
  const events = [];
  const cycles = Math.max(1, Math.round(count / 2000));
  const perCycle = Math.ceil(count / cycles);
  const span = 26 * 7 * 86400_000; // half a year of history
  let id = 0;
  for (let c = 0; c < cycles && events.length < count; c++) {
    const cycleId = `pm-${c + 1}`;
    const start = NOW - span + (c * span) / cycles;
    const end = NOW - span + ((c + 1) * span) / cycles;
    const at = (i) => new Date(start + ((end - start) * i) / perCycle).toISOString();
    const push = (type, data, i) => events.push({ id: ++id, at: at(i), actor: pick(people), command: type.split('.')[0], cycle: cycleId, type, data });
    push('cycle.created', {
      cycle: {
        id: cycleId,
        name: `Onboarding cycle ${c + 1}`,
        playbook: { id: playbook.id, title: playbook.title, industry: playbook.industry, role: playbook.role },
        cadence: playbook.cadence,
        steps: playbook.steps.map((s) => ({ id: s.id, title: s.title })),
        checklist: playbook.checklist.map((i) => ({ id: i.id, text: i.text })),
        metrics: playbook.metrics.map((m) => ({ id: m.id, name: m.name, unit: m.unit, direction: m.direction, targetSignal: m.targetSignal })),
      },
    }, 0);
    for (const m of playbook.metrics) push('metric.planned', { metric: m.id, baseline: 50, target: 80 }, 1);
    const counters = { D: 0, B: 0, R: 0 };
    const open = { D: [], B: [], R: [] };
    let ticked = 0;
    for (let i = 2; i < perCycle && events.length < count; i++) {
      const r = random();
      const day = at(i).slice(0, 10);
      if (r < 0.14 && open.D.length <= 15) {
        const d = `D-${++counters.D}`;
        open.D.push(d);
        push('decision.added', { id: d, title: `Decide on onboarding change ${counters.D}`, owner: pick(people), due: new Date(Date.parse(day) + 7 * 86400_000).toISOString().slice(0, 10), criteria: ['Completion above 80% in the pilot'] }, i);
      } else if ((r < 0.22 && open.D.length) || open.D.length > 15) {
        if (random() < 0.5) push('decision.approved', { id: open.D[0] }, i);
        else push('decision.closed', { id: open.D.shift() }, i);
      } else if (r < 0.36 && open.B.length <= 12) {
        const b = `B-${++counters.B}`;
        open.B.push(b);
        push('blocker.added', { id: b, title: `Waiting on dependency ${counters.B}`, owner: pick(people), due: new Date(Date.parse(at(i)) + 48 * 3600_000).toISOString(), fallback: 'Use the recorded fixtures' }, i);
      } else if ((r < 0.46 && open.B.length) || open.B.length > 12) {
        if (random() < 0.8 || open.B.length > 12) push('blocker.resolved', { id: open.B.shift() }, i);
        else push('blocker.escalated', { id: open.B[0] }, i);
      } else if (r < 0.5 && open.R.length <= 8) {
        const rk = `R-${++counters.R}`;
        open.R.push(rk);
        push('risk.added', { id: rk, title: `Risk ${counters.R}`, impact: pick(['low', 'medium', 'high']), cost: pick(['low', 'medium', 'high']), mitigation: 'Review weekly', owner: pick(people) }, i);
      } else if ((r < 0.52 && open.R.length) || open.R.length > 8) {
        push('risk.closed', { id: open.R.shift() }, i);
      } else if (r < 0.53 && ticked < playbook.checklist.length) {
        push('checklist.done', { item: playbook.checklist[ticked++].id }, i);
      } else {
        const m = pick(playbook.metrics);
        push('metric.recorded', { metric: m.id, value: Math.round(random() * 1000) / 10, at: at(i) }, i);
      }
    }
  }
  return { schemaVersion: 1, events: events.slice(0, count) };
}

