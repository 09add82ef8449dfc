// Protects secret hygiene: after split() (and after a failed handshake) no chaining key,
// handshake cipher key, ephemeral or static private key or psk copy held by the
// HandshakeState is left in memory. The buffers are collected after every step through the
// documented test-only accessor, so keys replaced mid-handshake are checked too.
import { describe, expect, it } from 'vitest';
import { randomBytes } from '../../src/crypto/index.js';
import { handshakeSecretsForTesting } from '../../src/noise/handshake-state.js';
import type { HandshakeState } from '../../src/noise/index.js';
import { makePair } from './pair.js';

const isZero = (b: Uint8Array) => b.every((byte) => byte === 0);

function collect(into: Set<Uint8Array>, ...states: HandshakeState[]) {
  for (const hs of states) for (const buffer of handshakeSecretsForTesting(hs)) into.add(buffer);
}

describe('secrets are wiped', () => {
  for (const name of ['XXpsk3', 'IK', 'KK1', 'Npsk0']) {
    it(`${name}: every secret buffer is zero after split()`, () => {
      const { init, resp, initiator, responder } = makePair(
        `Noise_${name}_25519_ChaChaPoly_BLAKE2b`,
      );
      const seen = new Set<Uint8Array>();
      collect(seen, init, resp);
      const total = init.protocol.pattern.messages.length;
      for (let i = 0; i < total; i++) {
        const [w, r] = i % 2 === 0 ? [init, resp] : [resp, init];
        r.readMessage(w.writeMessage(new Uint8Array(0)));
        collect(seen, init, resp);
      }
      const live = [...seen].filter((b) => !isZero(b));
      expect(live.length).toBeGreaterThan(3); // the accessor really sees ck, e, s, psk
      init.split();
      resp.split();
      expect([...seen].filter((b) => !isZero(b))).toHaveLength(0);
      // The caller's own buffers are the caller's: we copied them, not wiped them.
      if (initiator.s) expect(isZero(initiator.s)).toBe(false);
      if (responder.psks?.[0]) expect(isZero(responder.psks[0])).toBe(false);
    });
  }

  it('dispose() of an abandoned handshake wipes every secret and refuses further use', () => {
    const { init, resp } = makePair('Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b');
    const seen = new Set<Uint8Array>();
    resp.readMessage(init.writeMessage(new Uint8Array(0)));
    init.readMessage(resp.writeMessage(new Uint8Array(0)));
    collect(seen, init, resp);
    expect([...seen].filter((b) => !isZero(b)).length).toBeGreaterThan(3);
    init.dispose();
    resp.dispose();
    resp.dispose(); // idempotent
    expect([...seen].filter((b) => !isZero(b))).toHaveLength(0);
    expect(() => init.writeMessage(new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'ERR_NOISE_STATE' }),
    );
    expect(() => init.split()).toThrow(expect.objectContaining({ code: 'ERR_NOISE_STATE' }));
    expect(init.remoteStaticPublicKey).toBeUndefined();
  });

  it('dispose() after split() changes nothing', () => {
    const { init, resp } = makePair('Noise_NN_25519_ChaChaPoly_BLAKE2b');
    resp.readMessage(init.writeMessage(new Uint8Array(0)));
    init.readMessage(resp.writeMessage(new Uint8Array(0)));
    const [send] = init.split();
    const hash = init.handshakeHash;
    init.dispose();
    expect(init.handshakeHash).toEqual(hash);
    expect(init.isComplete).toBe(true);
    expect(send.encryptWithAd(new Uint8Array(0), new Uint8Array(1)).length).toBe(17);
  });

  it('every secret buffer is zero after a failed handshake (wrong psk)', () => {
    const { init, resp } = makePair('Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b', {
      responderOverrides: { psks: [randomBytes(32)] },
    });
    const seen = new Set<Uint8Array>();
    resp.readMessage(init.writeMessage(new Uint8Array(0)));
    init.readMessage(resp.writeMessage(new Uint8Array(0)));
    const msg3 = init.writeMessage(new Uint8Array(0));
    collect(seen, resp);
    expect([...seen].some((b) => !isZero(b))).toBe(true);
    expect(() => resp.readMessage(msg3)).toThrow(
      expect.objectContaining({ code: 'ERR_NOISE_DECRYPT' }),
    );
    expect([...seen].filter((b) => !isZero(b))).toHaveLength(0);
  });
});
