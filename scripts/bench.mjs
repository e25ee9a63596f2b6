// npm run bench: how fast the built CLI answers, as a ratio to `node -e 0` measured in the same run,
// and against the previous release on the ledger as that release wrote it.
// Generates ledgers of 1,000, 10,000 and 100,000 events with a realistic mix, in two layouts:
// - v1: one JSON file, read and written by the previous release's CLI (commit a6fea21, the last
//   single-file version), built from git history into a temporary folder for this run;
// - team: the same events spread over five replicas (ledger.json + events/<replica>.jsonl), read
//   and written by this CLI.
// Times whole processes alternated with `node -e 0` over several rounds (baseline and new in the
// same round), and prints medians, ratios and peak memory as a table and as JSON. A benchmark, not
// a test: it never fails because a machine is slow, and without git or that commit it measures the
// team layout alone and says so.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { asciiJson, generateLedger, teamLedger } from './bench-ledger.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The CLI measured: a copy of this build, taken at the start of the run (set below). */
let cli = join(root, 'bin', 'playbook.cjs');
const NOW = Date.parse('2026-11-23T09:00:00Z');
const args = process.argv.slice(2);
const sizes = (args.find((a) => a.startsWith('--sizes='))?.slice(8) ?? '1000,10000,100000').split(',').map(Number);
const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 9);
// --instructions: also count the instructions of one run of each command and of `node -e 0` under
// valgrind's callgrind. Unlike milliseconds, the count is the same on a busy machine and an idle one.
const instructions = args.includes('--instructions');
/** The previous release: the last version with the single-file ledger. */
const BASELINE = args.find((a) => a.startsWith('--baseline='))?.slice(11) ?? 'a6fea21';
// --baseline-layout=team: the baseline reads the team layout too (a baseline from after the team
// ledger landed), so the two sides differ only in code: a check that a change made nothing slower.
const BASELINE_LAYOUT = args.find((a) => a.startsWith('--baseline-layout='))?.slice(18) ?? 'v1';
const REPLICAS = 5;
// Variables that change what every Node process does before it runs a line, for `node -e 0` as
// much as for playbook: NODE_EXTRA_CA_CERTS alone reads and parses a certificate bundle at each
// start (tens of milliseconds), which would inflate the floor and flatter every ratio. Both sides
// of the comparison run without them. FORCE_COLOR would change what is printed.
const NODE_START_UP = ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS', 'NODE_V8_COVERAGE', 'NODE_COMPILE_CACHE', 'NODE_DEBUG', 'FORCE_COLOR'];

// ---------------------------------------------------------------------------------------------
// Timing

function playbookSnapshot() {
  const text = spawnSync(process.execPath, [cli, 'show', 'healthcare', 'pm', '--json'], { encoding: 'utf8' });
  if (text.status !== 0) throw new Error(`cannot read the pm playbook: ${text.stderr}`);
  return JSON.parse(text.stdout).playbook;
}


function run(argv, env, output) {
  const t = process.hrtime.bigint();
  // Room for what `log` prints at 100,000 events (spawnSync stops a child past its default of 1 MiB).
  const r = spawnSync(process.execPath, argv, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0 && !(argv.includes('--check'))) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  if (output) output.push(r.stdout);
  return ms;
}

const RSS_HOOK = 'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nmaxrss="+process.resourceUsage().maxRSS+"\\n"))';
function peakMiB(argv, env) {
  const r = spawnSync(process.execPath, ['--import', RSS_HOOK, ...argv], { env, encoding: 'utf8', maxBuffer: 1 << 30 });
  const m = /maxrss=(\d+)/.exec(r.stderr);
  return m ? Number(m[1]) / 1024 : NaN;
}

