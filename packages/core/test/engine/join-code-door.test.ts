// The host's join-code door: one attempt at a time (so one code never gets two guesses at
// once), a new code after a use or a wrong guess, the same code after an attempt that tested
// nothing.
import { describe, expect, it } from 'vitest';
import { decodeHandshakeStatus } from '../../src/channel/handshake-status.js';
import type { Prelude } from '../../src/channel/prelude.js';
import { JoinCodeDoor } from '../../src/engine/join-code-door.js';
import { startCodeExchange } from '../../src/pake/index.js';

/** The host's commitment msg2 carries (any 32 bytes here). */
const COMMIT = new Uint8Array(32).fill(7);

const prelude = (): Prelude => ({
  version: 2,
  mode: 'code',
  inviteId: undefined,
  code: startCodeExchange('7-acid-acorn').data,
});

function door() {
  const changes: Array<{ code: string; reason: string }> = [];
  const logs: string[] = [];
  const d = new JoinCodeDoor({
    onChange: (code, reason) => changes.push({ code: code.text, reason }),
    log: (line) => logs.push(line),
  });
  return { d, changes, logs };
}

describe('JoinCodeDoor', () => {
  it('refuses a second attempt while one is in progress, then takes the next one', () => {
    const { d, changes } = door();
    const first = d.answer(prelude(), 'a', COMMIT);
    expect(decodeHandshakeStatus(first.reply.payload)).toBe('ok');
    const second = d.answer(prelude(), 'b', COMMIT);
    expect(decodeHandshakeStatus(second.reply.payload)).toBe('code-unavailable');
    expect(second.reply.close).toBe(true);
    expect(second.settle).toBeUndefined();
    const code = d.code.text;
    first.settle!('aborted');
    // Nothing was tested: the same code stays.
    expect(d.code.text).toBe(code);
    expect(changes).toEqual([]);
    expect(decodeHandshakeStatus(d.answer(prelude(), 'c', COMMIT).reply.payload)).toBe('ok');
  });

  it('burns the code after a wrong guess and makes a new one after a use', () => {
    const { d, changes, logs } = door();
    const first = d.code.text;
    d.answer(prelude(), 'a', COMMIT).settle!('wrong');
    expect(changes).toEqual([{ code: d.code.text, reason: 'burnt' }]);
    expect(d.code.text).not.toBe(first);
    expect(logs.join('\n')).toMatch(/wrong join code/);
    const second = d.code.text;
    const attempt = d.answer(prelude(), 'b', COMMIT);
    attempt.settle!('joined');
    attempt.settle!('wrong'); // settled once only
    expect(changes.at(-1)).toEqual({ code: d.code.text, reason: 'used' });
    expect(changes).toHaveLength(2);
    expect(d.code.text).not.toBe(second);
  });
});
