/**
 * The libsodium crypto provider (npm `sodium-native`): X25519, ChaCha20-Poly1305 (IETF),
 * BLAKE2b and HMAC-BLAKE2b built on it (RFC 2104, as the Noise spec §4.3 defines HMAC-HASH).
 *
 * This is the only file that loads `sodium-native`, and it loads it lazily and guarded: where
 * the addon cannot load (a single executable without it, an unusual platform) {@link
 * loadSodiumProvider} returns the reason and the caller falls back to node:crypto.
 * @module
 */
import { createRequire } from 'node:module';
import { abytes } from './bytes.js';
import { type CipherFunction, checkSealInto, DecryptError, TAG_LENGTH } from './cipher.js';
import { DhError, type DhFunction, type KeyPair, type PreparedPrivateKey } from './dh.js';
import type { HashFunction } from './hash.js';
import type { CryptoProvider } from './provider-types.js';
import { randomBytes } from './random.js';

/** The part of sodium-native's API this provider uses. */
interface Sodium {
  crypto_aead_chacha20poly1305_ietf_encrypt(
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(
    m: Uint8Array,
    nsec: null,
    c: Uint8Array,
    ad: Uint8Array | null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
  crypto_generichash(output: Uint8Array, input: Uint8Array): void;
  crypto_generichash_batch(output: Uint8Array, batch: Uint8Array[]): void;
  sodium_malloc(size: number): Uint8Array;
  sodium_memzero(buffer: Uint8Array): void;
}

/**
 * Loads sodium-native synchronously, whether this code runs as ES module or CommonJS bundle.
 * The `require('sodium-native')` calls are literal on purpose: the single executable's bundler
 * (packages/release) follows them and replaces the addon's loader with its own, which unpacks
 * the addon embedded in the executable; when that fails, this throws and core falls back.
 */
function requireSodium(): { sodium: Sodium; version: string } {
  // A CommonJS bundle (the single executable) has `require`; an ES module has import.meta.url.
  const sodium = (
    typeof require === 'function'
      ? require('sodium-native')
      : createRequire(import.meta.url)('sodium-native')
  ) as Sodium;
  let version = 'unknown';
  try {
    const manifest =
      typeof require === 'function'
        ? require('sodium-native/package.json')
        : createRequire(import.meta.url)('sodium-native/package.json');
    version = (manifest as { version: string }).version;
  } catch {
    // the version is only reported
  }
  return { sodium, version };
}

const EMPTY = new Uint8Array(0);

function makeChaChaPoly(sodium: Sodium): CipherFunction {
  // Noise ChaChaPoly nonce (spec §12.3): 32 zero bits, then n as 64 bits little-endian.
  const iv = Buffer.alloc(12);
  const view = new DataView(iv.buffer, iv.byteOffset, 12);
  const setNonce = (nonce: bigint) => view.setBigUint64(4, nonce, true);
  const encryptInto = (
    key: Uint8Array,
    nonce: bigint,
    ad: Uint8Array,
    plaintext: Uint8Array,
    output: Uint8Array,
    offset: number,
  ): number => {
    const length = checkSealInto(key, plaintext.length, output, offset);
    setNonce(nonce);
    // libsodium encrypts then authenticates the ciphertext, so the output may start exactly
    // where the plaintext does (encryption in place).
    sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
      output.subarray(offset, offset + length),
      plaintext,
      ad.length > 0 ? ad : null,
      null,
      iv,
      key,
    );
    return length;
  };
  const decryptInto = (
    key: Uint8Array,
    nonce: bigint,
    ad: Uint8Array,
    ciphertext: Uint8Array,
    output: Uint8Array,
  ): void => {
    setNonce(nonce);
    try {
      // The tag is verified before anything is written, so a forgery leaves `output` alone.
      sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
        output,
        null,
        ciphertext,
        ad.length > 0 ? ad : null,
        iv,
        key,
      );
    } catch {
      throw new DecryptError();
    }
  };
  return {
    name: 'ChaChaPoly',
    encrypt(key, nonce, ad, plaintext) {
      const out = new Uint8Array(plaintext.length + TAG_LENGTH);
      encryptInto(key, nonce, ad, plaintext, out, 0);
      return out;
    },
    encryptInto,
    decrypt(key, nonce, ad, ciphertext) {
      abytes(key, 32, 'key');
      if (ciphertext.length < TAG_LENGTH) throw new DecryptError();
      const out = new Uint8Array(ciphertext.length - TAG_LENGTH);
      decryptInto(key, nonce, ad, ciphertext, out);
      return out;
    },
    decryptInPlace(key, nonce, ad, ciphertext) {
      abytes(key, 32, 'key');
      if (ciphertext.length < TAG_LENGTH) throw new DecryptError();
      const out = ciphertext.subarray(0, ciphertext.length - TAG_LENGTH);
      decryptInto(key, nonce, ad, ciphertext, out);
      return out;
    },
  };
}

