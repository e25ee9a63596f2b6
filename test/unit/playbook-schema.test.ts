// The JSON Schema comes from the zod schema, the checked-in copy is current, and it accepts the
// shipped playbooks while rejecting the typos the loader rejects.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { playbookJsonSchema } from '../../src/playbook/schema.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { validateJsonSchema } from '../helpers/json-schema.js';
import { edit, fixtureText, rawYaml, shippedPlaybookFiles } from '../helpers/playbooks.js';

const checkedIn = readFileSync(join(REPO_ROOT, 'schema', 'playbook.schema.json'), 'utf8');
const schema = playbookJsonSchema() as Record<string, any>;

describe('the JSON Schema of the playbook format', () => {
  it('is draft-07', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.type).toBe('object');
  });

  it('is checked in as schema/playbook.schema.json, up to date', () => {
    const current = `${JSON.stringify(schema, null, 2)}\n`;
    expect(checkedIn === current, 'schema/playbook.schema.json is stale: run `npm run schema:write` and commit it').toBe(true);
  });

  it('requires the keys every playbook must have', () => {
    expect(schema.required).toEqual(expect.arrayContaining(['formatVersion', 'id', 'industry', 'role', 'title', 'objective', 'steps', 'checklist', 'metrics', 'risks']));
    expect(schema.additionalProperties).toBe(false);
  });

  it.each(Object.entries(shippedPlaybookFiles()))('accepts %s', (_id, file) => {
    const playbook = rawYaml(readFileSync(file, 'utf8'));
    for (const key of schema.required as string[]) expect(playbook, `required key ${key}`).toHaveProperty(key);
    expect(validateJsonSchema(schema, playbook)).toEqual([]);
  });

  it('accepts the small test fixture and the `playbook new` template', () => {
    expect(validateJsonSchema(schema, rawYaml(fixtureText('minimal.yaml')))).toEqual([]);
    expect(validateJsonSchema(schema, rawYaml(readFileSync(join(REPO_ROOT, 'templates', 'playbook.yaml'), 'utf8')))).toEqual([]);
  });

  it('rejects a top-level typo and a wrong enum value, as the loader does', () => {
    const minimal = fixtureText('minimal.yaml');
    expect(validateJsonSchema(schema, rawYaml(edit(minimal, '\nsteps:\n', '\nstpes:\n'))).join('\n')).toMatch(/missing "steps"[\s\S]*stpes: not allowed/);
    expect(validateJsonSchema(schema, rawYaml(edit(minimal, 'direction: down', 'direction: sideways'))).join('\n')).toMatch(/direction: must be one of/);
  });
});
