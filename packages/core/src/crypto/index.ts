/**
 * The one door to cryptographic primitives in Cryptully: every protocol module takes its
 * primitives from here, and only this folder imports `node:crypto` (OpenSSL) or libsodium
 * (`sodium-native`, in `sodium.ts` alone). Which provider runs is chosen once: provider.ts.
 * @module
 */
export * from './bytes.js';
export * from './cipher.js';
export * from './dh.js';
export * from './hash.js';
export * from './kdf.js';
export * from './modp.js';
export * from './provider.js';
export * from './random.js';
