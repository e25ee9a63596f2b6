// A small draft-07 validator for the keywords `playbook schema` emits, so tests can check that the
// JSON Schema editors use accepts what the CLI accepts. It throws on a keyword it does not know,
// so a schema change cannot make it pass by being ignored.
type Schema = Record<string, unknown> | boolean;

const KNOWN = new Set([
  '$schema', 'description', 'default', 'type', 'properties', 'required', 'additionalProperties', 'propertyNames',
  'items', 'minItems', 'maxItems', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'enum', 'const', 'anyOf',
]);

/** The problems of `value` against `schema`, as `path: message`; empty when it is valid. */
export function validateJsonSchema(schema: Schema, value: unknown, path = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: not allowed`];
  for (const key of Object.keys(schema)) if (!KNOWN.has(key)) throw new Error(`json-schema helper: unsupported keyword "${key}" at ${path}`);
  const problems: string[] = [];
  const s = schema as Record<string, any>;
  if (s.type !== undefined && !(Array.isArray(s.type) ? s.type : [s.type]).some((t: string) => hasType(value, t))) {
    return [`${path}: expected ${JSON.stringify(s.type)}, got ${JSON.stringify(value)?.slice(0, 40)}`];
  }
  if ('const' in s && JSON.stringify(s.const) !== JSON.stringify(value)) problems.push(`${path}: must be ${JSON.stringify(s.const)}`);
  if (s.enum && !s.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(value))) problems.push(`${path}: must be one of ${JSON.stringify(s.enum)}`);
  if (s.anyOf && s.anyOf.every((option: Schema) => validateJsonSchema(option, value, path).length > 0)) problems.push(`${path}: matches none of anyOf`);
  if (typeof value === 'string') {
    const length = [...value].length;
    if (s.minLength !== undefined && length < s.minLength) problems.push(`${path}: shorter than ${s.minLength}`);
    if (s.maxLength !== undefined && length > s.maxLength) problems.push(`${path}: longer than ${s.maxLength}`);
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(value)) problems.push(`${path}: does not match ${s.pattern}`);
  }
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) problems.push(`${path}: below ${s.minimum}`);
    if (s.maximum !== undefined && value > s.maximum) problems.push(`${path}: above ${s.maximum}`);
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) problems.push(`${path}: fewer than ${s.minItems} items`);
    if (s.maxItems !== undefined && value.length > s.maxItems) problems.push(`${path}: more than ${s.maxItems} items`);
    if (s.items !== undefined) value.forEach((item, i) => problems.push(...validateJsonSchema(s.items, item, `${path}[${i}]`)));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const key of s.required ?? []) if (!(key in object)) problems.push(`${path}: missing "${key}"`);
    for (const [key, item] of Object.entries(object)) {
      if (s.propertyNames) problems.push(...validateJsonSchema(s.propertyNames, key, `${path} key "${key}"`));
      if (s.properties && key in s.properties) problems.push(...validateJsonSchema(s.properties[key], item, `${path}.${key}`));
      else if (s.additionalProperties !== undefined) problems.push(...validateJsonSchema(s.additionalProperties, item, `${path}.${key}`));
    }
  }
  return problems;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}
