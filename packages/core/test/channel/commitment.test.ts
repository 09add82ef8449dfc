// Protects the handshake commitment that makes the six-digit verification code sound against an
// active man in the middle (docs/protocol.md §5, docs/protocol-identity.md §3): the initiator
// commits in msg1 to its static key and a fresh nonce and opens the commitment in msg3, so
// - a responder refuses a msg3 that does not open msg1's commitment (another nonce, or another
//   static key than the one committed to): a Mallory who talks first to the host can no longer
//   vary msg3 until the codes match;
// - the nonce is fresh in every handshake and changes h: a Mallory who answers the joiner
//   cannot predict h when he chooses msg2;
// - an honest handshake still gives both sides the same code.
// The cheating initiators are built by hand on our Noise HandshakeState, with the channel's
// prelude, prologue and framing, so only the commitment differs from an honest one.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildPrologue,
  ChannelProtocolError,
  encodeFrame,
  encodePrelude,
  FrameTooLargeError,
  HandshakeError,
  handshakeCommitment,
  InitiatorHandshake,
  ResponderHandshake,
} from '../../src/channel/index.js';
import { randomBytes, toHex, x25519 } from '../../src/crypto/index.js';
import { verificationCode } from '../../src/identity/index.js';
import { HandshakeState } from '../../src/noise/index.js';
import { channelPair, FIXED, fixedKeyPair, handshake, OK, stream } from './helpers.js';

const MODES = [
  ['XX', false],
  ['XXpsk3', true],
] as const;

function honestResponder(psk: boolean) {
  return new ResponderHandshake({
    staticKeyPair: FIXED.responderStatic,
    onPrelude: () => ({ payload: OK, ...(psk ? { psk: FIXED.psk } : {}) }),
  });
}

interface HandBuilt {
  /** The static private key msg3 carries. */
  s: Uint8Array;
  /** The static public key the commitment of msg1 names. */
  committedKey: Uint8Array;
  /** The nonce the commitment of msg1 names. */
  committedNonce: Uint8Array;
  /** The payload of msg3 (an honest initiator sends `committedNonce`). */
  revealedNonce: Uint8Array;
}

/** An initiator driven by hand: prelude, msg1 with a chosen commitment, msg3 with a chosen payload. */
function handBuiltHandshake(psk: boolean, o: HandBuilt) {
  const prelude = psk
    ? encodePrelude({ mode: 'XXpsk3', inviteId: FIXED.inviteId })
    : encodePrelude({ mode: 'XX' });
  const hs = new HandshakeState({
    protocolName: `Noise_${psk ? 'XXpsk3' : 'XX'}_25519_ChaChaPoly_BLAKE2b`,
    initiator: true,
    prologue: buildPrologue(prelude),
    s: o.s,
    psks: psk ? [FIXED.psk] : [],
  });
  const responder = honestResponder(psk);
  const commitment = handshakeCommitment(o.committedKey, o.committedNonce);
  const msg2 = responder.receive(
    stream([encodeFrame(prelude), encodeFrame(hs.writeMessage(commitment))]),
  ).frames;
  expect(msg2).toHaveLength(1);
  hs.readMessage(msg2[0]!.subarray(2));
  const msg3 = encodeFrame(hs.writeMessage(o.revealedNonce));
  // Our side of Noise is complete: whatever the responder does next is its own check.
  expect(hs.isComplete).toBe(true);
  return { responder, msg3, initiatorHash: hs.handshakeHash };
}

