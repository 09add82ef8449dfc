import { CryptullyError } from '../errors.js';

/**
 * The base of every error the Noise layer throws on purpose. Told apart by `code`
 * (and by class): `ERR_NOISE_DECRYPT`, `ERR_NOISE_STATE`, `ERR_NOISE_PROTOCOL`,
 * `ERR_NOISE_MESSAGE`, `ERR_NOISE_NONCE_EXHAUSTED`, `ERR_NOISE_DH`. Messages never contain
 * key material.
 */
export class NoiseError extends CryptullyError {}

/**
 * An AEAD tag did not verify (spec §5.1 DecryptWithAd, §5.3 ReadMessage). Deliberately opaque:
 * a wrong psk, a wrong prologue, a wrong remote static key and a flipped bit all look the same.
 */
export class NoiseDecryptError extends NoiseError {
  constructor() {
    super('ERR_NOISE_DECRYPT', 'Noise message authentication failed');
  }
}

/**
 * A call made at the wrong time: writing when it is the peer's turn, reading or writing after
 * the handshake is complete or has failed, `split()` before completion or twice, using a
 * disposed CipherState.
 */
export class NoiseStateError extends NoiseError {
  constructor(message: string) {
    super('ERR_NOISE_STATE', message);
  }
}

/**
 * A protocol name or configuration that cannot be run: unknown pattern, DH, cipher or hash;
 * an invalid modifier (spec §8, §9.3, §7.3); a missing, superfluous or wrongly sized key.
 */
export class NoiseProtocolError extends NoiseError {
  constructor(message: string) {
    super('ERR_NOISE_PROTOCOL', message);
  }
}

/** A handshake message that is too short, too long (spec §3: 65535 bytes) or malformed. */
export class NoiseMessageError extends NoiseError {
  constructor(message: string) {
    super('ERR_NOISE_MESSAGE', message);
  }
}

/**
 * The nonce reached 2^64-1, which spec §5.1 reserves: the CipherState can neither encrypt nor
 * decrypt any more. Rekeying does not reset the nonce; start a new handshake.
 */
export class NoiseNonceExhaustedError extends NoiseError {
  constructor() {
    super('ERR_NOISE_NONCE_EXHAUSTED', 'Noise nonce exhausted: no more messages on this key');
  }
}

/** A Diffie-Hellman computation failed, e.g. the peer sent a low-order public key (spec §12.1). */
export class NoiseDhError extends NoiseError {
  constructor() {
    super('ERR_NOISE_DH', 'Noise Diffie-Hellman computation failed (invalid public key)');
  }
}
