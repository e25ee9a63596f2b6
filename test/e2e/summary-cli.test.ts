// `playbook summary` as a command-line tool: the week flag, errors and exit codes, pipes, the
// same bytes on every run, template overrides and the limits of template lookup, and the
// template engine staying out of every other command's start-up.
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasControlCharacters, hasStackTrace } from '../helpers/cli.js';
import { hostileLedger } from '../helpers/summary-ledger.js';
import { summarySandbox, type SummarySandbox } from '../helpers/summary.js';

const sandboxes: SummarySandbox[] = [];
function sandbox(...args: Parameters<typeof summarySandbox>): SummarySandbox {
  const s = summarySandbox(...args);
  sandboxes.push(s);
  return s;
}
afterAll(() => sandboxes.forEach((s) => s.cleanup()));

describe('summary --week', () => {
  const s = sandbox();

  it('takes 2026-W53, a week that exists', () => {
    const out = s.ok(['summary', '--week', '2026-W53']);
    expect(out).toContain('2026-W53 (2026-12-28 to 2027-01-03)');
    expect(s.ok(['summary', '--week', '2026-W53', '--format', 'json'])).toContain('"id": "2026-W53"');
  });

  it.each(['2026-W54', '2025-W53', '2026-W00', '2026-47', 'garbage', 'W47'])('refuses %s with exit 2, naming it', (week) => {
    const result = s.run(['summary', '--week', week]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`"${week}"`);
    expect(hasStackTrace(result.stderr)).toBe(false);
  });

  it('defaults to the current ISO week in the chosen zone', () => {
    // Sunday 23:30 UTC is already Monday of the next week in Berlin.
    const env = { PLAYBOOK_NOW: '2026-11-22T23:30:00Z' };
    expect(JSON.parse(s.ok(['summary', '--format', 'json', '--tz', 'UTC'], { env })).week.id).toBe('2026-W47');
    expect(JSON.parse(s.ok(['summary', '--format', 'json', '--tz', 'Europe/Berlin'], { env })).week.id).toBe('2026-W48');
    expect(JSON.parse(s.ok(['summary', '--format', 'json'], { env: { ...env, PLAYBOOK_TZ: 'America/New_York' } })).week.id).toBe('2026-W47');
  });

  it('shows a past week as the ledger stood at its end', () => {
    const model = JSON.parse(s.ok(['summary', '--format', 'json', '--week', 'last']));
    expect(model.week.id).toBe('2026-W46');
    expect(model.closed.decisions.map((d: { id: string }) => d.id)).toEqual(['D-4']);
    expect(model.blockers).toEqual([]);
    expect(model.metrics[0].latest.value).toBe(66);
  });
});

