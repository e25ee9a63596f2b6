// Synthetic ledgers for the benchmark: deterministic, with the mix of a real team's use.
import { createHash } from 'node:crypto';
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


// ---------------------------------------------------------------------------------------------
// The same events as a team's ledger (src/ledger/replicas.ts): a pointer file and one events file
// per replica, each event in today's envelope, as the CLI itself writes them.

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest();

/** FNV-1a, 64 bits, in hex: the hash each line of a replica's file carries of the line before it (src/ledger/hash.ts). */
function fnv1a64(text) {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8')) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

/** Compact JSON, characters outside ASCII as \u escapes (src/ledger/json.ts). */
export const asciiJson = (value) => JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Ten characters of Crockford base32 for a time in milliseconds (src/ledger/clock.ts). */
function encodeTime(ms) {
  let out = '';
  for (let i = 0; i < 10; i++, ms = Math.floor(ms / 32)) out = ALPHABET[ms % 32] + out;
  return out;
}

/** Sixteen base32 characters from the first ten bytes (src/ledger/clock.ts encodeBytes). */
function encodeBytes(bytes) {
  let out = '';
  for (let i = 0; i < 10; i += 5) {
    let bits = 0n;
    for (let j = 0; j < 5; j++) bits = (bits << 8n) | BigInt(bytes[i + j]);
    for (let k = 7; k >= 0; k--) out += ALPHABET[Number((bits >> BigInt(k * 5)) & 31n)];
  }
  return out;
}

/** Types whose data.id names the record they act on (evidence and build scope name theirs in data.decision). */
const ACTS_ON_ID = /^(decision|blocker|risk)\.(updated|approved|closed|reopened|resolved|escalated|extended)$/;

/**
 * The events of a version-1 ledger spread over `replicas` replicas (each actor writes from one
 * machine; with more actors than replicas some share one), as the team store writes them: ids on
 * the hybrid logical clock, strictly increasing in the order of the events and so in each file,
 * seq and the hash chain per replica, cycle and record references by event id, and `after` the
 * record's heads, which here is its newest event (every writer had seen everything: a team that
 * syncs, so no change is concurrent with another). Returns the
 * pointer's text and each events file's name and text.
 */
export function teamLedger(ledger, replicas = 5) {
  const names = Array.from({ length: replicas }, (_, i) => encodeBytes(sha256(`bench replica ${i}`)).toLowerCase());
  const actors = new Map();
  const writers = names.map((name) => ({ name, seq: 0, prev: undefined, lines: [] }));
  const cycles = new Map(); // cycle slug -> id of its cycle.created
  const records = new Map(); // `${cycle id}/${short id}` -> { key, last }
  const eventIds = new Map(); // version-1 number -> id
  let previous = 0;
  for (const [n, e] of ledger.events.entries()) {
    if (!actors.has(e.actor)) actors.set(e.actor, writers[actors.size % replicas]);
    const writer = actors.get(e.actor);
    const time = Math.max(Date.parse(e.at), previous + 1);
    previous = time;
    const id = encodeTime(time) + encodeBytes(sha256(`bench event ${n}`));
    eventIds.set(e.id, id);
    const data = { ...e.data };
    let cycle = null;
    if (e.type === 'cycle.created') {
      cycles.set(data.cycle.id, id);
      cycle = id;
    } else if (e.cycle !== null) cycle = cycles.get(e.cycle) ?? null;
    if (e.type === 'undo') data.target = eventIds.get(data.target);
    const event = { id, replica: writer.name, seq: ++writer.seq, at: e.at, actor: e.actor, command: e.command, cycle, type: e.type, data };
    const named = ACTS_ON_ID.test(e.type) ? data.id : e.type === 'evidence.added' || e.type === 'build-scope.added' ? data.decision : undefined;
    const record = typeof named === 'string' ? records.get(`${cycle}/${named}`) : undefined;
    if (record) {
      event.rec = record.key;
      event.after = [record.last];
      record.last = id;
    }
    if (e.type === 'blocker.added' && typeof data.decision === 'string') {
      const decision = records.get(`${cycle}/${data.decision}`);
      if (decision) event.link = decision.key;
    }
    if (e.type.endsWith('.added') && typeof data.id === 'string') records.set(`${cycle}/${data.id}`, { key: id, last: id });
    if (writer.prev !== undefined) event.prev = writer.prev;
    const line = asciiJson(event);
    writer.prev = fnv1a64(line);
    writer.lines.push(line);
  }
  return {
    pointer: '{"schemaVersion":2}\n',
    files: writers.filter((w) => w.lines.length).map((w) => ({ name: `${w.name}.jsonl`, text: `${w.lines.join('\n')}\n` })),
  };
}
