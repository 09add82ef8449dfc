// Known-answer tests for the three primitives the Cryptully channel is built on
// (Noise_XX_25519_ChaChaPoly_BLAKE2b), with the vectors typed from the RFCs. Protects against a
// wrong primitive, a wrong nonce encoding or a wrong key import behind our wrappers, independently
// of the Noise vectors (which would only show that something in the whole handshake is off).
// Run by known-answer.test.ts on the chosen provider (libsodium where sodium-native loads) and by
// known-answer-node.test.ts on the node:crypto provider.
import { describe, expect, it } from 'vitest';
import {
  blake2b,
  chaChaPoly,
  cryptoProviderInfo,
  fromHex,
  toHex,
  x25519,
} from '../../src/crypto/index.js';

const text = (s: string) => new TextEncoder().encode(s);

/** Registers the known-answer tests; `expected` is the provider that must be in use. */
export function describeKnownAnswers(expected: 'sodium' | 'node'): void {
  it(`runs on the ${expected} provider`, () => {
    expect(cryptoProviderInfo.name).toBe(expected);
  });

  describe(`RFC 8439 ChaCha20-Poly1305 (as Noise ChaChaPoly, ${expected} provider)`, () => {
    // RFC 8439 Appendix A.5. Its 96-bit nonce 00000000 0102030405060708 is one Noise nonce: 32
    // zero bits, then the 64-bit counter little-endian (Noise §12.3), so n = 0x0807060504030201.
    // (The §2.8.2 vector's nonce starts 07000000 and so cannot be expressed as a Noise nonce.)
    const key = fromHex('1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0');
    const nonce = 0x0807060504030201n;
    const ad = fromHex('f33388860000000000004e91');
    const plaintext = fromHex(
      '496e7465726e65742d4472616674732061726520647261667420646f63756d656e74732076616c696420666f72' +
        '2061206d6178696d756d206f6620736978206d6f6e74687320616e64206d617920626520757064617465642c' +
        '207265706c616365642c206f72206f62736f6c65746564206279206f7468657220646f63756d656e74732061' +
        '7420616e792074696d652e20497420697320696e617070726f70726961746520746f2075736520496e746572' +
        '6e65742d447261667473206173207265666572656e6365206d6174657269616c206f7220746f206369746520' +
        '7468656d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67726573732e2fe2809d',
    );
    const ciphertext =
      '64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18755d43eea09ee94e38' +
      '2d26b0bdb7b73c321b0100d4f03b7f355894cf332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f9' +
      '82b1ff37c8559797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4b9166c767b804d' +
      '46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523eaf4534d7f83fa1155b0047718cbc546a0d072b04' +
      'b3564eea1b422273f548271a0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a1049' +
      'e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29a6ad5cb4022b02709b';
    const tag = 'eead9d67890cbb22392336fea1851f38';

    it('Appendix A.5: the plaintext is the RFC text it describes', () => {
      expect(new TextDecoder().decode(plaintext)).toMatch(/^Internet-Drafts are draft documents/);
    });

    it('Appendix A.5: encrypts to the published ciphertext and tag', () => {
      expect(toHex(chaChaPoly.encrypt(key, nonce, ad, plaintext))).toBe(ciphertext + tag);
      const out = new Uint8Array(plaintext.length + 16 + 3);
      expect(chaChaPoly.encryptInto(key, nonce, ad, plaintext, out, 3)).toBe(plaintext.length + 16);
      expect(toHex(out.subarray(3))).toBe(ciphertext + tag);
    });

    it('Appendix A.5: decrypts the published ciphertext, and refuses it changed in any part', () => {
      const sealed = fromHex(ciphertext + tag);
      expect(toHex(chaChaPoly.decrypt(key, nonce, ad, sealed))).toBe(toHex(plaintext));
      for (const index of [0, 100, sealed.length - 17, sealed.length - 1]) {
        const bad = sealed.slice();
        bad[index]! ^= 1;
        expect(() => chaChaPoly.decrypt(key, nonce, ad, bad)).toThrow(
          expect.objectContaining({ code: 'ERR_DECRYPT' }),
        );
      }
      const badAd = ad.slice();
      badAd[0]! ^= 1;
      expect(() => chaChaPoly.decrypt(key, nonce, badAd, sealed)).toThrow(
        expect.objectContaining({ code: 'ERR_DECRYPT' }),
      );
      expect(() => chaChaPoly.decrypt(key, nonce + 1n, ad, sealed)).toThrow(
        expect.objectContaining({ code: 'ERR_DECRYPT' }),
      );
    });
  });

  describe(`RFC 7693 BLAKE2b-512 (${expected} provider)`, () => {
    // RFC 7693 Appendix A: BLAKE2b-512("abc").
    const abc =
      'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1' +
      '7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923';

    it('Appendix A: BLAKE2b-512("abc")', () => {
      expect(blake2b.hashLen).toBe(64);
      expect(blake2b.blockLen).toBe(128);
      expect(toHex(blake2b.hash(text('abc')))).toBe(abc);
    });

    it('hashes the concatenation of its parts ("a" + "bc" = "abc")', () => {
      expect(toHex(blake2b.hash(text('a'), text('bc')))).toBe(abc);
      expect(toHex(blake2b.hash(text(''), text('abc'), text('')))).toBe(abc);
    });
  });

  describe(`RFC 7748 X25519 (${expected} provider)`, () => {
    it('§5.2: the two single-step function vectors', () => {
      expect(
        toHex(
          x25519.dh(
            fromHex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'),
            fromHex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'),
          ),
        ),
      ).toBe('c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
      expect(
        toHex(
          x25519.dh(
            fromHex('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d'),
            fromHex('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493'),
          ),
        ),
      ).toBe('95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957');
    });

    it('§5.2: the iterated function after 1 and 1,000 iterations', () => {
      // k = u = 9; each round: k, u = X25519(k, u), k.
      let k = fromHex('0900000000000000000000000000000000000000000000000000000000000000');
      let u = k;
      for (let i = 1; i <= 1000; i++) {
        [k, u] = [x25519.dh(k, u), k];
        if (i === 1) {
          expect(toHex(k)).toBe('422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079');
        }
      }
      expect(toHex(k)).toBe('684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51');
    });

    it('§6.1: both public keys and the shared secret', () => {
      const alice = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
      const bob = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
      const alicePublic = x25519.publicKeyFromPrivate(alice);
      const bobPublic = x25519.publicKeyFromPrivate(bob);
      expect(toHex(alicePublic)).toBe(
        '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
      );
      expect(toHex(bobPublic)).toBe(
        'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
      );
      const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
      expect(toHex(x25519.dh(alice, bobPublic))).toBe(shared);
      expect(toHex(x25519.dh(bob, alicePublic))).toBe(shared);
      expect(toHex(x25519.preparePrivateKey(alice).dh(bobPublic))).toBe(shared);
    });
  });
}
