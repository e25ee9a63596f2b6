// @fast-check/poisoning, with Node's lazily defined globals read first (see warm-globals.ts).
// Import this module before anything that runs the code under test.
import './warm-globals.js';
import { assertNoPoisoning as assertNone, restoreGlobals } from '@fast-check/poisoning';

/** The test runner's own bookkeeping, and zod's registry (created when zod is first imported). */
const ignoredRootRegex = /^(__vitest_|__zod_)/;

/**
 * Fails when anything reachable from globalThis was added, changed or removed since this module was
 * first imported (a polluted Object.prototype included), then puts the globals back as they were.
 */
export function assertNoPoisoning(): void {
  try {
    assertNone({ ignoredRootRegex });
  } finally {
    restoreGlobals({ ignoredRootRegex });
  }
}
