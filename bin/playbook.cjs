#!/usr/bin/env node
// Starts playbook. The build (scripts/build.mjs) leaves the CLI in dist/ as CommonJS chunks that
// are loaded only when a command needs them; dist/entry.txt names the first one.
//
// Most of a short command's start-up is V8 parsing and compiling those chunks. So each chunk is
// compiled once, and V8's compiled code for it is kept in the user's cache directory
// ($XDG_CACHE_HOME/playbook/code/, else ~/.cache/playbook/code/). Later runs hand it back to V8
// and skip the work. The cache is only ever a shortcut:
// - a file that is missing, stale, damaged, or not the user's own is ignored and written again;
// - V8 checks its own version and the chunk's length and refuses any mismatch; each file also
//   records the build (dist/entry.txt) and the size and modification time of the chunk it was made
//   from, and holds V8's code twice: a file whose two copies differ by a byte is damaged;
// - files are written whole (a temporary file, then a rename), readable by the user alone;
// - a cache directory that cannot be found or written only means the next run compiles again;
// - files of chunks this build does not have (other versions') go once they are a month old.
'use strict';
const fs = require('node:fs');
const { join, resolve } = require('node:path');
const { Script } = require('node:vm');

const DIST = join(__dirname, '..', 'dist');
const MAGIC = 0x70626333; // "pbc3"
const HEADER = 32; // magic (4), chunk size (4), chunk modification time in ms (8), build id (16, ASCII)

// V8 does not check what it deserializes unless its checksums are turned on, and damaged code could
// stop the process instead of being refused. Turning them on takes node:v8, whose loading (it brings
// Node's streams along) costs more than the rest of this file. So each file holds V8's code twice,
// and the copies are compared, byte for byte, before V8 sees either.

/** Where cached code goes, or undefined when there is no such place (no home, no working directory). */
function cacheDir() {
  try {
    // The same rule as src/paths.ts, which this file cannot import: it runs before the bundle does.
    const xdg = process.env.XDG_CACHE_HOME;
    const home = xdg ? resolve(xdg) : join(userHome(), '.cache');
    return join(home, 'playbook', 'code', `${process.version}-${process.arch}`);
  } catch {
    return undefined;
  }
}

/**
 * On POSIX systems os.homedir() is $HOME when set: read here without loading node:os. Asked only
 * without XDG_CACHE_HOME, since os.homedir() throws when there is neither $HOME nor a passwd entry.
 */
function userHome() {
  return process.platform !== 'win32' && process.env.HOME ? process.env.HOME : require('node:os').homedir();
}

const dir = cacheDir();
let buildId = '';
const modules = new Map();
/** Chunks compiled without usable cached code this run, cached when the run ends. */
const toCache = [];

function readWhole(path) {
  const fd = fs.openSync(path, 'r');
  try {
    const stat = fs.fstatSync(fd);
    const bytes = Buffer.allocUnsafe(stat.size);
    let done = 0;
    while (done < stat.size) {
      const n = fs.readSync(fd, bytes, done, stat.size - done, done);
      if (n === 0) break;
      done += n;
    }
    return { stat, bytes: bytes.subarray(0, done) };
  } finally {
    fs.closeSync(fd);
  }
}

/** The cached code for a chunk, or undefined when there is none this run can trust. */
function cachedCode(file, source) {
  if (file === undefined) return undefined;
  try {
    const { stat, bytes } = readWhole(file);
    const own = typeof process.getuid !== 'function' || (stat.uid === process.getuid() && (stat.mode & 0o022) === 0);
    if (!own || bytes.length <= HEADER || bytes.readUInt32LE(0) !== MAGIC) return undefined;
    if (bytes.readUInt32LE(4) !== source.size || bytes.readDoubleLE(8) !== source.mtimeMs) return undefined;
    if (bytes.latin1Slice(16, HEADER) !== buildId) return undefined;
    const half = (bytes.length - HEADER) / 2;
    const code = bytes.subarray(HEADER, HEADER + half);
    return Number.isInteger(half) && code.equals(bytes.subarray(HEADER + half)) ? code : undefined;
  } catch {
    return undefined;
  }
}

function load(name) {
  const known = modules.get(name);
  if (known) return known.exports;
  const module = { exports: {} };
  modules.set(name, module);
  const filename = join(DIST, name);
  const { stat, bytes } = readWhole(filename);
  const cacheFile = dir === undefined ? undefined : join(dir, name);
  const cachedData = cachedCode(cacheFile, stat);
  // The wrapper on a line of its own, and lineOffset -1: a stack's line and column are the chunk's
  // own, so the source map beside it (src/source-line.ts) finds the source line.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {\n${bytes.utf8Slice()}\n})`, { filename, cachedData, lineOffset: -1 });
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected)) toCache.push({ script, cacheFile, stat });
  const requireChunk = (id) => (id.startsWith('./') ? load(id.slice(2)) : require(id));
  script.runInThisContext().call(module.exports, module.exports, requireChunk, module, filename, DIST);
  return module.exports;
}

function writeCache() {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const { script, cacheFile, stat } of toCache) {
      const header = Buffer.alloc(HEADER);
      header.writeUInt32LE(MAGIC, 0);
      header.writeUInt32LE(stat.size, 4);
      header.writeDoubleLE(stat.mtimeMs, 8);
      header.latin1Write(buildId, 16);
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        const code = script.createCachedData();
        fs.writeFileSync(tmp, Buffer.concat([header, code, code]), { mode: 0o600, flag: 'wx' });
        fs.renameSync(tmp, cacheFile);
      } catch {
        fs.rmSync(tmp, { force: true });
      }
    }
    pruneOtherBuilds();
  } catch {
    // Only a shortcut: the next run compiles again.
  }
}

/** Cached code of chunks this build does not have goes after a month: another version's, most likely. */
const PRUNE_AFTER_MS = 30 * 24 * 3600 * 1000;

/**
 * Each version of playbook caches its chunks beside the others' (their names differ), and a version
 * still in use rewrites its files when they go. Runs only when a run has just written to the cache.
 */
function pruneOtherBuilds() {
  const ours = new Set(fs.readdirSync(DIST));
  const now = Date.now();
  for (const name of fs.readdirSync(dir)) {
    if (ours.has(name)) continue;
    const file = join(dir, name);
    try {
      if (now - fs.lstatSync(file).mtimeMs > PRUNE_AFTER_MS) fs.rmSync(file, { force: true });
    } catch {
      // A directory someone put there, or a file another run removed first: left alone.
    }
  }
}

let entry;
try {
  // The entry chunk's name, then the id of the build: 16 hexadecimal digits.
  [entry, buildId] = fs.readFileSync(join(DIST, 'entry.txt'), 'latin1').split('\n');
  if (!entry || !/^[0-9a-f]{16}$/.test(buildId)) throw new Error('dist/entry.txt is incomplete');
} catch {
  process.stderr.write('playbook: the built CLI is missing from dist/; run `npm install` or `npm run build` in the package\n');
  process.exit(1);
}
process.once('exit', () => toCache.length > 0 && writeCache());
load(entry);
