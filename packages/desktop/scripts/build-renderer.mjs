// Bundles the renderer (browser, ESM) into dist/renderer/ and the preload (CommonJS, since
// Electron's sandboxed preloads cannot be ES modules) into dist/preload/preload.cjs.
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'renderer');
await mkdir(out, { recursive: true });

const renderer = await build({
  entryPoints: [join(root, 'src/renderer/main.tsx')],
  outfile: join(out, 'app.js'),
  bundle: true,
  // A classic script, not a module: custom protocols (Electron's app://) need no extra
  // privileges to load it.
  format: 'iife',
  platform: 'browser',
  target: ['chrome120', 'firefox120', 'safari16'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  metafile: true,
  logLevel: 'warning',
});
await build({
  entryPoints: [join(root, 'src/renderer/styles.css')],
  outfile: join(out, 'app.css'),
  bundle: true,
  minify: true,
  logLevel: 'warning',
});
for (const file of ['index.html', 'icon.svg']) {
  await copyFile(join(root, 'src/renderer', file), join(out, file));
}
await build({
  entryPoints: [join(root, 'src/preload/preload.ts')],
  outfile: join(root, 'dist/preload/preload.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['electron'],
  logLevel: 'warning',
});

const bytes = Object.values(renderer.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`renderer bundle: ${(bytes / 1024).toFixed(1)} KiB`);
