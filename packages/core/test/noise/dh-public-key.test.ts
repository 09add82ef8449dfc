// Protects src/crypto/dh.ts's shortcut: the public key of a private key is computed as
// DH(private, base point) (X25519(k, 9), X448(k, 5)) instead of asking OpenSSL to export it
// (JWK export can hang Node 20, see docs/architecture.md). This checks the shortcut against
// OpenSSL's own public-key derivation (a DER export, a few hundred times: bounded and not the JWK path) for
// random keys and for the scalars where clamping matters, and against the RFC 7748 §6 vectors.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type DhFunction,
  fromHex,
  randomBytes,
  toHex,
  x448,
  x25519,
} from '../../src/crypto/index.js';
import { X25519_LOW_ORDER_POINTS } from '../support/low-order.js';

const PKCS8_PREFIX = {
  '25519': '302e020100300506032b656e04220420',
  '448': '3046020100300506032b656f043a0438',
} as const;

/** OpenSSL's own public key for a raw private key (PKCS#8 import, SPKI export). */
function opensslPublicKey(dh: DhFunction, privateKey: Uint8Array): string {
  const der = Buffer.concat([Buffer.from(PKCS8_PREFIX[dh.name], 'hex'), privateKey]);
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return toHex(spki.subarray(spki.length - dh.dhLen));
}

/** Scalars whose clamped form is extreme: all zero, all one, only the bits clamping touches. */
function edgeScalars(length: number): Uint8Array[] {
  const only = (index: number, value: number) => {
    const k = new Uint8Array(length);
    k[index] = value;
    return k;
  };
  return [
    new Uint8Array(length),
    new Uint8Array(length).fill(0xff),
    only(0, 0x07), // the low bits clamping clears
    only(length - 1, 0x80), // the top bit (X25519 clears it, X448 keeps it)
    only(length - 1, 0x40),
    only(0, 0x08),
  ];
}

describe('public key = DH(private key, base point)', () => {
  for (const dh of [x25519, x448]) {
    it(`${dh.name}: agrees with OpenSSL's own derivation for random and edge private keys`, () => {
      const keys = [...edgeScalars(dh.dhLen)];
      for (let i = 0; i < 150; i++) keys.push(randomBytes(dh.dhLen));
      for (const privateKey of keys) {
        expect(toHex(dh.publicKeyFromPrivate(privateKey)), toHex(privateKey)).toBe(
          opensslPublicKey(dh, privateKey),
        );
        expect(toHex(dh.preparePrivateKey(privateKey).publicKey)).toBe(
          opensslPublicKey(dh, privateKey),
        );
      }
    });
  }

  it('X448: RFC 7748 §6.2 public keys and shared secret', () => {
    const alice = fromHex(
      '9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b',
    );
    const bob = fromHex(
      '1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d',
    );
    expect(toHex(x448.publicKeyFromPrivate(alice))).toBe(
      '9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0',
    );
    expect(toHex(x448.publicKeyFromPrivate(bob))).toBe(
      '3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609',
    );
    expect(toHex(x448.dh(alice, x448.publicKeyFromPrivate(bob)))).toBe(
      '07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d',
    );
  });

  it('X25519: RFC 7748 §6.1 Bob public key', () => {
    const bob = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    expect(toHex(x25519.publicKeyFromPrivate(bob))).toBe(
      'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
    );
  });

  it('rejects every X25519 low-order public key (all-zero DH output) with ERR_DH', () => {
    const lowOrder = X25519_LOW_ORDER_POINTS;
    const me = x25519.generateKeyPair();
    for (const point of lowOrder) {
      expect(() => x25519.dh(me.privateKey, fromHex(point)), point).toThrow(
        expect.objectContaining({ code: 'ERR_DH' }),
      );
    }
  });
});
