// The prose formats (terminal text, Markdown, HTML, the email subject) rendered from templates.
import type { SummaryModel } from './model.js';
import { PLAIN, renderTemplate, type TextStyle } from './liquid.js';
import type { TemplateDirs, TemplatePart } from './template-files.js';
import { templateData } from './view.js';

export function renderProse(dirs: TemplateDirs, name: string, part: TemplatePart, model: SummaryModel, style: TextStyle = PLAIN): string {
  const out = renderTemplate(dirs, name, part, templateData(model, part), style);
  if (part === 'subject') return out.replace(/\s+/g, ' ').trim();
  // Templates are easier to write when blank lines may pile up: tidy them here.
  const lines = out.replace(/\r\n?/g, '\n').replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').replace(/^\n+/, '').trimEnd();
  return `${lines}\n`;
}
