// The cacophony suite (every vector, both sides, handshake and transport), run by
// cacophony.test.ts with the chosen provider (libsodium here) and by cacophony-node.test.ts
// with CRYPTULLY_CRYPTO=node, so that both providers pass the same vectors.
import { describe, expect, it } from 'vitest';
import { cryptoProviderInfo, fromHex, toHex } from '../../src/crypto/index.js';
import { type CipherState, HandshakeState } from '../../src/noise/index.js';
import { loadVectors, type NoiseVector } from './vectors.js';

// The vectors live in the repository (test/vectors/noise); a missing file fails here.
const vectors = loadVectors();

const hex = (value: string | undefined) => (value === undefined ? undefined : fromHex(value));

function side(v: NoiseVector, initiator: boolean): HandshakeState {
  const p = initiator ? 'init_' : 'resp_';
  const get = (k: string) => (v as unknown as Record<string, string | undefined>)[p + k];
  const psks = (initiator ? v.init_psks : v.resp_psks)?.map(fromHex);
  return new HandshakeState({
    protocolName: v.protocol_name,
    initiator,
    prologue: fromHex(get('prologue')!),
    s: hex(get('static')),
    e: hex(get('ephemeral')),
    rs: hex(get('remote_static')),
    psks,
  });
}

/** Runs one vector both ways; returns a failure description or undefined. */
function runVector(v: NoiseVector): void {
  const init = side(v, true);
  const resp = side(v, false);
  const handshakeLength = init.protocol.pattern.messages.length;
  let i = 0;
  for (; i < handshakeLength; i++) {
    const m = v.messages[i]!;
    const [writer, reader] = i % 2 === 0 ? [init, resp] : [resp, init];
    const ciphertext = writer.writeMessage(fromHex(m.payload));
    expect(toHex(ciphertext), `${v.protocol_name} handshake message ${i}`).toBe(m.ciphertext);
    expect(toHex(reader.readMessage(ciphertext))).toBe(m.payload);
  }
  expect(init.isComplete && resp.isComplete).toBe(true);
  expect(toHex(init.handshakeHash)).toBe(v.handshake_hash);
  expect(toHex(resp.handshakeHash)).toBe(v.handshake_hash);
  const [i1, i2] = init.split();
  const [r1, r2] = resp.split();
  const oneWay = handshakeLength === 1;
  for (let t = 0; i < v.messages.length; i++, t++) {
    const m = v.messages[i]!;
    // After the handshake: alternating starting with the initiator (one-way: initiator only).
    // The first transport message goes in the direction after the last handshake message.
    const initiatorSends = oneWay || (handshakeLength + t) % 2 === 0;
    const [send, receive]: [CipherState, CipherState] = initiatorSends ? [i1, r1] : [r2, i2];
    const ad = new Uint8Array(0);
    const ciphertext = send.encryptWithAd(ad, fromHex(m.payload));
    expect(toHex(ciphertext), `${v.protocol_name} transport message ${i}`).toBe(m.ciphertext);
    expect(toHex(receive.decryptWithAd(ad, ciphertext))).toBe(m.payload);
  }
}

/** Registers the suite; `expected` is the provider that must be in use. */
export function describeCacophony(expected: 'sodium' | 'node'): void {
  describe(`Noise cacophony vectors (${expected} provider)`, () => {
    it(`runs on the ${expected} provider`, () => {
      expect(cryptoProviderInfo.name).toBe(expected);
    });

    it('has all 944 vectors', () => {
      expect(vectors.length).toBe(944);
    });

    // 944 full handshakes and transports: about 15 s on a quiet 2-core machine, over 40 s under
    // heavy load (the suite runs twice, once per provider), hence the time allowed.
    it('reproduces every vector, both sides', { timeout: 120_000 }, () => {
      let passed = 0;
      for (const v of vectors) {
        runVector(v);
        passed++;
      }
      expect(passed).toBe(944);
    });
  });
}
