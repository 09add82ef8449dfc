// Shared helpers of the channel tests: fixed keys and an in-memory handshake between the two
// pure drivers, so that every test can start from a live pair of channels.

import {
  type ChannelEvent,
  encodeHandshakeStatus,
  type HandshakeResult,
  InitiatorHandshake,
  type InitiatorHandshakeOptions,
  ResponderHandshake,
  type ResponderHandshakeOptions,
  SecureChannel,
  type SecureChannelOptions,
} from '../../src/channel/index.js';
import { concatBytes, fromHex, type KeyPair, x25519 } from '../../src/crypto/index.js';

/** A key pair from a fixed private key (hex), for reproducible sessions. */
export function fixedKeyPair(privateHex: string): KeyPair {
  const privateKey = fromHex(privateHex);
  return { privateKey, publicKey: x25519.publicKeyFromPrivate(privateKey) };
}

/** Deterministic keys: the same bytes every run, so recorded sessions can be replayed. */
export const FIXED = {
  initiatorStatic: fixedKeyPair('e0'.repeat(31) + '01'),
  responderStatic: fixedKeyPair('d0'.repeat(31) + '02'),
  initiatorEphemeral: fromHex('a0'.repeat(31) + '03'),
  responderEphemeral: fromHex('b0'.repeat(31) + '04'),
  psk: fromHex('5a'.repeat(32)),
  inviteId: fromHex('1d'.repeat(16)),
  commitmentNonce: fromHex('c0'.repeat(31) + '05'),
};

export const OK = encodeHandshakeStatus('ok');

/** Joins a list of frames into the byte stream they make. */
export const stream = (frames: Uint8Array[]) => concatBytes(...frames);

export interface PairOptions {
  psk?: boolean;
  fixedEphemerals?: boolean;
  initiator?: Partial<InitiatorHandshakeOptions>;
  onPrelude?: ResponderHandshakeOptions['onPrelude'];
  channel?: Omit<SecureChannelOptions, 'sendCipher' | 'receiveCipher' | 'decoder'>;
}

/** The two drivers of one handshake, built from the fixed keys. */
export function drivers(options: PairOptions = {}) {
  const initiator = new InitiatorHandshake({
    staticKeyPair: FIXED.initiatorStatic,
    ...(options.psk ? { psk: FIXED.psk, inviteId: FIXED.inviteId } : {}),
    ...(options.fixedEphemerals
      ? { ephemeralPrivateKey: FIXED.initiatorEphemeral, commitmentNonce: FIXED.commitmentNonce }
      : {}),
    ...options.initiator,
  });
  const responder = new ResponderHandshake({
    staticKeyPair: FIXED.responderStatic,
    ...(options.fixedEphemerals ? { ephemeralPrivateKey: FIXED.responderEphemeral } : {}),
    onPrelude:
      options.onPrelude ?? (() => ({ payload: OK, ...(options.psk ? { psk: FIXED.psk } : {}) })),
  });
  return { initiator, responder };
}

/** A finished handshake in memory, with every byte each side wrote. */
export function handshake(options: PairOptions = {}) {
  const { initiator, responder } = drivers(options);
  const toResponder = initiator.start();
  const r1 = responder.receive(stream(toResponder));
  const toInitiator = r1.frames;
  const i1 = initiator.receive(stream(toInitiator));
  toResponder.push(...i1.frames);
  const r2 = responder.receive(stream(i1.frames));
  if (!i1.result || !r2.result) throw new Error('handshake did not complete');
  return {
    initiatorResult: i1.result as HandshakeResult,
    responderResult: r2.result as HandshakeResult,
    toResponder,
    toInitiator,
  };
}

/** Two connected channels after an in-memory handshake. */
export function channelPair(options: PairOptions = {}) {
  const hs = handshake(options);
  const a = new SecureChannel({ ...hs.initiatorResult, ...options.channel });
  const b = new SecureChannel({ ...hs.responderResult, ...options.channel });
  return { a, b, ...hs };
}

/** The messages among events. */
export const messagesOf = (events: ChannelEvent[]) =>
  events.flatMap((e) => (e.type === 'message' ? [Uint8Array.from(e.message)] : []));

/** The error among events, if any. */
export const errorOf = (events: ChannelEvent[]) =>
  events.find((e): e is Extract<ChannelEvent, { type: 'error' }> => e.type === 'error')?.error;

/**
 * Compares message lists by length and content digest-free but fast (vitest's deep equality
 * walks large byte arrays element by element).
 */
export function sameMessages(actual: Uint8Array[], expected: Uint8Array[]): string[] {
  const describe = (list: Uint8Array[]) =>
    list.map(
      (m) =>
        `${m.length}:${Buffer.from(m.buffer, m.byteOffset, m.byteLength).toString('base64').slice(0, 24)}`,
    );
  const equal =
    actual.length === expected.length &&
    actual.every((m, i) => Buffer.from(m).equals(Buffer.from(expected[i]!)));
  return equal ? [] : [...describe(actual), '!=', ...describe(expected)];
}
