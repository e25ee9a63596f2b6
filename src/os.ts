// Node's os module, loaded on first use: reads never need it (the home directory comes from $HOME,
// src/paths.ts), and loading it at start would cost every command about half a millisecond.
export function nodeOs(): typeof import('node:os') {
  return process.getBuiltinModule('node:os');
}