function millionInstructions(argv, env) {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file', process.execPath, ...argv], { env, encoding: 'utf8' });
  const m = /Collected\s*:\s*(\d+)/.exec(r.stderr ?? '');
  if (r.error || !m) throw new Error(`--instructions needs valgrind (apt-get install valgrind): ${r.error?.message ?? r.stderr.slice(-300)}`);
  return Number(m[1]) / 1e6;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** What a `git pull` brings in the "after a pull" row: the ledger's newest events, read before without them. */
const PULLED = 40;

// Reads and writes run on a ledger the tool has read or written before, as a team's ledger is:
// its files were checked once and are not checked again (src/ledger/checked.ts). The
// "first read" row copies the ledger before each run (to a path of its own, so the other rows'
// notes stay valid), so every event is checked. The "after a pull" row copies the ledger without its
// newest events, reads it once, then copies the whole ledger over it, as a pull rewrites the files a
// teammate appended to (the previous release, one file, rewrites that file).
const commands = [
  { name: 'blockers', argv: ['blockers'] },
  { name: 'blockers, first read of a copy', argv: ['blockers'], fresh: true },
  { name: `blockers, after a pull of ${PULLED} events`, argv: ['blockers'], fresh: true, pulled: true },
  { name: 'status', argv: ['status'] },
  { name: 'summary --format markdown', argv: ['summary', '--format', 'markdown'] },
  { name: 'summary --format slack', argv: ['summary', '--format', 'slack'] },
  // The list of cycles, the checklist, one record's history, the whole audit trail, every line checked.
  { name: 'cycles', argv: ['cycles'] },
  { name: 'checklist', argv: ['checklist'] },
  { name: 'log --record D-1', argv: ['log', '--record', 'D-1'] },
  { name: 'log', argv: ['log'] },
  { name: 'doctor', argv: ['doctor'] },
  { name: 'blocker add', argv: ['blocker', 'add', 'Bench blocker', '--owner', 'Dana Kim', '--fallback', 'none'], write: true },
];
/** What the team layout should reach, as a ratio to the baseline (team / v1). */
const target = (c, size) => (BASELINE_LAYOUT === 'team' ? 1.05 : c.write ? (size >= 100_000 ? 1 / 3 : undefined) : 1.1);

/** The checked-file notes trust a file only once its times are this much older than the note (src/ledger/checked.ts). */
const RACY_MARGIN_MS = 2000;

/**
 * The previous release's CLI, built from git history into `into`; or a reason why there is none.
 * git archive, not a worktree: nothing is added to the repository's own git directory.
 */
function buildBaseline(into) {
  const git = (argv, options = {}) => spawnSync('git', ['-C', root, ...argv], { maxBuffer: 1 << 30, ...options });
  const commit = git(['rev-parse', '--verify', '--quiet', `${BASELINE}^{commit}`], { encoding: 'utf8' });
  if (commit.error) return { reason: `git is not available (${commit.error.message})` };
  if (commit.status !== 0) return { reason: `commit ${BASELINE} is not in this repository (a shallow clone?)` };
  const tar = git(['archive', '--format=tar', BASELINE]);
  if (tar.status !== 0) return { reason: `git archive ${BASELINE} failed: ${tar.stderr}` };
  mkdirSync(into, { recursive: true });
  const untar = spawnSync('tar', ['-x', '-C', into], { input: tar.stdout, encoding: 'utf8' });
  if (untar.error || untar.status !== 0) return { reason: `cannot unpack ${BASELINE}: ${untar.error?.message ?? untar.stderr}` };
  symlinkSync(join(root, 'node_modules'), join(into, 'node_modules'), 'dir');
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: into, encoding: 'utf8' });
  if (build.status !== 0) return { reason: `building ${BASELINE} failed: ${(build.stderr || build.stdout).trim().split('\n').slice(-3).join(' ')}` };
  return { cli: join(into, 'bin', 'playbook.cjs'), commit: commit.stdout.trim() };
}

/**
 * A copy of the CLI just built (bin, dist and what it reads beside them), so that a rebuild in the
 * working tree while the bench runs neither changes the code measured nor voids V8's code cache.
 */
