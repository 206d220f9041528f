// Bundles src/index.js into one minified file served by the collector as /rum.js,
// prints its gzip and brotli sizes, and fails past the size budget.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const out = fileURLToPath(new URL('../beacon/static/rum.js', import.meta.url));
const BUDGET_GZIP = 3072;

await build({
  entryPoints: [fileURLToPath(new URL('src/index.js', import.meta.url))],
  outfile: out,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2018'],
  legalComments: 'none',
  mangleProps: /_$/, // private names end in "_" and are shortened at build time
});

const code = readFileSync(out);
const gzip = gzipSync(code, { level: 9 }).length;
const brotli = brotliCompressSync(code, {
  params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
}).length;
console.log(JSON.stringify({ file: out, bytes: code.length, gzip, brotli, budget_gzip: BUDGET_GZIP }));
if (gzip > BUDGET_GZIP) {
  console.error(`rum.js is ${gzip} bytes gzip, over the ${BUDGET_GZIP} byte budget`);
  process.exit(1);
}
