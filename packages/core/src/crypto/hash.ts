import { createHash, createHmac } from 'node:crypto';

/** Names of the hash functions of the Noise spec (§12.5-§12.8). */
export type HashName = 'SHA256' | 'SHA512' | 'BLAKE2s' | 'BLAKE2b';

/** One hash function as Noise uses it (spec §4.3). */
export interface HashFunction {
  readonly name: HashName;
  /** HASHLEN in bytes. */
  readonly hashLen: number;
  /** BLOCKLEN in bytes (used by HMAC). */
  readonly blockLen: number;
  /** HASH(data...) over the concatenation of the parts. */
  hash(...parts: Uint8Array[]): Uint8Array;
  /** HMAC-HASH(key, data...) as in RFC 2104. */
  hmac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array;
}

function makeHash(
  name: HashName,
  openssl: string,
  hashLen: number,
  blockLen: number,
): HashFunction {
  return {
    name,
    hashLen,
    blockLen,
    hash(...parts) {
      const h = createHash(openssl);
      for (const part of parts) h.update(part);
      const out = h.digest();
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    },
    hmac(key, ...parts) {
      const h = createHmac(openssl, key);
      for (const part of parts) h.update(part);
      const out = h.digest();
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    },
  };
}

export const sha256: HashFunction = makeHash('SHA256', 'sha256', 32, 64);
export const sha512: HashFunction = makeHash('SHA512', 'sha512', 64, 128);
export const blake2s: HashFunction = makeHash('BLAKE2s', 'blake2s256', 32, 64);
/**
 * BLAKE2b-512 and HMAC-BLAKE2b through node:crypto (OpenSSL). Protocol code uses `blake2b`,
 * the selected provider's (see provider.ts).
 */
export const nodeBlake2b: HashFunction = makeHash('BLAKE2b', 'blake2b512', 64, 128);
