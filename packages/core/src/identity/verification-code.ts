/**
 * The per-session verification code: six digits both ends derive from the Noise handshake hash
 * and read to each other. A man in the middle runs two handshakes with two different hashes, so
 * the two ends show different codes. docs/protocol-identity.md §3.
 * @module
 */
import { abytes, blake2b, concatBytes, constantTimeEqual } from '../crypto/index.js';

const encoder = new TextEncoder();
const DOMAIN = encoder.encode('Cryptully verification code v1');
/** Codes are uniform over 000000-999999. */
const MODULUS = 1_000_000;
/** Largest multiple of 10^6 below 2^32: 32-bit words at or above it are rejected (no bias). */
const LIMIT = Math.floor(2 ** 32 / MODULUS) * MODULUS;

/**
 * The six-digit code of a handshake hash, as `"482 913"`. BLAKE2b-512 of
 * `"Cryptully verification code v1" || handshakeHash`; the first 32-bit big-endian word below
 * 4 294 000 000 (the largest multiple of 10^6 under 2^32), taken modulo 10^6. If all sixteen
 * words are rejected (probability about 10^-58), hash again with the digest appended.
 *
 * Six digits stop a passive or careless man in the middle, not a prepared one: he can try keys
 * until both ends show the same code (about 10^6 tries, seconds on a multi-core machine). See
 * docs/protocol-identity.md §3; invites (XXpsk3 with the host key pinned) do not depend on it.
 * @param handshakeHash the Noise handshake hash `h` (32 or 64 bytes; BLAKE2b gives 64).
 */
export function verificationCode(handshakeHash: Uint8Array): string {
  abytes(handshakeHash, undefined, 'handshake hash');
  if (handshakeHash.length < 32) throw new RangeError('handshake hash must be at least 32 bytes');
  let digest = blake2b.hash(DOMAIN, handshakeHash);
  for (;;) {
    for (let i = 0; i + 4 <= digest.length; i += 4) {
      const word =
        digest[i]! * 2 ** 24 + digest[i + 1]! * 2 ** 16 + digest[i + 2]! * 2 ** 8 + digest[i + 3]!;
      if (word < LIMIT) {
        const digits = String(word % MODULUS).padStart(6, '0');
        return `${digits.slice(0, 3)} ${digits.slice(3)}`;
      }
    }
    digest = blake2b.hash(DOMAIN, concatBytes(handshakeHash, digest));
  }
}

/**
 * Whether a code a person typed (spaces or dashes allowed) equals a displayed code, compared in
 * constant time.
 */
export function verificationCodesMatch(a: string, b: string): boolean {
  const x = a.replace(/[\s-]/g, '');
  const y = b.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(x) && constantTimeEqual(encoder.encode(x), encoder.encode(y));
}
