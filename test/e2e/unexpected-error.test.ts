// A bug in playbook (not a failure a user can cause) ends as one line that says where in the source it
// happened, traced through the source maps the build leaves beside the minified chunks; no stack
// trace unless PLAYBOOK_DEBUG asks for one. The bug is made by a preloaded module that breaks a
// string method the log uses to print each event's time.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { createLedgerSandbox, type LedgerSandbox } from '../helpers/ledger.js';

let box: LedgerSandbox;
let inject: string;
beforeEach(() => {
  box = createLedgerSandbox();
  box.ok(['init', 'healthcare', 'pm', '--no-session']);
  inject = join(box.home, 'inject.cjs');
  writeFileSync(inject, "String.prototype.padStart = function () { throw new TypeError('injected bug'); };\n");
});
afterEach(() => box.cleanup());

describe('an unexpected error', () => {
  it('is one line naming the TypeScript file, line and column it came from, exit 1', () => {
    const result = box.run(['log'], { env: { NODE_OPTIONS: `--require ${inject}` } });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const m = /^playbook: unexpected error: injected bug \(at (src\/[\w./-]+\.[jt]s):(\d+):(\d+)\)\n$/.exec(result.stderr);
    expect(m, result.stderr).not.toBeNull();
    // The line named is one that calls the broken method.
    const line = readFileSync(join(REPO_ROOT, m![1]!), 'utf8').split('\n')[Number(m![2]) - 1]!;
    expect(line).toContain('padStart');
  });

  it('with PLAYBOOK_DEBUG=1 also prints the stack', () => {
    const result = box.run(['log'], { env: { NODE_OPTIONS: `--require ${inject}`, PLAYBOOK_DEBUG: '1' } });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^playbook: unexpected error: injected bug \(at src\//);
    expect(result.stderr).toMatch(/\n\s+at .*\.cjs:\d+:\d+/);
  });
});
