// Property: for random supported protocols (any pattern of the spec, random psk modifiers,
// every DH/cipher/hash) and random payloads, both sides complete with the same handshake hash,
// every handshake and transport payload arrives intact, and the two directions use different
// keys. Bounded runs (FAST_CHECK_RUNS overrides).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/index.js';
import { isOneWay, PATTERNS } from '../../src/noise/index.js';
import { makePair } from './pair.js';

const runs = Number(process.env.FAST_CHECK_RUNS ?? 60);
const names = Object.keys(PATTERNS);

const protocolArbitrary = fc
  .record({
    pattern: fc.constantFrom(...names),
    pskMask: fc.nat({ max: 15 }),
    dh: fc.constantFrom('25519', '448'),
    cipher: fc.constantFrom('ChaChaPoly', 'AESGCM'),
    hash: fc.constantFrom('SHA256', 'SHA512', 'BLAKE2s', 'BLAKE2b'),
  })
  .map(({ pattern, pskMask, dh, cipher, hash }) => {
    const messages = PATTERNS[pattern]!.messages.length;
    const psks = [0, 1, 2, 3].filter((n) => n <= messages && (pskMask & (1 << n)) !== 0);
    const modifiers = psks.map((n) => `psk${n}`).join('+');
    return `Noise_${pattern}${modifiers}_${dh}_${cipher}_${hash}`;
  });

describe('random protocols and payloads round-trip', () => {
  it('completes with equal hashes and delivers every payload both ways', () => {
    fc.assert(
      fc.property(
        protocolArbitrary,
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 4, maxLength: 4 }),
        fc.array(fc.uint8Array({ maxLength: 2000 }), { maxLength: 6 }),
        (protocolName, handshakePayloads, transportPayloads) => {
          const { init, resp } = makePair(protocolName);
          const total = init.protocol.pattern.messages.length;
          for (let i = 0; i < total; i++) {
            const [w, r] = i % 2 === 0 ? [init, resp] : [resp, init];
            const payload = handshakePayloads[i]!;
            expect(toHex(r.readMessage(w.writeMessage(payload)))).toBe(toHex(payload));
          }
          expect(toHex(init.handshakeHash)).toBe(toHex(resp.handshakeHash));
          const [i1, i2] = init.split();
          const [r1, r2] = resp.split();
          transportPayloads.forEach((payload, n) => {
            const forward = n % 2 === 0 || isOneWay(init.protocol.pattern);
            const [send, receive] = forward ? [i1, r1] : [r2, i2];
            const ct = send.encryptWithAd(new Uint8Array(0), payload);
            expect(ct.length).toBe(payload.length + 16);
            expect(toHex(receive.decryptWithAd(new Uint8Array(0), ct))).toBe(toHex(payload));
          });
          if (isOneWay(init.protocol.pattern)) {
            // Spec §7.4: the second CipherState of a one-way handshake is discarded.
            expect(i2.disposed && r2.disposed).toBe(true);
            return;
          }
          // The two directions never share a key (fresh states, same nonce, same input).
          const [j1, j2] = [new Uint8Array(8), new Uint8Array(8)];
          i1.nonce = 0n;
          i2.nonce = 0n;
          expect(toHex(i1.encryptWithAd(j1, j1))).not.toBe(toHex(i2.encryptWithAd(j2, j2)));
        },
      ),
      { numRuns: runs },
    );
  });
});
