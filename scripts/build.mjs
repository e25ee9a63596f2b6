// Bundles the CLI with code splitting: the entry holds the command tree, and each
// command's code lands in a chunk that is loaded only when that command runs.
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { generate } from './generate-validators.mjs';

// The ledger validator is generated from its zod schema first, so dist/ always matches the source.
const generated = await generate();
writeFileSync(new URL('../schema/ledger.schema.json', import.meta.url), generated.schema);
writeFileSync(new URL('../src/ledger/validate-ledger.generated.js', import.meta.url), generated.validator);

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  chunkNames: '[name]-[hash]',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Bundled CommonJS dependencies (cli-table3) still call require() for Node built-ins.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
