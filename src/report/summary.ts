// The week's summary of the cycle current that week, in one of six formats, as `playbook summary`
// and the end of `playbook review` print it. The model is built once; Slack and JSON are data built
// in code; the prose formats come from templates, and only they load the template engine.
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { openLedger } from '../ledger/ledger.js';
import { emailMessage } from './email.js';
import { isAddress, parseAddresses, type Address } from './mime.js';
import { buildSummary, cycleOfWeek, summaryAsOf } from './model.js';
import { slackPayload } from './slack.js';
import { BUILTIN_KINDS, checkTemplateName, findTemplate, requireTemplate, summaryTemplateDirs, type SummaryKind, type TemplateDirs, type TemplatePart } from './template-files.js';
import { parseWeek, weekOf } from './week.js';
import { nodeOs } from '../os.js';

export const FORMATS = ['text', 'markdown', 'slack', 'email', 'json', 'html'] as const;
export type SummaryFormat = (typeof FORMATS)[number];

export interface SummaryOptions {
  week?: string;
  format?: SummaryFormat;
  template?: string;
  to?: string;
  from?: string;
  subject?: string;
}

const PARTS: Record<'text' | 'markdown' | 'html' | 'email', TemplatePart[]> = {
  text: ['text'],
  markdown: ['markdown'],
  html: ['html'],
  email: ['text', 'html'],
};

export async function printSummary(ctx: Context, opts: SummaryOptions): Promise<void> {
  // The global --json means the model, unless another format was asked for.
  const format = ctx.json && (opts.format ?? 'text') === 'text' ? 'json' : (opts.format ?? 'text');
  if (!FORMATS.includes(format)) throw usageError(`--format "${String(format)}" is not one of ${FORMATS.join(', ')}`);
  const name = checkTemplateName(opts.template ?? 'weekly');
  const dirs = summaryTemplateDirs(ctx.env);
  if (format !== 'email') {
    for (const flag of ['to', 'from', 'subject'] as const) {
      if (opts[flag] !== undefined) throw usageError(`--${flag} only goes with --format email`);
    }
  }
  // Check every flag before reading the ledger, so a typo fails fast and the same way with or without one.
  const week = opts.week !== undefined ? parseWeek(opts.week, ctx.now, ctx.tz) : weekOf(ctx.now, ctx.tz);
  const envelope = format === 'email' ? addresses(ctx, opts) : undefined;
  if (format === 'slack' || format === 'json') builtinKind(name, format);
  else requireTemplate(dirs, name, PARTS[format], `--format ${format}`);

  const ledger = openLedger(ctx);
  // This week is of the cycle this clone works on; a past week of the one the team ran then.
  const asOf = summaryAsOf(week, ctx.now);
  const cycle = ctx.options.cycle === undefined && asOf.getTime() < ctx.now.getTime() ? cycleOfWeek(ledger.eventsOf, ledger.cycle, asOf) : ledger.cycle;
  const model = buildSummary({ events: ledger.eventsOf(cycle.key), cycle, week, tz: ctx.tz, now: ctx.now });

  if (format === 'json') return ctx.print(JSON.stringify(model, null, 2));
  if (format === 'slack') return ctx.print(JSON.stringify(slackPayload(model, builtinKind(name, format)), null, 2));
  const { renderProse } = await import('./prose.js');
  if (format === 'email') {
    const subject = opts.subject ?? renderProse(dirs, subjectTemplate(dirs, name), 'subject', model);
    const [text, html] = [renderProse(dirs, name, 'text', model), renderProse(dirs, name, 'html', model)];
    return ctx.print(emailMessage({ ...envelope!, subject, date: ctx.now, text, html }));
  }
  const c = ctx.chalk;
  const style = { bold: c.bold, dim: c.dim, red: c.red, yellow: c.yellow, green: c.green, cyan: c.cyan };
  ctx.print(renderProse(dirs, name, format, model, format === 'text' ? style : undefined));
}

function builtinKind(name: string, format: string): SummaryKind {
  if ((BUILTIN_KINDS as readonly string[]).includes(name)) return name as SummaryKind;
  throw usageError(`--format ${format} is built in and has no template "${name}"`, `use --template ${BUILTIN_KINDS.join(', ')}; your own templates apply to text, markdown, html and email`);
}

/** A custom template without a subject line borrows the weekly one. */
function subjectTemplate(dirs: TemplateDirs, name: string): string {
  return findTemplate(dirs, `${name}.subject`) ? name : 'weekly';
}

function addresses(ctx: Context, opts: SummaryOptions): { to: Address[]; from: Address } {
  const to = opts.to ?? ctx.env.PLAYBOOK_EMAIL_TO ?? '';
  if (to.trim() === '') throw usageError('an email needs a recipient: --to ADDR or PLAYBOOK_EMAIL_TO', 'e.g. playbook summary --format email --to team@example.org | sendmail -t');
  const from = opts.from ?? ctx.env.PLAYBOOK_EMAIL_FROM ?? '';
  const sender = from.trim() === '' ? defaultSender() : parseAddresses(from, opts.from !== undefined ? '--from' : 'PLAYBOOK_EMAIL_FROM');
  if (sender.length !== 1) throw usageError(`${opts.from !== undefined ? '--from' : 'PLAYBOOK_EMAIL_FROM'} must name exactly one address`);
  return { to: parseAddresses(to, opts.to !== undefined ? '--to' : 'PLAYBOOK_EMAIL_TO'), from: sender[0]! };
}

function defaultSender(): Address[] {
  let host = 'localhost';
  try {
    host = nodeOs().hostname();
  } catch {
    // keep localhost
  }
  const address = `playbook@${host}`;
  return [{ name: 'playbook', address: isAddress(address) ? address : 'playbook@localhost' }];
}

