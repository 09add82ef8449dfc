// Protects the channel handshake driver: XX and XXpsk3 over frames, the prelude bound into the
// prologue, the responder's status in msg2, and the initiator's check of the responder's key
// BEFORE msg3 (which would reveal the initiator's identity).
import { describe, expect, it } from 'vitest';
import {
  ChannelProtocolError,
  encodeHandshakeStatus,
  FrameTooLargeError,
  HandshakeRejectedError,
  type HandshakeResult,
  InitiatorHandshake,
  type Prelude,
  ResponderHandshake,
  SecureChannel,
} from '../../src/channel/index.js';
import { CryptullyError } from '../../src/errors.js';
import { channelPair, drivers, FIXED, handshake, messagesOf, OK, stream } from './helpers.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('channel handshake', () => {
  it.each([false, true])('completes (psk=%s) with matching keys and handshake hashes', (psk) => {
    let seen: Prelude | undefined;
    const { initiatorResult, responderResult, toResponder } = handshake({
      psk,
      onPrelude: (prelude) => {
        seen = prelude;
        return { payload: OK, ...(psk ? { psk: FIXED.psk } : {}) };
      },
    });
    expect(seen).toEqual({
      version: 2,
      mode: psk ? 'XXpsk3' : 'XX',
      inviteId: psk ? FIXED.inviteId : undefined,
    });
    expect(initiatorResult.remoteStaticPublicKey).toEqual(FIXED.responderStatic.publicKey);
    expect(responderResult.remoteStaticPublicKey).toEqual(FIXED.initiatorStatic.publicKey);
    expect(initiatorResult.handshakeHash).toEqual(responderResult.handshakeHash);
    expect(initiatorResult.handshakeHash.length).toBe(64);
    expect(new TextDecoder().decode(initiatorResult.responderPayload)).toBe('{"status":"ok"}');
    // prelude, msg1, msg3 with the documented sizes (+2 for each length prefix).
    expect(toResponder.map((f) => f.length)).toEqual(
      psk ? [2 + 28, 2 + 80, 2 + 96] : [2 + 12, 2 + 64, 2 + 96],
    );
  });

  it('gives each side a working pair of transport ciphers', () => {
    const { a, b } = channelPair({ psk: true });
    expect(messagesOf(b.receive(stream(a.seal(text('hello')))))).toEqual([text('hello')]);
    expect(messagesOf(a.receive(stream(b.seal(text('hi back')))))).toEqual([text('hi back')]);
  });

  it('fails on msg3 when the responder holds another psk, with an opaque error', () => {
    const { initiator, responder } = drivers({
      psk: true,
      onPrelude: () => ({ payload: OK, psk: new Uint8Array(32).fill(9) }),
    });
    const msg2 = responder.receive(stream(initiator.start())).frames;
    const msg3 = initiator.receive(stream(msg2)).frames;
    expect(() => responder.receive(stream(msg3))).toThrow(
      expect.objectContaining({
        code: 'ERR_HANDSHAKE_FAILED',
        message: 'the secure handshake failed',
      }),
    );
  });

  it('uses a random psk when the responder knows no psk for the invite', () => {
    const { initiator, responder } = drivers({ psk: true, onPrelude: () => ({ payload: OK }) });
    const msg2 = responder.receive(stream(initiator.start())).frames;
    const msg3 = initiator.receive(stream(msg2)).frames;
    expect(() => responder.receive(stream(msg3))).toThrow(
      expect.objectContaining({ code: 'ERR_HANDSHAKE_FAILED' }),
    );
  });

  it('lets a responder refuse: it sends msg2 with its status, the initiator stops there', () => {
    const { initiator, responder } = drivers({
      psk: true,
      onPrelude: () => ({ payload: encodeHandshakeStatus('invite-used'), close: true }),
    });
    const step = responder.receive(stream(initiator.start()));
    expect(step.closeAfterSending).toBe(true);
    expect(step.frames).toHaveLength(1);
    let error: unknown;
    try {
      initiator.receive(stream(step.frames));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HandshakeRejectedError);
    expect(error).toMatchObject({ code: 'ERR_HANDSHAKE_REJECTED', status: 'invite-used' });
    expect(initiator.isComplete).toBe(false);
  });

  it('aborts before msg3 when checkResponder throws, so the initiator key is never sent', () => {
    class WrongHost extends CryptullyError {}
    let checked: Uint8Array | undefined;
    const { initiator, responder } = drivers({
      initiator: {
        checkResponder(remoteStatic) {
          checked = remoteStatic;
          throw new WrongHost('ERR_KEY_MISMATCH', 'not the host of the invite');
        },
      },
    });
    const msg2 = responder.receive(stream(initiator.start())).frames;
    expect(() => initiator.receive(stream(msg2))).toThrow(WrongHost);
    expect(checked).toEqual(FIXED.responderStatic.publicKey);
    // The driver stays failed and has nothing to send.
    expect(() => initiator.receive(new Uint8Array(0))).toThrow(WrongHost);
  });

  it('fails when the prelude is changed in transit (it is bound into the prologue)', () => {
    const { initiator, responder } = drivers({ psk: true });
    const [prelude, msg1] = initiator.start() as [Uint8Array, Uint8Array];
    const tampered = Uint8Array.from(prelude);
    tampered[tampered.length - 1]! ^= 1; // another invite id; the responder's psk is the same
    // In XXpsk3 msg1 already carries a tag over the handshake hash, which includes the prologue.
    expect(() => responder.receive(stream([tampered, msg1]))).toThrow(
      expect.objectContaining({ code: 'ERR_HANDSHAKE_FAILED' }),
    );
    expect(initiator.isComplete).toBe(false);
  });

  it('rejects a peer that is not speaking Cryptully before reading its bytes', () => {
    const responder = new ResponderHandshake({
      staticKeyPair: FIXED.responderStatic,
      onPrelude: () => ({ payload: OK }),
    });
    expect(() => responder.receive(text('GET / HTTP/1.1\r\n\r\n'))).toThrow(FrameTooLargeError);
  });

  it('rejects a prelude of another version with a typed error', () => {
    const responder = new ResponderHandshake({
      staticKeyPair: FIXED.responderStatic,
      onPrelude: () => ({ payload: OK }),
    });
    // Version 1 (one message per record, before packed records) is refused, not misread.
    const v1 = Uint8Array.from(Buffer.from('000c4352595054554c4c59010000', 'hex'));
    expect(() => responder.receive(v1)).toThrow(
      expect.objectContaining({ code: 'ERR_PRELUDE_VERSION' }),
    );
  });

  it('rejects a msg2 payload that is not a status', () => {
    const { initiator, responder } = drivers({ onPrelude: () => ({ payload: text('hello') }) });
    const msg2 = responder.receive(stream(initiator.start())).frames;
    expect(() => initiator.receive(stream(msg2))).toThrow(ChannelProtocolError);
  });

  it('keeps transport bytes that arrive with msg3 for the channel', () => {
    const { initiator, responder } = drivers();
    const msg2 = responder.receive(stream(initiator.start())).frames;
    const step = initiator.receive(stream(msg2));
    const early = new SecureChannel(step.result!);
    const bytes = stream([
      ...step.frames,
      ...early.seal(text('early')),
      ...early.seal(text('bird')),
    ]);
    const done = responder.receive(bytes);
    expect(done.result).toBeDefined();
    const channel = new SecureChannel(done.result!);
    expect(messagesOf(channel.receive(new Uint8Array(0)))).toEqual([text('early'), text('bird')]);
  });

  it.each([false, true])('completes (psk=%s) when every byte arrives on its own', (psk) => {
    const { initiator, responder } = drivers({ psk });
    const feed = (driver: { receive: typeof responder.receive }, bytes: Uint8Array) => {
      const frames: Uint8Array[] = [];
      let result: HandshakeResult | undefined;
      for (const byte of bytes) {
        const step = driver.receive(new Uint8Array([byte]));
        frames.push(...step.frames);
        result ??= step.result;
      }
      return { frames, result };
    };
    const msg2 = feed(responder, stream(initiator.start()));
    const msg3 = feed(initiator, stream(msg2.frames));
    const done = feed(responder, stream(msg3.frames));
    expect(done.result!.handshakeHash).toEqual(msg3.result!.handshakeHash);
  });

  it('refuses psk without inviteId and a second start', () => {
    expect(
      () => new InitiatorHandshake({ staticKeyPair: FIXED.initiatorStatic, psk: FIXED.psk }),
    ).toThrow(/psk and inviteId/);
    const { initiator } = drivers();
    initiator.start();
    expect(() => initiator.start()).toThrow(
      expect.objectContaining({ code: 'ERR_CHANNEL_CLOSED' }),
    );
  });
});
