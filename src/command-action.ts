// Wiring a command of the table to its function: typed arguments and options, the run's context,
// and the function's module imported only when the command runs.
import type { CommandUnknownOpts, OptionValues } from '@commander-js/extra-typings';
import { createContext, type Context, type GlobalOptions } from './context.js';
import { prepareZone } from './zones.js';

/**
 * A command's function. Its arguments and options are typed from the command's definition below
 * (commander's extra typings): `action` does not compile when the function reads an option the
 * command does not define, or expects one of another type.
 */
type Handler<A extends unknown[], H> = (ctx: Context, args: A, opts: H) => Promise<void> | void;
/** Empty when options O (as defined) give the function what it reads (H); else a message the compiler shows. */
type Checked<O, H> = [Exclude<keyof H, keyof O>] extends [never] ? (O extends H ? [] : ['the options defined do not have the types the command reads']) : [`option not defined for this command: ${Exclude<keyof H, keyof O> & string}`];

export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/** Wires a command to its function, loaded only when the command runs. */
export function action<A extends unknown[], O extends OptionValues, H>(load: () => Promise<Handler<A, H>>, ..._check: Checked<O, H>) {
  return async (...received: [...A, O, CommandUnknownOpts]): Promise<void> => {
    const command = received[received.length - 1] as CommandUnknownOpts;
    const args = received.slice(0, -2) as A;
    const globals: GlobalOptions = command.optsWithGlobals();
    const ctx = createContext(globals, commandPath(command));
    const [run] = await Promise.all([load(), prepareZone(ctx.tz)]);
    await run(ctx, args, command.opts() as H);
  };
}

function commandPath(command: CommandUnknownOpts): string {
  const names: string[] = [];
  for (let c: CommandUnknownOpts | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** A repeatable option's values, in the order given. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
