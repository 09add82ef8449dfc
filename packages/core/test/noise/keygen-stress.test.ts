// Protects against the Node 20 key-handling hang (docs/architecture.md, "A Node 20
// key-handling trap"): thousands of X25519 key generations and DHs in a tight loop must finish (vitest's timeout turns a hang
// into a failure) and agree. Bounded: a few thousand iterations, well under 3 s here.
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, nodeX25519, x448, x25519 } from '../../src/crypto/index.js';

describe('X25519/X448 key generation under load', () => {
  // node:crypto's path is the one the trap was seen on; it is the fallback provider.
  // node:crypto imports each private key as PKCS#8 DER from a buffer it then zeroes (never as
  // a JWK string, which could not be wiped): ~450 us an import against ~40 us, so it runs
  // fewer iterations (each one imports four private keys) to stay within seconds.
  it.each([
    ['the chosen provider', x25519, 1500],
    ['node:crypto', nodeX25519, 500],
  ])(
    'runs thousands of X25519 key generations and DHs on %s without hanging, all agreeing',
    (_, dh, pairs) => {
      let agreed = 0;
      for (let i = 0; i < pairs; i++) {
        const a = dh.generateKeyPair();
        const b = dh.generateKeyPair();
        const ab = dh.dh(a.privateKey, b.publicKey);
        const ba = dh.dh(b.privateKey, a.publicKey);
        if (constantTimeEqual(ab, ba)) agreed++;
      }
      expect(agreed).toBe(pairs);
    },
    20_000,
  );

  it('runs 200 X448 key generations and DHs, all agreeing', () => {
    let agreed = 0;
    for (let i = 0; i < 100; i++) {
      const a = x448.generateKeyPair();
      const b = x448.generateKeyPair();
      if (constantTimeEqual(x448.dh(a.privateKey, b.publicKey), x448.dh(b.privateKey, a.publicKey)))
        agreed++;
    }
    expect(agreed).toBe(100);
  }, 20_000);

  it('derives the RFC 7748 §6.1 public keys and shared secret', () => {
    const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
    const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bob = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    expect(Buffer.from(x25519.publicKeyFromPrivate(alice)).toString('hex')).toBe(
      '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
    );
    expect(Buffer.from(x25519.dh(alice, x25519.publicKeyFromPrivate(bob))).toString('hex')).toBe(
      '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
    );
  });

  it('a prepared private key gives the same public key and DH results as the one-shot calls', () => {
    for (const dh of [x25519, x448]) {
      const a = dh.generateKeyPair();
      const b = dh.generateKeyPair();
      const prepared = dh.preparePrivateKey(a.privateKey);
      expect(Buffer.from(prepared.publicKey).equals(a.publicKey)).toBe(true);
      expect(Buffer.from(prepared.dh(b.publicKey)).equals(dh.dh(a.privateKey, b.publicKey))).toBe(
        true,
      );
      expect(() => prepared.dh(new Uint8Array(dh.dhLen))).toThrow(
        expect.objectContaining({ code: 'ERR_DH' }),
      );
    }
  });

  it('rejects a low-order public key (all-zero DH output) with a typed error', () => {
    const a = x25519.generateKeyPair();
    expect(() => x25519.dh(a.privateKey, new Uint8Array(32))).toThrow(
      expect.objectContaining({ code: 'ERR_DH' }),
    );
  });
});