describe('summary --week of a week before the current cycle began', () => {
  // A cycle run in W46 and W47, and a new one started on Monday of W48 (the tests' clock).
  const s = sandbox(null);
  const at = (time: string) => ({ env: { PLAYBOOK_NOW: time } });
  beforeAll(() => {
    s.ok(['init', 'healthcare', 'pm', '--no-session', '--cycle', 'Autumn launch'], at('2026-11-09T09:00:00Z'));
    s.ok(['decision', 'add', 'Ship guided setup', '--owner', 'Priya', '--due', '+7d'], at('2026-11-10T09:00:00Z'));
    s.ok(['decision', 'close', 'D-1'], at('2026-11-18T09:00:00Z'));
    s.ok(['init', 'healthcare', 'cs', '--no-session', '--cycle', 'Winter onboarding'], at('2026-11-23T08:00:00Z'));
  });
  const summary = (args: string[]) => JSON.parse(s.ok(['summary', '--format', 'json', ...args], at('2026-11-23T09:00:00Z')));

  it('is of the cycle the team was running that week, not of the one started since', () => {
    const last = summary(['--week', 'last']);
    expect(last.week.id).toBe('2026-W47');
    expect(last.cycle).toMatchObject({ id: 'autumn-launch', name: 'Autumn launch' });
    expect(last.closed.decisions.map((d: { id: string; title: string }) => [d.id, d.title])).toEqual([['D-1', 'Ship guided setup']]);
    expect(s.ok(['summary', '--week', 'last'], at('2026-11-23T09:00:00Z')).split('\n')[0]).toBe('Weekly summary: Autumn launch, 2026-W47 (2026-11-16 to 2026-11-22)');
  });

  it('this week is of the current cycle, and --cycle names another for any week', () => {
    expect(summary([]).cycle.id).toBe('winter-onboarding');
    const named = summary(['--week', 'last', '--cycle', 'winter-onboarding']);
    expect(named.cycle.id).toBe('winter-onboarding');
    expect(named.closed.decisions).toEqual([]);
  });

  it('a past week is of the cycle most recently started as of that week: this clone\'s `use` (local to it), or a cycle started and undone since, does not change it', () => {
    // Alpha from W40, Beta from W45 with D-1 closed in W47; on Monday of W48 this clone switches back to Alpha.
    // `use` is this clone's own choice and leaves no event in the shared ledger, so it cannot say what the
    // team ran in a past week: that is the cycle most recently started by then, Beta.
    const u = sandbox(null);
    u.ok(['init', 'healthcare', 'pm', '--no-session', '--cycle', 'Alpha'], at('2026-10-01T09:00:00Z'));
    u.ok(['init', 'healthcare', 'ops', '--no-session', '--cycle', 'Beta'], at('2026-11-02T09:00:00Z'));
    u.ok(['decision', 'add', 'Route intake to one queue', '--owner', 'Dana', '--due', '+7d'], at('2026-11-03T09:00:00Z'));
    u.ok(['decision', 'close', 'D-1'], at('2026-11-18T09:00:00Z'));
    u.ok(['use', 'alpha'], at('2026-11-23T08:00:00Z'));
    const week = (sb: SummarySandbox) => JSON.parse(sb.ok(['summary', '--format', 'json', '--week', 'last'], at('2026-11-23T09:00:00Z')));
    expect(week(u).cycle.id).toBe('beta');
    expect(week(u).closed.decisions.map((d: { id: string }) => d.id)).toEqual(['D-1']);
    // This week is of the clone's own choice.
    expect(JSON.parse(u.ok(['summary', '--format', 'json'], at('2026-11-23T09:00:00Z'))).cycle.id).toBe('alpha');
    // Oops started on Friday of W47 and undone on Monday: W47 ended with Oops current, so it is Oops, as it stood.
    const o = sandbox(null);
    o.ok(['init', 'healthcare', 'pm', '--no-session', '--cycle', 'Autumn launch'], at('2026-11-09T09:00:00Z'));
    o.ok(['init', 'healthcare', 'cs', '--no-session', '--cycle', 'Oops'], at('2026-11-20T09:00:00Z'));
    o.ok(['blocker', 'add', 'Clinic list missing', '--owner', 'Sam', '--due', '+7d'], at('2026-11-21T09:00:00Z'));
    o.ok(['undo'], at('2026-11-23T08:30:00Z'));
    o.ok(['undo'], at('2026-11-23T08:31:00Z'));
    expect(JSON.parse(o.ok(['cycles', '--json'])).cycles.map((c: { id: string }) => c.id)).toEqual(['autumn-launch']);
    const undone = week(o);
    expect(undone.cycle.id).toBe('oops');
    expect(undone.blockers.map((b: { id: string }) => b.id)).toEqual(['B-1']);
    expect(JSON.parse(o.ok(['summary', '--format', 'json'], at('2026-11-23T09:00:00Z'))).cycle.id).toBe('autumn-launch');
    // The same id started again since is a new cycle; last week's is still the one that ran then.
    o.ok(['init', 'healthcare', 'cs', '--no-session', '--cycle', 'Oops'], at('2026-11-23T08:45:00Z'));
    expect(week(o).blockers.map((b: { id: string }) => b.id)).toEqual(['B-1']);
    expect(JSON.parse(o.ok(['summary', '--format', 'json'], at('2026-11-23T09:00:00Z'))).blockers).toEqual([]);
  });

  it('a week before any cycle began is of the current cycle, as it stood then: empty', () => {
    const before = summary(['--week', '2026-W40']);
    expect(before.cycle.id).toBe('winter-onboarding');
    expect(before.closed.decisions).toEqual([]);
    expect(before.blockers).toEqual([]);
  });
});

