import type { Context } from '../context.js';
import { playbookJsonSchema } from '../playbook/schema.js';

export function run(ctx: Context): void {
  ctx.print(JSON.stringify(playbookJsonSchema(), null, 2));
}
