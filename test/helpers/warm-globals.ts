// Node defines some globals lazily (AbortController, TextEncoder, ...): the first read replaces a
// getter with the value. Reading them all once, before @fast-check/poisoning takes its snapshot of
// the globals, keeps that harmless replacement from being reported as poisoning.
for (const key of Reflect.ownKeys(globalThis)) {
  try {
    void (globalThis as Record<PropertyKey, unknown>)[key];
  } catch {
    // a getter that throws is left alone
  }
}
