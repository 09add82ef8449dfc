/**
 * The Cryptully channel on a Node byte stream (a TCP socket, an in-memory pair): runs the
 * pure handshake driver and {@link SecureChannel} against a `Duplex`, adding what pure code
 * may not have: a handshake timer, backpressure, and the mapping of stream failures to
 * typed errors.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import {
  ChannelClosedError,
  type ChannelEvent,
  ChannelTruncatedError,
  ConnectionFailedError,
  decodeHandshakeStatus,
  HandshakeError,
  HandshakeRejectedError,
  type HandshakeResult,
  type HandshakeStep,
  HandshakeTimeoutError,
  InitiatorHandshake,
  type Prelude,
  type PreludeDecision,
  ResponderHandshake,
  SecureChannel,
} from '../channel/index.js';
import type { KeyPair, PreparedPrivateKey } from '../crypto/index.js';
import { CryptullyError } from '../errors.js';

/** Default time allowed for the whole handshake (the chat node also gives the peer's hello this long). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/** Time allowed, after {@link SecureConnection.end}, for the peer's goodbye. */
export const CLOSE_TIMEOUT_MS = 5_000;
/**
 * Bytes written but not yet taken by the stream beyond which the connection stops reading
 * from the peer until they drain. What the peer sends makes us send (receipts, pongs): a peer
 * that writes without ever reading would otherwise grow our buffer without bound.
 */
export const MAX_UNSENT_BYTES = 512 * 1024;

/** Options of both {@link secureInitiate} and {@link secureRespond}. */
export interface SecureConnectOptions {
  /** This end's long-term X25519 key pair. */
  staticKeyPair: KeyPair;
  /**
   * `staticKeyPair.privateKey` prepared once (`x25519.preparePrivateKey`) for all of this
   * end's handshakes: saves a key import and a DH per handshake. Must belong to `staticKeyPair`.
   */
  preparedStaticKey?: PreparedPrivateKey;
  /** Time allowed for the handshake (default {@link DEFAULT_HANDSHAKE_TIMEOUT_MS}). */
  handshakeTimeoutMs?: number;
  /**
   * Largest message sent or accepted, at most (and by default) 1 MiB: see
   * `SecureChannelOptions.maxMessageBytes`. A larger one from the peer fails the connection
   * (`ERR_MESSAGE_TOO_LARGE`) as soon as it grows past the limit.
   */
  maxMessageBytes?: number;
}

/** Options of {@link secureInitiate}. */
export interface InitiatorOptions extends SecureConnectOptions {
  /** The invite's 32-byte secret; with `inviteId`, mode XXpsk3. */
  psk?: Uint8Array;
  /** The invite's 16-byte id; with `psk`, mode XXpsk3. */
  inviteId?: Uint8Array;
  /** Mode `code` (a join code's CPace run): see `InitiatorHandshakeOptions.code`. */
  code?: { data: Uint8Array; psk(payload: Uint8Array): Uint8Array };
  /**
   * Called with the responder's static key and msg2 payload; throw a CryptullyError to abort
   * before msg3 (so our identity is not revealed). A status other than `ok` aborts afterwards
   * with {@link HandshakeRejectedError}.
   */
  checkResponder?(remoteStatic: Uint8Array, payload: Uint8Array): void;
}

/** Options of {@link secureRespond}. */
export interface ResponderOptions extends SecureConnectOptions {
  /**
   * Called with the decoded prelude; returns the psk to use (mode XXpsk3) and the msg2
   * payload; after msg2 is sent the responder closes if `close` is true.
   */
  onPrelude(prelude: Prelude): PreludeDecision;
}

/** An established, authenticated, encrypted connection to one peer. */
export interface SecureConnection {
  /** The peer's static public key, authenticated by the handshake. */
  readonly remoteStaticPublicKey: Uint8Array;
  /** The Noise handshake hash, the same on both ends (for verification codes). */
  readonly handshakeHash: Uint8Array;
  /**
   * Sends one message (up to 1 MiB). Returns false when the stream's buffer is full: wait for
   * `drain` before sending more.
   * @throws {MessageTooLargeError} over 1 MiB. @throws {ChannelClosedError} after close.
   */
  send(message: Uint8Array): boolean;
  /**
   * One authenticated message from the peer. Messages wait (reading pauses) until a listener
   * exists. The bytes are often a view into the chunk they arrived in, or into the buffer a frame
   * split across two reads was reassembled in (decrypted in place; neither is written again):
   * valid for good, but a listener that keeps a small message for long should copy it, so as
   * not to pin the whole 64 KiB buffer.
   */
  on(event: 'message', fn: (m: Uint8Array) => void): this;
  /** The stream's buffer emptied after `send` returned false. */
  on(event: 'drain', fn: () => void): this;
  /** Emitted once when the connection is over; `error` says why it failed, absent after a clean goodbye. */
  on(event: 'close', fn: (error?: CryptullyError) => void): this;
  /** Graceful close: sends the goodbye after what is queued, then waits for the peer's. */
  end(): void;
  /** Closes at once, reporting `error` (if any) in the `close` event. */
  destroy(error?: CryptullyError): void;
}

