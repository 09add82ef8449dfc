/**
 * Bundles the single executable's main module (dist/entry.js) and everything it imports into
 * one CommonJS file with esbuild, and reports what else the executable must embed:
 * - blessed's terminal descriptions (blessed reads `lib/../usr/*` at run time): its reads are
 *   pointed at the embedded copy;
 * - `createRequire(import.meta.url)` in our own packages becomes a plain `require`, so what
 *   it loads is bundled too;
 * - every package that loads a prebuilt native addon through a loader (`require-addon`,
 *   `node-gyp-build`, `bindings`) is found here, generically: its loader is replaced by the
 *   runtime's embedded-addon loader, and the package's folder is returned so the build can
 *   embed the right `prebuilds/<platform>-<arch>/*.node` for each target.
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
/** The release package's folder. */
export const RELEASE_DIR = resolve(here, '..');
const RUNTIME = join(RELEASE_DIR, 'dist', 'runtime.js');

/** The loaders of prebuilt native addons that the bundle replaces. */
export const ADDON_LOADERS = [
  'require-addon',
  'node-gyp-build',
  'node-gyp-build-optional-packages',
  'bindings',
];

/**
 * Optional modules that are never in the executable: requiring one throws, which their users
 * catch (ws without its accelerators, blessed without its terminal widget; Electron is only
 * for the desktop shell). Stubs rather than externals: the executable's require would warn.
 */
const ABSENT = ['electron', 'term.js', 'pty.js', 'bufferutil', 'utf-8-validate'];

/** The nearest package.json above `file`, with a name. */
function owningPackage(file) {
  let dir = dirname(file);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8'));
      if (name) return { name, dir };
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json with a name above ${file}`);
    dir = parent;
  }
}

const ownDist = /[\\/]packages[\\/](cli|core|desktop|release)[\\/]dist[\\/].*\.js$/;

/**
 * Bundles `entry` into `outfile`.
 * @param {{ entry: string, outfile: string, version: string }} options
 * @returns {Promise<{ addons: Array<{ name: string, dir: string }> }>} the packages whose
 *   native addons the executable must embed
 */
export async function bundle({ entry, outfile, version }) {
  const addons = new Map();
  const runtimeCall = (what) => `require(${JSON.stringify(RUNTIME)}).${what}`;
  const plugin = {
    name: 'cryptully-single-executable',
    setup(b) {
      b.onResolve(
        { filter: new RegExp(`^(${ABSENT.map((n) => n.replace('.', '\\.')).join('|')})$`) },
        (args) => ({
          path: args.path,
          namespace: 'cryptully-absent',
        }),
      );
      b.onLoad({ filter: /.*/, namespace: 'cryptully-absent' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`${args.path} is not part of the single executable`)});`,
        loader: 'js',
      }));
      b.onResolve({ filter: new RegExp(`^(${ADDON_LOADERS.join('|')})$`) }, (args) => {
        const owner = owningPackage(args.importer);
        addons.set(owner.name, owner.dir);
        return { path: owner.name, namespace: 'cryptully-addon' };
      });
      b.onLoad({ filter: /.*/, namespace: 'cryptully-addon' }, (args) => ({
        contents: `module.exports = function loadAddon() { return ${runtimeCall(`embeddedAddon(${JSON.stringify(args.path)})`)}; };`,
        loader: 'js',
        resolveDir: RELEASE_DIR,
      }));
      // blessed loads its widgets with require('./widgets/' + name): make each a static require.
      b.onLoad({ filter: /[\\/]blessed[\\/]lib[\\/]widget\.js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const dynamic = "require('./widgets/' + file)";
        if (!source.includes(dynamic)) throw new Error('blessed/lib/widget.js changed its require');
        const names = readdirSync(join(dirname(args.path), 'widgets'))
          .filter((name) => name.endsWith('.js'))
          .map((name) => name.slice(0, -3));
        const table = `{${names.map((name) => `${JSON.stringify(name)}: () => require('./widgets/${name}.js')`).join(', ')}}`;
        return { contents: source.replace(dynamic, `(${table})[file]()`), loader: 'js' };
      });
      b.onLoad({ filter: /[\\/]blessed[\\/]lib[\\/]tput\.js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const contents = source.replaceAll(
          "__dirname + '/../usr/",
          `${runtimeCall("embeddedFolder('blessed/usr')")} + '/`,
        );
        if (contents === source) throw new Error('blessed/lib/tput.js no longer reads ../usr');
        return { contents, loader: 'js' };
      });
      b.onLoad({ filter: ownDist }, (args) => {
        if (/[\\/]cli[\\/]dist[\\/]version\.js$/.test(args.path)) {
          return { contents: `export const VERSION = ${JSON.stringify(version)};`, loader: 'js' };
        }
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('createRequire(import.meta.url)')) return undefined;
        const contents = source
          .replace(/const require = createRequire\(import\.meta\.url\);?/g, '')
          .replaceAll('createRequire(import.meta.url)(', 'require(');
        return { contents, loader: 'js' };
      });
    },
  };
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'import.meta.url': '__cryptullyImportMetaUrl' },
    banner: { js: "var __cryptullyImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
    plugins: [plugin],
  });
  return { addons: [...addons].map(([name, dir]) => ({ name, dir })) };
}
