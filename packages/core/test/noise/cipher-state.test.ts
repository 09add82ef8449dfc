// Protects the CipherState rules of spec §5.1 and §11.3 that the vectors do not reach: the
// reserved nonce 2^64-1, a failed decryption leaving the nonce alone, rekeying, and the
// allocation-light encryptWithAdInto used by the channel.
import { describe, expect, it } from 'vitest';
import { aesGcm, chaChaPoly, randomBytes, toHex } from '../../src/crypto/index.js';
import { cipherKeyForTesting } from '../../src/noise/cipher-state.js';
import { CipherState, MAX_NONCE } from '../../src/noise/index.js';

const code = (c: string) => expect.objectContaining({ code: c });
const ad = new TextEncoder().encode('associated data');
const text = new TextEncoder().encode('attack at dawn');

for (const cipher of [chaChaPoly, aesGcm]) {
  const pair = () => {
    const key = randomBytes(32);
    return [new CipherState(cipher, key), new CipherState(cipher, key)] as const;
  };

  describe(`CipherState with ${cipher.name}`, () => {
    it('never uses nonce 2^64-1: 2^64-2 works once, then encryption and decryption refuse', () => {
      const [send, receive] = pair();
      send.nonce = MAX_NONCE - 1n;
      receive.nonce = MAX_NONCE - 1n;
      const ct = send.encryptWithAd(ad, text);
      expect(toHex(receive.decryptWithAd(ad, ct))).toBe(toHex(text));
      expect(send.nonce).toBe(MAX_NONCE);
      expect(() => send.encryptWithAd(ad, text)).toThrow(code('ERR_NOISE_NONCE_EXHAUSTED'));
      expect(() => receive.decryptWithAd(ad, ct)).toThrow(code('ERR_NOISE_NONCE_EXHAUSTED'));
      expect(() => send.encryptWithAdInto(ad, text, new Uint8Array(64))).toThrow(
        code('ERR_NOISE_NONCE_EXHAUSTED'),
      );
      expect(() => {
        send.nonce = MAX_NONCE + 1n;
      }).toThrow(RangeError);
    });

    it('a failed decryption does not advance the nonce', () => {
      const [send, receive] = pair();
      const ct = send.encryptWithAd(ad, text);
      const forged = Uint8Array.from(ct);
      forged[0]! ^= 1;
      expect(() => receive.decryptWithAd(ad, forged)).toThrow(code('ERR_NOISE_DECRYPT'));
      expect(() => receive.decryptWithAd(ad, ct.subarray(0, 15))).toThrow(
        code('ERR_NOISE_DECRYPT'),
      );
      expect(() => receive.decryptWithAd(new Uint8Array(0), ct)).toThrow(code('ERR_NOISE_DECRYPT'));
      expect(receive.nonce).toBe(0n);
      expect(toHex(receive.decryptWithAd(ad, ct))).toBe(toHex(text));
      expect(receive.nonce).toBe(1n);
    });

    it('rejects a replayed message (the nonce moved on)', () => {
      const [send, receive] = pair();
      const ct = send.encryptWithAd(ad, text);
      receive.decryptWithAd(ad, ct);
      expect(() => receive.decryptWithAd(ad, ct)).toThrow(code('ERR_NOISE_DECRYPT'));
    });

    it('rekeys per §11.3: k = first 32 bytes of ENCRYPT(k, 2^64-1, "", zeros); nonce kept', () => {
      const key = randomBytes(32);
      const send = new CipherState(cipher, key);
      const receive = new CipherState(cipher, key);
      const stale = new CipherState(cipher, key);
      receive.decryptWithAd(ad, send.encryptWithAd(ad, text));
      receive.decryptWithAd(ad, send.encryptWithAd(ad, text));
      const expected = cipher.encrypt(key, MAX_NONCE, new Uint8Array(0), new Uint8Array(32));
      send.rekey();
      expect(toHex(cipherKeyForTesting(send)!)).toBe(toHex(expected.subarray(0, 32)));
      expect(send.nonce).toBe(2n);
      receive.rekey();
      stale.nonce = 2n;
      receive.nonce = 2n;
      const ct = send.encryptWithAd(ad, text);
      expect(() => stale.decryptWithAd(ad, ct)).toThrow(code('ERR_NOISE_DECRYPT'));
      expect(toHex(receive.decryptWithAd(ad, ct))).toBe(toHex(text));
    });

    it('encryptWithAdInto writes the same bytes as encryptWithAd at an offset', () => {
      const [a, b] = pair();
      const plaintext = randomBytes(1000);
      const frame = new Uint8Array(2 + plaintext.length + 16 + 5);
      const written = a.encryptWithAdInto(ad, plaintext, frame, 2);
      expect(written).toBe(plaintext.length + 16);
      expect(toHex(frame.subarray(2, 2 + written))).toBe(toHex(b.encryptWithAd(ad, plaintext)));
      expect(() => a.encryptWithAdInto(ad, plaintext, frame, 8)).toThrow(RangeError);
    });

    it('passes data through unchanged without a key (handshake before any DH, §5.1)', () => {
      const cs = new CipherState(cipher);
      expect(cs.hasKey).toBe(false);
      expect(cs.encryptWithAd(ad, text)).toBe(text);
      expect(cs.decryptWithAd(ad, text)).toBe(text);
      expect(() => cs.rekey()).toThrow(code('ERR_NOISE_STATE'));
    });

    it('dispose() wipes the key and refuses further use', () => {
      const [cs] = pair();
      const key = cipherKeyForTesting(cs)!;
      cs.dispose();
      expect(key.every((byte) => byte === 0)).toBe(true);
      expect(() => cs.encryptWithAd(ad, text)).toThrow(code('ERR_NOISE_STATE'));
    });
  });
}
