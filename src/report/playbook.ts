// A playbook laid out for a person to read: in the terminal, or as Markdown for a wiki.
import type { ChalkInstance } from 'chalk';
import type { Playbook } from '../playbook/schema.js';
import { LEDGER_TARGETS } from '../playbook/schema.js';

interface Style {
  h1(text: string): string;
  h2(text: string): string;
  h3(text: string): string;
  bullet(text: string): string;
  dim(text: string): string;
  para(text: string): string;
}

function terminalStyle(chalk: ChalkInstance): Style {
  return {
    h1: (t) => chalk.bold.underline(t),
    h2: (t) => `\n${chalk.bold.cyan(t)}`,
    h3: (t) => `\n${chalk.bold(t)}`,
    bullet: (t) => `  • ${t}`,
    dim: (t) => chalk.dim(t),
    para: (t) => t,
  };
}

const markdownStyle: Style = {
  h1: (t) => `# ${t}`,
  h2: (t) => `\n## ${t}\n`,
  h3: (t) => `\n### ${t}\n`,
  bullet: (t) => `- ${t}`,
  dim: (t) => `_${t}_`,
  para: (t) => `${t}\n`,
};

export function renderPlaybook(p: Playbook, format: 'text' | 'markdown', chalk: ChalkInstance): string {
  const s = format === 'markdown' ? markdownStyle : terminalStyle(chalk);
  const out: string[] = [];
  out.push(s.h1(p.title));
  out.push(s.dim(`${p.id} · aliases: ${p.aliases.join(', ') || 'none'}`));
  out.push('', s.para(p.objective));
  out.push(s.h2('Context'));
  for (const c of p.context) out.push(s.para(c));
  out.push(s.h2('Decision filter'), s.para(p.decisionFilter));
  out.push(
    s.h2('Cadence'),
    s.bullet(`review window: ${p.cadence.reviewWindowDays} days, reviewed every ${p.cadence.reviewEveryDays} days`),
    s.bullet(`blockers breach after ${p.cadence.blockerWindowHours} hours`),
  );
  out.push(s.h2('The six steps'));
  p.steps.forEach((step, i) => {
    out.push(s.h3(`${i + 1}. ${step.title} (${step.id})`), s.para(step.guidance));
    for (const q of step.questions) {
      const optional = q.required ? '' : ' (optional)';
      out.push(s.bullet(`${q.prompt}${optional} ${s.dim(`[${q.id} → ${q.into}: ${LEDGER_TARGETS[q.into]}]`)}`));
    }
    out.push(s.bullet(`gate: ${step.gate}`));
  });
  out.push(s.h2(`Implementation checklist (${p.checklist.length})`));
  for (const item of p.checklist) out.push(s.bullet(`${item.text} ${s.dim(`[${item.id}]`)}`));
  out.push(s.h2(`Success metrics (${p.metrics.length})`));
  for (const m of p.metrics) {
    out.push(s.bullet(`${m.name} (${m.unit}, ${m.direction === 'up' ? 'higher is better' : 'lower is better'}) ${s.dim(`[${m.id}]`)}`));
    out.push(`    ${m.indicates}`, `    target signal: ${m.targetSignal}`);
  }
  out.push(s.h2(`Risks (${p.risks.length})`));
  for (const r of p.risks) out.push(s.bullet(`${r.risk}`), `    mitigation: ${r.mitigation}`);
  if (p.triggers?.length) {
    out.push(s.h2(`Decision triggers (${p.triggers.length})`));
    for (const t of p.triggers) out.push(s.bullet(`${t.kind ? `${t.kind}: ` : ''}when ${t.threshold} → ${t.action}`));
  }
  if (p.clarityGaps?.length) {
    out.push(s.h2('Clarity gaps'));
    for (const g of p.clarityGaps) out.push(s.bullet(`${g.name}: ${g.question}`));
  }
  if (p.promises?.length) {
    out.push(s.h2('Operational promises'));
    for (const pr of p.promises) out.push(s.bullet(`${pr.metric}, ${pr.timeframe}, ${pr.constraint}${pr.example ? ` (e.g. ${pr.example})` : ''}`));
  }
  if (p.interfaces?.length) {
    out.push(s.h2('Interfaces'));
    for (const i of p.interfaces) {
      out.push(s.bullet(`${i.handoff}: ${i.input} → ${i.output}; owner ${i.owner}; SLA ${i.sla}; escalation ${i.escalation}`));
    }
  }
  if (p.capacity?.length) {
    out.push(s.h2('Capacity allocation'));
    for (const c of p.capacity) out.push(s.bullet(`${c.role}: ${c.allocation}`));
  }
  if (p.definitionOfDone?.length) {
    out.push(s.h2('Definition of done'));
    for (const d of p.definitionOfDone) out.push(s.bullet(d));
  }
  if (p.sprint?.length) {
    out.push(s.h2('Sprint plan'));
    for (const ph of p.sprint) {
      out.push(s.bullet(`days ${ph.days}: ${ph.focus}`));
      for (const a of ph.actions) out.push(`    - ${a}`);
    }
  }
  if (p.segments?.length) {
    out.push(s.h2('Customer segments'));
    for (const seg of p.segments) {
      out.push(s.bullet(`${seg.name}${seg.description ? `: ${seg.description}` : ''}`));
      for (const t of seg.targets) out.push(`    - ${t.metric}: ${t.target}`);
    }
  }
  if (p.journey?.length) {
    out.push(s.h2('Customer journey'));
    for (const ph of p.journey) {
      out.push(s.bullet(`${ph.name} (days ${ph.days}): ${ph.focus}`));
      for (const c of ph.successCriteria) out.push(`    - ${c}`);
    }
  }
  if (p.compliance?.length) {
    out.push(s.h2('Compliance checks'));
    for (const c of p.compliance) out.push(s.bullet(`${c.name}: ${c.check}`));
  }
  if (p.patterns.length) {
    out.push(s.h2('Reference patterns'));
    for (const pat of p.patterns) {
      out.push(s.bullet(`${pat.title}: ${pat.summary}`));
      for (const pr of pat.practices) out.push(`    - ${pr}`);
    }
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
