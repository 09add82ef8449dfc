import { scrypt as nodeScrypt } from 'node:crypto';

/** scrypt cost parameters (RFC 7914). */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
}

/**
 * Derives `keyLength` bytes from a passphrase with scrypt, off the main thread (libuv pool).
 * Memory needed is about 128 * N * r bytes; the limit is raised to fit.
 */
export function scrypt(
  passphrase: Uint8Array | string,
  salt: Uint8Array,
  params: ScryptParams,
  keyLength = 32,
): Promise<Uint8Array> {
  const maxmem = 256 * params.N * params.r + 1024 * 1024;
  return new Promise((resolve, reject) => {
    nodeScrypt(passphrase, salt, keyLength, { ...params, maxmem }, (error, key) => {
      if (error) reject(error);
      else resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength));
    });
  });
}
