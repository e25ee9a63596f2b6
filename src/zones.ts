// Which time zone is which, without loading Intl's zone data: asking Intl costs more than the
// rest of a command like `playbook blockers`, so the two zones nearly every run uses avoid it.
// UTC is a fixed offset, and the system's own zone is what a plain Date already computes in.
import { readlinkSync } from 'node:fs';
import type { TZDate } from '@date-fns/tz';
import type { UTCDate } from '@date-fns/utc';

export const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Etc/Universal', 'Etc/Zulu', 'Universal', 'Zulu']);

let system: string | undefined;

/** The system's time zone, named without asking Intl where the environment says it. */
export function systemZone(): string {
  if (system) return system;
  const tz = process.env.TZ?.replace(/^:/, '');
  if (tz && !tz.startsWith('/')) return (system = tz);
  try {
    const m = /zoneinfo\/(.+)$/.exec(readlinkSync(tz || '/etc/localtime'));
    if (m) return (system = m[1]!);
  } catch {
    /* not a link: ask Intl */
  }
  return (system = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
}

/** True when a zone name is known without asking Intl (UTC or the system's own). */
export function isCheapZone(tz: string): boolean {
  return UTC_NAMES.has(tz) || tz === systemZone();
}

/** True when a plain Date already computes in `tz`. */
export function isSystem(tz: string): boolean {
  const own = systemZone();
  return tz === own || (UTC_NAMES.has(tz) && UTC_NAMES.has(own));
}

// The Date classes for other zones are loaded only when a run needs them: importing
// @date-fns/utc alone builds three Intl formatters, which costs more than `playbook blockers`
// spends on everything else. TZDate asks Intl for every offset, even "+00:00"; UTCDate never does.
let utcClass: typeof UTCDate | undefined;
let tzClass: typeof TZDate | undefined;

/** Loads what computing in `tz` needs. The command wiring calls it before a command runs. */
export async function prepareZone(tz: string): Promise<void> {
  if (isSystem(tz)) return;
  if (UTC_NAMES.has(tz)) utcClass ??= (await import('@date-fns/utc')).UTCDate;
  else tzClass ??= (await import('@date-fns/tz')).TZDate;
}

/** A Date in `tz` (not the system's zone) from a time in ms or from wall-clock fields, once prepareZone loaded its class. */
export function dateIn(tz: string, ...fields: [number] | [number, number, number, number, number, number]): Date {
  const utc = UTC_NAMES.has(tz);
  if (utc ? !utcClass : !tzClass) throw new Error(`dates in ${tz} were computed before prepareZone(${JSON.stringify(tz)})`);
  const args = fields as [number, number, number, number, number, number];
  return utc ? new utcClass!(...args) : new tzClass!(...args, tz);
}
