// The Slack payload of a ledger with 120 more blockers, hostile titles, owners and fallbacks:
// within every Slack limit, cut with a visible marker, and pinging nobody.
import { afterAll, describe, expect, it } from 'vitest';
import { hasControlCharacters } from '../helpers/cli.js';
import { hostileLedger } from '../helpers/summary-ledger.js';
import { summarySandbox } from '../helpers/summary.js';

interface Block {
  type: string;
  text?: { type: string; text: string };
  elements?: { type: string; text: string }[];
}

const sandbox = summarySandbox(hostileLedger(120));
afterAll(() => sandbox.cleanup());

describe('summary --format slack with 123 active blockers and hostile text', () => {
  for (const template of ['weekly', 'executive', 'release-brief']) {
    it(`${template}: a complete payload within Slack's limits`, () => {
      const raw = sandbox.ok(['summary', '--format', 'slack', '--template', template]);
      const payload = JSON.parse(raw) as { text: string; blocks: Block[] };
      expect(Object.keys(payload).sort()).toEqual(['blocks', 'text']);
      expect(payload.blocks.length).toBeGreaterThan(0);
      expect(payload.blocks.length).toBeLessThanOrEqual(50);
      const header = payload.blocks.filter((b) => b.type === 'header');
      expect(header).toHaveLength(1);
      expect(header[0]!.text!.type).toBe('plain_text');
      expect(header[0]!.text!.text.length).toBeLessThanOrEqual(150);
      for (const block of payload.blocks) {
        expect(['header', 'section', 'context', 'divider']).toContain(block.type);
        if (block.type === 'section') expect(block.text!.text.length).toBeLessThanOrEqual(3000);
      }
      expect(payload.text.length).toBeGreaterThan(0);
      expect(payload.text.length).toBeLessThanOrEqual(3000);
      // Nothing anyone typed becomes a mention, a link or a terminal escape.
      for (const needle of ['<!channel>', '<!here>', '<!everyone>', '<@U123>', '<https://']) expect(raw).not.toContain(needle);
      expect(hasControlCharacters(JSON.parse(raw).blocks.map((b: Block) => b.text?.text ?? '').join(''))).toBe(false);
      if (template !== 'release-brief') {
        const blockers = payload.blocks.find((b) => b.text?.text.startsWith('*Active blockers (123, 61 breached)*'));
        expect(blockers, 'the blockers section').toBeDefined();
        expect(blockers!.text!.text).toMatch(/…and \d+ more/);
        expect(blockers!.text!.text).toContain('&lt;!channel&gt;');
        expect(blockers!.text!.text).toContain('R&amp;D');
        expect(blockers!.text!.text).toContain('␛[2J');
      }
    });
  }
});
