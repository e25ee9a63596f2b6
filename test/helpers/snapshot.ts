// A small cycle snapshot for tests that build ledgers by hand: the six steps, three checklist items and
// two metrics, one that should rise and one that should fall.
import type { CycleSnapshot } from '../../src/ledger/events.js';
import { STEP_IDS } from '../../src/playbook/schema.js';

export function snapshotOf(id: string, name = `Cycle ${id}`): CycleSnapshot {
  return {
    id,
    name,
    playbook: { id: 'healthcare/product-manager', title: 'PM', industry: 'healthcare', role: 'product-manager' },
    cadence: { reviewWindowDays: 30, reviewEveryDays: 7, blockerWindowHours: 48 },
    steps: STEP_IDS.map((s) => ({ id: s, title: `Step ${s}` })),
    checklist: [
      { id: 'k1', text: 'first item' },
      { id: 'k2', text: 'second item' },
      { id: 'k3', text: 'third item' },
    ],
    metrics: [
      { id: 'm-up', name: 'Closure rate', unit: '%', direction: 'up', targetSignal: 'above 80%' },
      { id: 'm-down', name: 'Cycle time', unit: 'days', direction: 'down', targetSignal: 'under 4 days' },
    ],
  };
}
