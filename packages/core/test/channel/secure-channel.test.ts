// Protects the transport phase: fragmentation and reassembly under any re-chunking, the size
// limits on both ends, the record types, rekeying (interval and on request), nonce
// exhaustion and the clean close that tells a goodbye from a cut stream.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ChannelClosedError,
  type ChannelEvent,
  encodeFrame,
  MAX_CHANNEL_MESSAGE_BYTES,
  MAX_FRAGMENT_BYTES,
  MessageTooLargeError,
  NONCE_CLOSE_THRESHOLD,
  RecordType,
  SecureChannel,
} from '../../src/channel/index.js';
import { setChannelNoncesForTesting } from '../../src/channel/secure-channel.js';
import { concatBytes, cryptoProviderInfo } from '../../src/crypto/index.js';
import { CipherState, cipherKeyForTesting } from '../../src/noise/cipher-state.js';
import { channelPair, errorOf, handshake, messagesOf, sameMessages, stream } from './helpers.js';

const EMPTY = new Uint8Array(0);

/** A payload whose bytes depend on its index, so misplaced fragments show. */
function payload(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed * 7) & 0xff;
  return bytes;
}

/** Feeds `bytes` to `channel` cut at the given points. */
function feed(channel: SecureChannel, bytes: Uint8Array, cuts: number[]) {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
  const events = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    events.push(...channel.receive(bytes.subarray(start, point)));
    start = point;
  }
  return events;
}

/** A handshake whose initiator seals raw records, to play a misbehaving peer. */
function rawPeer() {
  const { initiatorResult, responderResult } = handshake();
  const receiver = new SecureChannel(responderResult);
  const raw = (type: number, body: Uint8Array = EMPTY) =>
    encodeFrame(
      initiatorResult.sendCipher.encryptWithAd(EMPTY, concatBytes(new Uint8Array([type]), body)),
    );
  return { receiver, raw };
}

