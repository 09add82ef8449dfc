/**
 * The engine's errors. Every user mistake becomes an `error {code, message}` event; every
 * failed join becomes `disconnected {peer, reason, message}` (or `error` when the peer's key
 * is not known yet). Messages are one plain sentence, never key material.
 * @module
 */
import { CryptullyError } from '../errors.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import type { ChatEvent } from '../protocol/events.js';

/** A command the engine cannot carry out as asked (unknown peer, not hosting, …). */
export class EngineCommandError extends CryptullyError {}

/** The `error` event for a thrown error: its code and message, never a stack trace. */
export function errorEvent(
  error: CryptullyError,
  peer: string | undefined,
): Extract<ChatEvent, { event: 'error' }> {
  const event = { event: 'error' as const, code: error.code, message: error.message };
  return peer === undefined ? event : { ...event, peer };
}

/** `ERR_NO_SUCH_PEER`. */
export function noSuchPeer(detail?: string): EngineCommandError {
  return new EngineCommandError(
    'ERR_NO_SUCH_PEER',
    detail ?? 'There is no such peer. Use the peer id shown in the conversation list.',
  );
}

/** What the joiner makes of each msg2 status and failure, before the session starts. */
export interface JoinFailure {
  /** The `disconnected.reason`. */
  reason: JoinFailureReason;
  /** The `error.code` (one of `JOIN_ENDING_CODES`). */
  code: ErrorCode;
  message: string;
}

/** Why a join failed: the msg2 statuses of docs/protocol.md plus the joiner's own checks. */
export type JoinFailureReason =
  | 'invite-unknown'
  | 'invite-expired'
  | 'invite-used'
  | 'busy'
  | 'refused'
  | 'key-mismatch'
  | 'key-changed'
  | 'unreachable'
  | 'handshake-failed'
  | 'self'
  | 'timeout'
  | 'code-not-found'
  | 'code-unavailable'
  | 'code-refused';

/**
 * Data, not branches: every way a join can fail after the host's key is known. The reasons
 * are the msg2 statuses of docs/protocol.md plus the joiner's own checks.
 */
export const JOIN_FAILURES: Readonly<Record<JoinFailureReason, JoinFailure>> = Object.freeze({
  'invite-unknown': {
    reason: 'invite-unknown',
    code: 'ERR_INVITE_UNKNOWN',
    message:
      'The host does not know this invite: it may have been withdrawn, mistyped or made before the host restarted. Ask for a new one.',
  },
  'invite-expired': {
    reason: 'invite-expired',
    code: 'ERR_INVITE_EXPIRED',
    message: 'This invite has expired. Ask your friend for a new one.',
  },
  'invite-used': {
    reason: 'invite-used',
    code: 'ERR_INVITE_USED',
    message: 'This invite has already been used. Each invite works once: ask for a new one.',
  },
  busy: {
    reason: 'busy',
    code: 'ERR_HOST_BUSY',
    message: 'The host has too many conversations right now. Try again later.',
  },
  refused: {
    reason: 'refused',
    code: 'ERR_HOST_REFUSED',
    message: 'The host refused the connection.',
  },
  'key-mismatch': {
    reason: 'key-mismatch',
    code: 'ERR_KEY_MISMATCH',
    message:
      'The computer at this address is not the one the invite was made for. Nothing was sent; do not trust this connection.',
  },
  'key-changed': {
    reason: 'key-changed',
    code: 'ERR_KEY_CHANGED',
    message:
      'The computer at this address has a different key than the peer you know there. Nothing was sent: someone may be in the middle. If your friend really has a new key, ask them for a new invite.',
  },
  unreachable: {
    reason: 'unreachable',
    code: 'ERR_UNREACHABLE',
    message: 'Could not reach the host. Check the address, and that the host is still running.',
  },
  'handshake-failed': {
    reason: 'handshake-failed',
    code: 'ERR_HANDSHAKE_FAILED',
    message:
      'The secure handshake with the host failed (the invite may be wrong, or the connection was tampered with).',
  },
  self: {
    reason: 'self',
    code: 'ERR_SELF',
    message: 'That is your own address or invite: give it to a friend instead.',
  },
  timeout: {
    reason: 'timeout',
    code: 'ERR_HANDSHAKE_TIMEOUT',
    message: 'The host did not complete the secure handshake in time.',
  },
  'code-not-found': {
    reason: 'code-not-found',
    code: 'ERR_JOIN_CODE_NOT_FOUND',
    message:
      'No host with this code was found on the local network or the DHT. Check the number, and that your friend is still hosting.',
  },
  'code-unavailable': {
    reason: 'code-unavailable',
    code: 'ERR_JOIN_CODE_UNAVAILABLE',
    message: 'Someone else is trying a code with this host right now. Try again in a few seconds.',
  },
  'code-refused': {
    reason: 'code-refused',
    code: 'ERR_JOIN_CODE_REFUSED',
    message:
      'The host did not accept the code: it was mistyped, already used, burnt by a wrong try, or someone in the middle tried to guess it. Ask your friend for the new code.',
  },
});

/** Thrown from `checkResponder` to stop a handshake before msg3. */
export class JoinRefusedError extends CryptullyError {
  readonly failure: JoinFailure;
  constructor(failure: JoinFailure) {
    super(failure.code, failure.message);
    this.failure = failure;
  }
}

/** The failure for a msg2 status other than `ok`. */
export function failureForStatus(status: string): JoinFailure {
  return Object.hasOwn(JOIN_FAILURES, status)
    ? JOIN_FAILURES[status as JoinFailureReason]
    : JOIN_FAILURES.refused;
}
