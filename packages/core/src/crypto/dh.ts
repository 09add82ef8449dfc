import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { CryptullyError } from '../errors.js';
import { abytes, asBuffer } from './bytes.js';
import { randomBytes } from './random.js';

/** Names of the Diffie-Hellman functions of the Noise spec (§12.1, §12.2). */
export type DhName = '25519' | '448';

/** A Diffie-Hellman key pair; `privateKey` is secret. */
export interface KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

/** One Diffie-Hellman function as Noise uses it (spec §4.1). */
export interface DhFunction {
  readonly name: DhName;
  /** DHLEN: the size of public keys and of the DH output. */
  readonly dhLen: number;
  /** A fresh key pair from the OS CSPRNG. */
  generateKeyPair(): KeyPair;
  /** The public key that belongs to a private key. */
  publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array;
  /**
   * The shared secret of `privateKey` and `publicKey`.
   * @throws {DhError} when the result is invalid (e.g. a low-order public key gives all zeros).
   */
  dh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /**
   * Imports a private key once for several DH computations (a handshake's `s` and `e`), which
   * saves one key import per DH. The returned object holds the key inside OpenSSL (freed
   * and cleansed by OpenSSL when garbage-collected); drop it when done.
   * @throws {InvalidArgumentError} when the key has the wrong length.
   */
  preparePrivateKey(privateKey: Uint8Array, options?: PrepareOptions): PreparedPrivateKey;
}

/** Options of {@link DhFunction.preparePrivateKey}. */
export interface PrepareOptions {
  /**
   * The key lives as long as the process (an identity's static key): libsodium then keeps it
   * in guarded, locked memory (`sodium_malloc`), which costs pages, so ephemeral keys do not.
   */
  longLived?: boolean;
}

/** A private key imported once: its public key and DH with any peer public key. */
export interface PreparedPrivateKey {
  /** The public key of this private key. */
  readonly publicKey: Uint8Array;
  /**
   * DH(this private key, publicKey).
   * @throws {DhError} on an invalid public key or an all-zero result.
   */
  dh(publicKey: Uint8Array): Uint8Array;
  /**
   * Wipes the copy of the private key this object holds where the provider can (libsodium:
   * secure memory, zeroed); node:crypto's copy lives inside OpenSSL and is cleansed when the
   * object is garbage-collected. Any later `dh` throws {@link DhError}. Idempotent.
   */
  dispose?(): void;
}

/** Raised when a Diffie-Hellman computation fails, e.g. on a low-order point. */
export class DhError extends CryptullyError {
  constructor(message = 'Diffie-Hellman computation failed') {
    super('ERR_DH', message);
  }
}

// How raw keys become OpenSSL keys, and why (measured on Node 20.20 / OpenSSL 3.0 here):
// - Private keys are imported as PKCS#8 DER from a buffer of their own that is zeroed right
//   after the import, so the key never exists as a JS string (which could not be wiped and
//   would linger in the heap until collected: an ephemeral key found there later would open
//   a recorded session). This costs: DER import goes through OpenSSL 3's decoder framework,
//   ~450 us per private key against ~40 us for a JWK import (whose `d` is a base64url string).
//   Only this node:crypto fallback pays it; the default provider (libsodium, sodium.ts) takes
//   raw key bytes.
// - Public keys (not secret) are imported as JWK: ~9 us, against ~95 us for DER (SPKI).
// - JWK *export* must be avoided: a loop of key generation + `export({ format: 'jwk' })` has
//   been seen to deadlock Node 20 (a GC during the export waited on a lock the thread held;
//   see docs/architecture.md, "A Node 20 key-handling trap"). DER export is slow too (~95 us).
// So nothing is ever exported: the public key of a private key is DH(private, base point),
// i.e. X25519(k, 9) / X448(k, 5) (RFC 7748 §6), which is exactly how RFC 7748 defines it.
// test/noise/keygen-stress.test.ts runs thousands of key generations and DHs so that a hang
// would show. OpenSSL holds its own copy inside the KeyObject and cleanses it when collected.
const PARAMS = {
  // PKCS#8 PrivateKeyInfo up to the raw key: SEQUENCE, version 0, AlgorithmIdentifier (OID
  // 1.3.101.110 / .111), OCTET STRING holding an OCTET STRING (RFC 8410 §7).
  '25519': { crv: 'X25519', len: 32, basePoint: 9, pkcs8: '302e020100300506032b656e04220420' },
  '448': { crv: 'X448', len: 56, basePoint: 5, pkcs8: '3046020100300506032b656f043a0438' },
} as const;

function makeDh(name: DhName): DhFunction {
  const { crv, len, basePoint } = PARAMS[name];
  const prefix = Buffer.from(PARAMS[name].pkcs8, 'hex');
  const privateKeyObject = (privateKey: Uint8Array) => {
    abytes(privateKey, len, 'private key');
    // A buffer of its own (not from Node's shared pool), zeroed as soon as OpenSSL has its copy.
    const der = Buffer.alloc(prefix.length + len);
    try {
      prefix.copy(der);
      der.set(privateKey, prefix.length);
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } finally {
      der.fill(0);
    }
  };
  const publicKeyObject = (publicKey: Uint8Array) =>
    createPublicKey({
      key: {
        kty: 'OKP',
        crv,
        x: asBuffer(abytes(publicKey, len, 'public key')).toString('base64url'),
      },
      format: 'jwk',
    });
  const basePointBytes = new Uint8Array(len);
  basePointBytes[0] = basePoint;
  const basePointKey = publicKeyObject(basePointBytes);
  const derive = (privateKey: KeyObject, publicKey: KeyObject): Uint8Array => {
    try {
      const shared = diffieHellman({ privateKey, publicKey });
      return new Uint8Array(shared.buffer, shared.byteOffset, shared.byteLength);
    } catch {
      // OpenSSL refuses an all-zero result (a low-order public key): fail closed.
      throw new DhError();
    }
  };
  const publicKeyFromPrivate = (privateKey: Uint8Array): Uint8Array =>
    derive(privateKeyObject(privateKey), basePointKey);
  const remoteKeyObject = (publicKey: Uint8Array): KeyObject => {
    abytes(publicKey, len, 'public key');
    try {
      return publicKeyObject(publicKey);
    } catch {
      throw new DhError('invalid public key');
    }
  };
  return {
    name,
    dhLen: len,
    generateKeyPair() {
      const privateKey = randomBytes(len);
      return { privateKey, publicKey: publicKeyFromPrivate(privateKey) };
    },
    publicKeyFromPrivate,
    dh(privateKey, publicKey) {
      return derive(privateKeyObject(privateKey), remoteKeyObject(publicKey));
    },
    preparePrivateKey(privateKey) {
      let key: KeyObject | undefined = privateKeyObject(privateKey);
      return {
        publicKey: derive(key, basePointKey),
        dh(publicKey) {
          if (key === undefined) throw new DhError('the prepared private key was disposed');
          return derive(key, remoteKeyObject(publicKey));
        },
        // OpenSSL cleanses its copy when the KeyObject is collected; drop ours now.
        dispose() {
          key = undefined;
        },
      };
    },
  };
}

/**
 * X25519 (RFC 7748) through node:crypto (OpenSSL). Protocol code uses `x25519`, the selected
 * provider's (see provider.ts).
 */
export const nodeX25519: DhFunction = makeDh('25519');
/** X448 (RFC 7748), Noise DH name `448`. */
export const x448: DhFunction = makeDh('448');
