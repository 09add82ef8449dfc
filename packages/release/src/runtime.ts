/**
 * What the bundled code calls inside the single executable, set up lazily on first use: the
 * folder of embedded files (blessed's terminal descriptions, the browser app's pages) and the
 * embedded native addons. The bundler rewrites the places that need them (see
 * `scripts/bundle.mjs`); nothing else should call this module.
 * @module
 */
import { homedir, tmpdir } from 'node:os';
import { AssetCache } from './asset-cache.js';
import { cacheBase } from './cache-dir.js';
import { AddonUnavailableError, loadEmbeddedAddon } from './native-addons.js';
import { seaAssetSource } from './sea-source.js';

let cache: AssetCache | null | undefined;

function safeHome(): string {
  try {
    return homedir();
  } catch {
    return '';
  }
}

/** This executable's asset cache (null outside a single executable). */
export function assetCache(): AssetCache | null {
  if (cache === undefined) {
    const source = seaAssetSource();
    cache =
      source === null
        ? null
        : new AssetCache(
            source,
            cacheBase({
              platform: process.platform,
              env: process.env,
              home: safeHome(),
              tmp: tmpdir(),
            }),
          );
  }
  return cache;
}

/** The on-disk folder of the embedded files under `prefix`, unpacked if needed. */
export function embeddedFolder(prefix: string): string {
  const current = assetCache();
  if (current === null) throw new Error(`no embedded ${prefix}: not a single executable`);
  return current.folder(prefix);
}

const noticed = new Set<string>();

/**
 * The exports of the embedded addon of `packageName` (what its loader would have returned).
 * On failure it prints the one-sentence notice once on stderr and throws, so that the package's
 * own fallback (a caught `require`) takes over.
 */
export function embeddedAddon(packageName: string): unknown {
  try {
    return loadEmbeddedAddon(packageName, assetCache());
  } catch (error) {
    if (error instanceof AddonUnavailableError && !noticed.has(packageName)) {
      noticed.add(packageName);
      process.stderr.write(`cryptully: ${error.message}.\n`);
    }
    throw error;
  }
}
