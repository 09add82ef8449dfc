import { abytes, type CipherFunction, DecryptError, TAG_LENGTH, wipe } from '../crypto/index.js';
import { NoiseDecryptError, NoiseNonceExhaustedError, NoiseStateError } from './errors.js';

/** The largest nonce, 2^64-1: reserved by spec §5.1 (never used to encrypt or decrypt). */
export const MAX_NONCE = 0xffff_ffff_ffff_ffffn;

/** Length of a cipher key (spec §4.2: 32 bytes). */
export const KEY_LENGTH = 32;

/** The 32 zero bytes REKEY encrypts (spec §4.2, §11.3). */
const REKEY_ZEROS = new Uint8Array(32);
const EMPTY = new Uint8Array(0);

// Reads the private key field for cipherKeyForTesting; assigned in the class's static block.
let keyOf: (cs: CipherState) => Uint8Array | undefined;

/**
 * Noise spec §5.1 CipherState: a cipher key `k` (or none) and a 64-bit nonce `n`.
 *
 * - With no key, `encryptWithAd`/`decryptWithAd` return the input unchanged (the first
 *   handshake messages before any DH, spec §5.1).
 * - The nonce 2^64-1 is never used: a call with `n = 2^64-1` throws
 *   {@link NoiseNonceExhaustedError}.
 * - A failed decryption throws {@link NoiseDecryptError} and does NOT advance the nonce.
 * - Spec §3 caps Noise messages at 65535 bytes; this class does not enforce it (the framing
 *   layer does), so that it stays a plain AEAD-with-counter.
 *
 * A CipherState from {@link HandshakeState.split} owns its key; call {@link dispose} to wipe it
 * when the session ends.
 * @example
 * const [send, receive] = hs.split();
 * const ct = send.encryptWithAd(new Uint8Array(0), text);
 */
export class CipherState {
  static {
    keyOf = (cs) => cs.#k;
  }

  /** The AEAD of the protocol (spec §12.3 ChaChaPoly, §12.4 AESGCM). */
  readonly cipher: CipherFunction;
  #k: Uint8Array | undefined;
  #n = 0n;
  #disposed = false;

  /**
   * InitializeKey(key) of spec §5.1: `key` (32 bytes) is copied; omit it for an empty key.
   * @throws {InvalidArgumentError} when the key is not 32 bytes.
   */
  constructor(cipher: CipherFunction, key?: Uint8Array) {
    this.cipher = cipher;
    if (key !== undefined) this.#k = Uint8Array.from(abytes(key, KEY_LENGTH, 'key'));
  }

