/**
 * Renderings of a public key for people and for programs: the fingerprint people read aloud
 * and the short peer id front ends use as a conversation key. docs/protocol-identity.md §2.
 * @module
 */
import { abytes, blake2b, constantTimeEqual, toHex } from '../crypto/index.js';

const encoder = new TextEncoder();
const FINGERPRINT_DOMAIN = encoder.encode('Cryptully fingerprint v1');
const PEER_ID_DOMAIN = encoder.encode('Cryptully peer id v1');

/** Number of 5-digit groups in a fingerprint (12 × 5 = 60 digits, about 199 bits). */
export const FINGERPRINT_GROUPS = 12;
/** Number of hex characters in a peer id (64 bits). */
export const PEER_ID_LENGTH = 16;

/**
 * The fingerprint of a 32-byte public key: 60 decimal digits in 12 space-separated groups of
 * five, like a Signal safety number but for one key. BLAKE2b-512 of
 * `"Cryptully fingerprint v1" || publicKey`; bytes 5i..5i+4 read as a big-endian 40-bit integer,
 * modulo 100000, give group i (bias below 10^-7).
 * @example fingerprint(key) // '39501 04870 …' (12 groups)
 */
export function fingerprint(publicKey: Uint8Array): string {
  abytes(publicKey, 32, 'public key');
  const digest = blake2b.hash(FINGERPRINT_DOMAIN, publicKey);
  const groups: string[] = [];
  for (let g = 0; g < FINGERPRINT_GROUPS; g++) {
    let value = 0;
    for (let i = 0; i < 5; i++) value = value * 256 + digest[g * 5 + i]!;
    groups.push(String(value % 100_000).padStart(5, '0'));
  }
  return groups.join(' ');
}

/**
 * Reduces a fingerprint as a person typed or pasted it to its 60 digits (spaces, dashes and
 * line breaks dropped), or `undefined` when it is not 60 digits.
 */
export function normalizeFingerprint(text: string): string | undefined {
  const digits = text.replace(/[\s\-.:]/g, '');
  return /^\d{60}$/.test(digits) ? digits : undefined;
}

/**
 * Whether two renderings of fingerprints name the same key (spacing ignored). Compared in
 * constant time (STYLE.md: fingerprints are compared like MACs).
 */
export function fingerprintsMatch(a: string, b: string): boolean {
  const x = normalizeFingerprint(a);
  const y = normalizeFingerprint(b);
  return (
    x !== undefined && y !== undefined && constantTimeEqual(encoder.encode(x), encoder.encode(y))
  );
}

/**
 * The peer id of a public key: 16 lower-case hex characters, the first 8 bytes of BLAKE2b-512 of
 * `"Cryptully peer id v1" || publicKey`. Stable across reconnects; the `PeerId` of events.
 */
export function peerIdFromPublicKey(publicKey: Uint8Array): string {
  abytes(publicKey, 32, 'public key');
  return toHex(blake2b.hash(PEER_ID_DOMAIN, publicKey).subarray(0, PEER_ID_LENGTH / 2));
}
