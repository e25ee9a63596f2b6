// Bundles the CLI with code splitting: the entry holds the command tree, and each
// command's code lands in a chunk that is loaded only when that command runs.
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { generate } from './generate-validators.mjs';

// The ledger validator is generated from its zod schema first, so dist/ always matches the source.
const generated = await generate();
writeFileSync(new URL('../schema/ledger.schema.json', import.meta.url), generated.schema);
writeFileSync(new URL('../src/ledger/validate-ledger.generated.js', import.meta.url), generated.validator);

const require = createRequire(import.meta.url);
const vendor = (name) => new URL(`../src/vendor/${name}`, import.meta.url).pathname;

/** Two dependencies of dependencies swapped for cheaper stand-ins; each file says why. */
const standIns = {
  name: 'stand-ins',
  setup(build) {
    const tableDir = dirname(require.resolve('cli-table3/package.json'));
    build.onResolve({ filter: /^string-width$/ }, (args) => {
      if (args.pluginData === 'real') return undefined;
      if (!args.importer.endsWith('string-width-ascii.cjs')) return { path: vendor('string-width-ascii.cjs') };
      // The stand-in itself gets the real string-width, the one cli-table3 depends on.
      return build.resolve('string-width', { kind: args.kind, resolveDir: tableDir, pluginData: 'real' });
    });
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: vendor('child-process-lazy.cjs') } : undefined,
    );
  },
};

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
  plugins: [standIns],
  // Bundled CommonJS dependencies (cli-table3) still call require() for Node built-ins.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
