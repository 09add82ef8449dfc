// Cryptully's SMP machine with itself: results, one guess per run, aborts, hostile input.
import { describe, expect, it } from 'vitest';
import { MODP_1536 } from '../../src/crypto/index.js';
import { encodeSmpTlv, SMP_TLV, Smp, SmpStateError, smpSecret } from '../../src/smp/index.js';

const KEY_A = new Uint8Array(32).fill(1);
const KEY_B = new Uint8Array(32).fill(2);
const secret = (answer: string, session = new Uint8Array(64).fill(9)) =>
  smpSecret({ askerKey: KEY_A, answererKey: KEY_B, sessionId: session, answer });

function run(askerAnswer: bigint, answererAnswer: bigint) {
  const alice = new Smp();
  const bob = new Smp();
  const asked = bob.receive(alice.start(askerAnswer, 'Where did we meet?'));
  expect(asked.event).toEqual({ type: 'question', question: 'Where did we meet?' });
  const three = alice.receive(bob.answer(answererAnswer));
  const four = bob.receive(three.send!);
  const end = alice.receive(four.send!);
  return { alice: end.event, bob: four.event, aliceSm: alice, bobSm: bob };
}

describe('SMP', () => {
  it('tells both sides match for equal answers (normalised) and mismatch otherwise', () => {
    const same = run(secret('Café  de Flore'), secret('café de flore '));
    expect(same.alice).toEqual({ type: 'result', match: true });
    expect(same.bob).toEqual({ type: 'result', match: true });
    const diff = run(secret('paris'), secret('lyon'));
    expect(diff.alice).toEqual({ type: 'result', match: false });
    expect(diff.bob).toEqual({ type: 'result', match: false });
    expect(diff.aliceSm.state).toBe('idle');
    expect(diff.bobSm.state).toBe('idle');
  });

  it('fails a man in the middle who relays SMP between two sessions (session binding)', () => {
    // Alice and Bob each have a session with Mallory: different handshake hashes.
    const sessionAM = new Uint8Array(64).fill(3);
    const sessionMB = new Uint8Array(64).fill(4);
    const r = run(secret('paris', sessionAM), secret('paris', sessionMB));
    expect(r.alice).toEqual({ type: 'result', match: false });
    expect(r.bob).toEqual({ type: 'result', match: false });
  });

  it('allows one answer per run', () => {
    const alice = new Smp();
    const bob = new Smp();
    bob.receive(alice.start(secret('a')));
    bob.answer(secret('b'));
    expect(() => bob.answer(secret('a'))).toThrow(SmpStateError);
  });

  it('aborts on a message out of turn, an out-of-range value, a malformed TLV, and a peer abort', () => {
    const alice = new Smp();
    alice.start(secret('a'));
    const outOfTurn = alice.receive(encodeSmpTlv(SMP_TLV.msg4, [2n, 3n, 4n]));
    expect(outOfTurn.event).toEqual({ type: 'aborted', reason: 'a message out of turn' });
    expect(outOfTurn.send).toEqual(Uint8Array.of(0, 6, 0, 0));
    expect(alice.state).toBe('idle');

    const bob = new Smp();
    const one = bob.receive(encodeSmpTlv(SMP_TLV.msg1, [1n, 0n, 0n, 2n, 0n, 0n]));
    expect(one.event).toEqual({
      type: 'aborted',
      reason: 'invalid message: g2a or g3a out of range',
    });
    const p1 = bob.receive(encodeSmpTlv(SMP_TLV.msg1, [MODP_1536.p - 1n, 0n, 0n, 2n, 0n, 0n]));
    expect(p1.event?.type).toBe('aborted');

    for (const bad of [
      Uint8Array.of(0, 2, 0),
      Uint8Array.of(0, 2, 0, 5, 0, 0, 0, 1, 0),
      Uint8Array.of(0, 9, 0, 0),
      Uint8Array.of(0, 6, 0, 1, 0),
    ]) {
      expect(bob.receive(bad).event?.type).toBe('aborted');
    }
    alice.start(secret('a'));
    expect(alice.receive(Uint8Array.of(0, 6, 0, 0))).toEqual({
      event: { type: 'aborted', reason: 'the peer aborted' },
    });
  });
});
