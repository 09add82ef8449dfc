import { type CipherFunction, type HashFunction, wipe } from '../crypto/index.js';
import { CipherState, KEY_LENGTH } from './cipher-state.js';
import { hkdf } from './hkdf.js';

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

// Reads the private fields for symmetricSecretsForTesting; assigned in the static block.
let secretsOf: (ss: SymmetricState) => Uint8Array[];

/**
 * Noise spec §5.2 SymmetricState: a CipherState plus the chaining key `ck` and the handshake
 * hash `h`. Every `ck` it replaces is wiped; {@link wipeSecrets} wipes the current one.
 * @example
 * const ss = new SymmetricState('Noise_NN_25519_ChaChaPoly_BLAKE2b', chaChaPoly, blake2b);
 * ss.mixHash(prologue);
 */
export class SymmetricState {
  static {
    secretsOf = (ss) => [ss.#ck];
  }

  /** The hash function of the protocol (spec §4.3, §12.5-§12.8). */
  readonly hash: HashFunction;
  /** The CipherState holding `k` and `n` during the handshake. */
  readonly cipherState: CipherState;
  #ck: Uint8Array;
  #h: Uint8Array;

  /**
   * InitializeSymmetric(protocol_name) of spec §5.2: `h` = the name padded with zeros to
   * HASHLEN when it fits, else HASH(name); `ck = h`; empty cipher key.
   */
  constructor(protocolName: string | Uint8Array, cipher: CipherFunction, hash: HashFunction) {
    this.hash = hash;
    const name = typeof protocolName === 'string' ? encoder.encode(protocolName) : protocolName;
    if (name.length <= hash.hashLen) {
      this.#h = new Uint8Array(hash.hashLen);
      this.#h.set(name);
    } else {
      this.#h = hash.hash(name);
    }
    this.#ck = Uint8Array.from(this.#h);
    this.cipherState = new CipherState(cipher);
  }

  /**
   * MixKey(input_key_material) of spec §5.2: `ck, temp_k = HKDF(ck, ikm, 2)`; `temp_k` is
   * truncated to 32 bytes (HASHLEN 64) and becomes the cipher key with `n = 0`.
   */
  mixKey(inputKeyMaterial: Uint8Array): void {
    const [ck, tempK] = hkdf(this.hash, this.#ck, inputKeyMaterial, 2);
    this.#replaceCk(ck);
    this.cipherState.initializeKey(tempK.subarray(0, KEY_LENGTH));
    wipe(tempK);
  }

  /** MixHash(data) of spec §5.2: `h = HASH(h || data)`. */
  mixHash(data: Uint8Array): void {
    this.#h = this.hash.hash(this.#h, data);
  }

  /**
   * MixKeyAndHash(input_key_material) of spec §5.2 (the `psk` token, §9.2):
   * `ck, temp_h, temp_k = HKDF(ck, ikm, 3)`; MixHash(temp_h); the cipher key becomes `temp_k`
   * truncated to 32 bytes.
   */
  mixKeyAndHash(inputKeyMaterial: Uint8Array): void {
    const [ck, tempH, tempK] = hkdf(this.hash, this.#ck, inputKeyMaterial, 3);
    this.#replaceCk(ck);
    this.mixHash(tempH);
    this.cipherState.initializeKey(tempK.subarray(0, KEY_LENGTH));
    wipe(tempH, tempK);
  }

  /** GetHandshakeHash() of spec §5.2: a copy of `h`. */
  getHandshakeHash(): Uint8Array {
    return Uint8Array.from(this.#h);
  }

  /**
   * EncryptAndHash(plaintext) of spec §5.2: `ciphertext = EncryptWithAd(h, plaintext)`,
   * MixHash(ciphertext). Without a key the "ciphertext" is the plaintext itself.
   * @throws {NoiseNonceExhaustedError} see {@link CipherState.encryptWithAd}.
   */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipherState.encryptWithAd(this.#h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  /**
   * DecryptAndHash(ciphertext) of spec §5.2: `plaintext = DecryptWithAd(h, ciphertext)`, then
   * MixHash(ciphertext) (only when decryption succeeded).
   * @throws {NoiseDecryptError} when the tag does not verify.
   */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.cipherState.decryptWithAd(this.#h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /**
   * Split() of spec §5.2: `temp_k1, temp_k2 = HKDF(ck, zerolen, 2)`, each truncated to 32
   * bytes, as two new CipherStates `[c1, c2]` (c1 initiator→responder). Does not wipe; the
   * HandshakeState does that right after.
   */
  split(): [CipherState, CipherState] {
    const [k1, k2] = hkdf(this.hash, this.#ck, EMPTY, 2);
    const cipher = this.cipherState.cipher;
    const c1 = new CipherState(cipher, k1.subarray(0, KEY_LENGTH));
    const c2 = new CipherState(cipher, k2.subarray(0, KEY_LENGTH));
    wipe(k1, k2);
    return [c1, c2];
  }

  /** Wipes `ck` and the handshake cipher key (after Split or a failure). `h` is not secret. */
  wipeSecrets(): void {
    wipe(this.#ck);
    this.cipherState.dispose();
  }

  #replaceCk(ck: Uint8Array): void {
    wipe(this.#ck);
    this.#ck = ck;
  }
}

/**
 * Test-only: references to the current chaining key buffer, so that tests can collect it after
 * each step and assert that every one was wiped (replaced keys are wiped at once; the last at
 * Split or on failure). Never use it in application code.
 */
export function symmetricSecretsForTesting(ss: SymmetricState): Uint8Array[] {
  return secretsOf(ss);
}