/**
 * Runs the initiator's handshake on `stream` and resolves with the secure connection.
 * @throws (rejects) {HandshakeTimeoutError}, {HandshakeError}, {HandshakeRejectedError}, the
 *   error thrown by `checkResponder`, {ConnectionFailedError}, or a {@link PreludeError};
 *   the stream is destroyed then.
 * @example
 * const connection = await secureInitiate(socket, { staticKeyPair, psk, inviteId });
 * connection.on('message', (m) => console.log(new TextDecoder().decode(m)));
 * connection.send(new TextEncoder().encode('hello'));
 */
export function secureInitiate(stream: Duplex, o: InitiatorOptions): Promise<SecureConnection> {
  let driver: InitiatorHandshake;
  try {
    driver = new InitiatorHandshake(o);
  } catch (error) {
    stream.destroy();
    return Promise.reject(error);
  }
  return runHandshake(
    stream,
    o,
    (chunk) => driver.receive(chunk),
    () => driver.start(),
  );
}

/**
 * Runs the responder's handshake on `stream` and resolves with the secure connection. When
 * `onPrelude` asks to close, msg2 is sent and the promise rejects with
 * {@link HandshakeRejectedError} carrying the status it sent.
 * @example
 * server.on('connection', async (socket) => {
 *   const connection = await secureRespond(socket, { staticKeyPair, onPrelude: () => ({ payload: ok }) });
 * });
 */
export function secureRespond(stream: Duplex, o: ResponderOptions): Promise<SecureConnection> {
  let payload: Uint8Array | undefined;
  const driver = new ResponderHandshake({
    staticKeyPair: o.staticKeyPair,
    ...(o.preparedStaticKey ? { preparedStaticKey: o.preparedStaticKey } : {}),
    onPrelude(prelude) {
      const decision = o.onPrelude(prelude);
      payload = decision.payload;
      return decision;
    },
  });
  return runHandshake(
    stream,
    o,
    (chunk) => driver.receive(chunk),
    () => [],
    () => new HandshakeRejectedError(statusOf(payload)),
  );
}

/**
 * The two handshake entry points as one value: the seam through which a chat node gets its
 * encrypted channel (`ChatNodeOptions.secure`; tests may wrap it). {@link noiseChannel} is
 * the real one.
 */
export interface SecureChannelFactory {
  initiate(stream: Duplex, options: InitiatorOptions): Promise<SecureConnection>;
  respond(stream: Duplex, options: ResponderOptions): Promise<SecureConnection>;
}

/** The Cryptully Noise channel: {@link secureInitiate} and {@link secureRespond}. */
export const noiseChannel: SecureChannelFactory = Object.freeze({
  initiate: secureInitiate,
  respond: secureRespond,
});

function statusOf(payload: Uint8Array | undefined): string {
  try {
    return payload ? decodeHandshakeStatus(payload) : 'refused';
  } catch {
    return 'refused';
  }
}

/**
 * Writes frames as one batch: one write when they are consecutive views of one buffer (as
 * `SecureChannel.seal` returns a message's frames), else corked so a socket sends them in one
 * system call.
 */
function writeFrames(stream: Duplex, frames: Uint8Array[]): boolean {
  if (frames.length === 1) return stream.write(frames[0]!);
  if (frames.length === 0) return !stream.writableNeedDrain;
  const joined = joinedView(frames);
  if (joined) return stream.write(joined);
  stream.cork();
  let ok = true;
  for (const frame of frames) ok = stream.write(frame);
  stream.uncork();
  return ok;
}

/** One view spanning `frames` when they lie back to back in the same buffer, else undefined. */
function joinedView(frames: Uint8Array[]): Uint8Array | undefined {
  const first = frames[0]!;
  let end = first.byteOffset + first.length;
  for (let i = 1; i < frames.length; i++) {
    const frame = frames[i]!;
    if (frame.buffer !== first.buffer || frame.byteOffset !== end) return undefined;
    end += frame.length;
  }
  return new Uint8Array(first.buffer, first.byteOffset, end - first.byteOffset);
}

/** The typed error for a stream's `error` event. */
function streamError(error: unknown, during: string): ConnectionFailedError {
  const code = (error as { code?: unknown }).code;
  const reason = typeof code === 'string' && /^E[A-Z]+$/.test(code) ? ` (${code})` : '';
  const message = during ? `the connection failed ${during}` : 'the connection failed';
  return new ConnectionFailedError(`${message}${reason}`, { cause: error });
}

