import { timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';

/**
 * Checks that `value` is a Uint8Array, optionally of an exact length.
 * @throws {InvalidArgumentError} when it is not.
 * @example abytes(key, 32, 'key');
 */
export function abytes(value: unknown, length?: number, name = 'value'): Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new InvalidArgumentError(`${name} must be a Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new InvalidArgumentError(`${name} must be ${length} bytes, got ${value.length}`);
  }
  return value;
}

/**
 * Compares two byte strings in time that depends only on their lengths.
 * Returns false (rather than throwing) when the lengths differ.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/** Overwrites a buffer with zeros. Call it on secrets once they are no longer needed. */
export function wipe(...buffers: Array<Uint8Array | undefined | null>): void {
  for (const buffer of buffers) buffer?.fill(0);
}

/** Concatenates byte strings into one new Uint8Array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Lower-case hex encoding. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Decodes lower- or upper-case hex.
 * @throws {InvalidArgumentError} on odd length or a non-hex character.
 */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new InvalidArgumentError('invalid hex string');
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** A Buffer view over the same memory as `bytes` (no copy), for node:crypto calls. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
