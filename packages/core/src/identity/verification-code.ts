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
 * How many digits a code has: 6 (the default, what front ends show today), or 12 or 18 for a
 * smaller chance than one in a million that a man in the middle's codes match by luck.
 */
export type VerificationCodeDigits = 6 | 12 | 18;

/**
 * The code of a handshake hash, in groups of three digits: `"482 913"` (or `"482 913 205 117"`
 * with 12 digits). BLAKE2b-512 of `"Cryptully verification code v1" || handshakeHash`, read as
 * sixteen 32-bit big-endian words; each word below 4 294 000 000 (the largest multiple of 10^6
 * under 2^32) gives six digits, `word mod 10^6`, in order, until there are enough. If the words
 * run out (for six digits: probability about 10^-58), hash again with the digest appended. A
 * longer code starts with the shorter one.
 *
 * Six digits give a man in the middle one chance in a million per attempt because the channel
 * handshake carries a commitment (docs/protocol.md §5): the initiator commits in msg1 to its
 * static key and a fresh nonce and reveals the nonce in msg3, both mixed into `h`, so he cannot
 * try keys offline until both ends show the same code (without it: about 10^6 tries, minutes
 * of CPU); each attempt is a new live handshake with an honest peer. See
 * docs/protocol-identity.md §3; invites (XXpsk3 with the host key pinned) do not depend on the
 * code.
 * @param handshakeHash the Noise handshake hash `h` (32 or 64 bytes; BLAKE2b gives 64).
 * @param digits 6 (default), 12 or 18.
 * @throws {RangeError} for a hash shorter than 32 bytes or another number of digits.
 * @example verificationCode(hs.handshakeHash) // '506 535'
 */
export function verificationCode(
  handshakeHash: Uint8Array,
  digits: VerificationCodeDigits = 6,
): string {
  abytes(handshakeHash, undefined, 'handshake hash');
  if (handshakeHash.length < 32) throw new RangeError('handshake hash must be at least 32 bytes');
  if (digits !== 6 && digits !== 12 && digits !== 18) {
    throw new RangeError('a verification code has 6, 12 or 18 digits');
  }
  const chunks: string[] = [];
  let digest = blake2b.hash(DOMAIN, handshakeHash);
  for (;;) {
    for (let i = 0; i + 4 <= digest.length; i += 4) {
      const word =
        digest[i]! * 2 ** 24 + digest[i + 1]! * 2 ** 16 + digest[i + 2]! * 2 ** 8 + digest[i + 3]!;
      if (word < LIMIT) {
        chunks.push(String(word % MODULUS).padStart(6, '0'));
        if (chunks.length * 6 === digits) return chunks.join('').replace(/(\d{3})(?=\d)/g, '$1 ');
      }
    }
    digest = blake2b.hash(DOMAIN, concatBytes(handshakeHash, digest));
  }
}

/**
 * Whether a code a person typed (spaces or dashes allowed) equals a displayed code of 6, 12 or
 * 18 digits, compared in constant time.
 */
export function verificationCodesMatch(a: string, b: string): boolean {
  const x = a.replace(/[\s-]/g, '');
  const y = b.replace(/[\s-]/g, '');
  return /^(\d{6}){1,3}$/.test(x) && constantTimeEqual(encoder.encode(x), encoder.encode(y));
}
