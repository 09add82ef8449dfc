// Protects the framing layer: the 2-byte length prefix, the incremental decoder (any split,
// many frames per chunk, zero-copy views) and the limits checked before any allocation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ChannelProtocolError,
  encodeFrame,
  FrameDecoder,
  FrameTooLargeError,
  MAX_FRAME_BYTES,
  writeFrameHeader,
} from '../../src/channel/index.js';
import { concatBytes } from '../../src/crypto/index.js';

/** Cuts `bytes` at the given positions (sorted, deduplicated, clamped). */
function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}

function decodeAll(decoder: FrameDecoder, chunks: Uint8Array[]): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (let f = decoder.next(); f; f = decoder.next()) frames.push(Uint8Array.from(f));
  }
  return frames;
}

describe('frame encoder', () => {
  it('writes a big-endian 2-byte length before the message', () => {
    expect([...encodeFrame(new Uint8Array([7, 8, 9]))]).toEqual([0, 3, 7, 8, 9]);
    expect([...writeFrameHeader(0x1234)]).toEqual([0x12, 0x34]);
    expect([...writeFrameHeader(MAX_FRAME_BYTES)]).toEqual([0xff, 0xff]);
  });

  it('refuses empty and oversize frames', () => {
    expect(() => encodeFrame(new Uint8Array(0))).toThrow(/at least one byte/);
    expect(() => encodeFrame(new Uint8Array(MAX_FRAME_BYTES + 1))).toThrow(FrameTooLargeError);
  });
});

describe('frame decoder', () => {
  it('returns the frames of any re-chunking of a stream, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (messages, cuts) => {
          const bytes = concatBytes(...messages.map(encodeFrame));
          const frames = decodeAll(new FrameDecoder(), cut(bytes, cuts));
          expect(frames).toEqual(messages);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('survives 1-byte chunks and everything in one chunk', () => {
    const messages = [new Uint8Array(1).fill(1), new Uint8Array(70).fill(2), new Uint8Array(3)];
    const bytes = concatBytes(...messages.map(encodeFrame));
    const oneByte = [...bytes].map((b) => new Uint8Array([b]));
    expect(decodeAll(new FrameDecoder(), oneByte)).toEqual(messages);
    expect(decodeAll(new FrameDecoder(), [bytes])).toEqual(messages);
  });

  it('returns a view of the chunk (no copy) when the frame lies whole inside it', () => {
    const chunk = concatBytes(
      encodeFrame(new Uint8Array([1, 2])),
      encodeFrame(new Uint8Array([3])),
    );
    const decoder = new FrameDecoder();
    decoder.push(chunk);
    const first = decoder.next()!;
    const second = decoder.next()!;
    expect(first.buffer).toBe(chunk.buffer);
    expect(first.byteOffset).toBe(chunk.byteOffset + 2);
    expect(second.buffer).toBe(chunk.buffer);
    expect(decoder.next()).toBeUndefined();
    expect(decoder.bufferCapacity).toBe(0);
  });

  it('rejects an oversize length prefix as soon as it is read, before allocating', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 100 });
    decoder.push(new Uint8Array([0xff]));
    expect(decoder.next()).toBeUndefined();
    decoder.push(new Uint8Array([0xff])); // the second prefix byte: no body byte yet
    expect(() => decoder.next()).toThrow(FrameTooLargeError);
    expect(decoder.bufferCapacity).toBe(0);
    // The decoder stays failed.
    decoder.push(new Uint8Array([0, 1, 5]));
    expect(() => decoder.next()).toThrow(FrameTooLargeError);
  });

  it('rejects a zero length and a length under the minimum', () => {
    const zero = new FrameDecoder();
    zero.push(new Uint8Array([0, 0]));
    expect(() => zero.next()).toThrow(ChannelProtocolError);
    const short = new FrameDecoder({ minFrameBytes: 17 });
    short.push(new Uint8Array([0, 16]));
    expect(() => short.next()).toThrow(expect.objectContaining({ code: 'ERR_CHANNEL_PROTOCOL' }));
  });

  it('holds only the frame being assembled, and only once its length is valid', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1000 });
    decoder.push(new Uint8Array([0x03, 0xe8, 1, 2, 3])); // 1000 bytes announced, 3 received
    expect(decoder.next()).toBeUndefined();
    expect(decoder.bufferCapacity).toBe(1000);
    expect(decoder.hasPartialFrame).toBe(true);
  });

  it('keeps unread bytes when a new chunk is pushed early', () => {
    const decoder = new FrameDecoder();
    decoder.push(concatBytes(encodeFrame(new Uint8Array([1])), encodeFrame(new Uint8Array([2]))));
    expect([...decoder.next()!]).toEqual([1]);
    decoder.push(encodeFrame(new Uint8Array([3])));
    expect([...decoder.next()!]).toEqual([2]);
    expect([...decoder.next()!]).toEqual([3]);
    expect(decoder.hasPartialFrame).toBe(false);
  });

  it('refuses limits outside 1..65535', () => {
    expect(() => new FrameDecoder({ minFrameBytes: 0 })).toThrow(/frame limits/);
    expect(() => new FrameDecoder({ maxFrameBytes: 65536 })).toThrow(/frame limits/);
  });
});
