// Padding of inner messages (issue 12 item 6): every JSON session message goes out padded to a
// bucket, receivers read it as the same message, and typing states cannot be told apart by size.
import { describe, expect, it } from 'vitest';
import {
  chatTextProblem,
  decodeMessage,
  encodeMessage,
  encodePaddedMessage,
  MAX_SESSION_MESSAGE_BYTES,
  PAD_BUCKETS,
  paddedLength,
  padMessage,
  utf8LengthOver,
} from '../../src/session/messages.js';
import { checkChatText } from '../../src/session/session.js';

const decoder = new TextDecoder();

describe('padding inner messages to buckets', () => {
  it('pads with a "pad" member that decodes to the very same message', () => {
    const chat = { t: 'chat', id: 'a1', at: 5, text: 'hi' } as const;
    const padded = padMessage(encodeMessage(chat));
    expect(padded.length).toBe(128);
    expect(decoder.decode(padded)).toMatch(/^\{"t":"chat",.*,"pad":" +"\}$/);
    expect(decodeMessage(padded)).toEqual({ kind: 'message', message: chat });
    expect(JSON.parse(decoder.decode(padded)).pad).toMatch(/^ +$/);
  });

  it('gives every typing state and every short text the same length', () => {
    const sizes = new Set(
      [
        { t: 'typing', state: 'typing' },
        { t: 'typing', state: 'paused' },
        { t: 'typing', state: 'idle' },
        { t: 'ping' },
        { t: 'chat', id: 'x', at: 1, text: 'y' },
        { t: 'chat', id: '9f2c4e1a7b3d5068', at: 1764149000000, text: 'a longer line of text' },
      ].map((m) => padMessage(encodeMessage(m as never)).length),
    );
    expect([...sizes]).toEqual([128]);
  });

  it('uses the documented buckets, then multiples of 16 KiB, never past the session limit', () => {
    expect(PAD_BUCKETS).toEqual([128, 256, 512, 1024, 2048, 4096, 8192, 16384]);
    expect(paddedLength(1)).toBe(128);
    expect(paddedLength(119)).toBe(128);
    expect(paddedLength(120)).toBe(256);
    expect(paddedLength(16375)).toBe(16384);
    expect(paddedLength(16376)).toBe(32768);
    expect(paddedLength(70000)).toBe(81920);
    expect(paddedLength(MAX_SESSION_MESSAGE_BYTES - 9)).toBe(MAX_SESSION_MESSAGE_BYTES);
    expect(paddedLength(MAX_SESSION_MESSAGE_BYTES - 8)).toBe(MAX_SESSION_MESSAGE_BYTES - 8);
    for (const text of ['', 'é'.repeat(3000), 'x'.repeat(16384)]) {
      const bytes = encodeMessage({ t: 'chat', id: 'a', at: 0, text });
      const padded = padMessage(bytes);
      expect(padded.length).toBe(paddedLength(bytes.length));
      expect(decodeMessage(padded)).toEqual(decodeMessage(bytes));
    }
  });

  it('encodes and pads in one pass to exactly the bytes of padMessage(encodeMessage(m))', () => {
    const offer = (lastPath: string) => ({
      t: 'file-offer' as const,
      id: 'f1',
      name: 'folder',
      size: 1,
      type: 'application/octet-stream',
      sha256: 'a'.repeat(64),
      kind: 'folder' as const,
      entries: [
        ...Array.from({ length: 127 }, (_, i) => ({ path: `${i}/${'p'.repeat(1000)}`, size: 0 })),
        { path: lastPath, size: 1 },
      ],
    });
    // A folder offer tuned to 4 bytes under the session limit: too long to pad, sent as it is.
    const base = encodeMessage(offer('x')).length;
    const unpaddable = offer('x'.repeat(1 + MAX_SESSION_MESSAGE_BYTES - 4 - base));
    expect(encodeMessage(unpaddable).length).toBe(MAX_SESSION_MESSAGE_BYTES - 4);
    const messages = [
      { t: 'ping' },
      { t: 'typing', state: 'paused' },
      { t: 'receipt', ids: ['9f2c4e1a7b3d5068'] },
      { t: 'chat', id: 'a1', at: 5, text: 'hi' },
      { t: 'chat', id: 'a1', at: 5, text: 'héllo wörld, 你好, 🙂 "quoted" \\ tab\tend' },
      ...[60, 61, 62, 63, 64, 65, 66].map((n) => ({
        t: 'chat',
        id: 'b',
        at: 0,
        text: 'é'.repeat(n),
      })),
      { t: 'chat', id: 'c', at: 0, text: '🙂'.repeat(4096) },
      { t: 'chat', id: 'd', at: 0, text: '"'.repeat(16384) },
      { t: 'smp', tlv: 'AAAA' },
      unpaddable,
    ];
    for (const message of messages) {
      const expected = padMessage(encodeMessage(message as never));
      expect(Buffer.from(encodePaddedMessage(message as never)).equals(Buffer.from(expected))).toBe(
        true,
      );
    }
    expect(encodePaddedMessage(unpaddable).length).toBe(MAX_SESSION_MESSAGE_BYTES - 4);
    expect(() =>
      encodePaddedMessage(offer('x'.repeat(1 + MAX_SESSION_MESSAGE_BYTES + 1 - base))),
    ).toThrow(/too large/);
  });
});

describe('the chat text limit, counted in UTF-8 bytes', () => {
  it('takes 3-byte characters up to 16 KiB and refuses one more, in both checks', () => {
    // 5,461 three-byte characters are 16,383 bytes; 5,462 are 16,386 (over 16,384).
    expect(() => checkChatText('€'.repeat(5461))).not.toThrow();
    expect(() => checkChatText('€'.repeat(5462))).toThrow(
      expect.objectContaining({ code: 'ERR_TEXT_TOO_LONG' }),
    );
    expect(chatTextProblem('€'.repeat(5462))).toMatch(/longer than 16384 bytes/);
    expect(() => checkChatText(`${'a'.repeat(16383)}€`)).toThrow(
      expect.objectContaining({ code: 'ERR_TEXT_TOO_LONG' }),
    );
    expect(() => checkChatText('a'.repeat(16384))).not.toThrow();
  });
});

describe('utf8LengthOver', () => {
  it('counts UTF-8 bytes at the edges of its shortcuts', () => {
    expect(utf8LengthOver('héllo', 5)).toBe(true); // 6 bytes in 5 units
    expect(utf8LengthOver('héllo', 6)).toBe(false);
    expect(utf8LengthOver('€€', 6)).toBe(false); // 2 units * 3 = 6: no count needed
    expect(utf8LengthOver('€€€', 8)).toBe(true); // 9 bytes
    expect(utf8LengthOver('😀', 3)).toBe(true); // 2 units, 4 bytes
    expect(utf8LengthOver('😀', 4)).toBe(false);
    expect(utf8LengthOver('abcdef', 5)).toBe(true); // more units than bytes allowed
    expect(utf8LengthOver('', 0)).toBe(false);
  });
});
