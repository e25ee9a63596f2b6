// The release brief's own parts of the summary model: what ships and who to call.
import type { Cycle } from '../ledger/state.js';
import { byText, idOrder } from '../ledger/queries.js';
import type { ActiveBlocker, Contact, ShippingDecision } from './model.js';

export function shipping(then: Cycle, current: Cycle): ShippingDecision[] {
  const metrics = new Map(current.metrics.map((m) => [m.id, m]));
  return [...then.decisions.values()]
    .filter((d) => d.buildScope !== null)
    .sort((a, b) => idOrder(a.id, b.id))
    .map((d) => {
      const scope = d.buildScope!;
      const def = metrics.get(scope.metric);
      return {
        id: d.id,
        title: d.title,
        owner: d.owner,
        status: d.status,
        approved: d.approved !== null,
        due: d.due ?? null,
        behaviour: scope.behaviour,
        constraints: scope.constraints,
        metric: { id: scope.metric, name: def?.name ?? scope.metric, unit: def?.unit ?? '', direction: def?.direction ?? 'up' },
        target: scope.target,
      };
    });
}

/** Who to call: the post-launch owner, then everyone else by name, each with what they own. */
export function contacts(postLaunchOwner: string | null, ships: ShippingDecision[], blockers: ActiveBlocker[]): Contact[] {
  const roles = new Map<string, { name: string; roles: string[] }>();
  const add = (name: string, role: string) => {
    const key = name.trim().toLowerCase();
    const entry = roles.get(key) ?? { name: name.trim(), roles: [] };
    entry.roles.push(role);
    roles.set(key, entry);
  };
  if (postLaunchOwner) add(postLaunchOwner, 'post-launch owner');
  const grouped = (items: { id: string; owner: string }[], what: string) => {
    const byOwner = new Map<string, { name: string; ids: string[] }>();
    for (const item of items) {
      const key = item.owner.trim().toLowerCase();
      const entry = byOwner.get(key) ?? { name: item.owner, ids: [] };
      entry.ids.push(item.id);
      byOwner.set(key, entry);
    }
    for (const { name, ids } of byOwner.values()) add(name, `${what} ${ids.join(', ')}`);
  };
  grouped(ships, 'owns decision');
  grouped(blockers, 'unblocks');
  const postKey = postLaunchOwner?.trim().toLowerCase();
  return [...roles.entries()]
    .sort(([a], [b]) => (a === postKey ? -1 : b === postKey ? 1 : byText(a, b)))
    .map(([, v]) => ({ name: v.name, roles: v.roles }));
}