describe.each(MODES)('handshake commitment (%s)', (_mode, psk) => {
  const mallory = fixedKeyPair('f0'.repeat(31) + '06');

  it('a hand-built initiator that keeps its commitment completes (control)', () => {
    const nonce = randomBytes(32);
    const { responder, msg3, initiatorHash } = handBuiltHandshake(psk, {
      s: mallory.privateKey,
      committedKey: mallory.publicKey,
      committedNonce: nonce,
      revealedNonce: nonce,
    });
    const step = responder.receive(msg3);
    expect(step.result).toBeDefined();
    expect(toHex(step.result!.handshakeHash)).toBe(toHex(initiatorHash));
    expect(toHex(step.result!.remoteStaticPublicKey)).toBe(toHex(mallory.publicKey));
  });

  it('refuses a msg3 whose nonce does not open the commitment of msg1', () => {
    const committed = randomBytes(32);
    const other = Uint8Array.from(committed);
    other[31]! ^= 1;
    const { responder, msg3 } = handBuiltHandshake(psk, {
      s: mallory.privateKey,
      committedKey: mallory.publicKey,
      committedNonce: committed,
      revealedNonce: other,
    });
    let error: unknown;
    try {
      responder.receive(msg3);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HandshakeError);
    expect(error).toMatchObject({ code: 'ERR_HANDSHAKE_FAILED' });
    // Said locally (for the log); the peer only sees the connection close.
    expect((error as Error).message).toMatch(/commitment mismatch/);
    expect(responder.isComplete).toBe(false);
    expect(() => responder.receive(new Uint8Array(0))).toThrow(HandshakeError);
  });

  it('refuses an initiator that committed to one static key and sends another', () => {
    // Mallory's grinding as the initiator: commit once, then try other static keys in msg3
    // until the host's code equals the joiner's. Every try is refused.
    const nonce = randomBytes(32);
    for (let attempt = 0; attempt < 8; attempt++) {
      const other = x25519.generateKeyPair();
      const { responder, msg3 } = handBuiltHandshake(psk, {
        s: other.privateKey,
        committedKey: mallory.publicKey,
        committedNonce: nonce,
        revealedNonce: nonce,
      });
      expect(() => responder.receive(msg3), `attempt ${attempt}`).toThrow(/commitment mismatch/);
    }
  });

  it('draws a fresh nonce in every handshake, and h depends on it', () => {
    // Same static and ephemeral keys on both sides: only the initiator's nonce differs.
    const fixedKeys = {
      initiator: { ephemeralPrivateKey: FIXED.initiatorEphemeral },
    };
    const hashes = new Set<string>();
    const commitments = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const run = handshake({ psk, ...fixedKeys });
      hashes.add(toHex(run.initiatorResult.handshakeHash));
      commitments.add(toHex(run.toResponder[1]!));
    }
    expect(commitments.size).toBe(16);
    expect(hashes.size).toBe(16);
    // And with the nonce fixed as well (tests only), everything repeats.
    const fixed = () => handshake({ psk, fixedEphemerals: true }).initiatorResult.handshakeHash;
    expect(toHex(fixed())).toBe(toHex(fixed()));
  });

  it('still gives both sides of an honest handshake the same code', () => {
    const { initiatorResult, responderResult } = channelPair({ psk });
    const code = verificationCode(initiatorResult.handshakeHash);
    expect(code).toMatch(/^\d{3} \d{3}$/);
    expect(verificationCode(responderResult.handshakeHash)).toBe(code);
  });

  it('keeps the frame limits exact: msg1 and msg3 one byte short or long are refused', () => {
    const { toResponder } = handshake({ psk });
    const [prelude, msg1, msg3] = toResponder as [Uint8Array, Uint8Array, Uint8Array];
    const msg1Length = psk ? 80 : 64;
    expect(msg1.length - 2).toBe(msg1Length);
    expect(msg3.length - 2).toBe(96);
    const frameOf = (length: number) => encodeFrame(new Uint8Array(length));
    for (const [length, error] of [
      [msg1Length - 1, ChannelProtocolError],
      [msg1Length + 1, FrameTooLargeError],
      // The old empty-payload msg1 of before the commitment.
      [psk ? 48 : 32, ChannelProtocolError],
    ] as const) {
      expect(() => honestResponder(psk).receive(stream([prelude, frameOf(length)]))).toThrow(error);
    }
    for (const [length, error] of [
      [95, ChannelProtocolError],
      [97, FrameTooLargeError],
      [64, ChannelProtocolError],
    ] as const) {
      const responder = honestResponder(psk);
      responder.receive(stream([prelude, msg1]));
      expect(() => responder.receive(frameOf(length))).toThrow(error);
    }
  });
});

describe('handshakeCommitment', () => {
  it('is the first 32 bytes of BLAKE2b-512("Cryptully commit v1" || key || nonce)', () => {
    const commitment = handshakeCommitment(FIXED.initiatorStatic.publicKey, FIXED.commitmentNonce);
    const byHand = createHash('blake2b512')
      .update('Cryptully commit v1')
      .update(FIXED.initiatorStatic.publicKey)
      .update(FIXED.commitmentNonce)
      .digest()
      .subarray(0, 32);
    expect(toHex(commitment)).toBe(byHand.toString('hex'));
    // Different key or nonce, different commitment.
    expect(
      toHex(handshakeCommitment(FIXED.responderStatic.publicKey, FIXED.commitmentNonce)),
    ).not.toBe(toHex(commitment));
    expect(
      toHex(handshakeCommitment(FIXED.initiatorStatic.publicKey, new Uint8Array(32))),
    ).not.toBe(toHex(commitment));
  });

  it('refuses a fixed nonce of the wrong size', () => {
    expect(
      () =>
        new InitiatorHandshake({
          staticKeyPair: FIXED.initiatorStatic,
          commitmentNonce: new Uint8Array(31),
        }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
