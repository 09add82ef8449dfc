import { createPrivateKey, createPublicKey, diffieHellman, randomBytes } from 'node:crypto';
import { CryptullyError } from '../errors.js';
import { abytes, asBuffer } from './bytes.js';

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
}

/** Raised when a Diffie-Hellman computation fails, e.g. on a low-order point. */
export class DhError extends CryptullyError {
  constructor(message = 'Diffie-Hellman computation failed') {
    super('ERR_DH', message);
  }
}

// DER prefixes of PKCS#8 private keys and SPKI public keys (RFC 8410). Importing raw keys
// through DER avoids the JWK path, which has been seen to deadlock Node 20 under GC pressure.
const DER = {
  '25519': {
    pkcs8: Buffer.from('302e020100300506032b656e04220420', 'hex'),
    spki: Buffer.from('302a300506032b656e032100', 'hex'),
    len: 32,
  },
  '448': {
    pkcs8: Buffer.from('3046020100300506032b656f043a0438', 'hex'),
    spki: Buffer.from('3042300506032b656f033900', 'hex'),
    len: 56,
  },
} as const;

function makeDh(name: DhName): DhFunction {
  const { pkcs8, spki, len } = DER[name];
  const privateKeyObject = (privateKey: Uint8Array) =>
    createPrivateKey({
      key: Buffer.concat([pkcs8, asBuffer(abytes(privateKey, len, 'private key'))]),
      format: 'der',
      type: 'pkcs8',
    });
  const publicKeyFromPrivate = (privateKey: Uint8Array): Uint8Array => {
    const der = createPublicKey(privateKeyObject(privateKey)).export({
      format: 'der',
      type: 'spki',
    });
    return new Uint8Array(der.subarray(der.length - len));
  };
  return {
    name,
    dhLen: len,
    generateKeyPair() {
      const privateKey = new Uint8Array(randomBytes(len));
      return { privateKey, publicKey: publicKeyFromPrivate(privateKey) };
    },
    publicKeyFromPrivate,
    dh(privateKey, publicKey) {
      abytes(publicKey, len, 'public key');
      try {
        const shared = diffieHellman({
          privateKey: privateKeyObject(privateKey),
          publicKey: createPublicKey({
            key: Buffer.concat([spki, asBuffer(publicKey)]),
            format: 'der',
            type: 'spki',
          }),
        });
        return new Uint8Array(shared.buffer, shared.byteOffset, shared.byteLength);
      } catch {
        // OpenSSL refuses an all-zero result (a low-order public key): fail closed.
        throw new DhError();
      }
    },
  };
}

/** X25519 (RFC 7748), Noise DH name `25519`. */
export const x25519: DhFunction = makeDh('25519');
/** X448 (RFC 7748), Noise DH name `448`. */
export const x448: DhFunction = makeDh('448');

/** The DH function for a Noise DH name. */
export function dhByName(name: string): DhFunction | undefined {
  return name === '25519' ? x25519 : name === '448' ? x448 : undefined;
}
