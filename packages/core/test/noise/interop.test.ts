// Independent cross-check that runs anywhere (no vector file needed): live handshakes and
// transport messages between our HandshakeState and holepunch's noise-handshake (libsodium),
// in both roles, for every pattern noise-handshake supports. Protects against a bug that both
// our writer and our reader share (a self round-trip cannot catch that).
// noise-handshake's conventions are described in ../support/noise-handshake.ts.
import { describe, expect, it } from 'vitest';
import { randomBytes, toHex, x25519 } from '../../src/crypto/index.js';
import { type CipherState, HandshakeState } from '../../src/noise/index.js';
import { Cipher, Noise, type TheirKeyPair } from '../support/noise-handshake.js';

/** Patterns noise-handshake implements, with what the initiator must know in advance. */
const PATTERNS: { name: string; preSharedResponderKey: boolean; psk: boolean }[] = [
  { name: 'NN', preSharedResponderKey: false, psk: false },
  { name: 'NNpsk0', preSharedResponderKey: false, psk: true },
  { name: 'XX', preSharedResponderKey: false, psk: false },
  { name: 'XXpsk0', preSharedResponderKey: false, psk: true },
  { name: 'IK', preSharedResponderKey: true, psk: false },
  { name: 'XK', preSharedResponderKey: true, psk: false },
];
const usesStatic = (name: string) => !name.startsWith('NN');

const text = (s: string) => new TextEncoder().encode(s);

function setup(pattern: (typeof PATTERNS)[number], oursIsInitiator: boolean) {
  const protocolName = `Noise_${pattern.name}_25519_ChaChaPoly_BLAKE2b`;
  const prologue = text('Cryptully interop prologue');
  const psk = randomBytes(32);
  const ourStatic = x25519.generateKeyPair();
  const theirPair = x25519.generateKeyPair();
  const theirStatic: TheirKeyPair = {
    publicKey: Buffer.from(theirPair.publicKey),
    secretKey: Buffer.from(theirPair.privateKey),
  };
  const theirs = new Noise(
    pattern.name,
    !oursIsInitiator,
    theirStatic,
    pattern.psk ? { psk: Buffer.from(psk) } : {},
  );
  // The initiator of IK/XK knows the responder's static key in advance.
  const initiatorKnows = pattern.preSharedResponderKey;
  theirs.initialise(
    prologue,
    initiatorKnows && !oursIsInitiator ? Buffer.from(ourStatic.publicKey) : undefined,
  );
  const ours = new HandshakeState({
    protocolName,
    initiator: oursIsInitiator,
    prologue,
    s: usesStatic(pattern.name) ? ourStatic.privateKey : undefined,
    rs: initiatorKnows && oursIsInitiator ? theirPair.publicKey : undefined,
    psks: pattern.psk ? [psk] : [],
  });
  return { ours, theirs, ourStatic, theirPair };
}

describe('interop with noise-handshake (holepunch, libsodium)', () => {
  for (const pattern of PATTERNS) {
    for (const oursIsInitiator of [true, false]) {
      const role = oursIsInitiator ? 'ours initiates' : 'theirs initiates';
      it(`${pattern.name}: ${role}; payloads, handshake hash, keys and transport agree`, () => {
        const { ours, theirs, ourStatic, theirPair } = setup(pattern, oursIsInitiator);
        let step = 0;
        while (!ours.isComplete) {
          const payload = text(`handshake payload ${step}`);
          if (ours.isMyTurn) {
            expect(toHex(theirs.recv(ours.writeMessage(payload)))).toBe(toHex(payload));
          } else {
            expect(toHex(ours.readMessage(theirs.send(Buffer.from(payload))))).toBe(toHex(payload));
          }
          step++;
        }
        expect(theirs.complete).toBe(true);
        expect(step).toBe(ours.protocol.pattern.messages.length);
        expect(toHex(ours.handshakeHash)).toBe(toHex(theirs.hash));
        if (usesStatic(pattern.name)) {
          expect(toHex(ours.remoteStaticPublicKey!)).toBe(toHex(theirPair.publicKey));
          expect(toHex(theirs.rs!)).toBe(toHex(ourStatic.publicKey));
        }
        const [c1, c2] = ours.split();
        const [ourSend, ourReceive]: [CipherState, CipherState] = oursIsInitiator
          ? [c1, c2]
          : [c2, c1];
        const theirSend = new Cipher(theirs.tx);
        const theirReceive = new Cipher(theirs.rx);
        const empty = new Uint8Array(0);
        for (let i = 0; i < 5; i++) {
          const toThem = text(`ours → theirs ${i}`.repeat(i + 1));
          expect(toHex(theirReceive.decrypt(ourSend.encryptWithAd(empty, toThem)))).toBe(
            toHex(toThem),
          );
          const toUs = text(`theirs → ours ${i}`.repeat(i + 2));
          expect(toHex(ourReceive.decryptWithAd(empty, theirSend.encrypt(Buffer.from(toUs))))).toBe(
            toHex(toUs),
          );
        }
      });
    }
  }

  it('disagrees (typed error, no key) when noise-handshake uses another psk', () => {
    const pattern = PATTERNS.find((p) => p.name === 'XXpsk0')!;
    const { ours } = setup(pattern, false);
    const other = new Noise('XXpsk0', true, undefined, { psk: Buffer.from(randomBytes(32)) });
    other.initialise(text('Cryptully interop prologue'));
    expect(() => ours.readMessage(other.send())).toThrow(
      expect.objectContaining({ code: 'ERR_NOISE_DECRYPT' }),
    );
  });
});
