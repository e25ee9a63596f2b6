// Behaving like a good command-line tool: help, version, usage errors, streams, colour, hostile
// text in output, closed pipes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, createSandbox, hasControlCharacters, hasStackTrace, REPO_ROOT } from '../helpers/cli.js';
import { builtinText, edit, rawYaml } from '../helpers/playbooks.js';

const sandbox = createSandbox('playbook-conventions-');
afterAll(() => sandbox.cleanup());

const COMMANDS = ['list', 'show', 'validate', 'schema', 'new'];
const ESC = '\u001b';

describe.concurrent('help', () => {
  it.each(COMMANDS)('%s --help shows usage and examples on stdout', async (command) => {
    const result = await sandbox.runAsync([command, '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: playbook ${command}\\b`));
    expect(result.stdout).toMatch(/\nExamples:\n {2}\$ playbook /);
    expect(result.stderr).toBe('');
  });

  it('`help show` prints exactly what `show --help` prints', async () => {
    const [viaHelp, viaFlag] = await Promise.all([sandbox.runAsync(['help', 'show']), sandbox.runAsync(['show', '--help'])]);
    expect(viaHelp.status).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaHelp.stdout).toMatch(/^Usage: playbook show/);
  });

  it('--help at the top lists every command and the exit codes', async () => {
    const result = await sandbox.runAsync(['--help']);
    expect(result.status).toBe(0);
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^ {2}${command}\\b`, 'm'));
    expect(result.stdout).toMatch(/Exit codes: 0 ok, 1 .*, 2 .*, 130 /);
  });
});

describe.concurrent('--version', () => {
  it.each([['--version'], ['-V']])('%s prints only the version from package.json and a newline', async (flag) => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    const result = await sandbox.runAsync([flag]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
    expect(result.stderr).toBe('');
  });
});

describe.concurrent('usage errors', () => {
  it('an unknown command exits 2 with "Did you mean" on stderr and nothing on stdout', async () => {
    const result = await sandbox.runAsync(['lsit']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/unknown command 'lsit'/);
    expect(result.stderr).toMatch(/Did you mean list\?/);
    expect(result.stderr).toMatch(/--help/);
  });

  it('an unknown option exits 2 with a hint to --help', async () => {
    const result = await sandbox.runAsync(['list', '--bogus']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/unknown option '--bogus'/);
    expect(result.stderr).toMatch(/--help/);
  });

  it('a missing argument and a bad --format value exit 2', async () => {
    expect((await sandbox.runAsync(['show', 'healthcare'])).status).toBe(2);
    const format = await sandbox.runAsync(['show', 'healthcare', 'pm', '--format', 'pdf']);
    expect(format.status).toBe(2);
    expect(format.stdout).toBe('');
    expect(format.stderr).toMatch(/text, markdown/);
  });
});

describe.concurrent('streams', () => {
  it('`new` prints the created path on stdout and the note for a person on stderr', async () => {
    const result = await sandbox.runAsync(['new', 'aviation', 'pilot', '--dir', sandbox.path('streams')]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${sandbox.path('streams', 'aviation', 'pilot.yaml')}\n`);
    expect(result.stderr).toMatch(/^created aviation\/pilot/);
  });

  it('`list` with a broken user playbook keeps the table on stdout and the warning on stderr', async () => {
    const env = { XDG_CONFIG_HOME: sandbox.path('broken-config') };
    sandbox.write('broken-config/playbook/playbooks/aviation/pilot.yaml', 'formatVersion: 1\nstpes: []\n');
    const result = await sandbox.runAsync(['list'], { env });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/product-manager/);
    expect(result.stdout).not.toMatch(/warning|stpes/);
    expect(result.stderr).toMatch(/^warning: .*pilot\.yaml:\d+:\d+: /m);
  });
});

