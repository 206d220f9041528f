// Bundles the dashboard (uPlot included: no CDN at run time) into the collector's
// static folder, with the two HTML pages beside it.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const out = here('../../beacon/static/dashboard/');
mkdirSync(out, { recursive: true });

await build({
  entryPoints: { dashboard: here('src/main.js') },
  outdir: out,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  legalComments: 'none',
});
await build({
  entryPoints: { dashboard: here('src/dashboard.css') },
  outdir: out,
  bundle: true,
  minify: true,
});
for (const page of ['index.html', 'login.html']) copyFileSync(here(page), `${out}${page}`);

const js = readFileSync(`${out}dashboard.js`);
console.log(JSON.stringify({ dir: out, js_bytes: js.length, js_gzip: gzipSync(js).length }));
