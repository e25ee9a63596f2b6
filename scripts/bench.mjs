// npm run bench: how fast the built CLI answers, as a ratio to `node -e 0` measured in the same run.
// Generates ledgers of 1,000, 10,000 and 100,000 events with a realistic mix, times whole
// processes alternated with `node -e 0` over several rounds, and prints medians, ratios and peak
// memory as a table and as JSON. A benchmark, not a test: it never fails because a machine is slow.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateLedger } from './bench-ledger.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'bin', 'playbook.cjs');
const NOW = Date.parse('2026-11-23T09:00:00Z');
const args = process.argv.slice(2);
const sizes = (args.find((a) => a.startsWith('--sizes='))?.slice(8) ?? '1000,10000,100000').split(',').map(Number);
const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 9);
// --instructions: also count the instructions of one run of each command and of `node -e 0` under
// valgrind's callgrind. Unlike milliseconds, the count is the same on a busy machine and an idle one.
const instructions = args.includes('--instructions');
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


function run(argv, env) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0 && !(argv.includes('--check'))) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const RSS_HOOK = 'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nmaxrss="+process.resourceUsage().maxRSS+"\\n"))';
function peakMiB(argv, env) {
  const r = spawnSync(process.execPath, ['--import', RSS_HOOK, ...argv], { env, encoding: 'utf8' });
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

// Reads and writes run on a ledger the tool has read or written before, as a team's ledger is:
// its events were checked once and are not checked again (src/ledger/checked.ts). The
// "first read" row copies the ledger before each run, so every event is checked.
const commands = [
  { name: 'blockers', argv: ['blockers'] },
  { name: 'blockers, first read of a copy', argv: ['blockers'], fresh: true },
  { name: 'status', argv: ['status'] },
  { name: 'summary --format markdown', argv: ['summary', '--format', 'markdown'] },
  { name: 'summary --format slack', argv: ['summary', '--format', 'slack'] },
  { name: 'blocker add', argv: ['blocker', 'add', 'Bench blocker', '--owner', 'Dana Kim', '--fallback', 'none'], write: true },
];

const dir = mkdtempSync(join(tmpdir(), 'playbook-bench-'));
const playbook = playbookSnapshot();
const results = [];
try {
  for (const size of sizes) {
    const base = join(dir, `ledger-${size}.json`);
    // Written as playbook writes a ledger: compact JSON, characters outside ASCII as \u escapes.
    const json = JSON.stringify(generateLedger(size, playbook, NOW)).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    writeFileSync(base, `${json}\n`, { mode: 0o600 });
    const ledger = join(dir, `work-${size}.json`);
    const env = { ...process.env, PLAYBOOK_LEDGER: ledger, PLAYBOOK_NOW: new Date(NOW).toISOString(), PLAYBOOK_TZ: 'UTC', NO_COLOR: '1', XDG_CACHE_HOME: join(dir, 'cache') };
    for (const name of NODE_START_UP) delete env[name];
    copyFileSync(base, ledger);
    const check = spawnSync(process.execPath, [cli, 'doctor'], { env, encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`generated ledger is not valid: ${check.stdout}${check.stderr}`);
    for (const c of commands) {
      const own = [];
      const floor = [];
      run([cli, ...c.argv], env); // warm the file cache; a write adds one blocker per run
      for (let i = 0; i < rounds; i++) {
        if (c.fresh) copyFileSync(base, ledger);
        floor.push(run(['-e', '0'], env));
        own.push(run([cli, ...c.argv], env));
      }
      if (c.fresh) copyFileSync(base, ledger);
      const mib = peakMiB([cli, ...c.argv], env);
      const row = { events: size, command: c.name, ms: +median(own).toFixed(1), nodeMs: +median(floor).toFixed(1), ratio: +(median(own) / median(floor)).toFixed(2), peakMiB: +mib.toFixed(1) };
      if (instructions) {
        if (c.fresh) copyFileSync(base, ledger);
        const floorMi = millionInstructions(['-e', '0'], env);
        const ownMi = millionInstructions([cli, ...c.argv], env);
        Object.assign(row, { megaInstructions: +ownMi.toFixed(1), nodeMegaInstructions: +floorMi.toFixed(1), instructionRatio: +(ownMi / floorMi).toFixed(2) });
      }
      results.push(row);
      process.stderr.write(`  ${size} ${c.name}: ${row.ms} ms (${row.ratio}x)\n`);
    }
    copyFileSync(base, ledger);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const machine = `${cpus()[0]?.model ?? 'unknown cpu'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const head = ['events', 'command', 'median ms', 'node -e 0 ms', 'ratio', 'peak MiB', ...(instructions ? ['M instructions', 'ratio'] : [])];
const rows = results.map((r) => [
  String(r.events),
  r.command,
  r.ms.toFixed(1),
  r.nodeMs.toFixed(1),
  `${r.ratio.toFixed(2)}x`,
  r.peakMiB.toFixed(1),
  ...(instructions ? [`${r.megaInstructions.toFixed(0)} / ${r.nodeMegaInstructions.toFixed(0)}`, `${r.instructionRatio.toFixed(2)}x`] : []),
]);
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(`\n${machine}, ${rounds} rounds, medians, without ${NODE_START_UP.join(', ')}\n`);
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log(`\n${JSON.stringify({ machine, rounds, results }, null, 2)}`);
