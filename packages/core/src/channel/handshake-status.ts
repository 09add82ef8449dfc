import { fromHex, toHex } from '../crypto/index.js';
import { InvalidArgumentError } from '../errors.js';
import { COMMITMENT_BYTES } from './constants.js';
import { ChannelProtocolError } from './errors.js';

/**
 * The statuses a responder puts in handshake message 2: `ok`, or why it will close instead
 * of finishing the handshake.
 */
export const HANDSHAKE_STATUSES = [
  'ok',
  'invite-unknown',
  'invite-expired',
  'invite-used',
  'busy',
  'code-unavailable',
] as const;

/** One of {@link HANDSHAKE_STATUSES}. */
export type HandshakeStatus = (typeof HANDSHAKE_STATUSES)[number];

/** A status as it may arrive from a newer peer: a known one or another short token. */
const STATUS_TOKEN = /^[a-z][a-z0-9-]{0,31}$/;
/** Largest msg2 payload the initiator parses. */
const MAX_STATUS_PAYLOAD_BYTES = 1024;

/**
 * The msg2 payload for a status: the UTF-8 JSON `{"status":"<status>"}`, with the host's
 * commitment (32 bytes, lower-case hex) as `"commit"` when given (docs/protocol.md §5), and
 * in mode `code` the host's 32-byte CPace share as `"share"` (docs/protocol-verification.md §1.5).
 * @example encodeHandshakeStatus('ok') // bytes of {"status":"ok"}
 */
export function encodeHandshakeStatus(
  status: HandshakeStatus,
  commit?: Uint8Array,
  share?: Uint8Array,
): Uint8Array {
  if (!HANDSHAKE_STATUSES.includes(status)) {
    throw new InvalidArgumentError(`unknown handshake status ${String(status)}`);
  }
  if (commit !== undefined && commit.length !== COMMITMENT_BYTES) {
    throw new InvalidArgumentError(`a host commitment has ${COMMITMENT_BYTES} bytes`);
  }
  const body = {
    status,
    ...(commit === undefined ? {} : { commit: toHex(commit) }),
    ...(share === undefined ? {} : { share: toHex(share) }),
  };
  return new TextEncoder().encode(JSON.stringify(body));
}

/**
 * The host's commitment in a msg2 payload (`"commit"`: 64 lower-case hex digits), or undefined
 * when there is none or it is not well formed (the joiner then refuses to go on).
 */
export function decodeHandshakeCommit(payload: Uint8Array): Uint8Array | undefined {
  try {
    if (payload.length > MAX_STATUS_PAYLOAD_BYTES) return undefined;
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
    const commit =
      typeof parsed === 'object' && parsed !== null ? (parsed as { commit?: unknown }).commit : '';
    if (typeof commit !== 'string' || !/^[0-9a-f]{64}$/.test(commit)) return undefined;
    return fromHex(commit);
  } catch {
    return undefined;
  }
}

/**
 * The host's CPace share in a mode-`code` msg2 payload (see {@link encodeHandshakeStatus}).
 * @throws {ChannelProtocolError} when the payload has no `share` of 64 lower-case hex digits.
 */
export function decodeHandshakeShare(payload: Uint8Array): Uint8Array {
  decodeHandshakeStatus(payload);
  const parsed = JSON.parse(new TextDecoder().decode(payload)) as { share?: unknown };
  if (typeof parsed.share !== 'string' || !/^[0-9a-f]{64}$/.test(parsed.share)) {
    throw new ChannelProtocolError('the host sent no valid code share');
  }
  return fromHex(parsed.share);
}

/**
 * The status in a msg2 payload: a JSON object whose `status` member is a short lower-case
 * token. Other members are ignored (room for later versions); an unknown token is returned
 * as is, and anything but `ok` means the responder refused.
 * @throws {ChannelProtocolError} when the payload is not such an object.
 */
export function decodeHandshakeStatus(payload: Uint8Array): string {
  let parsed: unknown;
  try {
    if (payload.length > MAX_STATUS_PAYLOAD_BYTES) throw new Error('too long');
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    throw new ChannelProtocolError('the peer sent an unreadable handshake status');
  }
  const status =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as { status?: unknown }).status
      : undefined;
  if (typeof status !== 'string' || !STATUS_TOKEN.test(status)) {
    throw new ChannelProtocolError('the peer sent an unreadable handshake status');
  }
  return status;
}
