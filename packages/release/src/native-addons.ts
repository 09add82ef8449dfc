/**
 * Native addons inside the single executable. At build time every package that loads a
 * prebuilt addon through a loader (`require-addon`, `node-gyp-build`) has the target
 * platform's `.node` file embedded under `addons/<package>/`; at run time the loader is
 * replaced by {@link loadEmbeddedAddon}, which unpacks the file into the cache (hash-checked,
 * see {@link AssetCache}) and loads it with `process.dlopen`. When that is impossible it
 * throws {@link AddonUnavailableError}, whose message is one sentence for people: the package
 * that wanted the addon falls back where it can (TCP instead of the DHT, node:crypto instead
 * of libsodium) and the notice says so.
 * @module
 */
import type { AssetCache } from './asset-cache.js';

/** The asset folder of `packageName`'s addon. */
export function addonPrefix(packageName: string): string {
  return `addons/${packageName}`;
}

/** An embedded native addon could not be loaded. */
export class AddonUnavailableError extends Error {
  readonly code = 'ERR_ADDON_UNAVAILABLE';
  /** The package whose addon it is. */
  readonly packageName: string;
  constructor(packageName: string, reason: string) {
    super(
      `could not load the built-in ${packageName} (${reason}), so cryptully carries on without it`,
    );
    this.name = 'AddonUnavailableError';
    this.packageName = packageName;
  }
}

/** A short reason from whatever `process.dlopen` or the cache threw, without paths' noise. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0] ?? message;
  return firstLine.length > 160 ? `${firstLine.slice(0, 157)}...` : firstLine;
}

/**
 * Loads the embedded addon of `packageName` and returns its exports.
 * @param cache the executable's asset cache, or null when there is none (not a single executable)
 * @throws {AddonUnavailableError} when this build has no addon for the package, it cannot be
 *   written to the cache, its hash does not match, or the system refuses to load it
 */
export function loadEmbeddedAddon(packageName: string, cache: AssetCache | null): unknown {
  if (cache === null) throw new AddonUnavailableError(packageName, 'not a single executable');
  const [key] = cache.keys(addonPrefix(packageName)).filter((name) => name.endsWith('.node'));
  if (key === undefined) {
    throw new AddonUnavailableError(packageName, 'this build has none for this system');
  }
  let file: string;
  try {
    file = cache.file(key);
  } catch (error) {
    throw new AddonUnavailableError(packageName, reasonOf(error));
  }
  const module = { exports: {} as unknown };
  try {
    process.dlopen(module, file);
  } catch (error) {
    throw new AddonUnavailableError(packageName, reasonOf(error));
  }
  return module.exports;
}
