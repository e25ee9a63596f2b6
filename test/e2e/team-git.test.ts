// A team on one ledger, end to end, with the real `git` binary: clones of one repository (each its own
// machine: its own HOME and XDG_STATE_HOME, no PLAYBOOK_LEDGER, the ledger found from the working
// directory) write on the same day, then sync by merge, rebase and cherry-pick; a fresh clone that ran no
// setup; concurrent edits of one record; ambiguous short ids; undo; a synced folder with the conflict
// copies of Dropbox, Syncthing and OneDrive and a half-synced line; version-1 ledgers converted on two
// clones; and the two sides of an old version-1 git conflict brought in by `playbook import`.
// Nothing here configures git in a clone: the only settings are `-c` flags on the command line that make
// the run independent of the machine (default branch, no signing).
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliAsync, type CliResult } from '../helpers/cli.js';

const DAY = '2026-12-07';
const at = (time: string) => `${DAY}T${time}:00Z`;

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

// --- git ---------------------------------------------------------------------------------------------

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** git's environment: a fixed author and committer, no global or system configuration, no editor. */
function gitEnv(home: string, who: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(GIT_|XDG_|HOME$|PLAYBOOK_)/.test(k)) env[k] = v;
  return {
    ...env,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: who,
    GIT_AUTHOR_EMAIL: `${who}@example.org`,
    GIT_COMMITTER_NAME: who,
    GIT_COMMITTER_EMAIL: `${who}@example.org`,
    GIT_AUTHOR_DATE: '2026-12-07T12:00:00Z',
    GIT_COMMITTER_DATE: '2026-12-07T12:00:00Z',
    GIT_EDITOR: 'true',
    GIT_MERGE_AUTOEDIT: 'no',
    GIT_TERMINAL_PROMPT: '0',
  };
}

