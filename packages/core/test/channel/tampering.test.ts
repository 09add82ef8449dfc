// Protects the channel against an active attacker on the wire: every single-bit flip anywhere
// in a recorded session (prelude, handshake, transport, in both directions) is detected, and
// so are replayed, reordered, dropped and truncated frames. "Detected" means an error, with at
// most the messages BEFORE the damage delivered, and never a forged or altered one.
import { describe, expect, it } from 'vitest';
import {
  type ChannelEvent,
  InitiatorHandshake,
  ResponderHandshake,
  SecureChannel,
} from '../../src/channel/index.js';
import { concatBytes } from '../../src/crypto/index.js';
import { channelPair, FIXED, messagesOf, OK, sameMessages } from './helpers.js';

const text = (s: string) => new TextEncoder().encode(s);
const CHANNEL = { rekeyAfterFrames: 2 };

/** A deterministic session (fixed static and ephemeral keys): every byte each side sent. */
function recordSession(psk: boolean) {
  const { a, b, toResponder, toInitiator } = channelPair({
    psk,
    fixedEphemerals: true,
    channel: CHANNEL,
  });
  const aMessages = [text('first'), text('second'), new Uint8Array(0), text('third')];
  const aFrames = [
    ...a.seal(aMessages[0]!),
    ...a.seal(aMessages[1]!),
    ...a.rekey(),
    ...a.seal(aMessages[2]!),
    ...a.seal(aMessages[3]!),
    ...a.close(),
  ];
  const bMessages = [text('reply'), text('reply two')];
  const bFrames = [...b.seal(bMessages[0]!), ...b.seal(bMessages[1]!), ...b.close()];
  return {
    toResponder: { handshake: toResponder, transport: aFrames, messages: aMessages },
    toInitiator: { handshake: toInitiator, transport: bFrames, messages: bMessages },
  };
}

interface Outcome {
  messages: Uint8Array[];
  failed: boolean;
  closed: boolean;
}

/** Runs a fresh receiver with the fixed keys over `bytes`, then signals the end of stream. */
function replay(psk: boolean, role: 'responder' | 'initiator', bytes: Uint8Array): Outcome {
  let step: ReturnType<ResponderHandshake['receive']>;
  try {
    if (role === 'responder') {
      step = new ResponderHandshake({
        staticKeyPair: FIXED.responderStatic,
        ephemeralPrivateKey: FIXED.responderEphemeral,
        onPrelude: () => ({ payload: OK, ...(psk ? { psk: FIXED.psk } : {}) }),
      }).receive(bytes);
    } else {
      const initiator = new InitiatorHandshake({
        staticKeyPair: FIXED.initiatorStatic,
        ephemeralPrivateKey: FIXED.initiatorEphemeral,
        commitmentNonce: FIXED.commitmentNonce,
        ...(psk ? { psk: FIXED.psk, inviteId: FIXED.inviteId } : {}),
      });
      initiator.start();
      step = initiator.receive(bytes);
    }
  } catch {
    return { messages: [], failed: true, closed: false };
  }
  // A stream that ends before the handshake completes is a failed connection.
  if (!step.result) return { messages: [], failed: true, closed: false };
  const channel = new SecureChannel({ ...step.result, ...CHANNEL });
  const events: ChannelEvent[] = [...channel.receive(new Uint8Array(0))];
  if (!events.some((e) => e.type === 'error')) events.push(...channel.receiveEnd());
  return {
    messages: messagesOf(events),
    failed: events.some((e) => e.type === 'error'),
    closed: events.some((e) => e.type === 'close'),
  };
}

const directions = [true, false].flatMap((psk) => {
  const session = recordSession(psk);
  const mode = psk ? 'XXpsk3' : 'XX';
  return [
    [`${mode}, initiator → responder`, psk, 'responder', session.toResponder],
    [`${mode}, responder → initiator`, psk, 'initiator', session.toInitiator],
  ] as const;
});

/** Whether `got` is a prefix of `all` (messages before the damage may arrive). */
function isPrefix(got: Uint8Array[], all: Uint8Array[]): boolean {
  return sameMessages(got, all.slice(0, got.length)).length === 0;
}

describe.each(directions)('tampering with %s', (_name, psk, role, recorded) => {
  const bytes = concatBytes(...recorded.handshake, ...recorded.transport);

  it('replays the untouched recording to every message and a clean close (control)', () => {
    const outcome = replay(psk, role, bytes);
    expect(outcome.failed).toBe(false);
    expect(outcome.closed).toBe(true);
    expect(sameMessages(outcome.messages, recorded.messages)).toEqual([]);
  });

  it(`detects every single-bit flip (${bytes.length * 8} of them)`, () => {
    const undetected: number[] = [];
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = Uint8Array.from(bytes);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      const outcome = replay(psk, role, flipped);
      if (!outcome.failed || outcome.closed || !isPrefix(outcome.messages, recorded.messages)) {
        undetected.push(bit);
      }
    }
    expect(undetected).toEqual([]);
  });

  const frames = recorded.transport;
  const damaged = (name: string, make: (i: number) => Uint8Array[]) =>
    it(`detects ${name} transport frames`, () => {
      for (let i = 0; i < frames.length - 1; i++) {
        const outcome = replay(psk, role, concatBytes(...recorded.handshake, ...make(i)));
        expect(outcome.failed, `${name} at frame ${i}`).toBe(true);
        expect(outcome.closed).toBe(false);
        expect(isPrefix(outcome.messages, recorded.messages)).toBe(true);
      }
    });
  damaged('replayed', (i) => [...frames.slice(0, i + 1), frames[i]!, ...frames.slice(i + 1)]);
  damaged('reordered', (i) => [
    ...frames.slice(0, i),
    frames[i + 1]!,
    frames[i]!,
    ...frames.slice(i + 2),
  ]);
  damaged('dropped', (i) => [...frames.slice(0, i), ...frames.slice(i + 1)]);

  it('detects a stream truncated at any byte, handshake included', () => {
    for (let length = 0; length < bytes.length; length++) {
      const outcome = replay(psk, role, bytes.subarray(0, length));
      expect(outcome.failed, `cut after ${length} bytes`).toBe(true);
      expect(isPrefix(outcome.messages, recorded.messages)).toBe(true);
    }
  });
});
