// QUALITY.md, "Hostile or broken input": text a user typed never drives a terminal, never pings a
// Slack channel, never becomes an email header, and a playbook name never leaves the playbook
// directories. Fixed payloads go through every listing command of the CLI; generated ones (fast-check)
// go through the code that does the escaping, thousands at a time.
import * as fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { deriveState } from '../../src/ledger/state.js';
import { resolvePlaybook } from '../../src/playbook/catalog.js';
import { PlaybookFileError } from '../../src/playbook/load.js';
import { emailMessage } from '../../src/report/email.js';
import { headerText, parseAddresses } from '../../src/report/mime.js';
import { buildSummary } from '../../src/report/model.js';
import { renderProse } from '../../src/report/prose.js';
import { slackPayload, slackText, SLACK_LIMITS } from '../../src/report/slack.js';
import { summaryTemplateDirs } from '../../src/report/template-files.js';
import { parseWeek } from '../../src/report/week.js';
import { neutralize, oneLine } from '../../src/terminal.js';
import { createSandbox, hasStackTrace, type CliResult } from '../helpers/cli.js';
import { createLedgerSandbox, type LedgerSandbox } from '../helpers/ledger.js';
import { BUILTIN_PLAYBOOKS, playbookAs } from '../helpers/playbooks.js';
import { recordFigures, TERMINAL_CONTROLS, withoutOwnColours } from '../helpers/reliability.js';
import { cycleNamed } from '../helpers/events.js';
import { CYCLE_ID, SNAPSHOT, SUMMARY_NOW, SUMMARY_TZ, startCycle } from '../helpers/summary-ledger.js';
import { prepareZone } from '../../src/zones.js';

// Zones other than the system's load their Date class on demand, as the CLI does before a command.
await prepareZone(SUMMARY_TZ);

const RUNS = { neutralize: 5000, slackText: 5000, slackPayload: 150, email: 300, emailProse: 40, names: 3000 } as const;

const figures = { listingRuns: 0, neutralizeCases: 0, slackTextCases: 0, slackPayloads: 0, emails: 0, emailsThroughTemplates: 0, cliEmails: 0, names: 0, cliNames: 0 };
afterAll(() => recordFigures('hostile-text', figures));

/** Retitle the window, bell, clear the screen, C1 CSI, carriage return, DEL, backspace, and a colour code. */
const P = '\u001b]0;owned\u0007\u001b[2J\u009b31m\rX\u007f\u0008\u001b[31mRED';
/** The same without ";" (an owner is one person, and ";" would make two). */
const P_OWNER = '\u001b[2J\u009b31m\rX\u007f\u0008\u001b[31mRED\u0007';
/** Pieces of P that must never reach the output raw. */
const RAW = ['\u001b]0;owned', '\u0007', '\u001b[2J', '\u009b', '\r', '\u007f', '\u0008', '\u001b[31mRED'];

/** Text of the user's with every control character made visible, and no output of its own left raw. */
function expectHarmless(result: CliResult, what: string): void {
  expect(result.signal, what).toBeNull();
  expect(hasStackTrace(result.stderr), `${what}\n${result.stderr}`).toBe(false);
  // iCalendar lines end in CRLF by the standard: those CRs are the format's, not the user's.
  const stdout = what.startsWith('playbook calendar') ? result.stdout.replace(/\r\n/g, '\n') : result.stdout;
  for (const [stream, text] of [['stdout', stdout], ['stderr', result.stderr]] as const) {
    for (const raw of RAW) expect(text.includes(raw), `${what}: ${JSON.stringify(raw)} reached ${stream} raw`).toBe(false);
    const rest = withoutOwnColours(text);
    const found = TERMINAL_CONTROLS.exec(rest);
    expect(found, `${what}: ${stream} has ${JSON.stringify(found?.[0])} near ${JSON.stringify(rest.slice(Math.max(0, (found?.index ?? 0) - 30), (found?.index ?? 0) + 30))}`).toBeNull();
  }
}