function gitRun(cwd: string, env: Record<string, string>, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

// --- machines and clones -----------------------------------------------------------------------------

interface Machine {
  name: string;
  /** The working directory the CLI runs in (a clone, or a synced folder). */
  dir: string;
  home: string;
  stateHome: string;
  /** Runs playbook here at the given clock (default 09:00 of DAY) as this person. */
  pb(args: string[], time?: string): Promise<CliResult>;
  /** pb, failing the test unless it exits 0. */
  ok(args: string[], time?: string): Promise<CliResult>;
  /** pb with --json, exit 0 expected, parsed. */
  json<T = any>(args: string[], time?: string): Promise<T>;
  git(...args: string[]): Promise<Run>;
  gitOk(...args: string[]): Promise<Run>;
  /** Stages everything and commits it. */
  commit(message: string): Promise<void>;
}

interface World {
  root: string;
  origin: string;
  /** A machine working in `dir` (created), with its own HOME and state. */
  machine(name: string, dir: string): Machine;
  /** `git clone` of the origin as a new machine. */
  clone(name: string): Promise<Machine>;
}

function describeRun(what: string, r: Run): string {
  return `${what} exited ${r.status}:\n${r.stderr}${r.stdout}`;
}

async function makeWorld(): Promise<World> {
  const root = mkdtempSync(join(tmpdir(), 'playbook-team-git-'));
  roots.push(root);
  const origin = join(root, 'origin.git');
  const setup = gitEnv(root, 'setup');
  const init = await gitRun(root, setup, ['init', '--bare', '-q', origin]);
  if (init.status !== 0) throw new Error(describeRun('git init --bare', init));
  const machine = (name: string, dir: string): Machine => {
    const home = join(root, 'machines', name, 'home');
    const stateHome = join(root, 'machines', name, 'state');
    for (const d of [home, stateHome, dir]) mkdirSync(d, { recursive: true });
    const env = (time: string) => ({
      HOME: home,
      XDG_STATE_HOME: stateHome,
      XDG_CONFIG_HOME: join(root, 'machines', name, 'config'),
      XDG_DATA_HOME: join(root, 'machines', name, 'data'),
      XDG_CACHE_HOME: join(root, 'machines', name, 'cache'),
      PLAYBOOK_TZ: 'UTC',
      PLAYBOOK_ACTOR: name,
      PLAYBOOK_NOW: at(time),
      PLAYBOOK_LEDGER: undefined,
    });
    const pb = (args: string[], time = '09:00') => runCliAsync(args, { cwd: dir, env: env(time) });
    const ok = async (args: string[], time?: string) => {
      const r = await pb(args, time);
      if (r.status !== 0) throw new Error(`${name}: playbook ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stderr}${r.stdout}`);
      return r;
    };
    const genv = gitEnv(home, name);
    const git = (...args: string[]) => gitRun(dir, genv, args);
    const gitOk = async (...args: string[]) => {
      const r = await git(...args);
      if (r.status !== 0) throw new Error(describeRun(`${name}: git ${args.join(' ')}`, r));
      return r;
    };
    return {
      name,
      dir,
      home,
      stateHome,
      pb,
      ok,
      json: async (args, time) => JSON.parse((await ok([...args, '--json'], time)).stdout),
      git,
      gitOk,
      commit: async (message) => {
        await gitOk('add', '-A');
        await gitOk('commit', '-q', '-m', message);
      },
    };
  };
  return {
    root,
    origin,
    machine,
    clone: async (name) => {
      const dir = join(root, name);
      const r = await gitRun(root, gitEnv(root, name), ['clone', '-q', origin, dir]);
      if (r.status !== 0) throw new Error(describeRun(`git clone (${name})`, r));
      return machine(name, dir);
    },
  };
}

/** A repository whose first commit is `init healthcare pm --local --no-session` by alice, pushed. */
async function teamRepo(): Promise<{ world: World; alice: Machine }> {
  const world = await makeWorld();
  const alice = await world.clone('alice');
  await alice.ok(['init', 'healthcare', 'pm', '--local', '--no-session'], '08:00');
  await alice.commit('Start the cycle');
  await alice.gitOk('push', '-q', '-u', 'origin', 'main');
  return { world, alice };
}

/** Every file below `dir` (but .git) with its bytes. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.name === '.git') continue;
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'latin1');
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** The files below `dir` holding a line that starts a git conflict. */
function conflictMarkers(dir: string): string[] {
  return Object.entries(tree(dir))
    .filter(([, text]) => /^(<<<<<<<|>>>>>>>)/m.test(text))
    .map(([name]) => name);
}

const titles = (records: { title: string }[]) => records.map((r) => r.title).sort();
const ids = (records: { id: string }[]) => records.map((r) => r.id).sort();

/** Every replica file's events, parsed. */
function eventsOf(dir: string): any[] {
  const events = join(dir, '.playbook', 'events');
  return readdirSync(events)
    .filter((n) => n.endsWith('.jsonl'))
    .flatMap((n) => readFileSync(join(events, n), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
}

/** Adds the decision and the blocker a teammate raises on the same morning. */
async function addWork(m: Machine, time = '09:00'): Promise<void> {
  await m.ok(['decision', 'add', `Vendor chosen by ${m.name}`, '--owner', m.name, '--due', '2026-12-11'], time);
  await m.ok(['blocker', 'add', `Sandbox access for ${m.name}`, '--owner', m.name, '--fallback', 'recorded fixtures'], time);
}

// --- version-1 ledgers ---------------------------------------------------------------------------------

/** The cycle snapshot `init healthcare pm` records today, taken from a scratch ledger. */
async function cycleSnapshot(world: World): Promise<any> {
  const scratch = world.machine('snapshot', join(world.root, 'scratch'));
  await scratch.ok(['init', 'healthcare', 'pm', '--local', '--no-session'], '08:00');
  const created = eventsOf(scratch.dir).find((e) => e.type === 'cycle.created');
  return created.data.cycle;
}

/** A version-1 event: numbered, naming its cycle by its slug. */
function v1Event(id: number, time: string, actor: string, command: string, type: string, data: object): object {
  return { id, at: `${at(time).slice(0, -1)}.000Z`, actor, command, cycle: 'pm-2026-12-07', type, data };
}

/** A version-1 ledger file as the version-1 store wrote it: one line of compact ASCII JSON. */
function v1Text(events: object[]): string {
  return `${JSON.stringify({ schemaVersion: 1, events }).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

// =========================================================================================================

describe.concurrent('a team ledger in git', { timeout: 120_000 }, () => {
  it('two clones add a decision and a blocker the same day; git pull (merge) is clean and both clones show all four records', async () => {
    const { world, alice } = await teamRepo();
    const bob = await world.clone('bob');
    const committed = tree(join(alice.dir, '.playbook'));
    expect(committed['.gitattributes']).toMatch(/^events\/\*\.jsonl merge=union$/m);
    expect(Object.keys(committed)).toContain('.gitignore');

    await addWork(alice);
    await addWork(bob);
    await alice.commit('alice: vendor decision');
    await bob.commit('bob: vendor decision');
    await bob.gitOk('push', '-q');

    const pull = await alice.git('pull', '--no-rebase', '--no-edit', '-q');
    expect(pull.status, describeRun('git pull --no-rebase', pull)).toBe(0);
    expect(conflictMarkers(alice.dir)).toEqual([]);
    await alice.gitOk('push', '-q');
    await bob.gitOk('pull', '--no-rebase', '--no-edit', '-q');
    expect(conflictMarkers(bob.dir)).toEqual([]);
    expect((await alice.gitOk('status', '--porcelain')).stdout).toBe('');

    const [da, db] = [await alice.json(['decisions', '--all']), await bob.json(['decisions', '--all'])];
    expect(da).toEqual(db);
    expect(ids(da.decisions)).toEqual(['D-1a', 'D-1b']);
    expect(titles(da.decisions)).toEqual(['Vendor chosen by alice', 'Vendor chosen by bob']);
    const [ba, bb] = [await alice.json(['blockers', '--all']), await bob.json(['blockers', '--all'])];
    expect(ba).toEqual(bb);
    expect(ids(ba.blockers)).toEqual(['B-1a', 'B-1b']);
    expect(titles(ba.blockers)).toEqual(['Sandbox access for alice', 'Sandbox access for bob']);

    for (const m of [alice, bob]) {
      const doctor = await m.pb(['doctor']);
      expect(doctor.status, `${m.name}: ${doctor.stdout}${doctor.stderr}`).toBe(0);
      // Nothing the commands wrote since is left out of a commit or shows as a stray file.
      expect((await m.gitOk('status', '--porcelain')).stdout).toBe('');
    }
  });

  it('git pull --rebase, git cherry-pick of a teammate\'s commit, and a fresh clone that ran no setup all see the same records', async () => {
    const { world, alice } = await teamRepo();
    const bob = await world.clone('bob');
    const carol = await world.clone('carol');
    await addWork(alice);
    await addWork(bob);
    await alice.commit('alice: vendor decision');
    await bob.commit('bob: vendor decision');
    await bob.gitOk('push', '-q');

    const rebase = await alice.git('pull', '--rebase', '-q');
    expect(rebase.status, describeRun('git pull --rebase', rebase)).toBe(0);
    expect(conflictMarkers(alice.dir)).toEqual([]);
    expect((await alice.gitOk('log', '--format=%s')).stdout.split('\n')[0]).toBe('alice: vendor decision');
    expect(ids((await alice.json(['decisions'])).decisions)).toEqual(['D-1a', 'D-1b']);
    await alice.gitOk('push', '-q');

    // carol works on a branch; alice takes just that commit.
    await carol.gitOk('checkout', '-q', '-b', 'carol-risks');
    await carol.ok(['decision', 'add', 'Pilot clinic chosen', '--owner', 'carol', '--due', '2026-12-14'], '09:30');
    await carol.commit('carol: pilot clinic');
    await carol.gitOk('push', '-q', 'origin', 'carol-risks');
    await alice.gitOk('fetch', '-q');
    const pick = await alice.git('cherry-pick', 'origin/carol-risks');
    expect(pick.status, describeRun('git cherry-pick', pick)).toBe(0);
    expect(conflictMarkers(alice.dir)).toEqual([]);
    const afterPick = await alice.json(['decisions']);
    expect(titles(afterPick.decisions)).toEqual(['Pilot clinic chosen', 'Vendor chosen by alice', 'Vendor chosen by bob']);
    // carol's number was claimed without seeing alice's or bob's D-1: it is D-1 too, told apart by a letter.
    expect(ids(afterPick.decisions)).toEqual(['D-1a', 'D-1b', 'D-1c']);
    await alice.gitOk('push', '-q');

    const dave = await world.clone('dave');
    expect(await dave.json(['decisions'])).toEqual(afterPick);
    expect(await dave.json(['blockers'])).toEqual(await alice.json(['blockers']));
    const doctor = await dave.pb(['doctor']);
    expect(doctor.status, doctor.stdout + doctor.stderr).toBe(0);
    // The fresh clone works on the cycle alice started, and writes to a file of its own.
    await dave.ok(['decision', 'add', 'Training plan', '--owner', 'dave', '--due', '2026-12-15'], '10:00');
    await dave.commit('dave: training plan');
    await dave.gitOk('push', '-q');
    await bob.gitOk('pull', '--no-rebase', '--no-edit', '-q');
    expect(titles((await bob.json(['decisions'])).decisions)).toEqual(['Pilot clinic chosen', 'Training plan', 'Vendor chosen by alice', 'Vendor chosen by bob']);
    expect(await bob.json(['decisions'])).toEqual(await dave.json(['decisions']));
    for (const m of [alice, bob, dave]) expect((await m.pb(['doctor'])).status).toBe(0);
  });

  it('three clones writing the same day and syncing in different orders show the same decisions and blockers', async () => {
    const { world, alice } = await teamRepo();
    const bob = await world.clone('bob');
    const carol = await world.clone('carol');
    for (const m of [alice, bob, carol]) {
      await addWork(m);
      await m.commit(`${m.name}: morning`);
    }
    // carol first; bob merges hers; alice rebases onto both; then everyone pulls.
    await carol.gitOk('push', '-q');
    await bob.gitOk('pull', '--no-rebase', '--no-edit', '-q');
    await bob.gitOk('push', '-q');
    await alice.gitOk('pull', '--rebase', '-q');
    await alice.gitOk('push', '-q');
    await carol.gitOk('pull', '--no-rebase', '--no-edit', '-q');
    await bob.gitOk('pull', '--rebase', '-q');
    for (const m of [alice, bob, carol]) expect(conflictMarkers(m.dir)).toEqual([]);

    const decisions = await Promise.all([alice, bob, carol].map((m) => m.json(['decisions', '--all'])));
    const blockers = await Promise.all([alice, bob, carol].map((m) => m.json(['blockers', '--all'])));
    expect(decisions[1]).toEqual(decisions[0]);
    expect(decisions[2]).toEqual(decisions[0]);
    expect(blockers[1]).toEqual(blockers[0]);
    expect(blockers[2]).toEqual(blockers[0]);
    expect(ids(decisions[0].decisions)).toEqual(['D-1a', 'D-1b', 'D-1c']);
    expect(ids(blockers[0].blockers)).toEqual(['B-1a', 'B-1b', 'B-1c']);
    expect(titles(blockers[0].blockers)).toEqual(['Sandbox access for alice', 'Sandbox access for bob', 'Sandbox access for carol']);
    // The next number is claimed after every one seen: D-2, on any clone.
    const next = await carol.ok(['decision', 'add', 'Rollout order', '--owner', 'carol', '--due', '2026-12-12'], '11:00');
    expect(next.stdout).toMatch(/^D-2 added/);
  });

  /** D-1 open on both clones; alice closes then reopens it while bob, not having seen that, closes it. */
  async function concurrentEdit() {
    const { world, alice } = await teamRepo();
    await alice.ok(['decision', 'add', 'Pick the EHR vendor', '--owner', 'alice', '--due', '2026-12-11'], '09:00');
    await alice.commit('alice: D-1');
    await alice.gitOk('push', '-q');
    const bob = await world.clone('bob');
    expect(ids((await bob.json(['decisions'])).decisions)).toEqual(['D-1']);

    await alice.ok(['decision', 'close', 'D-1'], '10:00');
    await alice.ok(['decision', 'reopen', 'D-1', '--note', 'the contract is not signed yet'], '10:01');
    await alice.commit('alice: D-1 stays open');
    await bob.ok(['decision', 'close', 'D-1', '--note', 'vendor signed'], '10:05');
    await bob.commit('bob: D-1 closed');
    await bob.gitOk('push', '-q');
    await alice.gitOk('pull', '--no-rebase', '--no-edit', '-q');
    await alice.gitOk('push', '-q');
    await bob.gitOk('pull', '--no-rebase', '--no-edit', '-q');
    return { alice, bob };
  }

  it('a concurrent edit of one decision: both clones show the same winner and the conflict in the log, until someone acts again having seen both', async () => {
    const { alice, bob } = await concurrentEdit();
    const [da, db] = [await alice.json(['decisions', '--all']), await bob.json(['decisions', '--all'])];
    expect(da).toEqual(db);
    expect(da.decisions).toHaveLength(1);
    // bob's close is the later change: it holds on both clones.
    expect(da.decisions[0]).toMatchObject({ id: 'D-1', status: 'closed' });

    const [la, lb] = [await alice.json(['log']), await bob.json(['log'])];
    expect(la.conflicts).toEqual(lb.conflicts);
    expect(la.conflicts).toHaveLength(1);
    expect(la.conflicts[0].record).toBe('D-1');
    expect(la.conflicts[0].note).toMatch(/alice/);
    expect(la.conflicts[0].note).toMatch(/bob/);
    expect(la.conflicts[0].note).toMatch(/closed holds/);
    for (const m of [alice, bob]) expect((await m.ok(['log'])).stdout).toMatch(/^conflict on D-1: .*closed holds/m);
    // The log since a moment lists the conflicts of the cycles whose records changed since then.
    expect((await bob.json(['log', '--since', at('10:05')])).conflicts).toEqual(la.conflicts);
    // By anyone: alice made no change since 10:05, bob did.
    expect(await bob.json(['log', '--since', at('10:05'), '--actor', 'alice'])).toEqual({ version: 1, events: [], conflicts: la.conflicts });
    expect((await bob.json(['log', '--since', at('10:06')])).conflicts).toEqual([]);

    // alice, having seen both, reopens it: her change wins without a conflict, and the note clears.
    await alice.ok(['decision', 'reopen', 'D-1', '--note', 'talked to bob'], '10:10');
    await alice.commit('alice: D-1 reopened');
    await alice.gitOk('push', '-q');
    await bob.gitOk('pull', '--no-rebase', '--no-edit', '-q');
    for (const m of [alice, bob]) {
      const d = await m.json(['decisions', '--all']);
      expect(d.decisions[0]).toMatchObject({ id: 'D-1', status: 'open' });
      const log = await m.json(['log']);
      expect(log.conflicts).toEqual([]);
      expect((await m.ok(['log'])).stdout).not.toMatch(/conflict on/);
    }
  });

  it('a concurrent edit of one decision is shown by `decisions --json` (field conflict) and by `status`, then cleared', async () => {
    const { alice, bob } = await concurrentEdit();
    for (const m of [alice, bob]) {
      const d = await m.json(['decisions', '--all']);
      expect(d.decisions[0].conflict, `${m.name}: decisions --json`).toEqual(expect.stringMatching(/closed holds/));
      const status = await m.ok(['status']);
      expect(status.stdout, `${m.name}: status`).toMatch(/without seeing each other\n {2}D-1 Pick the EHR vendor: status set to open by alice and to closed by bob without seeing each other; closed holds/);
    }
    await alice.ok(['decision', 'reopen', 'D-1'], '10:10');
    const d = await alice.json(['decisions', '--all']);
    expect(d.decisions[0].conflict ?? null).toBeNull();
    expect((await alice.ok(['status'])).stdout).not.toMatch(/without seeing each other/);
  });

  it('a concurrent change of one blocker (resolved on one clone, escalated on the other) gives the same winner and note everywhere', async () => {
    const { world, alice } = await teamRepo();
    await alice.ok(['blocker', 'add', 'BAA signature', '--owner', 'alice', '--fallback', 'delay the pilot'], '09:00');
    await alice.commit('alice: B-1');
    await alice.gitOk('push', '-q');
    const bob = await world.clone('bob');
    await alice.ok(['blocker', 'resolve', 'B-1'], '10:00');
    await alice.commit('alice: resolved');
    await bob.ok(['blocker', 'escalate', 'B-1', '--note', 'legal is stuck'], '10:05');
    await bob.commit('bob: escalated');
    await alice.gitOk('push', '-q');
    await bob.gitOk('pull', '--rebase', '-q');
    await bob.gitOk('push', '-q');
    await alice.gitOk('pull', '--no-rebase', '--no-edit', '-q');
    const [ba, bb] = [await alice.json(['blockers', '--all']), await bob.json(['blockers', '--all'])];
    expect(ba).toEqual(bb);
    expect(ba.blockers[0]).toMatchObject({ id: 'B-1', status: 'escalated' });
    const [la, lb] = [await alice.json(['log']), await bob.json(['log'])];
    expect(la.conflicts).toEqual(lb.conflicts);
    expect(la.conflicts).toEqual([{ cycle: 'pm-2026-12-07', record: 'B-1', note: expect.stringMatching(/resolved.*escalated holds|escalated holds/) }]);
    await alice.ok(['blocker', 'resolve', 'B-1', '--note', 'signed after escalation'], '11:00');
    expect((await alice.json(['blockers', '--all'])).blockers[0].status).toBe('resolved');
    expect((await alice.json(['log'])).conflicts).toEqual([]);
  });

  it('a typed short id claimed on two clones (D-1 for D-1a and D-1b) exits 2 listing both with their titles, and changes nothing', async () => {
    const { world, alice } = await teamRepo();
    const bob = await world.clone('bob');
    await addWork(alice);
    await addWork(bob);
    await bob.commit('bob');
    await bob.gitOk('push', '-q');
    await alice.commit('alice');
    await alice.gitOk('pull', '--no-rebase', '--no-edit', '-q');

    const before = { work: tree(alice.dir), state: tree(alice.stateHome) };
    for (const args of [['decision', 'close', 'D-1'], ['decision', 'approve', 'd-1'], ['blocker', 'resolve', 'B-1'], ['blocker', 'add', 'Linked', '--owner', 'alice', '--decision', 'D-1']]) {
      const r = await alice.pb(args, '10:00');
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stdout).toBe('');
      const kind = args[0] === 'blocker' && args[1] === 'resolve' ? 'Sandbox access for' : 'Vendor chosen by';
      const base = kind.startsWith('Sandbox') ? 'B-1' : 'D-1';
      expect(r.stderr).toContain(`${base} is ambiguous`);
      expect(r.stderr).toContain(`${base}a "${kind} `);
      expect(r.stderr).toContain(`${base}b "${kind} `);
      expect(r.stderr).toContain(`"${kind} alice"`);
      expect(r.stderr).toContain(`"${kind} bob"`);
    }
    expect({ work: tree(alice.dir), state: tree(alice.stateHome) }).toEqual(before);

    // Named with its letter, the same command acts on that one record only.
    const bobs = (await alice.json(['decisions'])).decisions.find((d: any) => d.title === 'Vendor chosen by bob');
    await alice.ok(['decision', 'close', bobs.id], '10:00');
    const after = await alice.json(['decisions', '--all']);
    expect(after.decisions.map((d: any) => [d.title, d.status]).sort()).toEqual([
      ['Vendor chosen by alice', 'open'],
      ['Vendor chosen by bob', 'closed'],
    ]);
  });

  it("undo after a sync undoes this clone's own newest change, not the teammate's newer one; undoing the teammate's change by id is refused while later changes build on it, unless forced", async () => {
    const { world, alice } = await teamRepo();
    const bob = await world.clone('bob');
    await alice.ok(['decision', 'add', 'Alice decides', '--owner', 'alice', '--due', '2026-12-11'], '09:00');
    await alice.ok(['blocker', 'add', 'Alice blocked', '--owner', 'alice', '--fallback', 'wait'], '09:01');
    await alice.commit('alice');
    // bob's changes come later in the day than all of alice's.
    await bob.ok(['decision', 'add', 'Bob decides', '--owner', 'bob', '--due', '2026-12-11'], '09:30');
    await bob.ok(['blocker', 'add', 'Bob blocked', '--owner', 'bob', '--fallback', 'wait'], '09:31');
    await bob.commit('bob');
    await bob.gitOk('push', '-q');
    await alice.gitOk('pull', '--no-rebase', '--no-edit', '-q');

    const undo = await alice.ok(['undo'], '10:00');
    expect(undo.stdout).toMatch(/^undid .*alice.*Alice blocked/);
    expect(titles((await alice.json(['blockers'])).blockers)).toEqual(['Bob blocked']);
    expect(titles((await alice.json(['decisions'])).decisions)).toEqual(['Alice decides', 'Bob decides']);
    // Again: alice's decision, still not bob's.
    expect((await alice.ok(['undo'], '10:01')).stdout).toMatch(/Alice decides/);
    expect(titles((await alice.json(['decisions'])).decisions)).toEqual(['Bob decides']);
    expect(titles((await alice.json(['blockers'])).blockers)).toEqual(['Bob blocked']);
    // alice's one change left is starting the cycle, on which bob's work builds: undo refuses it, unasked.
    const beforeInit = tree(alice.dir);
    const nothing = await alice.pb(['undo'], '10:02');
    expect(nothing.status).toBe(1);
    expect(nothing.stderr).toMatch(/later changes build on event .* by bob/);
    expect(tree(alice.dir)).toEqual(beforeInit);
    expect(titles((await alice.json(['decisions'])).decisions)).toEqual(['Bob decides']);
    await alice.commit('alice: undone');
    await alice.gitOk('push', '-q');

    // bob closes his decision; alice then tries to undo bob's adding it.
    await bob.gitOk('pull', '--no-rebase', '--no-edit', '-q');
    const bobsDecision = (await bob.json(['decisions'])).decisions.find((d: any) => d.title === 'Bob decides');
    await bob.ok(['decision', 'close', bobsDecision.id], '11:00');
    await bob.commit('bob: closed');
    await bob.gitOk('push', '-q');
    await alice.gitOk('pull', '--no-rebase', '--no-edit', '-q');
    const log = await alice.json(['log']);
    const bobsAdd = log.events.find((e: any) => e.type === 'decision.added' && e.actor === 'bob');
    expect(bobsAdd.event).toMatch(/^[0-9a-z]{8}$/);

    const before = tree(alice.dir);
    const refused = await alice.pb(['undo', bobsAdd.event], '12:00');
    expect(refused.status, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/later change builds on event/);
    expect(refused.stderr).toMatch(/--force/);
    expect(tree(alice.dir)).toEqual(before);
    expect(titles((await alice.json(['decisions', '--all'])).decisions)).toEqual(['Bob decides']);

    const forced = await alice.ok(['undo', bobsAdd.event, '--force'], '12:00');
    expect(forced.stdout).toMatch(/^undid .*bob.*Bob decides/);
    expect((await alice.json(['decisions', '--all'])).decisions).toEqual([]);
    expect(titles((await alice.json(['blockers'])).blockers)).toEqual(['Bob blocked']);
    await alice.commit('alice: undo bob');
    await alice.gitOk('push', '-q');
    await bob.gitOk('pull', '--no-rebase', '--no-edit', '-q');
    expect((await bob.json(['decisions', '--all'])).decisions).toEqual([]);
    expect((await bob.pb(['doctor'])).status).toBe(0);
  });

  it('a synced folder shared by two machines: conflicted copies of Dropbox, Syncthing and OneDrive change nothing; a half-synced line is skipped with a note until it completes', async () => {
    const world = await makeWorld();
    const folder = join(world.root, 'Dropbox', 'launch');
    const a = world.machine('alice', folder);
    const b = world.machine('bob', folder);
    await a.ok(['init', 'healthcare', 'pm', '--local', '--no-session'], '08:00');
    const events = join(folder, '.playbook', 'events');
    const [aFile] = readdirSync(events);
    await addWork(a);
    await addWork(b, '09:10');
    const bFile = readdirSync(events).find((n) => n !== aFile)!;
    expect(bFile, 'the second machine writes a file of its own').toBeDefined();
    expect(readdirSync(events).sort()).toEqual([aFile, bFile].sort());

    const reference = { decisions: await a.json(['decisions', '--all']), blockers: await a.json(['blockers', '--all']) };
    // One folder: bob's machine read alice's D-1 before claiming its own number.
    expect(ids(reference.decisions.decisions)).toEqual(['D-1', 'D-2']);
    expect(await b.json(['decisions', '--all'])).toEqual(reference.decisions);

    const stem = (n: string) => n.replace(/\.jsonl$/, '');
    copyFileSync(join(events, aFile!), join(events, `${stem(aFile!)} (alice's conflicted copy ${DAY}).jsonl`));
    copyFileSync(join(events, bFile), join(events, `${stem(bFile)}.sync-conflict-20261207-101010-ABCDEFG.jsonl`));
    copyFileSync(join(events, bFile), join(events, `${stem(bFile)}-LAPTOP-BOB-PC.jsonl`));
    for (const m of [a, b]) {
      expect(await m.json(['decisions', '--all'])).toEqual(reference.decisions);
      expect(await m.json(['blockers', '--all'])).toEqual(reference.blockers);
      const doctor = await m.pb(['doctor']);
      expect(doctor.status, doctor.stdout + doctor.stderr).toBe(0);
    }
    const doctorJson = await a.json(['doctor']);
    expect(doctorJson.healthy).toBe(true);
    // doctor names each sync client's copy, and says nothing in it is lost.
    const copies = doctorJson.checks.filter((c: { name: string }) => c.name === 'conflicted copy').map((c: { detail: string }) => c.detail);
    expect(copies).toHaveLength(3);
    for (const detail of copies) expect(detail).toMatch(/a sync client's conflicted copy; its events are read with the others, so nothing in it is lost$/);
    // A copy that is older than the file (the copy was made before more lines arrived) loses nothing either.
    await a.ok(['decision', 'add', 'After the copy', '--owner', 'alice', '--due', '2026-12-12'], '09:20');
    expect(titles((await b.json(['decisions'])).decisions)).toContain('After the copy');

    // bob's machine writes a decision; the sync client has so far delivered half of its line.
    const whole = readFileSync(join(events, bFile), 'utf8');
    await b.ok(['decision', 'add', 'Half synced', '--owner', 'bob', '--due', '2026-12-12'], '09:30');
    const full = readFileSync(join(events, bFile), 'utf8');
    const line = full.slice(whole.length);
    expect(line.endsWith('\n')).toBe(true);
    writeFileSync(join(events, bFile), whole + line.slice(0, Math.floor(line.length / 2)));
    const partial = readFileSync(join(events, bFile));

    for (const args of [['decisions', '--all', '--json'], ['status'], ['log'], ['blockers']]) {
      const r = await a.pb(args, '09:40');
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(new RegExp(`${bFile.replace(/\./g, '\\.')}: skipped a line not yet complete`));
      if (args[0] === 'decisions') expect(titles(JSON.parse(r.stdout).decisions)).not.toContain('Half synced');
    }
    // alice keeps working meanwhile, and never touches bob's file.
    await a.ok(['blocker', 'add', 'While syncing', '--owner', 'alice', '--fallback', 'wait'], '09:41');
    expect(readFileSync(join(events, bFile))).toEqual(partial);

    appendFileSync(join(events, bFile), line.slice(Math.floor(line.length / 2)));
    const done = await a.pb(['decisions', '--all', '--json'], '09:50');
    expect(done.status).toBe(0);
    expect(done.stderr).not.toMatch(/not yet complete/);
    expect(titles(JSON.parse(done.stdout).decisions)).toContain('Half synced');
    for (const m of [a, b]) expect((await m.pb(['doctor'])).status).toBe(0);
    expect(await a.json(['decisions', '--all'])).toEqual(await b.json(['decisions', '--all']));
  });

  it('a version-1 ledger committed in a repository: two clones each convert it with a write, git merges cleanly, both converge and the converted files are byte-identical', async () => {
    const world = await makeWorld();
    const snapshot = await cycleSnapshot(world);
    const owner = await world.clone('owner');
    mkdirSync(join(owner.dir, '.playbook'));
    writeFileSync(
      join(owner.dir, '.playbook', 'ledger.json'),
      v1Text([
        v1Event(1, '08:00', 'owner', 'init', 'cycle.created', { cycle: snapshot }),
        v1Event(2, '08:10', 'owner', 'decision add', 'decision.added', { id: 'D-1', title: 'Pick the EHR vendor', owner: 'owner', due: '2026-12-11', criteria: [] }),
        v1Event(3, '08:20', 'owner', 'blocker add', 'blocker.added', { id: 'B-1', title: 'BAA signature', owner: 'owner', due: '2026-12-09T08:20:00.000Z', fallback: 'delay', decision: 'D-1' }),
        v1Event(4, '08:30', 'owner', 'decision close', 'decision.closed', { id: 'D-1', note: 'signed' }),
      ]),
    );
    await owner.commit('The ledger as version 1 kept it');
    await owner.gitOk('push', '-q', '-u', 'origin', 'main');
    const v1Bytes = readFileSync(join(owner.dir, '.playbook', 'ledger.json'), 'utf8');

    const alice = await world.clone('alice');
    const bob = await world.clone('bob');
    await alice.ok(['decision', 'add', 'Alice after the upgrade', '--owner', 'alice', '--due', '2026-12-14'], '09:00');
    await bob.ok(['blocker', 'add', 'Bob after the upgrade', '--owner', 'bob', '--fallback', 'wait'], '09:05');
    for (const m of [alice, bob]) {
      expect(JSON.parse(readFileSync(join(m.dir, '.playbook', 'ledger.json'), 'utf8')).schemaVersion).toBe(2);
      expect(readdirSync(join(m.dir, '.playbook', 'events')).filter((n) => n.startsWith('v1-'))).toHaveLength(1);
    }
    const v1Files = (m: Machine) => {
      const dir = join(m.dir, '.playbook', 'events');
      return Object.fromEntries(readdirSync(dir).filter((n) => n.startsWith('v1-')).map((n) => [n, readFileSync(join(dir, n), 'latin1')]));
    };
    expect(v1Files(alice)).toEqual(v1Files(bob));
    await alice.commit('alice: upgraded ledger');
    await bob.commit('bob: upgraded ledger');
    await alice.gitOk('push', '-q');
    const pull = await bob.git('pull', '--no-rebase', '--no-edit', '-q');
    expect(pull.status, describeRun('git pull', pull)).toBe(0);
    expect(conflictMarkers(bob.dir)).toEqual([]);
    await bob.gitOk('push', '-q');
    await alice.gitOk('pull', '--rebase', '-q');
    // Converting a ledger inside a repository writes .gitattributes (the same bytes on both clones, so
    // the merge above was clean): the events files merge by lines from then on, and doctor is content.
    for (const m of [alice, bob]) expect(readFileSync(join(m.dir, '.playbook', '.gitattributes'), 'utf8')).toMatch(/^events\/\*\.jsonl merge=union$/m);
    expect((await alice.ok(['team'])).stdout).toMatch(/already set up/);
    const owners = await world.clone('owner2');

    expect(v1Files(alice)).toEqual(v1Files(bob));
    expect(v1Files(owners)).toEqual(v1Files(alice));
    for (const m of [alice, bob, owners]) {
      expect(readdirSync(join(m.dir, '.playbook', 'events')).filter((n) => n.startsWith('v1-'))).toHaveLength(1);
      const doctor = await m.pb(['doctor']);
      expect(doctor.status, `${m.name}: ${doctor.stdout}${doctor.stderr}`).toBe(0);
    }
    const [da, db, dc] = await Promise.all([alice, bob, owners].map((m) => m.json(['decisions', '--all'])));
    expect(db).toEqual(da);
    expect(dc).toEqual(da);
    expect(da.decisions.map((d: any) => [d.id, d.title, d.status])).toEqual([
      ['D-1', 'Pick the EHR vendor', 'closed'],
      ['D-2', 'Alice after the upgrade', 'open'],
    ]);
    const [ba, bb] = await Promise.all([alice, bob].map((m) => m.json(['blockers', '--all'])));
    expect(bb).toEqual(ba);
    expect(ba.blockers.map((b: any) => [b.id, b.title, b.decision])).toEqual([
      ['B-1', 'BAA signature', 'D-1'],
      ['B-2', 'Bob after the upgrade', null],
    ]);
    // The version-1 file is gone from the history's tip: the pointer took its place on both sides alike.
    expect(readFileSync(join(alice.dir, '.playbook', 'ledger.json'), 'utf8')).not.toBe(v1Bytes);
  });

  it('the two sides of an old git conflict in a version-1 ledger: every command says to run `playbook import`, which brings in both sides once', async () => {
    const world = await makeWorld();
    const snapshot = await cycleSnapshot(world);
    const alice = await world.clone('alice');
    const ledger = join(alice.dir, '.playbook', 'ledger.json');
    const base = [v1Event(1, '08:00', 'alice', 'init', 'cycle.created', { cycle: snapshot })];
    mkdirSync(join(alice.dir, '.playbook'));
    writeFileSync(ledger, v1Text(base));
    await alice.commit('The version-1 ledger');
    await alice.gitOk('checkout', '-q', '-b', 'bob-side');
    writeFileSync(
      ledger,
      v1Text([
        ...base,
        v1Event(2, '09:30', 'bob', 'decision add', 'decision.added', { id: 'D-1', title: 'Vendor B', owner: 'bob', due: '2026-12-11', criteria: [] }),
        v1Event(3, '09:31', 'bob', 'blocker add', 'blocker.added', { id: 'B-1', title: 'Bob is blocked', owner: 'bob', due: '2026-12-09T09:31:00.000Z', fallback: 'wait' }),
      ]),
    );
    await alice.commit('bob: vendor B');
    await alice.gitOk('checkout', '-q', 'main');
    writeFileSync(
      ledger,
      v1Text([...base, v1Event(2, '09:00', 'alice', 'decision add', 'decision.added', { id: 'D-1', title: 'Vendor A', owner: 'alice', due: '2026-12-10', criteria: [] })]),
    );
    await alice.commit('alice: vendor A');
    const merge = await alice.git('merge', '--no-edit', 'bob-side');
    expect(merge.status, 'the single-line version-1 file conflicts').not.toBe(0);
    expect(readFileSync(ledger, 'utf8')).toMatch(/^<<<<<<< /m);
    const conflicted = readFileSync(ledger);
    const keep = join(world.root, 'conflicted-ledger.json');
    copyFileSync(ledger, keep);

    const commands = [['decisions'], ['blockers'], ['status'], ['log'], ['cycles'], ['doctor'], ['undo'], ['decision', 'add', 'X', '--owner', 'a', '--due', '2026-12-12'], ['blocker', 'resolve', 'B-1']];
    for (const args of commands) {
      const r = await alice.pb(args, '10:00');
      expect(r.status, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(1);
      if (args[0] === 'doctor') {
        // doctor lists its checks on stdout: the ledger's names the markers and the import.
        expect(r.stdout).toMatch(/^FAIL ledger: .*git conflict markers.*\n\s*→ run `playbook import [^`]*ledger\.json`/m);
        expect(r.stderr).toMatch(/playbook import/);
      } else {
        expect(r.stdout, args.join(' ')).toBe('');
        const lines = r.stderr.trim().split('\n');
        // One line says what is wrong; the hint under it names the command that fixes it.
        expect(lines, `${args.join(' ')}: ${r.stderr}`).toHaveLength(2);
        expect(lines[0]).toMatch(/^playbook: .*ledger\.json: the ledger has git conflict markers/);
        expect(lines[1]).toMatch(/^hint: .*`playbook import [^`]*ledger\.json`/);
      }
      expect(readFileSync(ledger)).toEqual(conflicted);
      expect(existsSync(join(alice.dir, '.playbook', 'events'))).toBe(false);
    }

    const imported = await alice.pb(['import', '.playbook/ledger.json'], '10:05');
    expect(imported.status, imported.stderr).toBe(0);
    expect(JSON.parse(readFileSync(ledger, 'utf8'))).toEqual({ schemaVersion: 2 });
    const decisions = await alice.json(['decisions', '--all']);
    expect(decisions.decisions.map((d: any) => [d.id, d.title, d.owner]).sort()).toEqual([
      ['D-1a', 'Vendor A', 'alice'],
      ['D-1b', 'Vendor B', 'bob'],
    ]);
    expect((await alice.json(['blockers'])).blockers.map((b: any) => [b.id, b.title])).toEqual([['B-1', 'Bob is blocked']]);
    // The cycle both sides share is one cycle, not two.
    const cycles = await alice.ok(['cycles']);
    expect(cycles.stdout.match(/pm-2026-12-07/g)).toHaveLength(1);
    await alice.ok(['team']);
    const doctor = await alice.pb(['doctor']);
    expect(doctor.status, doctor.stdout + doctor.stderr).toBe(0);

    const after = tree(join(alice.dir, '.playbook'));
    const again = await alice.pb(['import', keep], '10:10');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/nothing new/);
    expect(tree(join(alice.dir, '.playbook'))).toEqual(after);
    const sameCommand = await alice.pb(['import', '.playbook/ledger.json'], '10:10');
    expect([0, 1]).toContain(sameCommand.status);
    expect(tree(join(alice.dir, '.playbook'))).toEqual(after);
    expect(await alice.json(['decisions', '--all'])).toEqual(decisions);

    // The merge can be concluded and shared; a clone sees the same.
    await alice.gitOk('add', '-A');
    await alice.gitOk('commit', '-q', '--no-edit');
    await alice.gitOk('push', '-q', '-u', 'origin', 'main');
    const bob = await world.clone('bob');
    expect(await bob.json(['decisions', '--all'])).toEqual(decisions);
    expect((await bob.pb(['doctor'])).status).toBe(0);
  });
});

