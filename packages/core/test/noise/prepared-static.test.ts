// A static key prepared once and shared by many handshakes (HandshakeStateExtras.preparedS)
// must behave exactly like the same key given as bytes (`s`): same messages, same keys, same
// checks; and sharing it must not let one handshake disturb another.
import { describe, expect, it } from 'vitest';
import { randomBytes, x448, x25519 } from '../../src/crypto/index.js';
import { HandshakeState, NoiseProtocolError } from '../../src/noise/index.js';

const XX = 'Noise_XX_25519_ChaChaPoly_BLAKE2b';
const XXPSK3 = 'Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b';
const EMPTY = new Uint8Array(0);

/** Runs XX (3 messages) and returns the messages and the split keys' first ciphertexts. */
function run(initiator: HandshakeState, responder: HandshakeState) {
  const m1 = initiator.writeMessage(EMPTY);
  responder.readMessage(m1);
  const m2 = responder.writeMessage(new TextEncoder().encode('status'));
  initiator.readMessage(m2);
  const m3 = initiator.writeMessage(EMPTY);
  responder.readMessage(m3);
  const [iSend] = initiator.split();
  // Both sides' first CipherState is the initiator-to-responder one (spec §5.2 Split).
  const [rReceive] = responder.split();
  const sealed = iSend.encryptWithAd(EMPTY, new TextEncoder().encode('hi'));
  expect(new TextDecoder().decode(rReceive.decryptWithAd(EMPTY, sealed))).toBe('hi');
  return { messages: [m1, m2, m3], sealed, hash: initiator.handshakeHash };
}

describe('HandshakeState with a prepared static key', () => {
  it('produces byte-identical handshakes to the same key given as s (fixed ephemerals)', () => {
    const i = x25519.generateKeyPair();
    const r = x25519.generateKeyPair();
    const ie = randomBytes(32);
    const re = randomBytes(32);
    const prepared = x25519.preparePrivateKey(r.privateKey);
    const plain = run(
      new HandshakeState({ protocolName: XX, initiator: true, s: i.privateKey, e: ie }),
      new HandshakeState({ protocolName: XX, initiator: false, s: r.privateKey, e: re }),
    );
    const withPrepared = run(
      new HandshakeState({ protocolName: XX, initiator: true, s: i.privateKey, e: ie }),
      new HandshakeState({ protocolName: XX, initiator: false, e: re }, { preparedS: prepared }),
    );
    expect(withPrepared.messages).toEqual(plain.messages);
    expect(withPrepared.sealed).toEqual(plain.sealed);
    expect(withPrepared.hash).toEqual(plain.hash);
  });

  it('serves many handshakes, psk ones and failed ones included, on both sides', () => {
    const i = x25519.generateKeyPair();
    const r = x25519.generateKeyPair();
    const iPrepared = x25519.preparePrivateKey(i.privateKey);
    const rPrepared = x25519.preparePrivateKey(r.privateKey);
    const hashes = new Set<string>();
    for (let n = 0; n < 5; n++) {
      const psk = randomBytes(32);
      const initiator = new HandshakeState(
        { protocolName: XXPSK3, initiator: true, psks: [psk] },
        { preparedS: iPrepared },
      );
      // Every other round the responder has the wrong psk: that handshake fails.
      const responder = new HandshakeState(
        { protocolName: XXPSK3, initiator: false, psks: [n % 2 ? randomBytes(32) : psk] },
        { preparedS: rPrepared },
      );
      if (n % 2) {
        responder.readMessage(initiator.writeMessage(EMPTY));
        initiator.readMessage(responder.writeMessage(EMPTY));
        expect(() => responder.readMessage(initiator.writeMessage(EMPTY))).toThrow();
        continue;
      }
      expect(initiator.localStaticPublicKey).toEqual(i.publicKey);
      const { hash } = run(initiator, responder);
      expect(initiator.remoteStaticPublicKey).toEqual(r.publicKey);
      expect(responder.remoteStaticPublicKey).toEqual(i.publicKey);
      hashes.add(Buffer.from(hash).toString('hex'));
    }
    expect(hashes.size).toBe(3);
  });

  it('keeps its own copy of the public key: changing one copy changes no other handshake', () => {
    const r = x25519.generateKeyPair();
    const prepared = x25519.preparePrivateKey(r.privateKey);
    const first = new HandshakeState(
      { protocolName: XX, initiator: false },
      { preparedS: prepared },
    );
    prepared.publicKey.fill(0);
    first.localStaticPublicKey!.fill(1);
    expect(first.localStaticPublicKey).toEqual(r.publicKey);
    const initiator = new HandshakeState({
      protocolName: XX,
      initiator: true,
      s: x25519.generateKeyPair().privateKey,
    });
    run(initiator, first);
    expect(initiator.remoteStaticPublicKey).toEqual(r.publicKey);
  });

  it('is refused with s at once, where the pattern sends no s, and from a DH of another size', () => {
    const pair = x25519.generateKeyPair();
    const prepared = x25519.preparePrivateKey(pair.privateKey);
    const refused = [
      () =>
        new HandshakeState(
          { protocolName: XX, initiator: true, s: pair.privateKey },
          { preparedS: prepared },
        ),
      () =>
        new HandshakeState(
          { protocolName: 'Noise_NN_25519_ChaChaPoly_BLAKE2b', initiator: true },
          { preparedS: prepared },
        ),
      () =>
        new HandshakeState(
          { protocolName: XX, initiator: true },
          { preparedS: x448.preparePrivateKey(x448.generateKeyPair().privateKey) },
        ),
      () => new HandshakeState({ protocolName: XX, initiator: true }, {}),
    ];
    for (const make of refused) expect(make).toThrow(NoiseProtocolError);
  });
});