/**
 * How many secrets may live in guarded memory at once. Each `sodium_malloc` maps its own pages
 * with guard pages around them (about four memory mappings), and past the kernel's
 * `vm.max_map_count` (65,530 by default) it returns NULL, which sodium-native turns into an
 * abort of the whole process rather than an error: measured at about 16,000 live ChatNodes in one
 * process (the bench's dialer). A process holds a handful of identity keys; the rest get plain
 * buffers, still zeroed on dispose.
 */
export const MAX_GUARDED_SECRETS = 1024;
let guardedSecrets = 0;
const guardedReleased = new FinalizationRegistry<undefined>(() => {
  guardedSecrets--;
});

/**
 * A copy of a long-lived secret in libsodium's guarded memory (guard pages, locked out of
 * swap); a plain buffer when the process may not lock more memory or map more pages, or already
 * holds {@link MAX_GUARDED_SECRETS} guarded secrets.
 */
function secureCopy(sodium: Sodium, secret: Uint8Array): Uint8Array {
  let copy: Uint8Array | undefined;
  if (guardedSecrets < MAX_GUARDED_SECRETS) {
    try {
      copy = sodium.sodium_malloc(secret.length);
      guardedSecrets++;
      guardedReleased.register(copy, undefined);
    } catch {
      copy = undefined;
    }
  }
  copy ??= new Uint8Array(secret.length);
  copy.set(secret);
  return copy;
}

function makeX25519(sodium: Sodium): DhFunction {
  const publicKeyFromPrivate = (privateKey: Uint8Array): Uint8Array => {
    const publicKey = new Uint8Array(32);
    sodium.crypto_scalarmult_base(publicKey, abytes(privateKey, 32, 'private key'));
    return publicKey;
  };
  const derive = (privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array => {
    abytes(publicKey, 32, 'public key');
    const shared = new Uint8Array(32);
    try {
      sodium.crypto_scalarmult(shared, privateKey, publicKey);
    } catch {
      // libsodium refuses an all-zero result (a low-order public key): fail closed.
      throw new DhError();
    }
    return shared;
  };
  return {
    name: '25519',
    dhLen: 32,
    generateKeyPair(): KeyPair {
      const privateKey = randomBytes(32);
      return { privateKey, publicKey: publicKeyFromPrivate(privateKey) };
    },
    publicKeyFromPrivate,
    dh(privateKey, publicKey) {
      return derive(abytes(privateKey, 32, 'private key'), publicKey);
    },
    preparePrivateKey(privateKey, options): PreparedPrivateKey {
      abytes(privateKey, 32, 'private key');
      let key: Uint8Array | undefined = options?.longLived
        ? secureCopy(sodium, privateKey)
        : Uint8Array.from(privateKey);
      const publicKey = publicKeyFromPrivate(key);
      return {
        publicKey,
        dh(peer) {
          if (key === undefined) throw new DhError('the prepared private key was disposed');
          return derive(key, peer);
        },
        dispose() {
          if (key !== undefined) sodium.sodium_memzero(key);
          key = undefined;
        },
      };
    },
  };
}

function makeBlake2b(sodium: Sodium): HashFunction {
  const hashLen = 64;
  const blockLen = 128;
  // HMAC pads, reused call after call (the provider is synchronous) and wiped after each use.
  const innerPad = new Uint8Array(blockLen);
  const outerPad = new Uint8Array(blockLen);
  const inner = new Uint8Array(hashLen);
  const hash = (...parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(hashLen);
    if (parts.length === 1) sodium.crypto_generichash(out, parts[0]!);
    else sodium.crypto_generichash_batch(out, parts.length === 0 ? [EMPTY] : parts);
    return out;
  };
  return {
    name: 'BLAKE2b',
    hashLen,
    blockLen,
    hash,
    hmac(key, ...parts) {
      // HMAC-HASH(K, text) = HASH((K' ^ opad) || HASH((K' ^ ipad) || text)), RFC 2104, with
      // K' = K padded with zeros to BLOCKLEN (or HASH(K) first when K is longer).
      const k = key.length > blockLen ? hash(key) : key;
      innerPad.fill(0x36);
      outerPad.fill(0x5c);
      for (let i = 0; i < k.length; i++) {
        innerPad[i]! ^= k[i]!;
        outerPad[i]! ^= k[i]!;
      }
      if (k !== key) k.fill(0);
      sodium.crypto_generichash_batch(inner, [innerPad, ...parts]);
      const out = new Uint8Array(hashLen);
      sodium.crypto_generichash_batch(out, [outerPad, inner]);
      innerPad.fill(0);
      outerPad.fill(0);
      inner.fill(0);
      return out;
    },
  };
}

/**
 * Loads the libsodium provider: `{ provider }`, or `{ error }` with the reason in one line when
 * sodium-native cannot load here.
 */
export function loadSodiumProvider(): { provider: CryptoProvider } | { error: string } {
  let loaded: { sodium: Sodium; version: string };
  try {
    loaded = requireSodium();
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    return { error: `sodium-native could not load (${message})` };
  }
  const { sodium, version } = loaded;
  return {
    provider: Object.freeze({
      name: 'sodium',
      description: `libsodium (sodium-native ${version})`,
      x25519: makeX25519(sodium),
      chaChaPoly: makeChaChaPoly(sodium),
      blake2b: makeBlake2b(sodium),
    }),
  };
}
