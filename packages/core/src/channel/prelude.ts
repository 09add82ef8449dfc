import { concatBytes } from '../crypto/index.js';
import { InvalidArgumentError } from '../errors.js';
import {
  CODE_DATA_BYTES,
  INVITE_ID_BYTES,
  PRELUDE_MAGIC,
  PROLOGUE_LABEL,
  PROTOCOL_VERSION,
} from './constants.js';
import { PreludeError } from './errors.js';

/**
 * The handshake modes of the channel: `XX` (no secret), `XXpsk3` (an invite's secret is the
 * psk), `code` (XXpsk3 whose psk comes from a CPace run on a join code, docs/protocol-verification.md §1.5).
 */
export type ChannelMode = 'XX' | 'XXpsk3' | 'code';

/** One row of {@link CHANNEL_MODES}: how a mode appears on the wire and in Noise. */
export interface ChannelModeSpec {
  /** The mode byte of the prelude. */
  readonly code: number;
  readonly mode: ChannelMode;
  /** The Noise protocol name the handshake runs. */
  readonly protocolName: string;
  /** Length of the id field the prelude carries in this mode (invite id, or CPace data). */
  readonly inviteIdBytes: number;
  /** The Noise handshake uses a psk (msg1 then carries a tag). */
  readonly psk: boolean;
}

/** The handshake modes, indexed by their prelude byte. */
export const CHANNEL_MODES: readonly ChannelModeSpec[] = Object.freeze([
  Object.freeze({
    code: 0,
    mode: 'XX',
    protocolName: 'Noise_XX_25519_ChaChaPoly_BLAKE2b',
    inviteIdBytes: 0,
    psk: false,
  }),
  Object.freeze({
    code: 1,
    mode: 'XXpsk3',
    protocolName: 'Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b',
    inviteIdBytes: INVITE_ID_BYTES,
    psk: true,
  }),
  Object.freeze({
    code: 2,
    mode: 'code',
    protocolName: 'Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b',
    inviteIdBytes: CODE_DATA_BYTES,
    psk: true,
  }),
] as const);

/** The decoded prelude: what the initiator announces in cleartext before the handshake. */
export interface Prelude {
  /** Protocol version (always {@link PROTOCOL_VERSION} once decoded). */
  readonly version: number;
  readonly mode: ChannelMode;
  /** The invite being redeemed (mode XXpsk3), 16 bytes; never the invite's secret. */
  readonly inviteId: Uint8Array | undefined;
  /** Mode `code`: the CPace session id and the initiator's share, `sid (16) | Ya (32)`. */
  readonly code?: Uint8Array;
}

const MAGIC = new TextEncoder().encode(PRELUDE_MAGIC);
const LABEL = new TextEncoder().encode(PROLOGUE_LABEL);
/** magic | version | mode | inviteIdLength */
const FIXED_BYTES = MAGIC.length + 3;

/** Length of the shortest prelude (mode XX). */
export const MIN_PRELUDE_BYTES = FIXED_BYTES;
/** Length of the longest prelude (mode `code` with its CPace data). */
export const MAX_PRELUDE_BYTES = FIXED_BYTES + CODE_DATA_BYTES;

/** The mode table row of a mode name. */
export function channelModeSpec(mode: ChannelMode): ChannelModeSpec {
  const spec = CHANNEL_MODES.find((row) => row.mode === mode);
  if (!spec) throw new InvalidArgumentError(`unknown channel mode ${String(mode)}`);
  return spec;
}

/**
 * The bytes of a prelude: `"CRYPTULLY" | version u8 | mode u8 | inviteIdLength u8 | inviteId`.
 * @throws {InvalidArgumentError} when the invite id does not fit the mode (16 bytes for
 *   XXpsk3, absent for XX).
 * @example encodePrelude({ mode: 'XX' }) // 43 52 59 50 54 55 4c 4c 59 01 00 00
 */
export function encodePrelude(prelude: {
  mode: ChannelMode;
  inviteId?: Uint8Array | undefined;
  code?: Uint8Array | undefined;
}): Uint8Array {
  const spec = channelModeSpec(prelude.mode);
  const inviteId = (spec.mode === 'code' ? prelude.code : prelude.inviteId) ?? new Uint8Array(0);
  if (inviteId.length !== spec.inviteIdBytes) {
    throw new InvalidArgumentError(
      `mode ${spec.mode} needs an invite id of ${spec.inviteIdBytes} bytes, got ${inviteId.length}`,
    );
  }
  const out = new Uint8Array(FIXED_BYTES + inviteId.length);
  out.set(MAGIC, 0);
  out[MAGIC.length] = PROTOCOL_VERSION;
  out[MAGIC.length + 1] = spec.code;
  out[MAGIC.length + 2] = inviteId.length;
  out.set(inviteId, FIXED_BYTES);
  return out;
}

/**
 * Parses a prelude frame.
 * @throws {PreludeError} `ERR_PRELUDE_MALFORMED` when it is not a Cryptully prelude or its
 *   lengths are inconsistent, `ERR_PRELUDE_VERSION` for another protocol version,
 *   `ERR_PRELUDE_MODE` for an unknown mode.
 */
export function decodePrelude(bytes: Uint8Array): Prelude {
  if (bytes.length < FIXED_BYTES || MAGIC.some((byte, i) => bytes[i] !== byte)) {
    throw new PreludeError(
      'ERR_PRELUDE_MALFORMED',
      'the peer does not speak the Cryptully protocol',
    );
  }
  const version = bytes[MAGIC.length]!;
  if (version !== PROTOCOL_VERSION) {
    throw new PreludeError(
      'ERR_PRELUDE_VERSION',
      `the peer speaks Cryptully protocol version ${version}; this version speaks ${PROTOCOL_VERSION}`,
    );
  }
  const spec = CHANNEL_MODES[bytes[MAGIC.length + 1]!];
  if (!spec) {
    throw new PreludeError('ERR_PRELUDE_MODE', 'the peer asked for an unknown handshake mode');
  }
  const inviteIdLength = bytes[MAGIC.length + 2]!;
  if (inviteIdLength !== spec.inviteIdBytes || bytes.length !== FIXED_BYTES + inviteIdLength) {
    throw new PreludeError('ERR_PRELUDE_MALFORMED', 'the peer sent a malformed prelude');
  }
  if (spec.mode === 'code') {
    return { version, mode: spec.mode, inviteId: undefined, code: bytes.slice(FIXED_BYTES) };
  }
  return {
    version,
    mode: spec.mode,
    inviteId: inviteIdLength > 0 ? bytes.slice(FIXED_BYTES) : undefined,
  };
}

/**
 * The Noise prologue of a channel: ASCII `"Cryptully/2"` followed by the exact prelude bytes,
 * so that a prelude changed in transit makes the handshake fail.
 */
export function buildPrologue(preludeBytes: Uint8Array): Uint8Array {
  return concatBytes(LABEL, preludeBytes);
}
