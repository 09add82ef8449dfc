/**
 * `@cryptully/release`: the start-up runtime of cryptully's single executables (embedded
 * files, native addons, the cache folder). The build itself is `scripts/build-binaries.mjs`.
 * @module
 */
export * from './asset-cache.js';
export * from './cache-dir.js';
export * from './native-addons.js';
export * from './sea-source.js';
