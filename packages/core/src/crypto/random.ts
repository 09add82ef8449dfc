import { randomBytes as nodeRandomBytes, randomFillSync } from 'node:crypto';

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

/** How many random bytes {@link randomPublicHex} draws from the CSPRNG at once. */
const PUBLIC_POOL_BYTES = 4096;
let publicPool: Buffer | undefined;
let publicPoolAt = PUBLIC_POOL_BYTES;

/**
 * `length` CSPRNG bytes as lower-case hex, for identifiers that are sent in the clear to the
 * peer (chat message ids), never for keys: they come from a pool refilled 4 KiB at a time, so
 * the cost of a call into the CSPRNG (about as much as the rest of a chat message) is paid once
 * per 512 eight-byte ids. Each byte is handed out once.
 * @example randomPublicHex(8) // => e.g. "9f1c0a7be2d45386"
 */
export function randomPublicHex(length: number): string {
  if (length > PUBLIC_POOL_BYTES) return nodeRandomBytes(length).toString('hex');
  if (publicPool === undefined || publicPoolAt + length > PUBLIC_POOL_BYTES) {
    publicPool ??= Buffer.allocUnsafeSlow(PUBLIC_POOL_BYTES);
    randomFillSync(publicPool);
    publicPoolAt = 0;
  }
  const hex = publicPool.toString('hex', publicPoolAt, publicPoolAt + length);
  publicPoolAt += length;
  return hex;
}
