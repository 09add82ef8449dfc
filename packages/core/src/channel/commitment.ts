/**
 * The handshake commitment (docs/protocol.md §5): the initiator commits in msg1 to its static
 * key and a fresh random nonce, and opens the commitment in msg3. Both the commitment and the
 * nonce are mixed into the Noise handshake hash, so a man in the middle can no longer choose
 * his handshake messages until the two verification codes match.
 * @module
 */
import { abytes, blake2b, constantTimeEqual } from '../crypto/index.js';
import {
  COMMITMENT_BYTES,
  COMMITMENT_LABEL,
  COMMITMENT_NONCE_BYTES,
  HOST_COMMITMENT_LABEL,
} from './constants.js';

const LABEL = new TextEncoder().encode(COMMITMENT_LABEL);
const HOST_LABEL = new TextEncoder().encode(HOST_COMMITMENT_LABEL);

/**
 * The commitment of msg1: the first 32 bytes of
 * `BLAKE2b-512("Cryptully commit v1" || staticPublicKey || nonce)`. (Truncated BLAKE2b-512,
 * which differs from BLAKE2b-256: the output length is part of BLAKE2b's parameter block.)
 * @param staticPublicKey the initiator's 32-byte static X25519 public key.
 * @param nonce the initiator's 32-byte random nonce of this handshake.
 * @throws {InvalidArgumentError} when a size is wrong.
 * @example const commitment = handshakeCommitment(keyPair.publicKey, randomBytes(32));
 */
export function handshakeCommitment(staticPublicKey: Uint8Array, nonce: Uint8Array): Uint8Array {
  return labelledCommitment(LABEL, staticPublicKey, nonce);
}

/**
 * Whether `nonce` (msg3's payload) opens `commitment` (msg1's payload) for the initiator's
 * static key learnt from msg3, compared in constant time. False for a nonce of the wrong size.
 */
export function commitmentOpens(
  commitment: Uint8Array,
  staticPublicKey: Uint8Array,
  nonce: Uint8Array,
): boolean {
  return labelledOpens(LABEL, commitment, staticPublicKey, nonce);
}

/**
 * The host's commitment in msg2's status (docs/protocol.md §5): the first 32 bytes of
 * `BLAKE2b-512("Cryptully host commit v1" || responderStaticPublicKey || hostNonce)`, the same
 * construction as {@link handshakeCommitment} under its own label. The host reveals
 * `hostNonce` in its session `hello`, sent only once the joiner's request is shown to its user,
 * and the verification code is derived from `h || hostNonce`: a man in the middle cannot learn
 * the host-side code without making a request the host's user sees.
 * @throws {InvalidArgumentError} when a size is wrong.
 */
export function hostCommitment(staticPublicKey: Uint8Array, hostNonce: Uint8Array): Uint8Array {
  return labelledCommitment(HOST_LABEL, staticPublicKey, hostNonce);
}

/**
 * Whether `hostNonce` (from the host's hello) opens `commitment` (from msg2's status) for the
 * host's static key, compared in constant time. False for anything of the wrong size.
 */
export function hostCommitmentOpens(
  commitment: Uint8Array,
  staticPublicKey: Uint8Array,
  hostNonce: Uint8Array,
): boolean {
  return labelledOpens(HOST_LABEL, commitment, staticPublicKey, hostNonce);
}

function labelledCommitment(label: Uint8Array, key: Uint8Array, nonce: Uint8Array): Uint8Array {
  abytes(key, 32, 'static public key');
  abytes(nonce, COMMITMENT_NONCE_BYTES, 'commitment nonce');
  return blake2b.hash(label, key, nonce).slice(0, COMMITMENT_BYTES);
}

function labelledOpens(
  label: Uint8Array,
  commitment: Uint8Array,
  key: Uint8Array,
  nonce: Uint8Array,
): boolean {
  if (commitment.length !== COMMITMENT_BYTES) return false;
  if (nonce.length !== COMMITMENT_NONCE_BYTES || key.length !== 32) return false;
  return constantTimeEqual(commitment, labelledCommitment(label, key, nonce));
}