describe('secure channel: messages', () => {
  it.each([
    0,
    1,
    MAX_FRAGMENT_BYTES - 4,
    MAX_FRAGMENT_BYTES - 3,
    MAX_FRAGMENT_BYTES - 1,
    MAX_FRAGMENT_BYTES,
    MAX_FRAGMENT_BYTES + 1,
    3 * MAX_FRAGMENT_BYTES,
    MAX_CHANNEL_MESSAGE_BYTES,
  ])('carries a message of %i bytes in ceil((n + 4) / 65518) frames', (length) => {
    const { a, b } = channelPair();
    const message = payload(length, length);
    const frames = a.seal(message);
    expect(frames).toHaveLength(Math.ceil((length + 4) / MAX_FRAGMENT_BYTES));
    for (const frame of frames) expect(frame.length).toBeLessThanOrEqual(2 + 65535);
    expect(sameMessages(messagesOf(b.receive(stream(frames))), [message])).toEqual([]);
  });

  it('seals the full frames of a message back to back in one buffer, encrypted in place', () => {
    // The connection writes such frames with one write; and the plaintext copied into the
    // buffer must have been replaced by ciphertext.
    const { a, b } = channelPair();
    const message = payload(3 * MAX_FRAGMENT_BYTES + 5, 3);
    const frames = a.seal(message);
    expect(frames.map((f) => f.length)).toEqual([65537, 65537, 65537, 2 + 1 + 9 + 16]);
    const plaintextStream = concatBytes(new Uint8Array([0, 3, 0xff, 0xf5]), message);
    let end = frames[0]!.byteOffset;
    for (const [i, frame] of frames.entries()) {
      if (i < 3) {
        expect(frame.buffer).toBe(frames[0]!.buffer);
        expect(frame.byteOffset).toBe(end);
        end += frame.length;
      }
      const part = plaintextStream.subarray(i * MAX_FRAGMENT_BYTES, (i + 1) * MAX_FRAGMENT_BYTES);
      expect(Buffer.from(frame.subarray(3, 3 + part.length)).equals(part)).toBe(false);
    }
    expect(sameMessages(messagesOf(b.receive(stream(frames))), [message])).toEqual([]);
  });

  it('packs a burst of 64 KiB messages into full frames (push, then flush)', () => {
    const { a, b } = channelPair();
    const messages = Array.from({ length: 40 }, (_, i) => payload(65536, i));
    const frames = messages.flatMap((m) => a.push(m));
    expect(a.hasPending).toBe(true);
    frames.push(...a.flush());
    expect(a.hasPending).toBe(false);
    expect(a.flush()).toEqual([]);
    // 40 x (4 + 65536) stream bytes in frames of 65518: 41 frames, all but the last full.
    expect(frames).toHaveLength(Math.ceil((40 * 65540) / MAX_FRAGMENT_BYTES));
    expect(frames.slice(0, -1).every((f) => f.length === 65537)).toBe(true);
    expect(sameMessages(messagesOf(b.receive(stream(frames))), messages)).toEqual([]);
  });

  it('sends what push kept before a rekey or close record', () => {
    const { a, b } = channelPair();
    const kept = [...a.push(payload(10, 1)), ...a.push(payload(20, 2))];
    expect(kept).toEqual([]);
    const events = b.receive(stream([...a.rekey(), ...a.push(payload(5, 3)), ...a.close()]));
    expect(
      sameMessages(messagesOf(events), [payload(10, 1), payload(20, 2), payload(5, 3)]),
    ).toEqual([]);
    expect(events.at(-1)).toEqual({ type: 'close' });
    expect(b.stats.receiveRekeys).toBe(1);
  });

  it('decrypts in place when told it owns the chunks, and messages stay intact afterwards', () => {
    const { a, b } = channelPair({ channel: { decryptInPlace: true } });
    const messages = [payload(5, 1), payload(70_000, 2), payload(3, 3), payload(65_000, 4)];
    const wire = stream([...messages.flatMap((m) => a.push(m)), ...a.flush()]);
    const copy = Uint8Array.from(wire);
    const delivered = feed(b, wire, [10, 30_000, 65_600, 100_000]).flatMap((e) =>
      e.type === 'message' ? [e.message] : [],
    );
    // Read only now: views into chunks or the decoder's buffer would have been overwritten.
    expect(sameMessages(delivered, messages)).toEqual([]);
    // The first chunk's frame was decrypted in place (libsodium), so the chunk changed.
    expect(Buffer.from(wire).equals(copy)).toBe(cryptoProviderInfo.name === 'node');
  });

  it('refuses to seal a message over 1 MiB and stays usable', () => {
    const { a, b } = channelPair();
    expect(() => a.seal(new Uint8Array(MAX_CHANNEL_MESSAGE_BYTES + 1))).toThrow(
      MessageTooLargeError,
    );
    expect(
      sameMessages(messagesOf(b.receive(stream(a.seal(payload(5, 1))))), [payload(5, 1)]),
    ).toEqual([]);
  });

  it('delivers random payload sequences under random re-chunking, packed or not, both directions', () => {
    const sizes = fc.oneof(
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0, max: 3000 }),
      fc.integer({ min: MAX_FRAGMENT_BYTES - 2, max: 2 * MAX_FRAGMENT_BYTES + 5 }),
    );
    const chunking = fc.oneof(
      fc.constant<'one' | 'bytes' | number[]>('one'),
      fc.constant<'one' | 'bytes' | number[]>('bytes'),
      fc.array(fc.nat(), { maxLength: 30 }),
    );
    fc.assert(
      fc.property(
        fc.array(sizes, { maxLength: 6 }),
        fc.array(sizes, { maxLength: 6 }),
        chunking,
        chunking,
        fc.boolean(),
        fc.boolean(),
        (forward, backward, chunksAB, chunksBA, packed, inPlace) => {
          const { a, b } = channelPair({ channel: { decryptInPlace: inPlace } });
          const run = (
            from: SecureChannel,
            to: SecureChannel,
            sizesOf: number[],
            chunks: 'one' | 'bytes' | number[],
          ) => {
            const messages = sizesOf.map((n, i) => payload(n, i));
            const sealed = packed
              ? [...messages.flatMap((m) => from.push(m)), ...from.flush()]
              : messages.flatMap((m) => from.seal(m));
            const bytes = stream([...sealed, ...from.close()]);
            const cuts =
              chunks === 'one'
                ? []
                : chunks === 'bytes'
                  ? Array.from({ length: Math.min(bytes.length, 4000) }, (_, i) => i)
                  : chunks;
            const events = feed(to, bytes, cuts);
            expect(errorOf(events)).toBeUndefined();
            expect(sameMessages(messagesOf(events), messages)).toEqual([]);
            expect(events.at(-1)).toEqual({ type: 'close' });
          };
          run(a, b, forward, chunksAB);
          run(b, a, backward, chunksBA);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('secure channel: frames split across reads', () => {
  /** The sender's wire bytes, and a factory of fresh receivers for it (same keys, nonce 0). */
  function recorded(write: (a: SecureChannel) => Uint8Array[]) {
    const { a, responderResult } = channelPair();
    const keys = [responderResult.sendCipher, responderResult.receiveCipher].map((c) =>
      Uint8Array.from(cipherKeyForTesting(c)!),
    );
    const cipher = responderResult.receiveCipher.cipher;
    const wire = stream(write(a));
    const receiver = (decryptInPlace: boolean) =>
      new SecureChannel({
        sendCipher: new CipherState(cipher, Uint8Array.from(keys[0]!)),
        receiveCipher: new CipherState(cipher, Uint8Array.from(keys[1]!)),
        decryptInPlace,
      });
    return { wire, receiver };
  }

  /**
   * Feeds copies of `wire` cut at `cuts` and returns the delivered messages as given (views,
   * not copies) and the last event, read only after every chunk was fed, so a view into a
   * buffer the channel or its decoder reused shows as a corrupted message.
   */
  function deliver(channel: SecureChannel, wire: Uint8Array, cuts: number[]) {
    const messages: Uint8Array[] = [];
    let last: ChannelEvent | undefined;
    let start = 0;
    for (const point of [...cuts, wire.length]) {
      for (const event of channel.receive(Uint8Array.from(wire.subarray(start, point)))) {
        if (event.type === 'message') messages.push(event.message);
        last = event;
      }
      start = point;
    }
    return { messages, last };
  }

  it('delivers every message intact with the stream cut in two at every byte offset', () => {
    const sent = [payload(0, 1), payload(1, 2), payload(200, 3), payload(3, 4), payload(500, 5)];
    const { wire, receiver } = recorded((a) => [
      ...a.seal(sent[0]!),
      ...a.seal(sent[1]!),
      ...a.push(sent[2]!),
      ...a.push(sent[3]!),
      ...a.flush(),
      ...a.rekey(),
      ...a.seal(sent[4]!),
      ...a.close(),
    ]);
    for (const inPlace of [true, false]) {
      for (let cut = 0; cut <= wire.length; cut++) {
        const { messages, last } = deliver(receiver(inPlace), wire, [cut]);
        expect(sameMessages(messages, sent), `cut at ${cut}, in place ${inPlace}`).toEqual([]);
        expect(last).toEqual({ type: 'close' });
      }
    }
  });

  it.each([1000, 65_535, 65_536, 65_537, 70_001, 131_072])(
    'keeps messages that are views of split frames intact while later frames are split too (%i-byte reads)',
    (size) => {
      // Large messages fill whole frames; the small ones after them lie inside frames that
      // socket-sized reads split, which are reassembled and decrypted in the decoder's buffer.
      const sent = [
        payload(70_000, 1),
        payload(10, 2),
        payload(65_000, 3),
        payload(5, 4),
        payload(MAX_FRAGMENT_BYTES - 4, 5),
        payload(3, 6),
        payload(130_000, 7),
        payload(1, 8),
      ];
      const { wire, receiver } = recorded((a) => [
        ...sent.flatMap((m, i) => (i % 2 === 0 ? a.push(m) : [...a.push(m), ...a.flush()])),
        ...a.close(),
      ]);
      const cuts = Array.from(
        { length: Math.floor((wire.length - 1) / size) },
        (_, i) => (i + 1) * size,
      );
      for (const inPlace of [true, false]) {
        const { messages, last } = deliver(receiver(inPlace), wire, cuts);
        expect(sameMessages(messages, sent), `in place ${inPlace}`).toEqual([]);
        expect(last).toEqual({ type: 'close' });
      }
    },
  );
});

describe('secure channel: a misbehaving peer', () => {
  it('rejects a message over 1 MiB as soon as its length is read, before its bytes', () => {
    const { receiver, raw } = rawPeer();
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, MAX_CHANNEL_MESSAGE_BYTES + 1);
    const events = receiver.receive(raw(RecordType.data, length));
    expect(sameMessages(messagesOf(events), [])).toEqual([]);
    expect(errorOf(events)).toBeInstanceOf(MessageTooLargeError);
  });

  it('keeps to a lower maxMessageBytes: refuses to seal more, fails a peer that sends more', () => {
    const { initiatorResult, responderResult } = handshake();
    const limit = 128 * 1024;
    const sender = new SecureChannel(initiatorResult);
    const receiver = new SecureChannel({ ...responderResult, maxMessageBytes: limit });
    expect(() => receiver.seal(new Uint8Array(limit + 1))).toThrow(MessageTooLargeError);
    expect(receiver.seal(new Uint8Array(limit))).toHaveLength(3);
    // Only the first of the 17 frames of a 1 MiB message: its length is enough to fail.
    const frames = sender.seal(new Uint8Array(MAX_CHANNEL_MESSAGE_BYTES)).slice(0, 1);
    const events = receiver.receive(stream(frames));
    expect(errorOf(events)).toBeInstanceOf(MessageTooLargeError);
    expect(
      () =>
        new SecureChannel({ ...responderResult, maxMessageBytes: MAX_CHANNEL_MESSAGE_BYTES + 1 }),
    ).toThrow(/maxMessageBytes/);
  });

  it.each([
    ['an unknown record type', [[7]]],
    ['a rekey record with a body', [[RecordType.rekey, 1]]],
    ['a close record with a body', [[RecordType.close, 1]]],
    ['an empty data record', [[RecordType.data]]],
    ["version 1's dataMore record", [[0x01, 0, 0, 0, 1, 7]]],
    ['a close in the middle of a message', [[RecordType.data, 0, 0, 0, 2, 1], [RecordType.close]]],
    ['a close in the middle of a length', [[RecordType.data, 0, 0], [RecordType.close]]],
    ['data after the close record', [[RecordType.close], [RecordType.data, 1]]],
  ])('fails closed on %s', (_name, records) => {
    const { receiver, raw } = rawPeer();
    const events = receiver.receive(
      stream(records.map(([type, ...body]) => raw(type!, Uint8Array.from(body)))),
    );
    expect(errorOf(events)).toMatchObject({ code: 'ERR_CHANNEL_PROTOCOL' });
    expect(sameMessages(messagesOf(events), [])).toEqual([]);
    expect(() => receiver.receive(EMPTY)).toThrow(ChannelClosedError);
  });

  it('rejects a transport frame shorter than a record header and a tag', () => {
    const { b } = channelPair();
    const events = b.receive(encodeFrame(new Uint8Array(16)));
    expect(errorOf(events)).toMatchObject({ code: 'ERR_CHANNEL_PROTOCOL' });
  });
});

describe('secure channel: close', () => {
  it('tells a goodbye from a cut stream', () => {
    const { a, b } = channelPair();
    const bytes = stream([...a.seal(payload(3, 1)), ...a.close()]);
    expect(b.receive(bytes).map((e) => e.type)).toEqual(['message', 'close']);
    expect(b.receiveEnd()).toEqual([]);
    expect(b.isReceiveClosed).toBe(true);

    const cut = channelPair();
    cut.b.receive(stream(cut.a.seal(payload(3, 1))));
    expect(errorOf(cut.b.receiveEnd())).toMatchObject({ code: 'ERR_CHANNEL_TRUNCATED' });
  });

  it('refuses to send after close, and close is idempotent', () => {
    const { a } = channelPair();
    expect(a.close()).toHaveLength(1);
    expect(a.close()).toEqual([]);
    expect(a.isSendClosed).toBe(true);
    expect(() => a.seal(payload(1, 1))).toThrow(ChannelClosedError);
    expect(() => a.rekey()).toThrow(expect.objectContaining({ code: 'ERR_CHANNEL_CLOSED' }));
  });

  it('still receives after sending its own goodbye (half close)', () => {
    const { a, b } = channelPair();
    b.receive(stream(a.close()));
    const events = a.receive(stream([...b.seal(payload(9, 2)), ...b.close()]));
    expect(events.map((e) => e.type)).toEqual(['message', 'close']);
  });
});

describe('secure channel: key hygiene', () => {
  it("wipes the send key after its goodbye, the receive key after the peer's, both on failure", () => {
    const pair = channelPair();
    const sendKey = cipherKeyForTesting(pair.initiatorResult.sendCipher)!;
    pair.b.receive(stream(pair.a.close()));
    expect(sendKey.every((byte) => byte === 0)).toBe(true);
    expect(cipherKeyForTesting(pair.responderResult.receiveCipher)).toBeUndefined();

    const failing = channelPair();
    const keys = [
      cipherKeyForTesting(failing.responderResult.sendCipher)!,
      cipherKeyForTesting(failing.responderResult.receiveCipher)!,
    ];
    expect(errorOf(failing.b.receive(encodeFrame(new Uint8Array(40))))).toBeDefined();
    for (const key of keys) expect(key.every((byte) => byte === 0)).toBe(true);
  });
});

describe('secure channel: rekeying', () => {
  it('rekeys both ends after the same frame when the frame interval is crossed', () => {
    const { a, b } = channelPair({ channel: { rekeyAfterFrames: 4 } });
    const messages = Array.from({ length: 21 }, (_, i) => payload(i * 10, i));
    const events = b.receive(stream(messages.flatMap((m) => a.seal(m))));
    expect(sameMessages(messagesOf(events), messages)).toEqual([]);
    expect(a.stats.sendRekeys).toBe(5);
    expect(b.stats.receiveRekeys).toBe(5);
    // And the other direction keeps its own count.
    expect(a.stats.receiveRekeys).toBe(0);
  });

  it('rekeys after the byte interval, counting fragments of large messages', () => {
    const { a, b } = channelPair({ channel: { rekeyAfterBytes: 100_000 } });
    const messages = [payload(300_000, 1), payload(10, 2), payload(150_000, 3)];
    const events = b.receive(stream(messages.flatMap((m) => a.seal(m))));
    expect(sameMessages(messagesOf(events), messages)).toEqual([]);
    expect(a.stats.sendRekeys).toBeGreaterThanOrEqual(3);
    expect(b.stats.receiveRekeys).toBe(a.stats.sendRekeys);
  });

  it('rekeys on request with a rekey record, without delivering anything', () => {
    const { a, b } = channelPair();
    const events = b.receive(stream([...a.rekey(), ...a.seal(payload(4, 4))]));
    expect(sameMessages(messagesOf(events), [payload(4, 4)])).toEqual([]);
    expect(a.stats.sendRekeys).toBe(1);
    expect(b.stats.receiveRekeys).toBe(1);
  });

  it('really changes the key: a receiver that does not rekey fails', () => {
    const { initiatorResult, responderResult } = handshake();
    const a = new SecureChannel({ ...initiatorResult, rekeyAfterFrames: 2 });
    const b = new SecureChannel({ ...responderResult, rekeyAfterFrames: 3 });
    const events = b.receive(stream([1, 2, 3].flatMap((i) => a.seal(payload(i, i)))));
    expect(sameMessages(messagesOf(events), [payload(1, 1), payload(2, 2)])).toEqual([]);
    expect(errorOf(events)).toMatchObject({ code: 'ERR_CHANNEL_DECRYPT' });
  });
});

describe('secure channel: nonce exhaustion', () => {
  it('closes itself before the nonce can wrap, and the peer sees a clean close', () => {
    const { a, b } = channelPair();
    const near = NONCE_CLOSE_THRESHOLD - 2n;
    setChannelNoncesForTesting(a, { send: near });
    setChannelNoncesForTesting(b, { receive: near });
    const first = a.seal(payload(5, 1));
    expect(first).toHaveLength(1);
    expect(a.isSendClosed).toBe(false);
    const second = a.seal(payload(MAX_FRAGMENT_BYTES + 5, 2)); // 2 fragments cross the threshold
    expect(second).toHaveLength(3); // both fragments, then the close record
    expect(a.isSendClosed).toBe(true);
    expect(a.closeReason).toMatchObject({ code: 'ERR_CHANNEL_EXHAUSTED' });
    expect(() => a.seal(payload(1, 1))).toThrow(
      expect.objectContaining({ code: 'ERR_CHANNEL_EXHAUSTED' }),
    );
    const events = b.receive(stream([...first, ...second]));
    expect(
      sameMessages(messagesOf(events), [payload(5, 1), payload(MAX_FRAGMENT_BYTES + 5, 2)]),
    ).toEqual([]);
    expect(events.at(-1)).toEqual({ type: 'close' });
  });

  it.each([
    ['a whole new message', [RecordType.data, 0, 0, 0, 1, 7]],
    ['the start of a length', [RecordType.data, 0]],
    ['a rekey record', [RecordType.rekey]],
  ])('fails a peer that keeps sending past the limit: %s', (_name, record) => {
    const { initiatorResult, responderResult } = handshake();
    const b = new SecureChannel(responderResult);
    initiatorResult.sendCipher.nonce = NONCE_CLOSE_THRESHOLD;
    setChannelNoncesForTesting(b, { receive: NONCE_CLOSE_THRESHOLD });
    const frame = encodeFrame(
      initiatorResult.sendCipher.encryptWithAd(EMPTY, new Uint8Array(record)),
    );
    expect(errorOf(b.receive(frame))).toMatchObject({ code: 'ERR_CHANNEL_PROTOCOL' });
  });
});

describe('secure channel: memory kept between messages', () => {
  // An idle session must cost little (target: under 16 KiB per session at 10,000 sessions):
  // no buffer sized for a full 64 KiB frame may be kept by a channel that is not moving one.
  it('keeps only small buffers after small messages, and after a large one has passed', () => {
    const { a, b } = channelPair();
    const small = new TextEncoder().encode('{"t":"hello","name":"Alice"}');
    expect(messagesOf(b.receive(stream(a.seal(small))))).toHaveLength(1);
    expect(a.bufferCapacity).toBeLessThanOrEqual(4096);
    expect(b.bufferCapacity).toBeLessThanOrEqual(4096);

    // A large message, delivered in pieces so that the receiver reassembles split frames.
    const large = payload(3 * MAX_FRAGMENT_BYTES, 5);
    const wire = stream(a.seal(large));
    const events = feed(b, wire, [1000, 70_000, 140_000]);
    expect(sameMessages(messagesOf(events), [large])).toEqual([]);
    expect(messagesOf(b.receive(stream(a.seal(small))))).toHaveLength(1);
    expect(a.bufferCapacity).toBeLessThanOrEqual(4096);
    expect(b.bufferCapacity).toBeLessThanOrEqual(4096);
  });
});
