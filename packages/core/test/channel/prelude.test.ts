// Protects the prelude (the cleartext first frame) and the prologue that binds it into Noise.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildPrologue,
  decodeHandshakeStatus,
  decodePrelude,
  encodeHandshakeStatus,
  encodePrelude,
  MAX_PRELUDE_BYTES,
  PreludeError,
} from '../../src/channel/index.js';
import { toHex } from '../../src/crypto/index.js';

const id = new Uint8Array(16).fill(0xab);

describe('prelude', () => {
  it('encodes mode XX and XXpsk3 as documented', () => {
    expect(toHex(encodePrelude({ mode: 'XX' }))).toBe('4352595054554c4c59020000');
    expect(toHex(encodePrelude({ mode: 'XXpsk3', inviteId: id }))).toBe(
      `4352595054554c4c59020110${'ab'.repeat(16)}`,
    );
    expect(encodePrelude({ mode: 'XXpsk3', inviteId: id }).length).toBe(28);
  });

  it('encodes mode code (a join code) with its 48 bytes of CPace data, the longest prelude', () => {
    const data = new Uint8Array(48).fill(0xcd);
    const bytes = encodePrelude({ mode: 'code', code: data });
    expect(toHex(bytes)).toBe(`4352595054554c4c59020230${'cd'.repeat(48)}`);
    expect(bytes.length).toBe(MAX_PRELUDE_BYTES);
    expect(decodePrelude(bytes)).toEqual({
      version: 2,
      mode: 'code',
      inviteId: undefined,
      code: data,
    });
    expect(() => encodePrelude({ mode: 'code' })).toThrow(/invite id/);
  });

  it('round-trips both modes', () => {
    expect(decodePrelude(encodePrelude({ mode: 'XX' }))).toEqual({
      version: 2,
      mode: 'XX',
      inviteId: undefined,
    });
    expect(decodePrelude(encodePrelude({ mode: 'XXpsk3', inviteId: id }))).toEqual({
      version: 2,
      mode: 'XXpsk3',
      inviteId: id,
    });
  });

  it('refuses an invite id that does not fit the mode', () => {
    expect(() => encodePrelude({ mode: 'XX', inviteId: id })).toThrow(/invite id/);
    expect(() => encodePrelude({ mode: 'XXpsk3' })).toThrow(/invite id/);
  });

  const bad: Array<[string, string, string]> = [
    ['wrong magic', '4352595054554c4c58010000', 'ERR_PRELUDE_MALFORMED'],
    ['too short', '4352595054554c4c5902', 'ERR_PRELUDE_MALFORMED'],
    ['version 1 (before packed records)', '4352595054554c4c59010000', 'ERR_PRELUDE_VERSION'],
    ['version 3', '4352595054554c4c59030000', 'ERR_PRELUDE_VERSION'],
    ['mode 3', '4352595054554c4c59020300', 'ERR_PRELUDE_MODE'],
    ['code without its data', '4352595054554c4c59020200', 'ERR_PRELUDE_MALFORMED'],
    ['XX with an invite id', `4352595054554c4c59020010${'00'.repeat(16)}`, 'ERR_PRELUDE_MALFORMED'],
    ['XXpsk3 without one', '4352595054554c4c59020100', 'ERR_PRELUDE_MALFORMED'],
    ['trailing byte', '4352595054554c4c5902000000', 'ERR_PRELUDE_MALFORMED'],
    ['length byte lies', `4352595054554c4c5902010f${'00'.repeat(16)}`, 'ERR_PRELUDE_MALFORMED'],
  ];
  it.each(bad)('rejects a prelude with %s', (_name, hex, code) => {
    const bytes = Uint8Array.from(Buffer.from(hex, 'hex'));
    expect(() => decodePrelude(bytes)).toThrow(PreludeError);
    expect(() => decodePrelude(bytes)).toThrow(expect.objectContaining({ code }));
  });

  it('never accepts random bytes except a well-formed prelude', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        try {
          const prelude = decodePrelude(bytes);
          expect(encodePrelude(prelude)).toEqual(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(PreludeError);
        }
      }),
    );
  });

  it('builds the prologue as "Cryptully/2" followed by the prelude bytes', () => {
    const prelude = encodePrelude({ mode: 'XX' });
    expect(new TextDecoder().decode(buildPrologue(prelude))).toBe(
      `Cryptully/2${new TextDecoder().decode(prelude)}`,
    );
  });
});

describe('handshake status', () => {
  it('encodes {"status":"ok"} and reads it back', () => {
    expect(new TextDecoder().decode(encodeHandshakeStatus('ok'))).toBe('{"status":"ok"}');
    expect(decodeHandshakeStatus(encodeHandshakeStatus('invite-used'))).toBe('invite-used');
    expect(decodeHandshakeStatus(new TextEncoder().encode('{"status":"ok","x":1}'))).toBe('ok');
  });

  it.each(['', 'ok', '[]', '{"status":1}', '{"status":"OK!"}', '{}', '\xff'])(
    'rejects the payload %j',
    (text) => {
      expect(() => decodeHandshakeStatus(new TextEncoder().encode(text))).toThrow(
        expect.objectContaining({ code: 'ERR_CHANNEL_PROTOCOL' }),
      );
    },
  );
});
