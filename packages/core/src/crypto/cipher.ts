import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CryptullyError } from '../errors.js';
import { abytes } from './bytes.js';

/** Names of the cipher functions of the Noise spec (§12.3, §12.4). */
export type CipherName = 'ChaChaPoly' | 'AESGCM';

/** Authentication tag length of both AEADs. */
export const TAG_LENGTH = 16;

/**
 * Raised when an AEAD tag does not verify. Deliberately says nothing about why: the peer
 * must not learn which check failed.
 */
export class DecryptError extends CryptullyError {
  constructor() {
    super('ERR_DECRYPT', 'message authentication failed');
  }
}

/** One AEAD as Noise uses it (spec §4.2): 32-byte key, 64-bit nonce, 16-byte tag. */
export interface CipherFunction {
  readonly name: CipherName;
  /** ENCRYPT(k, n, ad, plaintext): ciphertext followed by the 16-byte tag. */
  encrypt(key: Uint8Array, nonce: bigint, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /**
   * DECRYPT(k, n, ad, ciphertext).
   * @throws {DecryptError} when the tag does not verify; no plaintext is returned then.
   */
  decrypt(key: Uint8Array, nonce: bigint, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  /**
   * DECRYPT(k, n, ad, ciphertext) that may reuse `ciphertext`'s memory: the plaintext returned
   * is either a view of `ciphertext` decrypted in place (libsodium) or a new buffer (node:crypto).
   * Either way the caller must treat `ciphertext` as consumed. On failure `ciphertext` may have
   * been overwritten (never with plaintext: the tag is checked before anything is decrypted).
   * @throws {DecryptError} when the tag does not verify.
   */
  decryptInPlace(
    key: Uint8Array,
    nonce: bigint,
    ad: Uint8Array,
    ciphertext: Uint8Array,
  ): Uint8Array;
  /**
   * ENCRYPT(k, n, ad, plaintext) written into `output` at `offset` (ciphertext then tag);
   * returns the bytes written, `plaintext.length + 16`. Saves the caller a copy when the
   * ciphertext goes into a larger buffer (a frame after its length prefix).
   * @throws {RangeError} when `output` has less than `plaintext.length + 16` bytes at `offset`.
   */
  encryptInto(
    key: Uint8Array,
    nonce: bigint,
    ad: Uint8Array,
    plaintext: Uint8Array,
    output: Uint8Array,
    offset: number,
  ): number;
}

/**
 * Checks an AEAD key and that `output` has room at `offset` for the ciphertext and tag of a
 * `plaintextLength`-byte plaintext; returns that length (`plaintextLength + 16`).
 * @throws {InvalidArgumentError} for a key that is not 32 bytes.
 * @throws {RangeError} when `output` is too small.
 */
export function checkSealInto(
  key: Uint8Array,
  plaintextLength: number,
  output: Uint8Array,
  offset: number,
): number {
  abytes(key, 32, 'key');
  const length = plaintextLength + TAG_LENGTH;
  if (!Number.isInteger(offset) || offset < 0 || offset + length > output.length) {
    throw new RangeError('output buffer too small for ciphertext and tag');
  }
  return length;
}

function makeCipher(
  name: CipherName,
  openssl: 'chacha20-poly1305' | 'aes-256-gcm',
): CipherFunction {
  // Both are AEADs with a 12-byte IV and 16-byte tag; one literal type selects the AEAD overload.
  const algorithm = openssl as 'aes-256-gcm';
  // ChaChaPoly encodes the nonce as 32 zero bits then 64 bits little-endian; AESGCM as 32
  // zero bits then 64 bits big-endian (spec §12.3, §12.4).
  const littleEndian = name === 'ChaChaPoly';
  const iv = Buffer.alloc(12);
  const setNonce = (nonce: bigint) => {
    if (littleEndian) iv.writeBigUInt64LE(nonce, 4);
    else iv.writeBigUInt64BE(nonce, 4);
  };
  const encryptInto = (
    key: Uint8Array,
    nonce: bigint,
    ad: Uint8Array,
    plaintext: Uint8Array,
    output: Uint8Array,
    offset: number,
  ): number => {
    const length = checkSealInto(key, plaintext.length, output, offset);
    setNonce(nonce);
    const cipher = createCipheriv(algorithm, key, iv, { authTagLength: TAG_LENGTH });
    cipher.setAAD(ad, { plaintextLength: plaintext.length });
    // node:crypto has no update-into; stream ciphers return exactly the input length here.
    const body = cipher.update(plaintext);
    output.set(body, offset);
    const final = cipher.final();
    if (final.length > 0) output.set(final, offset + body.length);
    output.set(cipher.getAuthTag(), offset + plaintext.length);
    return length;
  };
  const decrypt = (
    key: Uint8Array,
    nonce: bigint,
    ad: Uint8Array,
    ciphertext: Uint8Array,
  ): Uint8Array => {
    abytes(key, 32, 'key');
    if (ciphertext.length < TAG_LENGTH) throw new DecryptError();
    setNonce(nonce);
    const bodyLength = ciphertext.length - TAG_LENGTH;
    const decipher = createDecipheriv(algorithm, key, iv, { authTagLength: TAG_LENGTH });
    decipher.setAAD(ad, { plaintextLength: bodyLength });
    decipher.setAuthTag(ciphertext.subarray(bodyLength));
    const body = decipher.update(ciphertext.subarray(0, bodyLength));
    try {
      decipher.final();
    } catch {
      body.fill(0);
      throw new DecryptError();
    }
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  };
  return {
    name,
    encrypt(key, nonce, ad, plaintext) {
      const out = new Uint8Array(plaintext.length + TAG_LENGTH);
      encryptInto(key, nonce, ad, plaintext, out, 0);
      return out;
    },
    encryptInto,
    decrypt,
    // node:crypto has no decrypt-into: the plaintext is update()'s own buffer.
    decryptInPlace: decrypt,
  };
}

/**
 * ChaCha20-Poly1305 (RFC 8439) through node:crypto (OpenSSL). Protocol code uses
 * `chaChaPoly`, the selected provider's (see provider.ts).
 */
export const nodeChaChaPoly: CipherFunction = makeCipher('ChaChaPoly', 'chacha20-poly1305');
/** AES-256-GCM, Noise cipher name `AESGCM`. */
export const aesGcm: CipherFunction = makeCipher('AESGCM', 'aes-256-gcm');