describe('one clone on two branches', { timeout: 60_000 }, () => {
  // A person working in one clone on two feature branches writes on both; merging the branches must
  // keep every record and leave each replica's lines one chain: the clone goes on in a new events file
  // when its own file no longer ends with the last event it wrote (another branch checked out).
  it('merging two local branches that both added records keeps every record and passes doctor', async () => {
    const { alice } = await teamRepo();
    await alice.gitOk('checkout', '-q', '-b', 'vendor');
    await alice.ok(['decision', 'add', 'On the vendor branch', '--owner', 'alice', '--due', '2026-12-10'], '09:00');
    await alice.commit('vendor decision');
    await alice.gitOk('checkout', '-q', 'main');
    await alice.gitOk('checkout', '-q', '-b', 'pilot');
    await alice.ok(['decision', 'add', 'On the pilot branch', '--owner', 'alice', '--due', '2026-12-10'], '09:10');
    await alice.commit('pilot decision');
    await alice.gitOk('checkout', '-q', 'main');
    await alice.gitOk('merge', '-q', 'vendor');
    const merge = await alice.git('merge', '-q', '--no-edit', 'pilot');
    expect(merge.status, describeRun('git merge', merge)).toBe(0);
    expect(conflictMarkers(alice.dir)).toEqual([]);
    expect(titles((await alice.json(['decisions'])).decisions)).toEqual(['On the pilot branch', 'On the vendor branch']);
    const doctor = await alice.pb(['doctor']);
    expect(doctor.status, doctor.stdout + doctor.stderr).toBe(0);
  });
});

