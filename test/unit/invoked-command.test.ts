// Which top-level command a run names, so that only that command is added to the tree.
import { describe, expect, it } from 'vitest';
import { buildProgram, invokedCommand } from '../../src/program.js';

const words = (line: string) => ['node', 'playbook', ...line.split(' ').filter(Boolean)];

describe('invokedCommand', () => {
  it.each([
    ['blockers', 'blockers'],
    ['blocker add "x" --owner Dana', 'blocker'],
    ['--json blockers', 'blockers'],
    ['--as status blockers', 'blockers'],
    ['--ledger blockers status', 'status'],
    ['--cycle summary summary --format slack', 'summary'],
    ['--tz UTC --no-color --no-input log', 'log'],
    ['--color always risks', 'risks'],
    ['--color=never risks', 'risks'],
    ['--color --json risks', 'risks'],
    ['--ledger=x.json metrics', 'metrics'],
  ])('%s names %s', (line, name) => {
    expect(invokedCommand(words(line))).toBe(name);
  });

  it.each(['', '--help', '-V', 'help blockers', '--help status', '-h list', '--json --help log', '--version blockers', '--unknown blockers', 'blockerz', '--ledger x.json', '-- blockers', 'constructor', '__proto__', 'toString'])(
    '"%s" names none of them, so the whole tree is built',
    (line) => {
      expect(invokedCommand(words(line))).toBeUndefined();
    },
  );

  it('knows every global option the program defines: each, before a command, still lets the command be named', () => {
    // A global option added to the program but not to invokedCommand would build the whole tree on every run.
    const globals = buildProgram().options.filter((o) => o.long !== '--version');
    expect(globals.length).toBeGreaterThan(5);
    for (const option of globals) {
      const value = option.required ? ['x'] : option.optional ? ['auto'] : [];
      expect(invokedCommand(['node', 'playbook', option.long!, ...value, 'blockers']), option.long).toBe('blockers');
    }
  });

  it('a named command gets the same definition as in the whole tree', () => {
    const whole = buildProgram();
    for (const command of whole.commands) {
      const alone = buildProgram(['node', 'playbook', command.name()]);
      expect(alone.commands.map((c) => c.name())).toEqual([command.name()]);
      expect(alone.commands[0]!.helpInformation()).toBe(command.helpInformation());
    }
  });

  it('without words, or with words naming none, every command is there', () => {
    expect(buildProgram().commands.length).toBeGreaterThan(20);
    expect(buildProgram(words('help')).commands.map((c) => c.name())).toEqual(buildProgram().commands.map((c) => c.name()));
  });
});
