/**
 * Which crypto provider the process uses, chosen once when this module loads:
 *
 * - `CRYPTULLY_CRYPTO=node` forces node:crypto (OpenSSL), e.g. for tests and benchmarks;
 * - otherwise (unset, `auto` or `sodium`) libsodium through sodium-native when the addon loads,
 *   else node:crypto, with the reason kept in {@link cryptoProviderInfo}.
 *
 * Protocol code takes `x25519`, `chaChaPoly` and `blake2b` (or `*ByName`) from here; the other
 * Noise primitives (X448, AES-GCM, SHA-256/512, BLAKE2s) are node:crypto's in every case.
 * @module
 */
import { aesGcm, type CipherFunction, nodeChaChaPoly } from './cipher.js';
import { type DhFunction, nodeX25519, x448 } from './dh.js';
import { blake2s, type HashFunction, nodeBlake2b, sha256, sha512 } from './hash.js';
import type { CryptoProvider, CryptoProviderName } from './provider-types.js';
import { loadSodiumProvider } from './sodium.js';

export type { CryptoProvider, CryptoProviderName } from './provider-types.js';

/** The node:crypto (OpenSSL) provider: always available. */
export const nodeCryptoProvider: CryptoProvider = Object.freeze({
  name: 'node',
  description: `node:crypto (OpenSSL ${process.versions.openssl ?? 'unknown'})`,
  x25519: nodeX25519,
  chaChaPoly: nodeChaChaPoly,
  blake2b: nodeBlake2b,
});

/** How the provider was chosen, for `cryptully --version`, the bench and start-up messages. */
export interface CryptoProviderInfo {
  /** The provider in use. */
  readonly name: CryptoProviderName;
  /** e.g. `libsodium (sodium-native 5.1.0)`. */
  readonly description: string;
  /** What `CRYPTULLY_CRYPTO` asked for: `auto` when unset. */
  readonly requested: 'auto' | CryptoProviderName;
  /** Why libsodium is not in use when it was not ruled out by the request, else undefined. */
  readonly fallbackReason: string | undefined;
}

function choose(): { provider: CryptoProvider; info: CryptoProviderInfo } {
  const raw = (process.env.CRYPTULLY_CRYPTO ?? '').trim().toLowerCase();
  const requested = raw === 'node' || raw === 'sodium' ? raw : 'auto';
  let provider = nodeCryptoProvider;
  let fallbackReason: string | undefined;
  if (raw !== '' && raw !== 'auto' && raw !== 'node' && raw !== 'sodium') {
    fallbackReason = `CRYPTULLY_CRYPTO=${raw} is not one of auto, sodium, node`;
  }
  if (requested !== 'node') {
    const sodium = loadSodiumProvider();
    if ('provider' in sodium) provider = sodium.provider;
    else fallbackReason = sodium.error;
  }
  return {
    provider,
    info: Object.freeze({
      name: provider.name,
      description: provider.description,
      requested,
      fallbackReason: provider.name === 'sodium' ? undefined : fallbackReason,
    }),
  };
}

const chosen = choose();

/** The provider this process uses (see the module comment). */
export const cryptoProvider: CryptoProvider = chosen.provider;
/** How {@link cryptoProvider} was chosen. */
export const cryptoProviderInfo: CryptoProviderInfo = chosen.info;

/**
 * The libsodium provider whatever was chosen (for cross-checks and benchmarks), or undefined
 * when sodium-native cannot load here.
 */
export function sodiumCryptoProvider(): CryptoProvider | undefined {
  if (cryptoProvider.name === 'sodium') return cryptoProvider;
  const loaded = loadSodiumProvider();
  return 'provider' in loaded ? loaded.provider : undefined;
}

/** X25519 (RFC 7748), Noise DH name `25519`, from the chosen provider. */
export const x25519: DhFunction = cryptoProvider.x25519;
/** ChaCha20-Poly1305 (RFC 8439), Noise cipher name `ChaChaPoly`, from the chosen provider. */
export const chaChaPoly: CipherFunction = cryptoProvider.chaChaPoly;
/** BLAKE2b-512 and HMAC-BLAKE2b, Noise hash name `BLAKE2b`, from the chosen provider. */
export const blake2b: HashFunction = cryptoProvider.blake2b;

/** The DH function for a Noise DH name. */
export function dhByName(name: string): DhFunction | undefined {
  return name === '25519' ? x25519 : name === '448' ? x448 : undefined;
}

/** The cipher for a Noise cipher name. */
export function cipherByName(name: string): CipherFunction | undefined {
  return name === 'ChaChaPoly' ? chaChaPoly : name === 'AESGCM' ? aesGcm : undefined;
}

/** The hash function for a Noise hash name. */
export function hashByName(name: string): HashFunction | undefined {
  return { SHA256: sha256, SHA512: sha512, BLAKE2s: blake2s, BLAKE2b: blake2b }[name];
}