describe('cycles on two clones', { timeout: 60_000 }, () => {
  it('two clones start a cycle with the same id before syncing: both stay, told apart by a letter; each clone keeps working on its own', async () => {
    const world = await makeWorld();
    const alice = await world.clone('alice');
    writeFileSync(join(alice.dir, 'README.md'), 'launch\n');
    await alice.commit('Start the repository');
    await alice.gitOk('push', '-q', '-u', 'origin', 'main');
    const bob = await world.clone('bob');
    await alice.ok(['init', 'healthcare', 'pm', '--local', '--no-session'], '08:00');
    await bob.ok(['init', 'healthcare', 'pm', '--local', '--no-session'], '08:30');
    await alice.ok(['decision', 'add', 'Alice decides', '--owner', 'alice', '--due', '2026-12-11'], '09:00');
    await bob.ok(['decision', 'add', 'Bob decides', '--owner', 'bob', '--due', '2026-12-11'], '09:00');
    await alice.commit('alice starts');
    await bob.commit('bob starts');
    await bob.gitOk('push', '-q');
    const pull = await alice.git('pull', '--no-rebase', '--no-edit', '-q');
    expect(pull.status, describeRun('git pull', pull)).toBe(0);
    expect(conflictMarkers(alice.dir)).toEqual([]);

    const cycles = await alice.json(['cycles']);
    expect(cycles.cycles.map((c: { id: string }) => c.id)).toEqual(['pm-2026-12-07a', 'pm-2026-12-07b']);
    expect(cycles.current).toBe('pm-2026-12-07a');
    // Each cycle keeps its own records; the clone still works on the one it started.
    expect(titles((await alice.json(['decisions'])).decisions)).toEqual(['Alice decides']);
    expect(titles((await alice.json(['decisions', '--cycle', 'pm-2026-12-07b'])).decisions)).toEqual(['Bob decides']);
    const ambiguous = await alice.pb(['decisions', '--cycle', 'pm-2026-12-07']);
    expect(ambiguous.status).toBe(2);
    expect(ambiguous.stderr).toMatch(/ambiguous: pm-2026-12-07a \(started by alice.*pm-2026-12-07b \(started by bob/);
    expect((await alice.pb(['doctor'])).status).toBe(0);
  });

  it("a teammate's new cycle is announced once, not switched to", async () => {
    const { world, alice } = await teamRepo();
    const bob = await world.clone('bob');
    await alice.ok(['decision', 'add', 'Alice decides', '--owner', 'alice', '--due', '2026-12-11'], '09:00');
    await alice.commit('alice decides');
    await alice.gitOk('push', '-q');
    await bob.gitOk('pull', '-q', '--no-rebase');
    await bob.ok(['init', 'healthcare', 'ops', '--local', '--no-session'], '10:00');
    await bob.commit('bob starts the ops cycle');
    await bob.gitOk('push', '-q');
    await alice.gitOk('pull', '-q', '--no-rebase');

    // A dry run of undo, like the undo itself, announces nothing, and leaves the news for the next view.
    const dry = await alice.ok(['undo', '--dry-run'], '10:30');
    expect(dry.stdout).toMatch(/^would undo .*Alice decides/);
    expect(dry.stderr).not.toMatch(/started cycle/);
    const first = await alice.ok(['status'], '11:00');
    expect(first.stderr).toMatch(/bob started cycle ops-2026-12-07 .*playbook use ops-2026-12-07/);
    expect(first.stdout).toContain('(pm-2026-12-07,');
    const second = await alice.ok(['status'], '11:05');
    expect(second.stderr).not.toMatch(/started cycle/);
    expect(second.stdout).toContain('(pm-2026-12-07,');
    // Bob works on the cycle he started; a fresh clone on the newest one.
    expect((await bob.json(['status'])).cycle.id).toBe('ops-2026-12-07');
    const carol = await world.clone('carol');
    expect((await carol.json(['status'])).cycle.id).toBe('ops-2026-12-07');
  });
});

/** Guard: the helpers above really give each machine a state of its own. */
describe('machines', { timeout: 60_000 }, () => {
  it('each clone keeps its replica name under its own XDG_STATE_HOME, nothing of it in the repository', async () => {
    const { world, alice } = await teamRepo();
    const bob = await world.clone('bob');
    await bob.ok(['decision', 'add', 'Bob', '--owner', 'bob', '--due', '2026-12-11']);
    const state = (m: Machine) => Object.keys(tree(m.stateHome));
    expect(state(alice).some((p) => p.startsWith(join('playbook', 'ledgers')))).toBe(true);
    expect(state(bob).some((p) => p.startsWith(join('playbook', 'ledgers')))).toBe(true);
    const files = readdirSync(join(bob.dir, '.playbook', 'events'));
    expect(files).toHaveLength(2);
    expect(statSync(join(bob.dir, '.playbook', 'ledger.json')).isFile()).toBe(true);
    expect((await bob.gitOk('status', '--porcelain')).stdout.trim().split('\n')).toHaveLength(1);
  });
});
