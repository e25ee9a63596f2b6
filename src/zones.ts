// Which time zone is which, without loading Intl's zone data: asking Intl costs more than the
// rest of a command like `playbook blockers`, so the two zones nearly every run uses avoid it.
// UTC is a fixed offset, and the system's own zone is what a plain Date already computes in.
import { readlinkSync } from 'node:fs';

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
