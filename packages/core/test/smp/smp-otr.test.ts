// Cryptully's SMP against an independent implementation of OTR version 3's SMP: npm `otr`
// (Arlo Breault's, MPL-2.0; its own big-integer library and SHA-256). Both use RFC 3526's
// 1536-bit group and OTR's TLV layout, so they must interoperate message by message, and with
// the same secret exponents they must produce the same bytes at every step.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { bigintToBytes, bytesToBigint, toHex } from '../../src/crypto/index.js';
import { decodeSmpTlv, SMP_TLV, Smp, smpSecret } from '../../src/smp/index.js';

const require = createRequire(import.meta.url);
type OtrBig = unknown;
interface OtrSm {
  rcvSecret(secret: string, question?: string): void;
  handleSM(msg: { type: number; msg: string }): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
  smpstate: number;
}
const SM = require('otr/lib/sm.js') as new (reqs: {
  our_fp: string;
  their_fp: string;
  ssid: string;
}) => OtrSm;
const HLP = require('otr/lib/helpers.js') as { randomExponent: () => OtrBig };
const OtrBigInt = require('otr/vendor/bigint.js') as {
  str2bigInt(s: string, base: number): OtrBig;
};

const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const fromLatin1 = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

const ASKER_KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const ANSWERER_KEY = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
const SESSION = Uint8Array.from({ length: 64 }, (_, i) => (i * 7) & 0xff);

/** An otr SM for one side; what it sends goes to `outbox` as our TLV bytes. */
function otrSide(asker: boolean) {
  const sm = new SM({
    our_fp: toHex(asker ? ASKER_KEY : ANSWERER_KEY),
    their_fp: toHex(asker ? ANSWERER_KEY : ASKER_KEY),
    ssid: latin1(SESSION),
  });
  const outbox: Uint8Array[] = [];
  const events: unknown[][] = [];
  sm.on('send', (_ssid, data) => outbox.push(fromLatin1((data as string).slice(1))));
  sm.on('question', (q) => events.push(['question', q]));
  sm.on('trust', (trusted) => events.push(['trust', trusted]));
  sm.on('abort', () => events.push(['abort']));
  return { sm, outbox, events };
}

/** Feeds one of our TLVs to an otr SM, as its OTR client would after decrypting it. */
function deliverToOtr(sm: OtrSm, tlv: Uint8Array): void {
  const type = (tlv[0]! << 8) | tlv[1]!;
  sm.handleSM({ type, msg: latin1(tlv.subarray(4)) });
}

/** The secret as otr derives it (its `makeSecret`) from the UTF-8 of the normalised answer. */
const otrAnswer = (answer: string) => latin1(new TextEncoder().encode(answer));

const secretFor = (answer: string) =>
  smpSecret({ askerKey: ASKER_KEY, answererKey: ANSWERER_KEY, sessionId: SESSION, answer });

