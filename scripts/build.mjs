// Bundles the CLI with code splitting: the entry holds the command tree, and each
// command's code lands in a chunk that is loaded only when that command runs. esbuild splits only
// ES modules, so each chunk is then turned into CommonJS: bin/playbook.cjs loads the chunks
// itself and keeps V8's compiled code for them, which Node 20 offers for scripts but not for ES modules.
import { build, transform } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { generate } from './generate-validators.mjs';
import { PATCHES, patchSources } from './patches.mjs';

// The ledger validator is generated from its zod schema first, so dist/ always matches the source.
const generated = await generate();
writeFileSync(new URL('../schema/ledger.schema.json', import.meta.url), generated.schema);
writeFileSync(new URL('../src/ledger/validate-ledger.generated.js', import.meta.url), generated.validator);

const require = createRequire(import.meta.url);
// NO_MINIFY=1 keeps names readable, for reading a --cpu-prof profile of the built CLI.
const minify = !process.env.NO_MINIFY;
const target = 'node20.19';

// The validator, a chunk of its own that src/vendor/validator-lazy.cjs loads on first use. Named by
// its content, as esbuild names the other chunks, so that two builds never share its cached code.
// Bundled rather than transformed, so that what the validator does not use (ajv's copy of the schema) is left out.
const { outputFiles: validatorFiles } = await build({ entryPoints: ['src/ledger/validate-ledger.generated.js'], outfile: 'dist/validator.cjs', write: false, bundle: true, format: 'cjs', platform: 'node', target, minify, sourcemap: 'external', sourcesContent: false, logLevel: 'warning' });
const validator = validatorFiles.find((f) => f.path.endsWith('.cjs')).text;
const validatorMap = validatorFiles.find((f) => f.path.endsWith('.map')).text;
const validatorName = `validate-ledger-${createHash('sha256').update(validator).digest('hex').slice(0, 8).toUpperCase()}.cjs`;
const vendor = (name) => new URL(`../src/vendor/${name}`, import.meta.url).pathname;

/** The patches of scripts/patches.mjs this build applied. */
const applied = new Set();

/** Dependencies of dependencies swapped for cheaper stand-ins; each says why. */
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
    // chalk works out a colour level for its default instance at load, importing tty and os; playbook
    // only makes instances with the level terminal.ts chose. chalk's own browser build of that
    // check imports nothing and answers "no colour" under Node.
    build.onResolve({ filter: /^#supports-color$/ }, (args) =>
      /[\\/]chalk[\\/]/.test(args.importer) ? { path: join(dirname(args.importer), 'vendor', 'supports-color', 'browser.js') } : undefined,
    );
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: vendor('child-process-lazy.cjs') } : undefined,
    );
    build.onResolve({ filter: /^crypto$/ }, (args) =>
      /[\\/]liquidjs[\\/]/.test(args.importer) ? { path: vendor('crypto-lazy.cjs') } : undefined,
    );
    build.onResolve({ filter: /[\\/]validate-ledger\.generated\.js$/ }, () => ({ path: vendor('validator-lazy.cjs') }));
    build.onResolve({ filter: /^\.\/validate-ledger\.cjs$/ }, (args) =>
      args.importer.endsWith('validator-lazy.cjs') ? { path: `./${validatorName}`, external: true } : undefined,
    );
    build.onResolve({ filter: /^stream$/ }, (args) =>
      /[\\/]liquidjs[\\/]/.test(args.importer) ? { path: vendor('stream-lazy.cjs') } : undefined,
    );
  },
};

const dist = new URL('../dist/', import.meta.url);
const { outputFiles } = await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  write: false,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target,
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  minify,
  legalComments: 'none',
  logLevel: 'warning',
  // Inline here, carried through the CommonJS step below into a .map file beside each chunk: an
  // unexpected error names the TypeScript line it came from (src/source-line.ts).
  sourcemap: 'inline',
  sourcesContent: false,
  plugins: [standIns, patchSources(applied)],
});

// A patched file the bundle no longer loads (a library now resolved to another build of itself)
// would leave its patch unapplied without a word.
for (const patch of PATCHES) if (!applied.has(patch)) throw new Error(`no file matching ${patch.file} was bundled; review the patches in scripts/patches.mjs`);

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
let entry;
const written = [];
for (const file of outputFiles) {
  const name = basename(file.path);
  if (name.startsWith('cli-')) entry = name;
  const { code, map } = await transform(file.text, {
    format: 'cjs',
    sourcemap: 'external',
    sourcefile: `dist/${name}`,
    platform: 'node',
    target,
    minify,
    logLevel: 'warning',
    // import("./chunk.cjs") becomes a require of the chunk, so every chunk goes through the loader.
    supported: { 'dynamic-import': false },
    // src/paths.ts finds the package from its own location.
    define: { 'import.meta.dirname': '__dirname', 'import.meta.url': '__playbook_url' },
    banner: file.text.includes('import.meta.url') ? 'var __playbook_url=require("node:url").pathToFileURL(__filename).href;' : '',
  });
  writeFileSync(new URL(name, dist), code);
  writeFileSync(new URL(`${name}.map`, dist), map);
  written.push(name);
}
writeFileSync(new URL(validatorName, dist), validator);
writeFileSync(new URL(`${validatorName}.map`, dist), validatorMap);
written.push(validatorName);
// The entry chunk's name, and an id of this build: a hash of every chunk as written. Chunk names
// are hashed before the CommonJS step, and npm gives installed files one fixed modification
// time, so the loader also keeps cached code apart by build.
const buildId = createHash('sha256');
for (const name of written.sort()) buildId.update(`${name}\0`).update(readFileSync(new URL(name, dist))).update('\0');
writeFileSync(new URL('entry.txt', dist), `${entry}\n${buildId.digest('hex').slice(0, 16)}\n`);
