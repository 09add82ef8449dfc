// Builds a matching initiator/responder pair for any protocol name, with fresh keys where the
// pattern needs them, and drives handshakes between them.
import { randomBytes } from '../../src/crypto/index.js';
import {
  type HandshakeOptions,
  HandshakeState,
  type NoiseProtocol,
  parseProtocolName,
} from '../../src/noise/index.js';

/** Keys and options for both sides of `protocolName`. */
export interface PairOptions {
  prologue?: Uint8Array;
  initiatorOverrides?: Partial<HandshakeOptions>;
  responderOverrides?: Partial<HandshakeOptions>;
}

export interface PairKeys {
  protocol: NoiseProtocol;
  initiator: HandshakeOptions;
  responder: HandshakeOptions;
}

function sends(protocol: NoiseProtocol, initiator: boolean, token: 'e' | 's'): boolean {
  const p = protocol.pattern;
  const pre = initiator ? p.initiatorPreMessage : p.responderPreMessage;
  return (
    pre.includes(token) ||
    p.messages.some((m, i) => i % 2 === (initiator ? 0 : 1) && m.includes(token))
  );
}

/** Options for both sides with fresh static keys and psks as the pattern requires. */
export function pairOptions(protocolName: string, options: PairOptions = {}): PairKeys {
  const protocol = parseProtocolName(protocolName);
  const { dh } = protocol;
  const iStatic = sends(protocol, true, 's') ? dh.generateKeyPair() : undefined;
  const rStatic = sends(protocol, false, 's') ? dh.generateKeyPair() : undefined;
  const psks = Array.from({ length: protocol.pskCount }, () => randomBytes(32));
  const prologue = options.prologue ?? new Uint8Array(0);
  const p = protocol.pattern;
  return {
    protocol,
    initiator: {
      protocolName,
      initiator: true,
      prologue,
      s: iStatic?.privateKey,
      rs: p.responderPreMessage.includes('s') ? rStatic?.publicKey : undefined,
      psks,
      ...options.initiatorOverrides,
    },
    responder: {
      protocolName,
      initiator: false,
      prologue,
      s: rStatic?.privateKey,
      rs: p.initiatorPreMessage.includes('s') ? iStatic?.publicKey : undefined,
      psks: psks.map((k) => Uint8Array.from(k)),
      ...options.responderOverrides,
    },
  };
}

/** A fresh pair of HandshakeStates. */
export function makePair(protocolName: string, options: PairOptions = {}) {
  const keys = pairOptions(protocolName, options);
  return {
    ...keys,
    init: new HandshakeState(keys.initiator),
    resp: new HandshakeState(keys.responder),
  };
}

/**
 * Runs the handshake to the end, passing message `i` through `tamper(i, bytes)` when given.
 * Returns the payloads each reader received.
 */
export function runHandshake(
  init: HandshakeState,
  resp: HandshakeState,
  payloads: (i: number) => Uint8Array = () => new Uint8Array(0),
  tamper?: (i: number, message: Uint8Array) => Uint8Array,
): Uint8Array[] {
  const received: Uint8Array[] = [];
  const total = init.protocol.pattern.messages.length;
  for (let i = 0; i < total; i++) {
    const [writer, reader] = i % 2 === 0 ? [init, resp] : [resp, init];
    let message = writer.writeMessage(payloads(i));
    if (tamper) message = tamper(i, message);
    received.push(reader.readMessage(message));
  }
  return received;
}