function runHandshake(
  stream: Duplex,
  options: SecureConnectOptions,
  receive: (chunk: Uint8Array) => HandshakeStep,
  start: () => Uint8Array[],
  rejection?: () => CryptullyError,
): Promise<SecureConnection> {
  const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => fail(new HandshakeTimeoutError(timeoutMs)), timeoutMs);
    const cleanup = () => {
      settled = true;
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const fail = (error: unknown) => {
      if (settled) return;
      cleanup();
      stream.destroy();
      reject(
        error instanceof CryptullyError ? error : new HandshakeError(undefined, { cause: error }),
      );
    };
    const onData = (chunk: Uint8Array) => {
      if (settled) return;
      let step: HandshakeStep;
      try {
        step = receive(chunk);
      } catch (error) {
        fail(error);
        return;
      }
      writeFrames(stream, step.frames);
      if (step.closeAfterSending && rejection) {
        cleanup();
        stream.pause();
        // Reject once msg2 has left, so that destroying the stream then cannot drop it.
        const error = rejection();
        const done = () => reject(error);
        stream.once('close', done);
        stream.on('error', done); // e.g. a reset while msg2 leaves: already failing anyway
        stream.end(done);
        setTimeout(() => stream.destroy(), CLOSE_TIMEOUT_MS).unref();
      } else if (step.result) {
        cleanup();
        stream.pause();
        let connection: NodeSecureConnection;
        try {
          connection = new NodeSecureConnection(stream, step.result, options.maxMessageBytes);
        } catch (error) {
          stream.destroy();
          reject(error);
          return;
        }
        resolve(connection);
      }
    };
    const onEnd = () =>
      fail(new ConnectionFailedError('the peer closed the connection during the handshake'));
    const onError = (error: unknown) => fail(streamError(error, 'during the handshake'));
    const onClose = () =>
      fail(new ConnectionFailedError('the connection closed during the handshake'));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    if (stream.destroyed) {
      onClose();
      return;
    }
    try {
      writeFrames(stream, start());
    } catch (error) {
      fail(error);
    }
  });
}

/** {@link SecureConnection} over a Node Duplex. */
class NodeSecureConnection extends EventEmitter implements SecureConnection {
  readonly remoteStaticPublicKey: Uint8Array;
  readonly handshakeHash: Uint8Array;
  readonly #stream: Duplex;
  readonly #channel: SecureChannel;
  /** Events from the channel not yet emitted (messages wait for a listener). */
  #queue: ChannelEvent[] = [];
  #error: CryptullyError | undefined;
  /** Reading stopped because too much of what we wrote waits for the peer to read it. */
  #writeBlocked = false;
  #aborted = false;
  #finished = false;
  #flushScheduled = false;
  #sendFlushScheduled = false;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set once `close` has been emitted, for listeners added later. */
  #outcome: { error: CryptullyError | undefined } | undefined;

