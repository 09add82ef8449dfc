import { NoiseProtocolError } from './errors.js';
import type { PreMessageToken } from './patterns.js';
import { type NoiseProtocol, parseProtocolName } from './protocol-name.js';

/** Length of a pre-shared key (spec §9.1: 32 bytes). */
export const PSK_LENGTH = 32;

/** Options of {@link HandshakeState} (spec §5.3 Initialize). */
export interface HandshakeOptions {
  /** A Noise protocol name (spec §8), e.g. `Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b`. */
  protocolName: string;
  /** Whether this side sends the first message. */
  initiator: boolean;
  /** Prologue (spec §6), bound into the handshake hash; both sides must agree. Default empty. */
  prologue?: Uint8Array;
  /**
   * Local static PRIVATE key (DHLEN bytes); the public key is derived. Imported once into an
   * OpenSSL key object; this buffer is neither kept nor modified.
   */
  s?: Uint8Array;
  /** Local ephemeral PRIVATE key: only for test vectors; normally generated. Not modified. */
  e?: Uint8Array;
  /** The peer's static PUBLIC key, known in advance (patterns with `<- s`/`-> s` pre-messages). */
  rs?: Uint8Array;
  /** Pre-shared keys (32 bytes each), one per `psk` token in pattern order. Copied. */
  psks?: readonly Uint8Array[];
}

/** {@link HandshakeOptions} after {@link checkHandshakeOptions}: the keys the pattern needs. */
export interface CheckedHandshakeOptions {
  /** The parsed protocol. */
  protocol: NoiseProtocol;
  /** The prologue, empty when none was given. */
  prologue: Uint8Array;
  /** The local static private key, present exactly when this side sends `s`. */
  s?: Uint8Array;
  /** The local ephemeral private key given for test vectors, if any. */
  e?: Uint8Array;
  /** The remote static public key, present exactly when the peer's pre-message has `s`. */
  rs?: Uint8Array;
  /** One psk per `psk` token. */
  psks: readonly Uint8Array[];
}

type Party = 'initiator' | 'responder';

/**
 * Parses the protocol name and checks that the options hold exactly the keys its pattern needs
 * (spec §5.3 Initialize, §7 pre-messages, §9 psks), each of the right size. Copies nothing.
 * @throws {NoiseProtocolError} for an invalid protocol name (see {@link parseProtocolName}),
 *   a missing key the pattern needs (`s`, `rs`, psks), a key it does not use, or a key of the
 *   wrong size. Messages name the option, never its value.
 */
export function checkHandshakeOptions(options: HandshakeOptions): CheckedHandshakeOptions {
  if (options === null || typeof options !== 'object') {
    throw new NoiseProtocolError('HandshakeState needs an options object');
  }
  const protocol = parseProtocolName(options.protocolName);
  if (typeof options.initiator !== 'boolean') {
    throw new NoiseProtocolError('options.initiator must be true or false');
  }
  const { pattern } = protocol;
  const party: Party = options.initiator ? 'initiator' : 'responder';
  const preOf = (p: Party) =>
    p === 'initiator' ? pattern.initiatorPreMessage : pattern.responderPreMessage;
  const localPre = preOf(party);
  const remotePre = preOf(options.initiator ? 'responder' : 'initiator');
  const sends = (token: PreMessageToken) =>
    localPre.includes(token) ||
    pattern.messages.some((m, i) => (i % 2 === 0) === options.initiator && m.includes(token));
  const dhLen = protocol.dh.dhLen;
  const checkKey = (key: unknown, what: string): Uint8Array => {
    if (!(key instanceof Uint8Array) || key.length !== dhLen) {
      throw new NoiseProtocolError(`${what} must be a ${dhLen}-byte Uint8Array`);
    }
    return key;
  };
  const name = pattern.name;
  if (sends('s') && options.s === undefined) {
    throw new NoiseProtocolError(`${name} needs the local static key s`);
  }
  if (!sends('s') && options.s !== undefined) {
    throw new NoiseProtocolError(`${name} does not use a local static key s`);
  }
  if (remotePre.includes('s') && options.rs === undefined) {
    throw new NoiseProtocolError(`${name} needs the remote static public key rs`);
  }
  if (!remotePre.includes('s') && options.rs !== undefined) {
    throw new NoiseProtocolError(`${name} does not take a remote static key rs in advance`);
  }
  if (remotePre.includes('e')) {
    throw new NoiseProtocolError(`${name} needs a remote ephemeral key in advance`);
  }
  if (localPre.includes('e') && options.e === undefined) {
    throw new NoiseProtocolError(`${name} needs the local ephemeral key e`);
  }
  if (options.e !== undefined && !sends('e')) {
    throw new NoiseProtocolError(`${name} does not use a local ephemeral key e`);
  }
  const psks = options.psks ?? [];
  if (!Array.isArray(psks) || psks.length !== protocol.pskCount) {
    const got = Array.isArray(psks) ? psks.length : 'none';
    throw new NoiseProtocolError(`${name} needs ${protocol.pskCount} psk(s), got ${got}`);
  }
  for (const psk of psks) {
    if (!(psk instanceof Uint8Array) || psk.length !== PSK_LENGTH) {
      throw new NoiseProtocolError(`each psk must be a ${PSK_LENGTH}-byte Uint8Array`);
    }
  }
  const prologue = options.prologue ?? new Uint8Array(0);
  if (!(prologue instanceof Uint8Array)) {
    throw new NoiseProtocolError('prologue must be a Uint8Array');
  }
  return {
    protocol,
    prologue,
    s: options.s === undefined ? undefined : checkKey(options.s, 's'),
    e: options.e === undefined ? undefined : checkKey(options.e, 'e'),
    rs: options.rs === undefined ? undefined : checkKey(options.rs, 'rs'),
    psks,
  };
}