describe('SMP interoperates with npm otr (OTR v3)', () => {
  // otr's pure-JS big integers make each run take seconds: one match and one mismatch, each
  // direction once.
  it('Cryptully asks, otr answers: equal answers match', () => {
    const alice = new Smp();
    const bob = otrSide(false);
    deliverToOtr(bob.sm, alice.start(secretFor('Paris '), 'Capital of France?'));
    expect(bob.events).toEqual([['question', 'Capital of France?']]);
    bob.sm.rcvSecret(otrAnswer('paris'));
    const step3 = alice.receive(bob.outbox.shift()!);
    expect(step3.event).toBeUndefined();
    deliverToOtr(bob.sm, step3.send!);
    expect(bob.events.at(-1)).toEqual(['trust', true]);
    const step5 = alice.receive(bob.outbox.shift()!);
    expect(step5.event).toEqual({ type: 'result', match: true });
    expect(alice.state).toBe('idle');
  });

  it('otr asks, Cryptully answers: different answers do not match', () => {
    const alice = otrSide(true);
    const bob = new Smp();
    alice.sm.rcvSecret(otrAnswer('paris'), 'Capital of France?');
    const asked = bob.receive(alice.outbox.shift()!);
    expect(asked.event).toEqual({ type: 'question', question: 'Capital of France?' });
    deliverToOtr(alice.sm, bob.answer(secretFor('london')));
    const final = bob.receive(alice.outbox.shift()!);
    expect(final.event).toEqual({ type: 'result', match: false });
    deliverToOtr(alice.sm, final.send!);
    expect(alice.events.at(-1)).toEqual(['trust', false]);
  });

  it('produces the same bytes as otr at every step when both draw the same exponents', () => {
    // Fixed "random" exponents, drawn in the same order by both implementations.
    const exponents = Array.from({ length: 20 }, (_, i) =>
      bytesToBigint(Uint8Array.from({ length: 192 }, (_, j) => (i * 31 + j * 17 + 5) & 0xff)),
    );
    let next = 0;
    const ours = () => exponents[next++ % exponents.length]!;
    const original = HLP.randomExponent;
    HLP.randomExponent = () => OtrBigInt.str2bigInt(ours().toString(16), 16);
    let otrMessages: string[];
    try {
      next = 0;
      const a = otrSide(true);
      const b = otrSide(false);
      a.sm.rcvSecret(otrAnswer('paris'));
      deliverToOtr(b.sm, a.outbox[0]!);
      b.sm.rcvSecret(otrAnswer('paris'));
      deliverToOtr(a.sm, b.outbox[0]!);
      deliverToOtr(b.sm, a.outbox[1]!);
      deliverToOtr(a.sm, b.outbox[1]!);
      expect(a.events.at(-1)).toEqual(['trust', true]);
      otrMessages = [a.outbox[0]!, b.outbox[0]!, a.outbox[1]!, b.outbox[1]!].map(toHex);
    } finally {
      HLP.randomExponent = original;
    }
    next = 0;
    const alice = new Smp({ randomExponent: ours });
    const bob = new Smp({ randomExponent: ours });
    const msg1 = alice.start(secretFor('paris'));
    bob.receive(msg1);
    const msg2 = bob.answer(secretFor('paris'));
    const msg3 = alice.receive(msg2).send!;
    const last = bob.receive(msg3);
    const msg4 = last.send!;
    expect(last.event).toEqual({ type: 'result', match: true });
    expect(alice.receive(msg4).event).toEqual({ type: 'result', match: true });
    expect([msg1, msg2, msg3, msg4].map(toHex)).toEqual(otrMessages);
    expect([msg1, msg2, msg3, msg4].map((m) => decodeSmpTlv(m).type)).toEqual([
      SMP_TLV.msg1,
      SMP_TLV.msg2,
      SMP_TLV.msg3,
      SMP_TLV.msg4,
    ]);
  });

  it('aborts on both sides when a proof is tampered with', () => {
    const alice = new Smp();
    const bob = otrSide(false);
    const msg1 = alice.start(secretFor('paris'));
    deliverToOtr(bob.sm, msg1);
    bob.sm.rcvSecret(otrAnswer('paris'));
    const msg2 = bob.outbox.shift()!;
    msg2[msg2.length - 1]! ^= 1; // the last byte of D6
    const step = alice.receive(msg2);
    expect(step.event).toEqual({ type: 'aborted', reason: 'invalid message: proof of Pb, Qb' });
    deliverToOtr(bob.sm, step.send!);
    expect(bob.events.at(-1)).toEqual(['abort']);
  });
});

describe('SMP secret', () => {
  it('normalises the answer and binds keys and session', () => {
    const base = secretFor('paris');
    expect(secretFor('  PARIS ')).toBe(base);
    expect(secretFor('ＰＡＲＩＳ')).toBe(base);
    expect(
      smpSecret({
        askerKey: ASKER_KEY,
        answererKey: ANSWERER_KEY,
        sessionId: SESSION,
        answer: 'Straße',
      }),
    ).toBe(
      smpSecret({
        askerKey: ASKER_KEY,
        answererKey: ANSWERER_KEY,
        sessionId: SESSION,
        answer: 'STRASSE',
      }),
    );
    const otherSession = SESSION.slice();
    otherSession[0]! ^= 1;
    expect(
      smpSecret({
        askerKey: ASKER_KEY,
        answererKey: ANSWERER_KEY,
        sessionId: otherSession,
        answer: 'paris',
      }),
    ).not.toBe(base);
    expect(
      smpSecret({
        askerKey: ANSWERER_KEY,
        answererKey: ASKER_KEY,
        sessionId: SESSION,
        answer: 'paris',
      }),
    ).not.toBe(base);
    expect(bigintToBytes(base).length).toBeLessThanOrEqual(32);
  });
});
