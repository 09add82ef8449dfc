// Protects the inner-message encoding: what another client must send and what we refuse.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  MAX_SESSION_MESSAGE_BYTES,
  MAX_TEXT_BYTES,
  type SessionMessage,
  SessionProtocolError,
} from '../../src/session/index.js';

const utf8 = new TextEncoder();
const wire = (value: unknown): Uint8Array => utf8.encode(JSON.stringify(value));

function decodeError(bytes: Uint8Array): SessionProtocolError {
  try {
    decodeMessage(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(SessionProtocolError);
    return error as SessionProtocolError;
  }
  throw new Error('expected the decoder to refuse the message');
}

const EXAMPLES: SessionMessage[] = [
  { t: 'hello', v: 1, name: 'Alice', client: 'cryptully-cli', version: '0.1.0', caps: ['typing'] },
  { t: 'accept' },
  { t: 'reject', reason: 'rejected', message: 'Not now.' },
  { t: 'chat', id: 'a1b2', at: 1_700_000_000_000, text: 'hello ✓ 👋\nsecond line' },
  { t: 'typing', state: 'paused' },
  { t: 'receipt', ids: ['a1b2', 'c3'] },
  { t: 'ping' },
  { t: 'pong' },
  { t: 'goodbye', reason: 'quit' },
  { t: 'error', code: 'ERR_SESSION_MALFORMED', message: 'bad' },
];

describe('session messages', () => {
  it('round-trips every message type', () => {
    for (const message of EXAMPLES) {
      expect(decodeMessage(encodeMessage(message))).toEqual({ kind: 'message', message });
    }
  });

  it('writes the documented JSON (typing is marked optional)', () => {
    const text = (m: SessionMessage) => new TextDecoder().decode(encodeMessage(m));
    expect(text({ t: 'chat', id: 'x1', at: 5, text: 'hi' })).toBe(
      '{"t":"chat","id":"x1","at":5,"text":"hi"}',
    );
    expect(text({ t: 'typing', state: 'typing' })).toBe('{"t":"typing","state":"typing","o":true}');
  });

  it('ignores an unknown optional type and refuses an unknown mandatory one', () => {
    expect(decodeMessage(wire({ t: 'pake-offer', o: true, size: 3 }))).toEqual({
      kind: 'ignored',
      type: 'pake-offer',
    });
    expect(decodeError(wire({ t: 'smp-step', n: 1 })).code).toBe('ERR_SESSION_UNKNOWN_TYPE');
    expect(decodeError(wire({ t: 'smp-step', o: 1 })).code).toBe('ERR_SESSION_UNKNOWN_TYPE');
  });

  it('ignores unknown fields of known types (a newer peer may add some)', () => {
    expect(decodeMessage(wire({ t: 'ping', extra: [1, 2] }))).toEqual({
      kind: 'message',
      message: { t: 'ping' },
    });
  });

  it('refuses malformed messages with a typed error', () => {
    const bad: Array<[string, Uint8Array]> = [
      ['bad UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
      ['not JSON', utf8.encode('{"t":"ping"')],
      ['an array', wire([1])],
      ['no type', wire({ id: 'x' })],
      ['type not a string', wire({ t: 7 })],
      ['chat without id', wire({ t: 'chat', at: 1, text: 'x' })],
      ['id with spaces', wire({ t: 'chat', id: 'a b', at: 1, text: 'x' })],
      ['negative time', wire({ t: 'chat', id: 'a', at: -1, text: 'x' })],
      ['fractional time', wire({ t: 'chat', id: 'a', at: 1.5, text: 'x' })],
      ['text a number', wire({ t: 'chat', id: 'a', at: 1, text: 5 })],
      ['text too long', wire({ t: 'chat', id: 'a', at: 1, text: 'x'.repeat(MAX_TEXT_BYTES + 1) })],
      ['lone surrogate', utf8.encode('{"t":"chat","id":"a","at":1,"text":"\\ud800"}')],
      ['terminal escape in text', wire({ t: 'chat', id: 'a', at: 1, text: '\u001b[2J' })],
      [
        'newline in name',
        wire({ t: 'hello', v: 1, name: 'A\nB', client: 'c', version: '1', caps: [] }),
      ],
      ['empty name', wire({ t: 'hello', v: 1, name: '', client: 'c', version: '1', caps: [] })],
      [
        'caps not a list',
        wire({ t: 'hello', v: 1, name: 'A', client: 'c', version: '1', caps: 'x' }),
      ],
      ['version 0', wire({ t: 'hello', v: 0, name: 'A', client: 'c', version: '1', caps: [] })],
      ['unknown typing state', wire({ t: 'typing', state: 'dancing' })],
      ['too many receipt ids', wire({ t: 'receipt', ids: Array(300).fill('a') })],
      ['oversize message', new Uint8Array(MAX_SESSION_MESSAGE_BYTES + 1).fill(0x20)],
    ];
    for (const [what, bytes] of bad) {
      expect(decodeError(bytes).code, what).toBe('ERR_SESSION_MALFORMED');
    }
  });

  it('never crashes on arbitrary bytes or JSON (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.jsonValue().map(wire)),
        (bytes) => {
          try {
            decodeMessage(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(SessionProtocolError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('round-trips any valid chat text (property)', () => {
    const safeText = fc
      .string({ unit: 'grapheme', maxLength: 200 })
      .map((s) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, ''));
    fc.assert(
      fc.property(safeText, fc.nat(), (text, at) => {
        const message: SessionMessage = { t: 'chat', id: 'id-1', at, text };
        expect(decodeMessage(encodeMessage(message))).toEqual({ kind: 'message', message });
      }),
    );
  });
});
