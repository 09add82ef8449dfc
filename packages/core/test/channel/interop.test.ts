// Independent check of the channel's wire format: our pure channel drivers talk mode XX to
// holepunch's noise-handshake (libsodium), which knows nothing of Cryptully. The other side's
// prelude, prologue, framing and records are built by hand here, straight from
// docs/protocol.md, so a convention that only our writer and reader share would show up.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  encodeHandshakeStatus,
  InitiatorHandshake,
  RecordType,
  ResponderHandshake,
  SecureChannel,
} from '../../src/channel/index.js';
import { concatBytes, fromHex, toHex, x25519 } from '../../src/crypto/index.js';
import { Cipher, Noise, type TheirNoise } from '../support/noise-handshake.js';
import { messagesOf, stream } from './helpers.js';

const text = (s: string) => new TextEncoder().encode(s);
/** The XX prelude and prologue, written from the spec rather than with our encoder. */
const XX_PRELUDE = fromHex('4352595054554c4c59020000');
const XX_PROLOGUE = concatBytes(text('Cryptully/2'), XX_PRELUDE);
/** Our frame format, by hand: a 2-byte big-endian length, then the bytes. */
const frame = (bytes: Uint8Array) =>
  concatBytes(new Uint8Array([bytes.length >> 8, bytes.length & 0xff]), bytes);
/**
 * The handshake commitment, by hand with node:crypto: the first 32 bytes of
 * BLAKE2b-512("Cryptully commit v1" || static public key || nonce).
 */
const commit = (staticPublicKey: Uint8Array, nonce: Uint8Array) =>
  new Uint8Array(
    createHash('blake2b512')
      .update(text('Cryptully commit v1'))
      .update(staticPublicKey)
      .update(nonce)
      .digest()
      .subarray(0, 32),
  );
const unframe = (bytes: Uint8Array) => {
  expect((bytes[0]! << 8) | bytes[1]!).toBe(bytes.length - 2);
  return bytes.subarray(2);
};

function theirSide(initiator: boolean) {
  const pair = x25519.generateKeyPair();
  const theirs = new Noise('XX', initiator, {
    publicKey: Buffer.from(pair.publicKey),
    secretKey: Buffer.from(pair.privateKey),
  });
  theirs.initialise(XX_PROLOGUE);
  return { theirs, pair };
}

/** Checks transport both ways: their records decoded by hand, ours by the channel. */
function checkTransport(channel: SecureChannel, theirs: TheirNoise) {
  const theirSend = new Cipher(theirs.tx);
  const theirReceive = new Cipher(theirs.rx);
  // A data record: type 00, then the message stream: each message behind its u32be length.
  const [hello] = channel.seal(text('hello'));
  expect(toHex(theirReceive.decrypt(unframe(hello!)))).toBe(`0000000005${toHex(text('hello'))}`);
  // Theirs pack two messages into one record, the second cut by the record's end.
  const fromThem = [
    frame(
      theirSend.encrypt(
        concatBytes(new Uint8Array([RecordType.data, 0, 0, 0, 2]), text('hi'), fromHex('000000')),
      ),
    ),
    frame(theirSend.encrypt(concatBytes(new Uint8Array([RecordType.data, 3]), text('yo!')))),
    frame(theirSend.encrypt(new Uint8Array([RecordType.close]))),
  ];
  const events = channel.receive(stream(fromThem));
  expect(messagesOf(events)).toEqual([text('hi'), text('yo!')]);
  expect(events.at(-1)).toEqual({ type: 'close' });
  const [close] = channel.close();
  expect(toHex(theirReceive.decrypt(unframe(close!)))).toBe('03');
}

describe('channel interop with noise-handshake (mode XX)', () => {
  it('our initiator and their responder agree on keys, hash, status and records', () => {
    const ourStatic = x25519.generateKeyPair();
    const { theirs, pair } = theirSide(false);
    const ours = new InitiatorHandshake({ staticKeyPair: ourStatic });
    const [preludeFrame, msg1] = ours.start() as [Uint8Array, Uint8Array];
    expect(toHex(unframe(preludeFrame))).toBe(toHex(XX_PRELUDE));
    // msg1 = e || commitment (mode XX: no key yet, so in clear); msg3 opens it.
    const commitment = theirs.recv(unframe(msg1));
    expect(commitment.length).toBe(32);
    const step = ours.receive(frame(theirs.send(encodeHandshakeStatus('ok'))));
    const nonce = theirs.recv(unframe(step.frames[0]!));
    expect(theirs.complete).toBe(true);
    expect(nonce.length).toBe(32);
    expect(toHex(commitment)).toBe(toHex(commit(ourStatic.publicKey, nonce)));
    const result = step.result!;
    expect(toHex(result.handshakeHash)).toBe(toHex(theirs.hash));
    expect(toHex(result.remoteStaticPublicKey)).toBe(toHex(pair.publicKey));
    expect(toHex(theirs.rs!)).toBe(toHex(ourStatic.publicKey));
    checkTransport(new SecureChannel(result), theirs);
  });

  it('their initiator and our responder agree on keys, hash, status and records', () => {
    const ourStatic = x25519.generateKeyPair();
    const { theirs, pair } = theirSide(true);
    const ours = new ResponderHandshake({
      staticKeyPair: ourStatic,
      onPrelude: () => ({ payload: encodeHandshakeStatus('ok') }),
    });
    const nonce = randomBytes(32);
    const msg1 = theirs.send(commit(pair.publicKey, nonce));
    const msg2 = ours.receive(concatBytes(frame(XX_PRELUDE), frame(msg1))).frames;
    expect(new TextDecoder().decode(theirs.recv(unframe(msg2[0]!)))).toBe('{"status":"ok"}');
    const step = ours.receive(frame(theirs.send(nonce)));
    expect(theirs.complete).toBe(true);
    const result = step.result!;
    expect(toHex(result.handshakeHash)).toBe(toHex(theirs.hash));
    expect(toHex(result.remoteStaticPublicKey)).toBe(toHex(pair.publicKey));
    checkTransport(new SecureChannel(result), theirs);
  });

  it('our responder refuses their initiator when msg3 does not open the commitment', () => {
    const ours = new ResponderHandshake({
      staticKeyPair: x25519.generateKeyPair(),
      onPrelude: () => ({ payload: encodeHandshakeStatus('ok') }),
    });
    const { theirs, pair } = theirSide(true);
    const msg1 = theirs.send(commit(pair.publicKey, randomBytes(32)));
    const msg2 = ours.receive(concatBytes(frame(XX_PRELUDE), frame(msg1))).frames;
    theirs.recv(unframe(msg2[0]!));
    // A valid Noise msg3 (their side completes) whose nonce is not the committed one.
    const msg3 = frame(theirs.send(randomBytes(32)));
    expect(theirs.complete).toBe(true);
    expect(() => ours.receive(msg3)).toThrow(
      expect.objectContaining({ code: 'ERR_HANDSHAKE_FAILED' }),
    );
    expect(ours.isComplete).toBe(false);
  });
});
