// Every summary format × template, from the fixed ledger at a fixed clock, compared byte for
// byte with the files in test/golden/ (UPDATE_GOLDEN=1 rewrites them), and read for meaning: the
// sections each template promises are there, in order, and the breached blocker comes first.
// The fixture is a version-1 ledger, read as it is; the same ledger converted to the team format
// (a pointer and an events folder) gives the same bytes in every format.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { SUMMARY_NOW, SUMMARY_TZ } from '../helpers/summary-ledger.js';
import { summarySandbox } from '../helpers/summary.js';

const GOLDEN = join(REPO_ROOT, 'test', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const FORMATS = {
  text: { ext: 'txt', args: [] as string[] },
  markdown: { ext: 'md', args: ['--format', 'markdown'] },
  slack: { ext: 'slack.json', args: ['--format', 'slack'] },
  email: { ext: 'eml', args: ['--format', 'email', '--to', 'Launch team <team@example.org>', '--from', 'Playbook <playbook@example.org>'] },
  json: { ext: 'json', args: ['--format', 'json'] },
  html: { ext: 'html', args: ['--format', 'html'] },
} as const;
type Format = keyof typeof FORMATS;

/** The section headings each template shows, in order, and ones it must not show. */
const SECTIONS = {
  weekly: {
    shows: ['Closed this week', 'Active blockers', 'Open decisions', 'Metrics', 'Checklist', 'Due next week', 'Next checkpoint', 'Checkpoints this week', 'Changed this week', 'Open risks'],
    hides: ['What ships', 'Who to call'],
  },
  executive: {
    shows: ['Decisions closed this week', 'Active blockers', 'Open decisions', 'Latest metric readings'],
    hides: ['Checklist', 'Due next week', 'Next checkpoint', 'Checkpoints this week', 'Changed this week', 'Open risks', 'What ships'],
  },
  'release-brief': {
    shows: ['What ships', 'What changes for customer-facing teams', 'Open decisions', 'Open risks', 'Who to call'],
    hides: ['Checklist', 'Due next week', 'Active blockers', 'Changed this week'],
  },
} as const;
type Template = keyof typeof SECTIONS;

const sandbox = summarySandbox();
afterAll(() => sandbox.cleanup());

function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (UPDATE) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`missing golden file ${file}: run UPDATE_GOLDEN=1 npx vitest run test/e2e/summary-golden.test.ts`);
  // Compared as one string so a difference shows as a diff; byte equality is what is asserted.
  expect(actual, `${name} differs from its golden file (UPDATE_GOLDEN=1 regenerates it)`).toBe(readFileSync(file, 'utf8'));
  expect(Buffer.from(actual).equals(readFileSync(file))).toBe(true);
}

/** What a reader sees, as plain text, for the meaning checks. */
async function readable(format: Format, output: string): Promise<string> {
  switch (format) {
    case 'slack': {
      const payload = JSON.parse(output) as { blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[] };
      return payload.blocks.map((b) => b.text?.text ?? b.elements?.map((e) => e.text).join(' ') ?? '').join('\n');
    }
    case 'email': {
      const mail = await simpleParser(output);
      return `${mail.text}\n${String(mail.html)}`;
    }
    case 'html':
      return output.replace(/<svg[\s\S]*?<\/svg>/g, '').replace(/<[^>]+>/g, '');
    default:
      return output;
  }
}

describe('summary golden files', () => {
  for (const template of Object.keys(SECTIONS) as Template[]) {
    for (const format of Object.keys(FORMATS) as Format[]) {
      it(`${template} as ${format}`, async () => {
        const { ext, args } = FORMATS[format];
        const output = sandbox.ok(['summary', '--template', template, ...args]);
        golden(`summary-${template}.${ext}`, output);

        if (format === 'json') {
          const model = JSON.parse(output);
          expect(model.version).toBe(1);
          expect(model.week.id).toBe('2026-W47');
          expect(model.blockers.map((b: { id: string }) => b.id)).toEqual(['B-1', 'B-3', 'B-4']);
          return;
        }
        const text = await readable(format, output);
        let last = -1;
        for (const heading of SECTIONS[template].shows) {
          const at = text.indexOf(heading, last + 1);
          expect(at, `"${heading}" after the previous section in ${template} ${format}`).toBeGreaterThan(last);
          last = at;
        }
        for (const heading of SECTIONS[template].hides) expect(text, `${template} ${format} shows "${heading}"`).not.toContain(heading);
        expect(text).toContain('Clinic onboarding Q1');
        expect(text).toContain('2026-W47');
        if (template !== 'release-brief') {
          expect(text.indexOf('B-1')).toBeLessThan(text.indexOf('B-3'));
          expect(text).toMatch(/B-1[^\n]*BREACHED, escalated/);
          expect(text).toContain('Setup completion');
          expect(text).toContain('72%');
        } else {
          expect(text).toContain('New clinics see a five-step setup checklist on first login');
          expect(text).toContain('Priya Raman');
        }
      });
    }
  }

  it('json is the same model whatever the template', () => {
    const outputs = (Object.keys(SECTIONS) as Template[]).map((t) => sandbox.ok(['summary', '--format', 'json', '--template', t]));
    expect(new Set(outputs).size).toBe(1);
  });

  it('the text format in colour is the plain golden file plus escape sequences', () => {
    const coloured = sandbox.ok(['summary', '--color=always']);
    expect(coloured).toContain('\u001b[');
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(readFileSync(join(GOLDEN, 'summary-weekly.txt'), 'utf8'));
  });
});

describe('the calendar golden file', () => {
  it('is byte for byte what `playbook calendar` prints', () => {
    golden('calendar.ics', sandbox.ok(['calendar']));
  });
});

describe('the same ledger in the team format', () => {
  const converted = summarySandbox();
  afterAll(() => converted.cleanup());

  it('converted (`playbook import` of itself: a pointer and one events file), every summary and the calendar is byte for byte its golden file', async () => {
    const imported = converted.run(['import', converted.ledger]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(readFileSync(converted.ledger, 'utf8')).toBe('{"schemaVersion":2}\n');
    const files = readdirSync(converted.path('events'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^v1-[0-9a-f]+\.jsonl$/);

    const env = { PLAYBOOK_LEDGER: converted.ledger, PLAYBOOK_NOW: SUMMARY_NOW, PLAYBOOK_TZ: SUMMARY_TZ };
    const runs: [string, string[]][] = [['calendar.ics', ['calendar']]];
    for (const template of Object.keys(SECTIONS) as Template[]) {
      for (const format of Object.keys(FORMATS) as Format[]) runs.push([`summary-${template}.${FORMATS[format].ext}`, ['summary', '--template', template, ...FORMATS[format].args]]);
    }
    const results = await Promise.all(runs.map(([, args]) => converted.runAsync(args, { env })));
    results.forEach((result, i) => {
      const [name, args] = runs[i]!;
      expect(result.status, `playbook ${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stdout, `${name} from the converted ledger`).toBe(readFileSync(join(GOLDEN, name), 'utf8'));
    });
  }, 120_000);
});
