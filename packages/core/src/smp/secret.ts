/**
 * The secret of one SMP run, bound to the session as OTR binds it: SHA-256 of a version byte,
 * both parties' identity keys (asker first) and the session id (here the Noise handshake hash
 * of this connection), then the normalised answer. The same answer in another session (a man in
 * the middle relaying SMP between his two sessions) gives another secret, so the run fails.
 * @module
 */
import { abytes, bytesToBigint, sha256 } from '../crypto/index.js';

/** OTR's version byte of the SMP secret (`0x01`). */
export const SMP_SECRET_VERSION = 1;

/**
 * The answer as compared: Unicode NFKC, case-folded (upper-cased then lower-cased, so "ß"
 * folds to "ss" and "ς" to "σ", then NFKC again), trimmed, runs of whitespace collapsed to one
 * space. So "Paris " equals "paris", "STRASSE" equals "Straße" and "ＰＡＲＩＳ" equals "paris".
 */
export function normalizeSmpAnswer(answer: string): string {
  return answer
    .normalize('NFKC')
    .toUpperCase()
    .toLowerCase()
    .normalize('NFKC')
    .trim()
    .replace(/\s+/gu, ' ');
}

/** What binds an SMP secret to one session. */
export interface SmpSecretInput {
  /** The static public key of the party that asked (SMP's initiator), 32 bytes. */
  readonly askerKey: Uint8Array;
  /** The static public key of the party that answers, 32 bytes. */
  readonly answererKey: Uint8Array;
  /** The session id: the Noise handshake hash `h` of this connection (64 bytes). */
  readonly sessionId: Uint8Array;
  /** The answer as typed; normalised here. */
  readonly answer: string;
}

/**
 * `x = SHA-256(0x01 || askerKey || answererKey || sessionId || UTF-8(normalise(answer)))` read
 * as a big-endian integer: OTR version 3's secret with the identity keys in place of OTR's
 * fingerprints and the handshake hash in place of OTR's ssid.
 */
export function smpSecret(input: SmpSecretInput): bigint {
  abytes(input.askerKey, 32, 'asker key');
  abytes(input.answererKey, 32, 'answerer key');
  abytes(input.sessionId, undefined, 'session id');
  return bytesToBigint(
    sha256.hash(
      Uint8Array.of(SMP_SECRET_VERSION),
      input.askerKey,
      input.answererKey,
      input.sessionId,
      new TextEncoder().encode(normalizeSmpAnswer(input.answer)),
    ),
  );
}
