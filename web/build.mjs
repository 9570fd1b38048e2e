// Builds the console into ../kuzet/console/static: index.html, app.js, app.css and Leaflet's images.
// `node build.mjs` builds once (minified); `node build.mjs --watch` rebuilds on change (for development).
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(here, '../kuzet/console/static');
const watch = process.argv.includes('--watch');

const options = {
  entryPoints: { app: join(here, 'src/main.js') },
  bundle: true,
  minify: !watch,
  sourcemap: watch ? 'inline' : false,
  format: 'esm',
  target: ['es2022'],
  outdir,
  loader: { '.png': 'file', '.svg': 'file' },
  assetNames: 'img/[name]-[hash]',
  legalComments: 'linked',
  logLevel: 'info',
};

/** Text keys the sources name ('group.key' literals) that kuzet/console/texts*.py do not define: a warning. */
async function checkTexts() {
  const defined = new Set();
  const folder = resolve(here, '../kuzet/console');
  const modules = (await readdir(folder).catch(() => [])).filter((name) => /^texts(_\w+)?\.py$/.test(name));
  for (const name of modules) {
    const python = await readFile(join(folder, name), 'utf8');
    for (const match of python.matchAll(/^\s*"([\w.-]+)":\s*N_\(/gm)) defined.add(match[1]);
  }
  const groups = new Set([...defined].map((key) => key.split('.')[0]));
  const missing = new Set();
  for (const file of await listSources(join(here, 'src'))) {
    const source = await readFile(file, 'utf8');
    for (const match of source.matchAll(/['"]([a-z_]+)\.([a-z_0-9]+)['"]/g)) {
      const key = `${match[1]}.${match[2]}`;
      if (groups.has(match[1]) && !defined.has(key)) missing.add(key);
    }
  }
  if (missing.size) console.warn(`kuzet/console/texts*.py lack: ${[...missing].sort().join(', ')}`);
}

async function listSources(dir) {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await listSources(path)));
    else if (entry.name.endsWith('.js')) found.push(path);
  }
  return found;
}

/** index.html with ?v=<content hash> on app.js and app.css, so a new build is never served from a stale cache. */
async function writeIndex() {
  let html = await readFile(join(here, 'src/index.html'), 'utf8');
  for (const name of ['app.js', 'app.css']) {
    const digest = watch ? 'dev' : createHash('sha256').update(await readFile(join(outdir, name))).digest('hex').slice(0, 12);
    html = html.replace(`"${name}"`, `"${name}?v=${digest}"`);
  }
  await writeFile(join(outdir, 'index.html'), html);
  await writeFile(join(outdir, 'favicon.svg'), await readFile(join(here, 'src/favicon.svg')));
}

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
await checkTexts();
if (watch) {
  await writeIndex();
  const context = await esbuild.context(options);
  await context.watch();
} else {
  await esbuild.build(options);
  await writeIndex();
}