  constructor(stream: Duplex, result: HandshakeResult, maxMessageBytes: number | undefined) {
    super();
    this.remoteStaticPublicKey = result.remoteStaticPublicKey;
    this.handshakeHash = result.handshakeHash;
    this.#stream = stream;
    // The stream's chunks are ours once read (nothing else listens), so frames are decrypted
    // in place in them and whole messages handed up as views: no plaintext copy.
    this.#channel = new SecureChannel({
      ...result,
      ...(maxMessageBytes === undefined ? {} : { maxMessageBytes }),
      decryptInPlace: true,
    });
    stream.on('data', this.#onData);
    stream.on('end', this.#onEnd);
    stream.on('error', this.#onError);
    stream.on('close', this.#onClose);
    stream.on('drain', this.#onDrain);
    this.on('newListener', (event: string, listener: (error?: CryptullyError) => void) => {
      if (event === 'message') this.#scheduleFlush();
      // A connection can be over before its owner had a chance to listen: replay the outcome.
      if (event === 'close' && this.#outcome) {
        const { error } = this.#outcome;
        queueMicrotask(() => listener(error));
      }
    });
    // Bytes that came with the last handshake message, then resume reading.
    this.#enqueue(this.#channel.receive(new Uint8Array(0)));
    this.#scheduleFlush();
  }

  send(message: Uint8Array): boolean {
    if (this.#finished || this.#aborted || this.#stream.destroyed) throw new ChannelClosedError();
    // Full frames go now; the rest of the message waits for the next send of this tick (so a
    // burst of large writes fills whole frames) and is flushed at the end of it.
    const frames = this.#channel.push(message);
    const ok =
      frames.length > 0 ? writeFrames(this.#stream, frames) : !this.#stream.writableNeedDrain;
    if (this.#channel.hasPending) this.#scheduleSendFlush();
    if (!this.#writeBlocked && this.#stream.writableLength > MAX_UNSENT_BYTES) {
      // Stop reading (and so answering) until the peer has read what we sent: see #onDrain.
      this.#writeBlocked = true;
      this.#stream.pause();
    }
    if (this.#channel.isSendClosed) {
      // Nonce exhaustion: the channel appended its goodbye; report why when it is over.
      this.#error ??= this.#channel.closeReason;
      this.#endStream();
    }
    return ok;
  }

  #scheduleSendFlush(): void {
    if (this.#sendFlushScheduled) return;
    this.#sendFlushScheduled = true;
    queueMicrotask(this.#sendFlush);
  }

  #sendFlush = (): void => {
    this.#sendFlushScheduled = false;
    if (this.#finished || this.#aborted || this.#stream.destroyed) return;
    if (this.#channel.failure || this.#channel.isSendClosed) return;
    writeFrames(this.#stream, this.#channel.flush());
    if (this.#channel.isSendClosed) {
      this.#error ??= this.#channel.closeReason;
      this.#endStream();
    }
  };

  end(): void {
    if (this.#finished || this.#aborted || this.#channel.isSendClosed) return;
    writeFrames(this.#stream, this.#channel.close());
    this.#endStream();
  }

  destroy(error?: CryptullyError): void {
    if (this.#finished) return;
    this.#aborted = true;
    this.#error ??= error;
    this.#stream.destroy();
  }

  #endStream(): void {
    if (!this.#stream.writableEnded) this.#stream.end();
    if (this.#closeTimer) return;
    this.#closeTimer = setTimeout(() => this.#fail(new ChannelTruncatedError()), CLOSE_TIMEOUT_MS);
    this.#closeTimer.unref();
  }

  #fail(error: CryptullyError): void {
    if (this.#finished || this.#aborted) return;
    this.#error ??= error;
    this.#aborted = true;
    this.#stream.destroy();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // After the listener being added is in place, and after the handshake promise resolves.
    queueMicrotask(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  /** Emits queued events in order; pauses reading while messages have no listener. */
  #flush(): void {
    while (this.#queue.length > 0 && !this.#aborted) {
      const event = this.#queue[0]!;
      if (event.type === 'message') {
        if (this.listenerCount('message') === 0 || this.#writeBlocked) {
          this.#stream.pause();
          return;
        }
        this.#queue.shift();
        this.emit('message', event.message);
      } else if (event.type === 'close') {
        this.#queue.shift();
        // The peer said goodbye: answer with ours, then the stream can close.
        if (!this.#channel.isSendClosed) writeFrames(this.#stream, this.#channel.close());
        // Not twice: a second end() costs Node an error object (ERR_STREAM_ALREADY_FINISHED).
        if (!this.#stream.writableEnded) this.#stream.end();
      } else {
        this.#queue.shift();
        this.#fail(event.error);
      }
    }
    if (!this.#aborted && !this.#finished && !this.#writeBlocked) this.#stream.resume();
  }

  #enqueue(events: ChannelEvent[]): void {
    // One by one: a spread of a huge batch could overflow the call stack.
    for (const event of events) this.#queue.push(event);
  }

  #onData = (chunk: Uint8Array): void => {
    if (this.#aborted || this.#channel.failure) return;
    this.#enqueue(this.#channel.receive(chunk));
    this.#flush();
  };

  #onEnd = (): void => {
    if (this.#aborted || this.#channel.failure) return;
    this.#enqueue(this.#channel.receiveEnd());
    this.#flush();
  };

  #onError = (error: unknown): void => {
    this.#error ??= streamError(error, '');
  };

  #onDrain = (): void => {
    if (this.#writeBlocked && this.#stream.writableLength <= MAX_UNSENT_BYTES) {
      this.#writeBlocked = false;
      this.#scheduleFlush();
    }
    this.emit('drain');
  };

  #onClose = (): void => {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#closeTimer);
    this.#detach();
    let error = this.#error;
    if (!error && !this.#aborted && !this.#channel.isReceiveClosed) {
      error = this.#channel.failure ?? new ChannelTruncatedError();
    }
    this.#queue = [];
    this.#channel.dispose();
    // Deferred, so that an owner still awaiting the handshake promise can listen first.
    queueMicrotask(() => {
      this.#outcome = { error };
      this.emit('close', error);
    });
  };

  #detach(): void {
    const stream = this.#stream;
    stream.off('data', this.#onData);
    stream.off('end', this.#onEnd);
    stream.off('error', this.#onError);
    stream.off('drain', this.#onDrain);
    stream.off('close', this.#onClose);
    // A late error event on a closed stream must not become an uncaught exception.
    stream.on('error', () => {});
  }
}
