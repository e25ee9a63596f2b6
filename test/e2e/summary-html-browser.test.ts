// The HTML summary opened in headless Chromium: every section heading is shown, each metric has
// one SVG trend chart that takes up space on the page and names its metric, and hostile text
// stays text. Chromium comes from the system (/usr/bin/chromium); in CI its absence is a failure.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileLedger } from '../helpers/summary-ledger.js';
import { summarySandbox, type SummarySandbox } from '../helpers/summary.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && !process.env.CI) console.warn(`skipping the browser tests: ${CHROMIUM} is missing (apt-get install chromium)`);

const HEADINGS = {
  weekly: [
    'Closed this week',
    'Active blockers (3, 1 breached)',
    'Open decisions',
    'Metrics',
    'Checklist: 3 of 6 done (50%)',
    'Due next week (2026-W48, 2026-11-23 to 2026-11-29)',
    'Next checkpoint',
    'Checkpoints this week',
    'Changed this week',
    'Open risks (2)',
  ],
  executive: ['Decisions closed this week (2)', 'Active blockers (3, 1 breached)', 'Open decisions', 'Latest metric readings'],
  'release-brief': ['What ships (2)', 'What changes for customer-facing teams', 'Open decisions', 'Open risks (2)', 'Who to call'],
};
const METRICS = ['Setup completion', 'Time to first value', 'Support tickets per clinic'];

describe.skipIf(!available && !process.env.CI)('the HTML summary in headless Chromium', () => {
  let sandbox: SummarySandbox;
  let profile: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    // Without Chromium (only possible here in CI) every test below fails, counted as a failure.
    if (!available) return;
    sandbox = summarySandbox();
    // A fresh profile for every run: no state from an earlier run or from the user's browser.
    profile = mkdtempSync(join(tmpdir(), 'playbook-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1000, height: 1400 },
      javaScriptEnabled: true,
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    sandbox?.cleanup();
  });

  it(`finds Chromium at ${CHROMIUM}`, () => {
    expect(available, `${CHROMIUM} is needed for the browser tests (apt-get install chromium)`).toBe(true);
  });

  async function open(html: string) {
    expect(browser, `${CHROMIUM} is needed for the browser tests (apt-get install chromium)`).toBeDefined();
    const file = sandbox.write(`page-${Math.random().toString(36).slice(2)}.html`, html);
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href);
    return page;
  }

  for (const [template, headings] of Object.entries(HEADINGS)) {
    it(`${template}: shows each section heading and one visible chart per metric`, async () => {
      expect(available, `${CHROMIUM} is needed for the browser tests`).toBe(true);
      const page = await open(sandbox.ok(['summary', '--format', 'html', '--template', template]));
      expect(await page.title()).toContain('Clinic onboarding Q1, 2026-W47');
      await expect(page.locator('h1').innerText()).resolves.toContain('Clinic onboarding Q1');
      const shown = await page.locator('h2').allInnerTexts();
      expect(shown.map((h) => h.trim())).toEqual(headings);
      for (const h of headings) await expect(page.getByRole('heading', { name: h, exact: true }).isVisible()).resolves.toBe(true);
      if (template !== 'release-brief') {
        const charts = page.locator('svg.trend');
        expect(await charts.count()).toBe(METRICS.length);
        for (const [i, name] of METRICS.entries()) {
          const chart = charts.nth(i);
          const box = await chart.boundingBox();
          expect(box, `the ${name} chart is laid out`).not.toBeNull();
          expect(box!.width).toBeGreaterThan(0);
          expect(box!.height).toBeGreaterThan(0);
          expect(await chart.getAttribute('aria-label')).toContain(name);
          expect(await chart.locator('title').textContent()).toContain(name);
          await expect(page.getByRole('img', { name: new RegExp(`^${name}: six-week trend`) }).count()).resolves.toBe(1);
        }
        expect(await charts.nth(0).locator('polyline').count()).toBe(1);
        expect(await charts.nth(0).locator('line.target').count()).toBe(1);
        expect(await charts.nth(0).locator('line.baseline').count()).toBe(1);
      }
      await page.close();
    });
  }

  it('shows hostile titles as text and runs none of them', async () => {
    expect(available, `${CHROMIUM} is needed for the browser tests`).toBe(true);
    const hostile = summarySandbox(
      hostileLedger(4).add('2026-11-20T09:30:00Z', 'mallory', 'blocker.added', {
        id: 'B-9',
        title: '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>',
        owner: 'Mallory',
        due: '2026-11-19T09:00:00Z',
        fallback: '</td></tr></table><h2>Fake section</h2>',
      }),
    );
    try {
      const html = hostile.ok(['summary', '--format', 'html']);
      const page = await open(html);
      expect(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();
      expect(await page.locator('body script, body img').count()).toBe(0);
      expect(await page.locator('h2', { hasText: 'Fake section' }).count()).toBe(0);
      await expect(page.locator('#blockers').innerText()).resolves.toContain('<script>window.pwned=2</script>');
      await page.close();
    } finally {
      hostile.cleanup();
    }
  });
});
