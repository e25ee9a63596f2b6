// Renders summary templates with LiquidJS, locked down: templates are data, never code. Unknown
// filters and variables are errors, only own properties are visible, every file comes from the
// template directories (template-files.ts decides), and parse size, render time and memory are
// bounded. HTML output is escaped by default and Markdown output has its markup characters
// escaped; the terminal and subject parts receive data that is already made safe (view.ts).
import { Liquid, type FS } from 'liquidjs';
import { dirname, join, sep } from 'node:path';
import { usageError } from '../errors.js';
import { oneLine } from '../terminal.js';
import { EXTENSION, findTemplate, readTemplate, safeFile, type TemplateDirs, type TemplatePart } from './template-files.js';
import { formatValue, plural } from './values.js';

export interface TextStyle {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  cyan(text: string): string;
}

const same = (text: string) => text;
export const PLAIN: TextStyle = { bold: same, dim: same, red: same, yellow: same, green: same, cyan: same };

/** Markdown's markup characters in a value, escaped, and the value kept on one line. */
export function escapeMarkdown(value: unknown): string {
  return oneLine(value === null || value === undefined ? '' : String(value)).replace(/[\\`*_[\]<>|~]/g, '\\$&');
}

function templateFs(dirs: TemplateDirs): FS {
  const allowed = (file: string) => safeFile(dirs, file);
  return {
    sep,
    dirname,
    // Liquid asks for `<dir>/<name><ext>`; a name that is not a plain template name resolves nowhere.
    resolve: (dir, file, ext) => (/^_?[a-z0-9][a-z0-9-]*\.(text|markdown|html|subject)$/.test(file) ? join(dir, `${file}${ext}`) : join(dir, '\u0000')),
    existsSync: allowed,
    exists: (file) => Promise.resolve(allowed(file)),
    containsSync: (_root, file) => allowed(file),
    contains: (_root, file) => Promise.resolve(allowed(file)),
    readFileSync: (file) => readTemplate(dirs, file),
    readFile: (file) => Promise.resolve(readTemplate(dirs, file)),
  };
}

function engine(dirs: TemplateDirs, part: TemplatePart, style: TextStyle): Liquid {
  const liquid = new Liquid({
    root: [dirs.user, dirs.builtin],
    fs: templateFs(dirs),
    extname: EXTENSION,
    relativeReference: false,
    strictFilters: true,
    strictVariables: true,
    lenientIf: true,
    ownPropertyOnly: true,
    jsTruthy: false,
    timezoneOffset: 'UTC',
    locale: 'en-US',
    parseLimit: 1_000_000,
    renderLimit: 5_000,
    memoryLimit: 100_000_000,
    ...(part === 'html' ? { outputEscape: 'escape' as const } : part === 'markdown' ? { outputEscape: escapeMarkdown } : {}),
  });
  for (const name of ['bold', 'dim', 'red', 'yellow', 'green', 'cyan'] as const) {
    liquid.registerFilter(name, (value: unknown) => style[name](String(value ?? '')));
  }
  liquid.registerFilter('value', (value: unknown, unit: unknown) => formatValue(typeof value === 'number' ? value : null, String(unit ?? '')));
  liquid.registerFilter('plural', (count: unknown, noun: unknown, many?: unknown) =>
    plural(Number(count), String(noun), many === undefined ? undefined : String(many)),
  );
  liquid.registerFilter('pad', (value: unknown, width: unknown) => String(value ?? '').padEnd(Number(width) || 0));
  return liquid;
}

/** Renders `<name>.<part>.liquid` (user directory first) with the data. */
export function renderTemplate(dirs: TemplateDirs, name: string, part: TemplatePart, data: Record<string, unknown>, style: TextStyle = PLAIN): string {
  const file = findTemplate(dirs, `${name}.${part}`);
  if (!file) throw usageError(`no summary template "${name}" for ${part}`);
  try {
    // Rendered synchronously: the file system above is synchronous anyway, and Liquid's
    // asynchronous renderer awaits every tag, which made it the largest part of a summary's time.
    return engine(dirs, part, style).renderFileSync(`${name}.${part}`, data) as string;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw usageError(`template ${file}: ${oneLine(message)}`, 'fix the template, or remove it to use the built-in one');
  }
}