  /**
   * InitializeKey(key) of spec §5.1: sets `k` to a copy of `key` (or empty) and `n = 0`,
   * wiping the previous key.
   */
  initializeKey(key: Uint8Array | undefined): void {
    this.#assertUsable();
    wipe(this.#k);
    this.#k = key === undefined ? undefined : Uint8Array.from(abytes(key, KEY_LENGTH, 'key'));
    this.#n = 0n;
  }

  /** HasKey() of spec §5.1: whether `k` is set. */
  get hasKey(): boolean {
    return this.#k !== undefined;
  }

  /**
   * The nonce `n` that the next encryption or decryption uses, as a bigint in [0, 2^64-1].
   * Setting it is SetNonce(n) of spec §5.1 (for out-of-order transports and for tests).
   * @throws {RangeError} when set outside [0, 2^64-1].
   */
  get nonce(): bigint {
    return this.#n;
  }

  set nonce(value: bigint) {
    if (typeof value !== 'bigint' || value < 0n || value > MAX_NONCE) {
      throw new RangeError('nonce must be a bigint in [0, 2^64-1]');
    }
    this.#n = value;
  }

  /**
   * EncryptWithAd(ad, plaintext) of spec §5.1: ENCRYPT(k, n++, ad, plaintext) (ciphertext
   * followed by the 16-byte tag), or `plaintext` itself when there is no key.
   * @throws {NoiseNonceExhaustedError} when `n` is 2^64-1.
   * @throws {NoiseStateError} after {@link dispose}.
   */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    this.#assertUsable();
    const k = this.#k;
    if (k === undefined) return plaintext;
    if (this.#n === MAX_NONCE) throw new NoiseNonceExhaustedError();
    const out = this.cipher.encrypt(k, this.#n, ad, plaintext);
    this.#n += 1n;
    return out;
  }

  /**
   * Like {@link encryptWithAd} but writes `ciphertext || tag` into `output` at `offset`
   * (e.g. straight after a frame's length prefix) and returns the number of bytes written,
   * `plaintext.length + 16`. Needs a key.
   * @throws {RangeError} when `output` is too small.
   * @throws {NoiseNonceExhaustedError} when `n` is 2^64-1.
   * @throws {NoiseStateError} without a key or after {@link dispose}.
   */
  encryptWithAdInto(ad: Uint8Array, plaintext: Uint8Array, output: Uint8Array, offset = 0): number {
    this.#assertUsable();
    const k = this.#k;
    if (k === undefined) throw new NoiseStateError('encryptWithAdInto needs a cipher key');
    if (this.#n === MAX_NONCE) throw new NoiseNonceExhaustedError();
    const written = this.cipher.encryptInto(k, this.#n, ad, plaintext, output, offset);
    this.#n += 1n;
    return written;
  }

  /**
   * DecryptWithAd(ad, ciphertext) of spec §5.1: DECRYPT(k, n, ad, ciphertext), then `n++`;
   * or `ciphertext` itself when there is no key. On failure nothing is returned and `n` stays.
   * @throws {NoiseDecryptError} when the tag does not verify (or the input is shorter than it).
   * @throws {NoiseNonceExhaustedError} when `n` is 2^64-1.
   * @throws {NoiseStateError} after {@link dispose}.
   */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    this.#assertUsable();
    if (this.#k === undefined) return ciphertext;
    return this.#decrypt(ad, ciphertext, false);
  }

  /**
   * Like {@link decryptWithAd}, but may decrypt inside `ciphertext`'s memory (libsodium does;
   * node:crypto returns a new buffer): the plaintext returned may be a view of `ciphertext`,
   * which the caller must treat as consumed. Needs a key. On failure `n` stays.
   * @throws {NoiseDecryptError} when the tag does not verify (or the input is shorter than it).
   * @throws {NoiseNonceExhaustedError} when `n` is 2^64-1.
   * @throws {NoiseStateError} without a key or after {@link dispose}.
   */
  decryptWithAdInPlace(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    this.#assertUsable();
    if (this.#k === undefined) throw new NoiseStateError('decryptWithAdInPlace needs a cipher key');
    return this.#decrypt(ad, ciphertext, true);
  }

  /** DECRYPT with the current key (which exists) and nonce, then `n++`; `n` stays on failure. */
  #decrypt(ad: Uint8Array, ciphertext: Uint8Array, inPlace: boolean): Uint8Array {
    const k = this.#k!;
    if (this.#n === MAX_NONCE) throw new NoiseNonceExhaustedError();
    if (ciphertext.length < TAG_LENGTH) throw new NoiseDecryptError();
    let out: Uint8Array;
    try {
      out = inPlace
        ? this.cipher.decryptInPlace(k, this.#n, ad, ciphertext)
        : this.cipher.decrypt(k, this.#n, ad, ciphertext);
    } catch (error) {
      if (error instanceof DecryptError) throw new NoiseDecryptError();
      throw error;
    }
    this.#n += 1n;
    return out;
  }

  /**
   * Rekey() of spec §5.1 / §11.3: `k = REKEY(k)`, where the default REKEY(k) is the first 32
   * bytes of ENCRYPT(k, 2^64-1, zerolen, 32 zero bytes) (spec §4.2). The nonce is unchanged.
   * @throws {NoiseStateError} without a key or after {@link dispose}.
   */
  rekey(): void {
    this.#assertUsable();
    const k = this.#k;
    if (k === undefined) throw new NoiseStateError('cannot rekey a CipherState without a key');
    const out = this.cipher.encrypt(k, MAX_NONCE, EMPTY, REKEY_ZEROS);
    k.set(out.subarray(0, KEY_LENGTH));
    wipe(out);
  }

  /** Wipes the key; any later call throws {@link NoiseStateError}. Idempotent. */
  dispose(): void {
    wipe(this.#k);
    this.#k = undefined;
    this.#disposed = true;
  }

  /** Whether {@link dispose} was called. */
  get disposed(): boolean {
    return this.#disposed;
  }

  #assertUsable(): void {
    if (this.#disposed) throw new NoiseStateError('this CipherState has been disposed');
  }
}

/**
 * Test-only: the live key buffer of a CipherState (or undefined), so that tests can assert it
 * is wiped. Never use it in application code.
 */
export function cipherKeyForTesting(cs: CipherState): Uint8Array | undefined {
  return keyOf(cs);
}