function snapshotCli(into) {
  for (const part of ['bin', 'dist', 'playbooks', 'templates', 'package.json']) cpSync(join(root, part), join(into, part), { recursive: true });
  return join(into, 'bin', 'playbook.cjs');
}

/** The team ledger's files, relative to its folder: the pointer and one events file per replica. */
function writeTeam(folder, team) {
  mkdirSync(join(folder, 'events'), { recursive: true, mode: 0o700 });
  writeFileSync(join(folder, 'ledger.json'), team.pointer, { mode: 0o600 });
  for (const f of team.files) writeFileSync(join(folder, 'events', f.name), f.text, { mode: 0o600 });
  return ['ledger.json', ...team.files.map((f) => join('events', f.name))];
}

/** Sets the files' modification time a minute back; their change time is now, and cannot be set back. */
function age(paths) {
  const past = new Date(Date.now() - 60_000);
  for (const p of paths) utimesSync(p, past, past);
}

/** Files among `paths` whose note is missing or taken less than RACY_MARGIN_MS after their last change: a read checks them in full. */
function unsettled(cache, paths) {
  let notes = {};
  try {
    notes = JSON.parse(readFileSync(join(cache, 'playbook', 'checked.json'), 'utf8')).files ?? {};
  } catch {
    // No notes: every file is unsettled.
  }
  return paths.filter((p) => {
    const s = statSync(p, { bigint: true });
    const note = notes[p];
    if (!note?.at || note.id !== `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`) return true;
    const trusted = BigInt(note.at) - BigInt(RACY_MARGIN_MS) * 1_000_000n;
    return s.mtimeNs > trusted || s.ctimeNs > trusted;
  });
}

