import { randomBytes as nodeRandomBytes } from 'node:crypto';

/**
 * `length` bytes from the operating system's CSPRNG, in a buffer the caller owns alone: the
 * copy node:crypto filled is zeroed, so wiping the result (a key, a psk) leaves no other copy.
 */
export function randomBytes(length: number): Uint8Array {
  const source = nodeRandomBytes(length);
  const bytes = new Uint8Array(source);
  source.fill(0);
  return bytes;
}
