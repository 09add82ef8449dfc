import type { CipherFunction } from './cipher.js';
import type { DhFunction } from './dh.js';
import type { HashFunction } from './hash.js';

/** Names of the crypto providers. */
export type CryptoProviderName = 'sodium' | 'node';

/**
 * One implementation of the primitives Cryptully's protocol runs on (Noise
 * `25519_ChaChaPoly_BLAKE2b`). Both providers pass the same vectors and agree byte for byte.
 */
export interface CryptoProvider {
  /** `sodium` (libsodium through sodium-native) or `node` (node:crypto, OpenSSL). */
  readonly name: CryptoProviderName;
  /** For people: e.g. `libsodium (sodium-native 5.1.0)` or `node:crypto (OpenSSL 3.0.19)`. */
  readonly description: string;
  readonly x25519: DhFunction;
  readonly chaChaPoly: CipherFunction;
  /** BLAKE2b-512 and HMAC-BLAKE2b (RFC 2104). */
  readonly blake2b: HashFunction;
}
