// A new cycle: the slice of the playbook the ledger keeps, so later commands never need the YAML.
import type { Playbook } from '../playbook/schema.js';
import type { CycleSnapshot } from './events.js';
import type { LedgerState } from './state.js';

export function cycleId(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 56) || 'cycle';
}

/**
 * A cycle id not yet used in the ledger as this clone sees it: "pm-2026-11-23", then
 * "pm-2026-11-23-2". A teammate may start one with the same id before the clones sync; both then
 * keep it, told apart by a letter (state.ts).
 */
export function uniqueCycleId(state: LedgerState, base: string): string {
  const used = new Set([...state.cycles.values()].map((c) => c.snapshot.id));
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

export function snapshot(playbook: Playbook, id: string, name: string): CycleSnapshot {
  return {
    id,
    name,
    playbook: { id: playbook.id, title: playbook.title, industry: playbook.industry, role: playbook.role },
    cadence: playbook.cadence,
    steps: playbook.steps.map((s) => ({ id: s.id, title: s.title })),
    checklist: playbook.checklist.map((c) => ({ id: c.id, text: c.text })),
    metrics: playbook.metrics.map((m) => ({ id: m.id, name: m.name, unit: m.unit, direction: m.direction, targetSignal: m.targetSignal })),
  };
}
