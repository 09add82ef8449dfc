/**
 * The embedded files of the running single executable, read with `node:sea`.
 * @module
 */
import { createRequire } from 'node:module';
import type { AssetManifest, AssetSource } from './asset-cache.js';

/** The name of the manifest among the SEA assets. */
export const MANIFEST_KEY = 'manifest.json';

interface SeaModule {
  isSea(): boolean;
  getAsset(key: string): ArrayBuffer;
}

function seaModule(): SeaModule | null {
  try {
    // `node:sea` exists from Node 20.12; a plain `node` run has it too, with isSea() false.
    const load = typeof require === 'function' ? require : createRequire(process.execPath);
    return load('node:sea') as SeaModule;
  } catch {
    return null;
  }
}

/** The running executable's embedded files, or null when this is not a single executable. */
export function seaAssetSource(): AssetSource | null {
  const sea = seaModule();
  if (sea === null || !sea.isSea()) return null;
  const read = (key: string) => Buffer.from(sea.getAsset(key));
  const manifest = JSON.parse(read(MANIFEST_KEY).toString('utf8')) as AssetManifest;
  return { manifest, read };
}