describe('control characters in titles never reach a terminal raw', () => {
  let box: LedgerSandbox;
  const later = { PLAYBOOK_NOW: '2026-11-27T09:00:00Z' }; // the blocker is breached by then
  beforeAll(() => {
    box = createLedgerSandbox('playbook-hostile-text-');
    const as = { env: { PLAYBOOK_ACTOR: `Eve ${P}` } };
    box.ok(['init', 'healthcare', 'pm', '--no-session', '--cycle', `Q1 ${P}`], as);
    box.ok(['decision', 'add', `Decide ${P}`, '--owner', `Priya ${P_OWNER}`, '--due', '+7d', '--criteria', `Criterion ${P}`], as);
    box.ok(['decision', 'add', `Ship ${P}`, '--owner', `Priya ${P_OWNER}`, '--due', '+2d'], as);
    box.ok(['decision', 'close', 'D-1', '--note', `Closed ${P}`], as);
    box.ok(['blocker', 'add', `Blocked ${P}`, '--owner', `Sam ${P_OWNER}`, '--fallback', `Fallback ${P}`], as);
    box.ok(['blocker', 'add', `Also blocked ${P}`, '--owner', `Jo ${P_OWNER}`, '--fallback', `Plan B ${P}`], as);
    box.ok(['blocker', 'escalate', 'B-1', '--note', `Escalated ${P}`], as);
    box.ok(['risk', 'add', `Risk ${P}`, '--impact', 'high', '--cost', 'low', '--mitigation', `Mitigate ${P}`, '--owner', `Dana ${P_OWNER}`], as);
    box.ok(['metric', 'record', 'approval-cycle-time', '4', '--note', `Reading ${P}`], as);
    box.ok(['checklist', 'done', '1'], as);
    // A user playbook whose title, guidance and an unknown key carry the payload (YAML "\e" escapes).
    const yamlP = '\\e]0;owned\\a\\e[2J\\x9b31m\\rX\\x7f\\b\\e[31mRED';
    box.write('config/playbook/playbooks/fintech/risk-officer.yaml', playbookAs('fintech', 'risk-officer', { aliases: ['ro'], title: `"Risk ${yamlP}"` }));
    box.write('config/playbook/playbooks/fintech/broken.yaml', `${playbookAs('fintech', 'broken')}"bad ${yamlP}": 1\n`);
  });
  afterAll(() => box?.cleanup());

  const commands: string[][] = [
    ['status'],
    ['decisions', '--all'],
    ['blockers', '--all'],
    ['blockers', '--owner', `Sam ${P_OWNER}`],
    ['risks', '--all'],
    ['metrics'],
    ['checklist'],
    ['log'],
    ['cycles'],
    ['undo', '--dry-run'],
    ['gate'],
    ['gate', 'ownership'],
    ['review', '--no-summary'],
    ['summary'],
    ['summary', '--template', 'executive'],
    ['summary', '--template', 'release-brief'],
    ['summary', '--format', 'markdown'],
    ['calendar'],
    ['doctor'],
    ['list'],
    ['show', 'fintech', 'ro'],
    ['validate'],
    // messages that quote what was typed
    ['decision', 'close', `D-1${P}`],
    ['use', `cycle${P}`],
    ['show', `fintech${P}`, 'ro'],
  ];

  for (const [mode, env] of [
    ['FORCE_COLOR=1', { FORCE_COLOR: '1' }],
    ['no colour', { FORCE_COLOR: undefined }],
  ] as const) {
    it(`with ${mode}: every listing command, summary and error message neutralizes them`, async () => {
      const results = await Promise.all(commands.map((args) => box.runAsync(args, { env: { PLAYBOOK_LEDGER: box.ledger, PLAYBOOK_TZ: 'UTC', ...later, ...env } })));
      results.forEach((result, i) => {
        figures.listingRuns += 1;
        const what = `playbook ${commands[i]!.join(' ')} (${mode})`;
        expectHarmless(result, what);
        // The command ran, and printed the hostile text in its neutralized form where it shows user text.
        expect(`${result.stdout}${result.stderr}`.length, what).toBeGreaterThan(0);
      });
      const shown = results.map((r) => r.stdout + r.stderr).join('\n');
      expect(shown).toContain('␛]0;owned␇␛[2J\\u{9b}31m␍X␡␈␛[31mRED');
      if (mode === 'FORCE_COLOR=1') expect(results[0]!.stdout, 'colour is on, so the check above saw colour codes').toMatch(/\u001b\[\d+m/);
    }, 240_000);
  }

  it('--json keeps the exact text', () => {
    const decisions = box.json(['decisions', '--all']).decisions as { title: string; owner: string }[];
    expect(decisions.map((d) => d.title)).toContain(`Decide ${P}`);
    expect(decisions.map((d) => d.owner)).toContain(`Priya ${P_OWNER}`);
    const log = box.json(['log']);
    expect(JSON.stringify(log)).toContain(JSON.stringify(`Eve ${P}`).slice(1, -1));
  });

  it(`neutralize and oneLine leave no control character in ${RUNS.neutralize} generated strings, and change nothing else`, () => {
    const hostile = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.array(fc.constantFrom(...RAW, '\n', '\t', 'a', 'é', '😀', '\u2028', '\u0085'), { maxLength: 30 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(hostile, (s) => {
        figures.neutralizeCases += 1;
        expect(TERMINAL_CONTROLS.test(neutralize(s))).toBe(false);
        expect(TERMINAL_CONTROLS.test(oneLine(s)) || oneLine(s).includes('\n')).toBe(false);
        if (!TERMINAL_CONTROLS.test(s)) expect(neutralize(s)).toBe(s);
      }),
      { numRuns: RUNS.neutralize },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Slack

/** Strings built to break out of Slack's escaping: mentions, links, entities, control characters. */
const slackHostile = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('<!channel>', '<!here>', '<!everyone>', '<@U123>', '<#C123>', '<!subteam^S1>', '<https://evil.example|click>', '&lt;!channel&gt;', '&amp;', '&', '<', '>', '|', '*', '_', '`', '\u001b[2J', '\r\n', '\u0000') },
      { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
    ),
    { minLength: 1, maxLength: 12 },
  )
  .map((parts) => parts.join(''));

/** No raw <, > or a & that does not start an entity; no control characters. */
function expectSlackSafe(text: string, what: string): void {
  expect(text.includes('<') || text.includes('>'), `${what}: ${JSON.stringify(text)}`).toBe(false);
  expect(/&(?!amp;|lt;|gt;)/.test(text), `${what}: a bare & in ${JSON.stringify(text)}`).toBe(false);
  expect(TERMINAL_CONTROLS.test(text) || text.includes('\r'), `${what}: ${JSON.stringify(text)}`).toBe(false);
}

describe('Slack: nothing a user typed pings, links or breaks a limit', () => {
  it(`slackText escapes and bounds ${RUNS.slackText} generated strings`, () => {
    fc.assert(
      fc.property(slackHostile, fc.integer({ min: 2, max: 400 }), (s, max) => {
        figures.slackTextCases += 1;
        const out = slackText(s, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expectSlackSafe(out, 'slackText');
      }),
      { numRuns: RUNS.slackText },
    );
  });

  it(`the whole payload of ${RUNS.slackPayload} generated ledgers: every text escaped, at most 50 blocks, sections 3000, header 150`, () => {
    const titled = slackHostile.map((s) => s.trim().slice(0, 200)).filter((s) => s.length > 0);
    const ledger = fc.record({
      cycleName: titled,
      blockers: fc.array(fc.record({ title: titled, owner: titled, fallback: slackHostile }), { minLength: 1, maxLength: 70 }),
      decision: titled,
      risk: fc.record({ title: titled, mitigation: slackHostile, owner: titled }),
    });
    fc.assert(
      fc.property(ledger, (l) => {
        const b = startCycle({ ...SNAPSHOT, name: l.cycleName });
        b.add('2026-11-16T09:00:00Z', 'x', 'decision.added', { id: 'D-1', title: l.decision, owner: l.risk.owner, due: '2026-11-25', criteria: [] });
        b.add('2026-11-17T09:00:00Z', 'x', 'decision.approved', { id: 'D-1' });
        b.add('2026-11-17T09:01:00Z', 'x', 'build-scope.added', { decision: 'D-1', constraints: l.risk.mitigation, behaviour: l.decision, metric: 'setup-completion', target: 80 });
        b.add('2026-11-18T09:00:00Z', 'x', 'decision.closed', { id: 'D-1' });
        b.add('2026-11-16T09:00:00Z', 'x', 'risk.added', { id: 'R-1', title: l.risk.title, impact: 'high', cost: 'low', mitigation: l.risk.mitigation, owner: l.risk.owner });
        l.blockers.forEach((x, i) => b.add('2026-11-16T10:00:00Z', 'x', 'blocker.added', { id: `B-${i + 1}`, title: x.title, owner: x.owner, due: i % 2 ? '2026-11-18T09:00:00Z' : '2026-11-24T09:00:00Z', fallback: x.fallback }));
        // The fixture is a version-1 ledger; `events` are its events as the ledger reads them today.
        const events = b.events;
        const now = new Date(SUMMARY_NOW);
        const model = buildSummary({ events, cycle: cycleNamed(deriveState(events), CYCLE_ID), week: parseWeek('2026-W47', now, SUMMARY_TZ), tz: SUMMARY_TZ, now });
        // Every hostile text reached the model, so the payload below is built from all of it.
        expect(model.cycle.name).toBe(l.cycleName);
        expect(model.blockers).toHaveLength(l.blockers.length);
        for (const kind of ['weekly', 'executive', 'release-brief'] as const) {
          figures.slackPayloads += 1;
          const payload = slackPayload(model, kind);
          expect(payload.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
          expect(payload.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
          expectSlackSafe(payload.text, `${kind} fallback text`);
          for (const block of payload.blocks) {
            const texts = block.type === 'context' ? block.elements.map((e) => e.text) : block.type === 'divider' ? [] : [block.text.text];
            for (const t of texts) {
              // Our own markup (*bold*, _italic_, `code`) is fine; a < or a bare & is not.
              expectSlackSafe(t, `${kind} ${block.type}`);
              if (block.type === 'header') expect(t.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
              if (block.type === 'section') expect(t.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
            }
          }
        }
      }),
      { numRuns: RUNS.slackPayload },
    );
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------------------
// Email

const TO = [{ name: 'Team', address: 'team@example.org' }];
const FROM = { name: 'Playbook', address: 'playbook@example.org' };
const HEADERS = ['date', 'from', 'to', 'subject', 'message-id', 'mime-version', 'content-type', 'auto-submitted'];

/** Subjects and titles built to inject headers: CR, LF, "Bcc:", encoded words, long and non-ASCII text. */
const injecting = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('\r\nBcc: evil@example.com', '\nBcc: evil@example.com', '\rBcc: x@y.z', '\r\n\r\nbody', 'Bcc:', 'To: evil@example.com', '=?UTF-8?B?QmNjOiBldmls?=', '\u2028', '\u0085', '\t', ' ', ':') },
      { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }) },
      { weight: 1, arbitrary: fc.constant('x'.repeat(200)) },
    ),
    { maxLength: 10 },
  )
  // Lone surrogates cannot be encoded in UTF-8 at all: make them U+FFFD, as any encoder would.
  .map((parts) => Buffer.from(parts.join(''), 'utf8').toString('utf8'));

async function expectOneClean(raw: string, subject: string): Promise<void> {
  expect(raw.includes('\r')).toBe(false);
  for (const line of raw.split('\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(998);
  const head = raw.slice(0, raw.indexOf('\n\n'));
  // Non-ASCII reaches the headers only as RFC 2047 encoded words.
  expect(/^[\t\n\x20-\x7e]*$/.test(head), head).toBe(true);
  const names = head.split('\n').filter((l) => !/^[ \t]/.test(l)).map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
  expect(names).toEqual(HEADERS);
  const mail = await simpleParser(raw);
  expect(mail.headers.has('bcc')).toBe(false);
  expect(mail.bcc).toBeUndefined();
  const to = (Array.isArray(mail.to) ? mail.to : [mail.to!]).flatMap((a) => a.value);
  expect(to).toEqual([{ name: 'Team', address: 'team@example.org' }]);
  expect(mail.subject).toBe(headerText(subject) || 'Summary');
}

describe('email: no header can be injected', () => {
  it(`${RUNS.email} generated subjects with CR, LF and "Bcc:" parse back to the same recipients, the 8 headers and the subject on one line`, async () => {
    await fc.assert(
      fc.asyncProperty(injecting, injecting, async (subject, body) => {
        figures.emails += 1;
        const raw = emailMessage({ from: FROM, to: TO, subject, date: new Date(SUMMARY_NOW), text: body, html: `<p>${body}</p>` });
        await expectOneClean(raw, subject);
      }),
      { numRuns: RUNS.email },
    );
  }, 120_000);

  it(`${RUNS.emailProse} generated cycle names and titles through the summary templates make a clean message`, async () => {
    const dirs = summaryTemplateDirs({ XDG_CONFIG_HOME: '/nonexistent' });
    const named = injecting.map((s) => s.replace(/\s+/g, ' ').trim().slice(0, 200)).filter((s) => s.length > 0);
    await fc.assert(
      fc.asyncProperty(named, named, async (name, title) => {
        figures.emailsThroughTemplates += 1;
        const b = startCycle({ ...SNAPSHOT, name });
        b.add('2026-11-16T10:00:00Z', 'x', 'blocker.added', { id: 'B-1', title, owner: title, due: '2026-11-18T09:00:00Z', fallback: title });
        const events = b.events;
        const now = new Date(SUMMARY_NOW);
        const model = buildSummary({ events, cycle: cycleNamed(deriveState(events), CYCLE_ID), week: parseWeek('2026-W47', now, SUMMARY_TZ), tz: SUMMARY_TZ, now });
        expect(model.cycle.name).toBe(name);
        expect(model.blockers.map((x) => x.title)).toEqual([title]);
        const subject = renderProse(dirs, 'weekly', 'subject', model);
        const raw = emailMessage({ from: FROM, to: TO, subject, date: now, text: renderProse(dirs, 'weekly', 'text', model), html: renderProse(dirs, 'weekly', 'html', model) });
        await expectOneClean(raw, subject);
      }),
      { numRuns: RUNS.emailProse },
    );
  }, 120_000);

  it('addresses from --to and --from never carry a line break into a header', () => {
    fc.assert(
      fc.property(injecting, (input) => {
        try {
          for (const a of parseAddresses(`Team <team@example.org>, ${input}`, '--to')) {
            expect(/[\r\n\u0000-\u001f\u007f]/.test(a.name + a.address)).toBe(false);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(CliError);
          expect((error as CliError).exitCode).toBe(2);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('the CLI: generated --subject values with CR/LF and "Bcc:" never add a header', async () => {
    const sandbox = createLedgerSandbox('playbook-hostile-email-');
    try {
      sandbox.ok(['init', 'healthcare', 'pm', '--no-session']);
      const subjects = [...fc.sample(injecting.filter((s) => !s.includes('\u0000')), 6), 'Weekly\r\nBcc: evil@example.com\r\n\r\nbody'];
      const results = await Promise.all(subjects.map((s) => sandbox.runAsync(['summary', '--format', 'email', '--to', 'Team <team@example.org>', '--from', 'playbook@example.org', '--subject', s], { env: { PLAYBOOK_LEDGER: sandbox.ledger } })));
      for (const [i, r] of results.entries()) {
        figures.cliEmails += 1;
        expect(r.status, r.stderr).toBe(0);
        const mail = await simpleParser(r.stdout);
        expect(mail.headers.has('bcc')).toBe(false);
        expect((Array.isArray(mail.to) ? mail.to : [mail.to!]).flatMap((a) => a.value)).toEqual([{ name: 'Team', address: 'team@example.org' }]);
        expect(mail.subject).toBe(headerText(subjects[i]!) || 'Summary');
      }
    } finally {
      sandbox.cleanup();
    }
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------------------
// Playbook names

describe('a playbook name never escapes its directories', () => {
  const sandbox = createSandbox('playbook-names-');
  const env = { ...sandbox.env, PLAYBOOK_PATH: sandbox.path('team') };
  let roots: string[];
  beforeAll(() => {
    sandbox.write('team/fintech/risk-officer.yaml', playbookAs('fintech', 'risk-officer', { aliases: ['ro'] }));
    sandbox.write('outside/secret/leak.yaml', playbookAs('secret', 'leak', { title: 'TOP SECRET' }));
    sandbox.write('outside/secret.yaml', playbookAs('healthcare', 'secret', { title: 'TOP SECRET' }));
    // Symlinks out of the directories: an industry directory, and a file.
    symlinkSync(sandbox.path('outside', 'secret'), sandbox.path('team', 'secret'));
    mkdirSync(join(sandbox.userPlaybooks, 'healthcare'), { recursive: true });
    symlinkSync(sandbox.path('outside', 'secret.yaml'), join(sandbox.userPlaybooks, 'healthcare', 'secret.yaml'));
    roots = [sandbox.path('team'), sandbox.userPlaybooks, BUILTIN_PLAYBOOKS].map((d) => realpathSync(d));
  });
  afterAll(() => sandbox.cleanup());

  const names = fc.oneof(
    fc.constantFrom('..', '../..', '../../etc/passwd', '%2e%2e', '%2e%2e%2fetc', '..%2f..', 'secret', 'leak', 'pm', 'ro', 'fintech', 'healthcare', '.', '/', '/etc', '\\..\\..', 'pm\u0000', '..\u0000', 'ｐｍ', 'p\u0301m', 'PM', '~', '$HOME', 'secret/../pm'),
    fc.array(fc.constantFrom('..', '/', '%2e', '%2f', '\u0000', '\\', '.', 'pm', 'secret', 'é', '\u202e', ' '), { maxLength: 8 }).map((a) => a.join('')),
    fc.string({ maxLength: 12 }),
  );

  it(`resolvePlaybook: ${RUNS.names} generated industry and role names select a file inside the playbook directories or are refused`, () => {
    fc.assert(
      fc.property(names, names, (industry, role) => {
        figures.names += 1;
        try {
          const entry = resolvePlaybook(env, industry, role);
          const real = realpathSync(entry.file);
          expect(roots.some((root) => { const rel = relative(root, real); return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep); }), real).toBe(true);
          expect(entry.playbook.title).not.toContain('TOP SECRET');
        } catch (error) {
          if (error instanceof PlaybookFileError) return;
          expect(error).toBeInstanceOf(CliError);
          expect((error as CliError).exitCode).toBe(2);
          expect(TERMINAL_CONTROLS.test((error as CliError).message.replace(/\n/g, ' '))).toBe(false);
        }
      }),
      { numRuns: RUNS.names },
    );
  });

  it('the CLI: show, init and new refuse generated names that try to leave, with exit 2 and nothing leaked or written', async () => {
    const tries = [...new Set([...fc.sample(names.filter((n) => !n.includes('\u0000') && n !== 'secret' && n !== 'leak'), 4), '../../etc/passwd', '%2e%2e', 'secret'])];
    const runs = tries.flatMap((name) => [
      ['show', 'healthcare', name],
      ['show', name, 'leak'],
      ['init', name, 'pm', '--no-session', '--ledger', sandbox.path('ledgers', 'x.json')],
      ['new', name, 'role', '--dir', sandbox.path('new-here')],
    ]);
    const results = await Promise.all(runs.map((args) => sandbox.runAsync(args, { env })));
    results.forEach((r, i) => {
      figures.cliNames += 1;
      const what = runs[i]!.map((a) => JSON.stringify(a)).join(' ');
      expect(hasStackTrace(r.stderr), what).toBe(false);
      expect(`${r.stdout}${r.stderr}`, what).not.toMatch(/TOP SECRET|root:/);
      if (r.status === 0) {
        // Only a name that is a real catalog entry (say "pm", or "fintech") may succeed, and only inside.
        expect(runs[i]![0] === 'new' ? r.stdout.trim().startsWith(realpathSync(sandbox.path('new-here'))) : true, what).toBe(true);
      } else expect(r.status, `${what}\n${r.stderr}`).toBe(2);
    });
  }, 120_000);
});
