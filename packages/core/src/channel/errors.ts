import { CryptullyError } from '../errors.js';

/**
 * The base of every error of the encrypted channel (framing, prelude, handshake, transport).
 * Tell the failures apart by `code`; messages are for people and never carry key material or
 * say which cryptographic check failed.
 */
export class ChannelError extends CryptullyError {}

/** A length prefix announced a frame larger than the limit in force (code `ERR_FRAME_TOO_LARGE`). */
export class FrameTooLargeError extends ChannelError {
  /** The announced length, in bytes. */
  readonly length: number;
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;

  constructor(length: number, limit: number) {
    super('ERR_FRAME_TOO_LARGE', `frame of ${length} bytes exceeds the limit of ${limit} bytes`);
    this.length = length;
    this.limit = limit;
  }
}

/**
 * The peer broke the channel protocol: a frame shorter than the minimum, an unknown record
 * type, an unexpected message, data after its close (code `ERR_CHANNEL_PROTOCOL`).
 */
export class ChannelProtocolError extends ChannelError {
  constructor(message: string) {
    super('ERR_CHANNEL_PROTOCOL', message);
  }
}

/**
 * A transport frame failed authentication (bad tag, replayed, reordered or dropped frame):
 * the channel is dead (code `ERR_CHANNEL_DECRYPT`). Deliberately says nothing more.
 */
export class ChannelDecryptError extends ChannelError {
  constructor(options?: { cause?: unknown }) {
    super('ERR_CHANNEL_DECRYPT', 'a message on the channel failed authentication', options);
  }
}

/** An application message is larger than `MAX_CHANNEL_MESSAGE_BYTES` (code `ERR_MESSAGE_TOO_LARGE`). */
export class MessageTooLargeError extends ChannelError {
  constructor(length: number, limit: number) {
    super(
      'ERR_MESSAGE_TOO_LARGE',
      `message of ${length} bytes exceeds the limit of ${limit} bytes`,
    );
  }
}

/** The channel was used after it closed or failed (code `ERR_CHANNEL_CLOSED`). */
export class ChannelClosedError extends ChannelError {
  constructor(message = 'the channel is closed') {
    super('ERR_CHANNEL_CLOSED', message);
  }
}

/**
 * The byte stream ended without the peer's close record, or in the middle of a frame: the
 * conversation may have been cut by someone in between (code `ERR_CHANNEL_TRUNCATED`).
 */
export class ChannelTruncatedError extends ChannelError {
  constructor() {
    super('ERR_CHANNEL_TRUNCATED', 'the connection ended without a goodbye from the peer');
  }
}

/**
 * The channel used up its nonces (2^64 - 2^16 frames in one direction) and closed itself; a
 * new connection is needed (code `ERR_CHANNEL_EXHAUSTED`).
 */
export class ChannelExhaustedError extends ChannelError {
  constructor() {
    super('ERR_CHANNEL_EXHAUSTED', 'the channel reached its message limit; reconnect');
  }
}

/** Codes of {@link PreludeError}. */
export type PreludeErrorCode = 'ERR_PRELUDE_MALFORMED' | 'ERR_PRELUDE_VERSION' | 'ERR_PRELUDE_MODE';

/**
 * The prelude (the cleartext first frame) is not one this version understands: not
 * Cryptully at all (`ERR_PRELUDE_MALFORMED`), another protocol version
 * (`ERR_PRELUDE_VERSION`), or an unknown handshake mode (`ERR_PRELUDE_MODE`).
 */
export class PreludeError extends ChannelError {
  constructor(code: PreludeErrorCode, message: string) {
    super(code, message);
  }
}

/**
 * The Noise handshake failed: a handshake message did not authenticate (wrong pre-shared
 * key, tampering, wrong prologue) or was malformed (code `ERR_HANDSHAKE_FAILED`).
 */
export class HandshakeError extends ChannelError {
  constructor(message = 'the secure handshake failed', options?: { cause?: unknown }) {
    super('ERR_HANDSHAKE_FAILED', message, options);
  }
}

/**
 * The responder answered the handshake with a status other than `ok` (an unknown, expired or
 * used invite, or busy) and closes (code `ERR_HANDSHAKE_REJECTED`). `status` is what it said.
 */
export class HandshakeRejectedError extends ChannelError {
  /** The status string of the responder, e.g. `invite-unknown`. */
  readonly status: string;

  constructor(status: string) {
    super('ERR_HANDSHAKE_REJECTED', `the peer refused the connection (${status})`);
    this.status = status;
  }
}

/** The handshake did not finish in time (code `ERR_HANDSHAKE_TIMEOUT`). Raised by adapters. */
export class HandshakeTimeoutError extends ChannelError {
  constructor(timeoutMs: number) {
    super('ERR_HANDSHAKE_TIMEOUT', `the secure handshake did not finish within ${timeoutMs} ms`);
  }
}

/**
 * The underlying byte stream failed (reset, refused, closed during the handshake) (code
 * `ERR_CONNECTION_FAILED`). Raised by adapters; `cause` holds the stream's error if any.
 */
export class ConnectionFailedError extends ChannelError {
  constructor(message = 'the connection failed', options?: { cause?: unknown }) {
    super('ERR_CONNECTION_FAILED', message, options);
  }
}