describe('summary errors', () => {
  it('exits 1 and names playbook init when there is no ledger', () => {
    const result = sandbox(null).run(['summary']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('playbook init');
    expect(result.stdout).toBe('');
  });

  it('refuses email flags with another format, and an unknown format', () => {
    const s = sandbox();
    expect(s.run(['summary', '--to', 'team@example.org']).status).toBe(2);
    expect(s.run(['summary', '--subject', 'x', '--format', 'markdown']).status).toBe(2);
    const bad = s.run(['summary', '--format', 'pdf']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('pdf');
  });

  it('has help with examples, also as `help summary`', () => {
    const s = sandbox();
    const help = s.ok(['summary', '--help']);
    expect(help).toContain('--format slack | curl');
    expect(help).toContain('sendmail -t');
    expect(s.ok(['help', 'summary'])).toBe(help);
    expect(s.ok(['calendar', '--help'])).toContain('playbook calendar > cycle.ics');
  });
});

describe('summary output', () => {
  it('piped text has no escape sequences, even with hostile titles', () => {
    const s = sandbox(hostileLedger(12));
    const out = s.ok(['summary']);
    expect(hasControlCharacters(out)).toBe(false);
    expect(out).toContain('␛[2J'); // the title is there, made visible
    const coloured = s.ok(['summary', '--color=always']);
    expect(coloured).toContain('\u001b[1m');
    expect(coloured).not.toContain('\u001b[2J');
    expect(s.ok(['summary'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).not.toContain('\u001b');
  });

  it('an HTML page or email carries no raw control character from a hostile title', () => {
    const s = sandbox(hostileLedger(12));
    const html = s.ok(['summary', '--format', 'html']);
    expect(hasControlCharacters(html.replace(/\n/g, ''))).toBe(false);
    expect(html).toContain('␛[2J');
    const email = s.ok(['summary', '--format', 'email', '--to', 'team@example.org']);
    expect(email).not.toMatch(/=1B/);
  });

  it('is the same bytes every time, in every format', () => {
    const s = sandbox();
    for (const format of ['text', 'markdown', 'slack', 'json', 'html']) {
      for (const template of ['weekly', 'executive', 'release-brief']) {
        const args = ['summary', '--format', format, '--template', template];
        expect(s.ok(args), `${format} ${template}`).toBe(s.ok(args));
      }
    }
  });
});

describe('summary templates', () => {
  it('a team overrides a built-in template by name from its config directory', () => {
    const s = sandbox();
    s.userTemplate('weekly.text.liquid', 'Our week {{ week.id }}: {{ counts.breachedBlockers | plural: "breached blocker" }}\n{% render "_risks.text", risks: risks %}\n');
    const out = s.ok(['summary']);
    expect(out.startsWith('Our week 2026-W47: 1 breached blocker\n')).toBe(true);
    expect(out).toContain('Open risks (2)'); // the built-in partial still resolves
    expect(s.ok(['summary', '--format', 'markdown'])).toContain('# Weekly summary'); // other parts stay built in
  });

  it('--template picks a template of the team\'s own, and unknown names list the available ones', () => {
    const s = sandbox();
    s.userTemplate('ops-digest.markdown.liquid', '# Digest {{ cycle.name }}\n{% for b in blockers %}- {{ b.title }}\n{% endfor %}');
    const out = s.ok(['summary', '--template', 'ops-digest', '--format', 'markdown']);
    expect(out).toBe('# Digest Clinic onboarding Q1\n- EHR sandbox access\n- BAA signature from the Riverside clinic\n- Translation review of the setup emails\n');
    const missing = s.run(['summary', '--template', 'nope', '--format', 'markdown']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no summary template "nope"');
    expect(missing.stderr).toContain('executive, ops-digest, release-brief, weekly');
    const text = s.run(['summary', '--template', 'ops-digest']);
    expect(text.status).toBe(2);
    expect(text.stderr).toContain('templates: executive, release-brief, weekly');
    expect(s.run(['summary', '--template', 'ops-digest', '--format', 'slack']).status).toBe(2);
  });

  it('escapes user text in Markdown and HTML templates by default', () => {
    const h = sandbox(hostileLedger(4));
    h.userTemplate('raw.markdown.liquid', '{% for b in blockers %}{{ b.title }}|{% endfor %}');
    h.userTemplate('raw.html.liquid', '{% for b in blockers %}{{ b.title }}{% endfor %}');
    const markdown = h.ok(['summary', '--template', 'raw', '--format', 'markdown']);
    expect(markdown).toContain('R&D \\<@U123\\> & \\<https://evil.example\\|click\\>');
    expect(markdown).toContain('\\<!channel\\> wake up');
    const html = h.ok(['summary', '--template', 'raw', '--format', 'html']);
    expect(html).toContain('R&amp;D &lt;@U123&gt;');
    expect(html).not.toContain('<!channel>');
  });

  it.each([
    ['../../x', /is not a template name/],
    ['Weekly', /is not a template name/],
    ['weekly/../../x', /is not a template name/],
    ['_layout', /is not a template name/],
  ])('refuses --template %s before it meets a path', (name, message) => {
    const result = sandbox().run(['summary', '--template', name]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('never reads outside the template directories', () => {
    const s = sandbox();
    const secret = s.write('secret.liquid', 'TOP SECRET');
    s.userTemplate('peek.text.liquid', "{% render '../../../secret' %}");
    s.userTemplate('peek2.text.liquid', `{% include '${secret}' %}`);
    symlinkSync(secret, s.path('config/playbook/templates/summary/linked.text.liquid'));
    for (const name of ['peek', 'peek2']) {
      const result = s.run(['summary', '--template', name]);
      expect(result.status, name).toBe(2);
      expect(result.stdout).not.toContain('TOP SECRET');
      expect(result.stderr).toContain(`${name}.text.liquid`);
    }
    const linked = s.run(['summary', '--template', 'linked']);
    expect(linked.status).toBe(2);
    expect(linked.stdout).not.toContain('TOP SECRET');
  });

  it('a template that would run for minutes is stopped by the render time limit (5 s), with a one-line error naming the file', () => {
    const s = sandbox();
    // 25 million turns of a loop: far beyond the limit, well within the memory limit.
    s.userTemplate('endless.text.liquid', '{% for a in (1..5000) %}{% for b in (1..5000) %}{% assign x = b %}{% endfor %}{% endfor %}');
    const result = s.run(['summary', '--template', 'endless']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(join('templates', 'summary', 'endless.text.liquid'));
    expect(result.stderr).toMatch(/render limit exceeded/);
    expect(hasStackTrace(result.stderr)).toBe(false);
  }, 60_000);

  it('a template is data: unknown filters and variables, and prototypes, are errors naming the file', () => {
    const s = sandbox();
    s.userTemplate('filter.text.liquid', '{{ cycle.name | shell }}');
    s.userTemplate('typo.text.liquid', '{{ cycle.nmae }}');
    s.userTemplate('proto.text.liquid', '{{ cycle.constructor.name }}{{ blockers.constructor }}');
    for (const name of ['filter', 'typo', 'proto']) {
      const result = s.run(['summary', '--template', name]);
      expect(result.status, `${name}: ${result.stdout}`).toBe(2);
      expect(result.stderr).toContain(join('templates', 'summary', `${name}.text.liquid`));
      expect(hasStackTrace(result.stderr)).toBe(false);
    }
  });
});
