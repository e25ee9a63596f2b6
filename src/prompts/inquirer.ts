// The only module that imports the prompt library. Ctrl+C at any prompt becomes an
// InterruptedError (exit 130); everything answered before it is already in the ledger.
import { checkbox, confirm, editor, input, number, select } from '@inquirer/prompts';
import type { Context } from '../context.js';
import { InterruptedError } from '../errors.js';
import type { Prompter } from './prompter.js';

async function guard<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) {
      throw new InterruptedError('interrupted; everything answered so far is saved, and `playbook resume` continues from here');
    }
    throw error;
  }
}

export function createPrompter(ctx: Pick<Context, 'streams'>): Prompter {
  const { stdin, stdout } = ctx.streams();
  const io = { input: stdin, output: stdout, clearPromptOnDone: false };
  return {
    input: (o) =>
      guard(() =>
        input({ message: o.message, ...(o.default !== undefined ? { default: o.default } : {}), ...(o.validate ? { validate: o.validate } : {}) }, io),
      ),
    editor: (o) => guard(() => editor({ message: o.message, ...(o.default !== undefined ? { default: o.default } : {}), ...(o.validate ? { validate: o.validate } : {}) }, io)),
    select: (o) => guard(() => select({ message: o.message, choices: o.choices, ...(o.default !== undefined ? { default: o.default } : {}), pageSize: 12 }, io)),
    checkbox: (o) => guard(() => checkbox({ message: o.message, choices: o.choices, ...(o.validate ? { validate: (v: readonly { value: string }[]) => o.validate!(v.map((c) => c.value) as never) } : {}), pageSize: 12 }, io)),
    confirm: (o) => guard(() => confirm({ message: o.message, ...(o.default !== undefined ? { default: o.default } : {}) }, io)),
    number: (o) =>
      guard(async () => {
        const value = await number({ message: o.message, ...(o.default !== undefined ? { default: o.default } : {}), required: true, step: 'any', ...(o.validate ? { validate: o.validate } : {}) }, io);
        return value;
      }),
    say: (text) => void stdout.write(`${text}\n`),
  };
}