function baseEnv(extra) {
  const env = { ...process.env, PLAYBOOK_NOW: new Date(NOW).toISOString(), PLAYBOOK_TZ: 'UTC', NO_COLOR: '1', ...extra };
  for (const name of NODE_START_UP) delete env[name];
  return env;
}

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'playbook-bench-')));
const results = [];
let baseline;
try {
  cli = snapshotCli(join(dir, 'current'));
  const playbook = playbookSnapshot();
  process.stderr.write(`building the baseline (${BASELINE}) ...\n`);
  baseline = buildBaseline(join(dir, 'baseline'));
  if (baseline.reason) process.stderr.write(`note: no baseline rows: ${baseline.reason}\n`);

  // Every ledger is written, validated and aged first; the timed reads come after the margin.
  const prepared = [];
  for (const size of sizes) {
    const v1 = generateLedger(size, playbook, NOW);
    const sides = [];
    const team = teamLedger(v1, REPLICAS);
    if (baseline.cli && BASELINE_LAYOUT === 'team') {
      const master = join(dir, `master-base-${size}`);
      sides.push({ layout: 'v1', cli: baseline.cli, master, files: writeTeam(master, team), cache: join(dir, 'cache-v1') });
    } else if (baseline.cli) {
      // Written as the previous release wrote a ledger: compact JSON, characters outside ASCII as \u escapes.
      const master = join(dir, `master-v1-${size}`);
      mkdirSync(master);
      writeFileSync(join(master, 'ledger.json'), `${asciiJson(v1)}\n`, { mode: 0o600 });
      sides.push({ layout: 'v1', cli: baseline.cli, master, files: ['ledger.json'], cache: join(dir, 'cache-v1') });
      const before = join(dir, `before-v1-${size}`);
      mkdirSync(before);
      writeFileSync(join(before, 'ledger.json'), `${asciiJson({ ...v1, events: v1.events.slice(0, -PULLED) })}\n`, { mode: 0o600 });
      sides.at(-1).before = before;
    }
    const master = join(dir, `master-team-${size}`);
    sides.push({ layout: 'team', cli, master, files: writeTeam(master, team), cache: join(dir, 'cache-team'), before: join(dir, `before-team-${size}`) });
    writeTeam(sides.at(-1).before, withoutNewest(team, PULLED));
    for (const side of sides) {
      side.work = join(dir, `${side.layout}-${size}`);
      side.fresh = join(dir, `fresh-${side.layout}-${size}`);
      for (const folder of [side.work, side.fresh]) copyTo(side, folder);
      side.env = baseEnv({ PLAYBOOK_LEDGER: join(side.work, 'ledger.json'), XDG_CACHE_HOME: side.cache, XDG_STATE_HOME: join(dir, `state-${side.layout}`) });
      // Notes of their own: a first read finds none for its copy, as a fresh clone does.
      side.freshCache = join(dir, `cache-${side.layout}-fresh`);
      side.freshEnv = { ...side.env, PLAYBOOK_LEDGER: join(side.fresh, 'ledger.json'), XDG_CACHE_HOME: side.freshCache };
      age(side.files.map((f) => join(side.work, f)));
      const check = spawnSync(process.execPath, [side.cli, 'doctor'], { env: side.env, encoding: 'utf8' });
      if (check.status !== 0) throw new Error(`generated ${side.layout} ledger of ${size} events is not valid: ${check.stdout}${check.stderr}`);
    }
    prepared.push({ size, sides });
  }
  await sleep(RACY_MARGIN_MS + 100);

  for (const { size, sides } of prepared) {
    for (const c of commands) {
      const floor = [];
      for (const side of sides) {
        side.own = [];
        // One warm-up run: the file cache, V8's code cache, and the checked-file notes (taken now,
        // past the margin, so the timed reads trust them). A write adds one blocker per run.
        if (c.fresh) prepare(side, c);
        const out = [];
        run([side.cli, ...c.argv], c.fresh ? side.freshEnv : side.env, out);
        side.output = out[0].replaceAll(c.fresh ? side.fresh : side.work, '<ledger>');
      }
      // Both layouts hold the same events: a read must print the same (status names the ledger's path).
      if (!c.write && sides.length === 2 && sides[0].output !== sides[1].output) {
        process.stderr.write(`note: ${size} ${c.name}: the two layouts print different output; the comparison is not of like with like\n`);
      }
      if (!c.fresh && !c.write) {
        for (const side of sides.filter((s) => s.layout === 'team')) {
          const left = unsettled(side.cache, side.files.filter((f) => f.endsWith('.jsonl')).map((f) => join(side.work, f)));
          if (left.length) process.stderr.write(`note: ${size} ${c.name}: ${left.length} events file(s) not settled in the notes; their reads check in full\n`);
        }
      }
      for (let i = 0; i < rounds; i++) {
        floor.push(run(['-e', '0'], sides[0].env));
        for (const side of sides) {
          if (c.fresh) prepare(side, c);
          side.own.push(run([side.cli, ...c.argv], c.fresh ? side.freshEnv : side.env));
        }
      }
      const rows = {};
      for (const side of sides) {
        if (c.fresh) prepare(side, c);
        const env = c.fresh ? side.freshEnv : side.env;
        const mib = peakMiB([side.cli, ...c.argv], env);
        const row = { events: size, command: c.name, layout: side.layout, ms: +median(side.own).toFixed(1), nodeMs: +median(floor).toFixed(1), ratio: +(median(side.own) / median(floor)).toFixed(2), peakMiB: +mib.toFixed(1) };
        if (instructions) {
          if (c.fresh) prepare(side, c);
          const floorMi = millionInstructions(['-e', '0'], env);
          const ownMi = millionInstructions([side.cli, ...c.argv], env);
          Object.assign(row, { megaInstructions: +ownMi.toFixed(1), nodeMegaInstructions: +floorMi.toFixed(1), instructionRatio: +(ownMi / floorMi).toFixed(2) });
        }
        rows[side.layout] = row;
      }
      if (rows.v1) {
        rows.team.vsBaseline = +(median(sides[1].own) / median(sides[0].own)).toFixed(2);
        const goal = target(c, size);
        if (goal !== undefined) Object.assign(rows.team, { target: +goal.toFixed(2), met: rows.team.vsBaseline <= goal });
      }
      for (const row of Object.values(rows)) {
        results.push(row);
        process.stderr.write(`  ${size} ${c.name} [${row.layout}]: ${row.ms} ms (${row.ratio}x${row.vsBaseline !== undefined ? `, ${row.vsBaseline}x of v1` : ''})\n`);
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** A copy of the side's master ledger (or of `from`) in `folder`: a fresh identity for every file, so each is checked on its first read. */
function copyTo(side, folder, from = side.master) {
  if (side.files.some((f) => f.startsWith('events')) && !existsSync(join(folder, 'events'))) mkdirSync(join(folder, 'events'), { recursive: true, mode: 0o700 });
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  for (const f of side.files) if (existsSync(join(from, f))) copyFileSync(join(from, f), join(folder, f));
}

/** The side's fresh folder as a command of row `c` finds it: a copy, or for "after a pull" a copy read before the pull brought the newest events. */
function prepare(side, c) {
  if (!c.pulled) {
    rmSync(join(side.freshCache, 'playbook', 'checked.json'), { force: true });
    return copyTo(side, side.fresh);
  }
  rmSync(side.fresh, { recursive: true, force: true });
  copyTo(side, side.fresh, side.before);
  run([side.cli, ...c.argv], side.freshEnv);
  copyTo(side, side.fresh);
}

/** The team ledger as a clone had it before its teammates' `count` newest events arrived: each file without its lines among them. */
function withoutNewest(team, count) {
  const ids = team.files.flatMap((f) => f.text.split('\n').filter(Boolean).map((line) => line.slice(7, 33))).sort();
  const pulled = new Set(ids.slice(-count));
  const files = team.files.map((f) => ({ name: f.name, text: f.text.split('\n').filter((line) => line && !pulled.has(line.slice(7, 33))).map((line) => `${line}\n`).join('') }));
  return { pointer: team.pointer, files: files.filter((f) => f.text !== '') };
}

const machine = `${cpus()[0]?.model ?? 'unknown cpu'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const LAYOUTS = { v1: BASELINE_LAYOUT === 'team' ? `baseline ${BASELINE}, team` : `v1 (${BASELINE})`, team: `team, ${REPLICAS} replicas` };
const head = ['events', 'command', 'layout', 'median ms', 'node -e 0 ms', 'ratio', 'team / v1', 'target', 'peak MiB', ...(instructions ? ['M instructions', 'ratio'] : [])];
const rows = results.map((r) => [
  String(r.events),
  r.command,
  LAYOUTS[r.layout],
  r.ms.toFixed(1),
  r.nodeMs.toFixed(1),
  `${r.ratio.toFixed(2)}x`,
  r.vsBaseline === undefined ? '' : `${r.vsBaseline.toFixed(2)}x`,
  r.target === undefined ? '' : `<= ${r.target.toFixed(2)}x ${r.met ? 'met' : 'MISSED'}`,
  r.peakMiB.toFixed(1),
  ...(instructions ? [`${r.megaInstructions.toFixed(0)} / ${r.nodeMegaInstructions.toFixed(0)}`, `${r.instructionRatio.toFixed(2)}x`] : []),
]);
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
const about = baseline?.cli ? `baseline: ${BASELINE} (${baseline.commit.slice(0, 12)}) on the v1 file` : `no baseline: ${baseline?.reason ?? 'not built'}`;
console.log(`\n${machine}, ${rounds} rounds, medians, without ${NODE_START_UP.join(', ')}; ${about}\n`);
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log(`\n${JSON.stringify({ machine, rounds, baseline: baseline?.cli ? { commit: baseline.commit } : { skipped: baseline?.reason ?? 'not built' }, replicas: REPLICAS, results }, null, 2)}`);