describe.concurrent('colour', () => {
  // Each command's output holds a coloured part when colour is on: table headings, section
  // headings, the green "ok".
  const commands: [string, string[]][] = [
    ['list', ['list']],
    ['show', ['show', 'healthcare', 'pm']],
    ['validate', ['validate']],
  ];
  const off: [string, string[], Record<string, string>][] = [
    ['by default in a pipe', [], {}],
    ['with NO_COLOR=1, even with FORCE_COLOR=1', [], { NO_COLOR: '1', FORCE_COLOR: '1' }],
    ['with TERM=dumb', [], { TERM: 'dumb' }],
    ['with --no-color, even with FORCE_COLOR=1', ['--no-color'], { FORCE_COLOR: '1' }],
    ['with --color=never, even with FORCE_COLOR=1', ['--color=never'], { FORCE_COLOR: '1' }],
  ];
  const on: [string, string[], Record<string, string>][] = [
    ['with FORCE_COLOR=1', [], { FORCE_COLOR: '1' }],
    ['with --color=always', ['--color=always'], {}],
  ];

  for (const [name, args] of commands) {
    describe(name, () => {
      it.each(off)('prints no escape sequence %s', async (_how, flags, env) => {
        const result = await sandbox.runAsync([...args, ...flags], { env });
        expect(result.status).toBe(0);
        expect(result.stdout.length).toBeGreaterThan(0);
        expect(result.stdout).not.toContain(ESC);
        expect(result.stderr).not.toContain(ESC);
      });

      it.each(on)('colours its output in a pipe %s', async (_how, flags, env) => {
        const result = await sandbox.runAsync([...args, ...flags], { env });
        expect(result.status).toBe(0);
        expect(result.stdout).toMatch(/\u001b\[\d+m/);
      });
    });
  }

  it('--no-color before the command works as well as after it', async () => {
    const result = await sandbox.runAsync(['--no-color', 'show', 'healthcare', 'pm'], { env: { FORCE_COLOR: '1' } });
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain(ESC);
  });
});

describe.concurrent('a playbook whose title holds terminal escape sequences', () => {
  const attack = '\u001b]0;owned\u0007\u001b[2J';
  const title = `Evil ${attack} title`;
  const env = { XDG_CONFIG_HOME: sandbox.path('evil-config') };
  beforeAll(() => {
    // YAML double quotes spell ESC as \e and BEL as \a.
    sandbox.write('evil-config/playbook/playbooks/healthcare/product-manager.yaml', edit(builtinText('healthcare/product-manager'), /^title: .*$/m, 'title: "Evil \\e]0;owned\\a\\e[2J title"'));
  });

  it.each([
    ['show', ['show', 'healthcare', 'pm']],
    ['show --format markdown', ['show', 'healthcare', 'pm', '--format', 'markdown']],
    ['list', ['list']],
    ['show --color=always', ['show', 'healthcare', 'pm', '--color=always']],
  ])('`%s` prints it neutralized: no raw ESC or BEL from the title reaches stdout', async (_name, args) => {
    const result = await sandbox.runAsync(args, { env });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Evil ␛]0;owned␇␛[2J title');
    expect(result.stdout).not.toContain('\u0007');
    expect(result.stdout).not.toContain(`${ESC}]0;`);
    expect(result.stdout).not.toContain(`${ESC}[2J`);
    if (!args.includes('--color=always')) expect(hasControlCharacters(result.stdout)).toBe(false);
  });

  it('`show --json` keeps the exact text', async () => {
    const result = await sandbox.runAsync(['show', 'healthcare', 'pm', '--json'], { env });
    expect(JSON.parse(result.stdout).playbook.title).toBe(title);
  });

  it('`list --json` keeps the exact text', async () => {
    const result = await sandbox.runAsync(['list', '--json'], { env });
    expect(JSON.parse(result.stdout).playbooks.find((p: { id: string }) => p.id === 'healthcare/product-manager').title).toBe(title);
  });
});

describe.concurrent('a closed pipe', () => {
  it('`playbook show healthcare pm | head -1` exits 0 with nothing on stderr', async () => {
    const result = await sandbox.shellAsync('set -o pipefail; playbook show healthcare pm | head -1');
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${rawYaml(builtinText('healthcare/product-manager')).title}\n`);
  });

  it('is not an error even when the output is far larger than the pipe buffer', async () => {
    // 20 extra context paragraphs of ~4,000 characters: over 100 KiB of output, so the CLI is
    // still writing when `head` exits and the write fails with EPIPE.
    const paragraph = `  - ${'word '.repeat(790).trimEnd()}\n`;
    const big = edit(builtinText('healthcare/product-manager'), '\ncontext:\n', `\ncontext:\n${paragraph.repeat(20)}`);
    const env = { XDG_CONFIG_HOME: sandbox.path('big-config') };
    sandbox.write('big-config/playbook/playbooks/healthcare/product-manager.yaml', big);
    const [whole, result] = await Promise.all([
      sandbox.runAsync(['show', 'healthcare', 'pm'], { env }),
      sandbox.shellAsync('set -o pipefail; playbook show healthcare pm | head -1', { env }),
    ]);
    expect(whole.stdout.length).toBeGreaterThan(100 * 1024);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(hasStackTrace(result.stderr)).toBe(false);
  });

  it('a pipe another program made non-blocking still gets every byte, however slowly it is read', async () => {
    // Output is written straight to the descriptor (src/output.ts); on a non-blocking pipe that is
    // full, a write fails with EAGAIN and must wait for the reader instead of dropping the rest.
    const paragraph = `  - ${'word '.repeat(790).trimEnd()}\n`;
    const big = edit(builtinText('healthcare/product-manager'), '\ncontext:\n', `\ncontext:\n${paragraph.repeat(20)}`);
    const env = { XDG_CONFIG_HOME: sandbox.path('nonblocking-config') };
    sandbox.write('nonblocking-config/playbook/playbooks/healthcare/product-manager.yaml', big);
    const nonBlocking = 'import fcntl, os, sys; fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) | os.O_NONBLOCK); os.execvp(sys.argv[1], sys.argv[1:])';
    // The reader starts reading only once the pipe is full (64 KiB waiting), so the writer has met EAGAIN.
    const readWhenFull =
      'import fcntl, shutil, struct, sys, termios, time\nend = time.time() + 30\nwhile time.time() < end and struct.unpack("i", fcntl.ioctl(0, termios.FIONREAD, b"1234"))[0] < 65536: time.sleep(0.01)\nshutil.copyfileobj(sys.stdin.buffer, sys.stdout.buffer)';
    const [whole, result] = await Promise.all([
      sandbox.runAsync(['show', 'healthcare', 'pm'], { env }),
      sandbox.shellAsync(`set -o pipefail; python3 -c '${nonBlocking}' '${process.execPath}' '${BIN}' show healthcare pm | python3 -c '${readWhenFull}'`, { env }),
    ]);
    expect(whole.stdout.length).toBeGreaterThan(100 * 1024);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(whole.stdout);
  });
});
