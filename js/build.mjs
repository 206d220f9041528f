// Bundles the snippet's two stages into the minified files the collector serves:
//   rum.js       stage one (src/loader.js), the tag sites paste;
//   rum-main.js  stage two (src/index.js), served as /rum-main.<hash>.js, where
//                <hash> is its content hash, which stage one is built to request.
// Each is written beside its gzip (zopfli) and brotli forms, which the collector serves
// as they are. Prints the sizes, and fails when both stages together pass the budget.
import { gzipAsync } from '@gfx/zopfli';
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { minify } from 'terser';

const BUDGET_GZIP = 3072;
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const STATIC = here('../beacon/static/');

// esbuild bundles and shortens the private ("_") property names; terser then finds
// the smaller forms esbuild's single pass leaves (about 3% here).
const bundle = async (entry, options) => {
  const bundled = await build({
    entryPoints: [here(`src/${entry}`)],
    bundle: true,
    write: false,
    minify: true,
    format: 'iife',
    target: ['es2018'],
    legalComments: 'none',
    mangleProps: /_$/,
    ...options,
  });
  const { code } = await minify(bundled.outputFiles[0].text, {
    ecma: 2018,
    compress: { passes: 3, unsafe_arrows: true, pure_getters: true },
  });
  return { code: Buffer.from(code), mangleCache: bundled.mangleCache };
};

const write = async (name, code) => {
  const gzip = await gzipAsync(code, { numiterations: 100 });
  const brotli = brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  writeFileSync(STATIC + name, code);
  writeFileSync(STATIC + name + '.gz', gzip);
  writeFileSync(STATIC + name + '.br', brotli);
  return { bytes: code.length, gzip: gzip.length, brotli: brotli.length };
};

// The stages share one object; the mangle cache gives its names the same short form
// in both.
const main = await bundle('index.js', { mangleCache: {} });
const hash = createHash('sha256').update(main.code).digest('hex').slice(0, 12);
const loader = await bundle('loader.js', {
  mangleCache: main.mangleCache,
  define: { STAGE_TWO: JSON.stringify(`rum-main.${hash}.js`) },
});
const sizes = { loader: await write('rum.js', loader.code), client: await write('rum-main.js', main.code) };
const total = Object.fromEntries(Object.keys(sizes.loader).map((k) => [k, sizes.loader[k] + sizes.client[k]]));
console.log(JSON.stringify({ file: STATIC + 'rum.js', ...total, ...sizes, hash, budget_gzip: BUDGET_GZIP }));
if (total.gzip > BUDGET_GZIP) {
  console.error(`the snippet is ${total.gzip} bytes gzip, over the ${BUDGET_GZIP} byte budget`);
  process.exit(1);
}
