// Asking one question of the session at the terminal. What an answer means stays in machine.ts:
// a typed answer is checked the way recording it would check it, so the prompt can say at once
// what is wrong.
import type { Context } from '../context.js';
import type { Question, Step } from '../playbook/schema.js';
import type { Prompter } from '../prompts/prompter.js';
import { neutralize, oneLine } from '../terminal.js';
import { answerEvents, choicesOf, defaultFor, finishEvents } from './machine.js';
import { askRecords } from './ask-record.js';
import { AnswerError, type FlowContext } from './records.js';
import type { Recorder } from './recorder.js';

/** Checks a typed answer the way recording it would: true, or why not. */
function check(f: FlowContext, step: Step, q: Question, value: unknown): string | true {
  try {
    answerEvents(f, step, q, value);
    return true;
  } catch (error) {
    if (error instanceof AnswerError) return error.message;
    throw error;
  }
}

function exampleHint(q: Question): string {
  if (q.example === undefined || q.type === 'records') return '';
  const text = Array.isArray(q.example) ? q.example.join('; ') : String(q.example);
  return ` (e.g. ${text.length > 80 ? `${text.slice(0, 77)}...` : text})`;
}

/** Asks question `q` of `step` and records the answer (or that an optional one was skipped). */
export async function askQuestion(p: Prompter, recorder: Recorder, f: FlowContext, step: Step, q: Question, ctx: Pick<Context, 'chalk' | 'tz'>): Promise<void> {
  if (q.help) p.say(ctx.chalk.dim(`  ${neutralize(q.help.trim())}`));
  const message = `${oneLine(q.prompt)}${q.required ? '' : ' (optional)'}`;
  const skip = () => recorder.record((fresh) => finishEvents(fresh, step, q));
  const save = (value: unknown) => recorder.record((fresh) => answerEvents(fresh, step, q, value));
  if (q.choicesFrom && choicesOf(f, q).length === 0) {
    p.say(ctx.chalk.dim(`  ${oneLine(q.prompt)} No ${q.choicesFrom} are open in this cycle, so there is nothing to choose; moving on.`));
    return skip();
  }
  switch (q.type) {
    case 'records':
      return askRecords(p, recorder, step, q, ctx);
    case 'text':
    case 'date': {
      const dflt = defaultFor(f, q);
      const value = await p.input({
        message: `${message}${dflt ? '' : exampleHint(q)}`,
        ...(dflt ? { default: dflt } : {}),
        validate: (v) => (v.trim() === '' && !q.required ? true : check(f, step, q, v)),
      });
      return value.trim() === '' && !q.required ? skip() : save(value);
    }
    case 'editor': {
      const value = await p.editor({ message, validate: (v) => (v.trim() === '' && !q.required ? true : check(f, step, q, v)) });
      return value.trim() === '' && !q.required ? skip() : save(value);
    }
    case 'number': {
      const value = await p.number({ message: `${message}${exampleHint(q)}` });
      return save(value);
    }
    case 'confirm':
      return save(await p.confirm({ message, ...(typeof q.example === 'boolean' ? { default: q.example } : {}) }));
    case 'choice': {
      const choices = choicesOf(f, q).map((c) => ({ value: c.value, name: oneLine(c.name) }));
      const dflt = defaultFor(f, q);
      const value = await p.select({ message, choices: q.required ? choices : [...choices, { value: '', name: '(skip)' }], ...(dflt && q.choices?.includes(dflt) ? { default: dflt } : {}) });
      return value === '' ? skip() : save(value);
    }
    case 'multichoice': {
      const value = await p.checkbox({
        message,
        choices: choicesOf(f, q).map((c) => ({ value: c.value, name: oneLine(c.name) })),
        validate: (v) => (v.length === 0 ? (q.required ? 'choose at least one (space selects, enter confirms)' : true) : true),
      });
      return value.length === 0 ? skip() : save(value);
    }
    case 'list': {
      const items: string[] = [];
      p.say(ctx.chalk.dim(`  ${oneLine(q.prompt)} One item per line; an empty line finishes.${oneLine(exampleHint(q))}`));
      for (;;) {
        const item = await p.input({
          message: `  ${items.length + 1}.`,
          validate: (v) => (v.trim() === '' && items.length === 0 && q.required ? 'give at least one item' : v.length > 2000 ? 'at most 2000 characters' : true),
        });
        if (item.trim() === '') break;
        items.push(item.trim());
      }
      return items.length === 0 ? skip() : save(items);
    }
  }
}
