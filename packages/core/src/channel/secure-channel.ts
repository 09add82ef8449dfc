import { abytes } from '../crypto/index.js';
import { InvalidArgumentError } from '../errors.js';
import type { CipherState } from '../noise/index.js';
import {
  FRAME_HEADER_BYTES,
  MAX_CHANNEL_MESSAGE_BYTES,
  MAX_FRAGMENT_BYTES,
  MIN_TRANSPORT_FRAME_BYTES,
  NONCE_CLOSE_THRESHOLD,
  RECORD_HEADER_BYTES,
  REKEY_AFTER_BYTES,
  REKEY_AFTER_FRAMES,
  RecordType,
  type RecordTypeCode,
  TAG_BYTES,
} from './constants.js';
import {
  ChannelClosedError,
  ChannelDecryptError,
  ChannelError,
  ChannelExhaustedError,
  ChannelProtocolError,
  ChannelTruncatedError,
  MessageTooLargeError,
} from './errors.js';
import { FrameDecoder } from './frame-decoder.js';

/** Options of a {@link SecureChannel}; usually the {@link HandshakeResult} itself. */
export interface SecureChannelOptions {
  /** Encrypts what this end sends (from the handshake's `split()`). */
  sendCipher: CipherState;
  /** Decrypts what this end receives. */
  receiveCipher: CipherState;
  /** A decoder holding bytes received after the handshake; a new one by default. */
  decoder?: FrameDecoder;
  /**
   * Rekey after this many frames per direction; default {@link REKEY_AFTER_FRAMES}. Part of
   * the protocol: both ends must use the same value. Changed only by tests.
   */
  rekeyAfterFrames?: number;
  /** Rekey after this many frame bytes per direction; default {@link REKEY_AFTER_BYTES}. Same caveat. */
  rekeyAfterBytes?: number;
  /**
   * Largest application message this end sends or reassembles, at most (and by default)
   * {@link MAX_CHANNEL_MESSAGE_BYTES}. A layer above whose messages are smaller (the session's are at
   * most 128 KiB) lowers it, so that a peer cannot make it buffer 1 MiB per connection.
   */
  maxMessageBytes?: number;
}

/** Something the peer sent, in order, as returned by {@link SecureChannel.receive}. */
export type ChannelEvent =
  /** One complete, authenticated application message. */
  | { readonly type: 'message'; readonly message: Uint8Array }
  /** The peer's clean goodbye: it will send nothing more. */
  | { readonly type: 'close' }
  /** The channel failed (always the last event); nothing after the failure was delivered. */
  | { readonly type: 'error'; readonly error: ChannelError };

/** Counters of a channel, per direction (for tests, metrics and benchmarks). */
export interface ChannelStats {
  framesSent: number;
  framesReceived: number;
  /** Noise message bytes sent (length prefixes excluded). */
  bytesSent: number;
  bytesReceived: number;
  /** How many times each direction rekeyed (automatically or on request). */
  sendRekeys: number;
  receiveRekeys: number;
}

/** One direction of the channel: its cipher and what the rekey rule has to count. */
class Direction {
  frames = 0;
  bytes = 0;
  rekeys = 0;
  framesSinceRekey = 0;
  bytesSinceRekey = 0;
  closed = false;

  constructor(
    readonly cipher: CipherState,
    private readonly rekeyAfterFrames: number,
    private readonly rekeyAfterBytes: number,
  ) {}

  /**
   * Counts one frame of `length` bytes and rekeys when the record asks for it or an interval
   * is reached. Both ends count the same frames, so both rekey after the same frame.
   */
  account(length: number, type: RecordTypeCode): void {
    this.frames += 1;
    this.bytes += length;
    this.framesSinceRekey += 1;
    this.bytesSinceRekey += length;
    if (type === RecordType.close) return;
    if (
      type === RecordType.rekey ||
      this.framesSinceRekey >= this.rekeyAfterFrames ||
      this.bytesSinceRekey >= this.rekeyAfterBytes
    ) {
      this.cipher.rekey();
      this.rekeys += 1;
      this.framesSinceRekey = 0;
      this.bytesSinceRekey = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);

/** Wire bytes a frame adds around a fragment: length prefix, record type, tag. */
const FRAME_OVERHEAD_BYTES = FRAME_HEADER_BYTES + RECORD_HEADER_BYTES + TAG_BYTES;

/**
 * A buffer that is not zero-filled, for bytes the channel writes in full before anyone sees
 * them (frames about to be sealed: length prefixes, then plaintext encrypted in place; a message
 * being reassembled). Zeroing 64 KiB per message was a measurable part of the channel's cost.
 * Small ones come from Node's shared pool, like any small Buffer.
 */
function allocFilledLater(length: number): Uint8Array {
  const buffer = Buffer.allocUnsafe(length);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
}

/** The direction objects of a channel, for {@link setChannelNoncesForTesting}. */
let directionsOf: (channel: SecureChannel) => [Direction, Direction];

/**
 * The transport phase of a Cryptully channel, as a pure state machine: `seal` turns an
 * application message into frames to write, `receive` turns bytes read into messages.
 *
 * - A message (0 bytes to {@link MAX_CHANNEL_MESSAGE_BYTES}) becomes one or more frames; each frame's
 *   plaintext starts with a record type byte (`data`, `dataMore`, `rekey`, `close`).
 * - Every direction rekeys (Noise §11.3) after {@link REKEY_AFTER_FRAMES} frames or
 *   {@link REKEY_AFTER_BYTES} bytes, and after a `rekey` record ({@link rekey}).
 * - Fail closed: any bad frame ends the channel with an `error` event; messages before it were
 *   authenticated, nothing after it is delivered. Later calls throw {@link ChannelClosedError}.
 * - {@link close} sends the clean goodbye; {@link receiveEnd} tells a goodbye from a cut stream.
 * - Before a direction's nonce could approach 2^64 - 1 the channel closes it
 *   ({@link NONCE_CLOSE_THRESHOLD}).
 *
 * @example
 * const channel = new SecureChannel(handshakeResult);
 * socket.write(channel.seal(new TextEncoder().encode('hi'))); // an array of chunks
 * for (const event of channel.receive(chunk)) if (event.type === 'message') show(event.message);
 */
export class SecureChannel {
  static {
    directionsOf = (channel) => [channel.#send, channel.#receive];
  }

  readonly #send: Direction;
  readonly #receive: Direction;
  readonly #decoder: FrameDecoder;
  #fragments: Uint8Array[] = [];
  #fragmentBytes = 0;
  #failure: ChannelError | undefined;
  #closeReason: ChannelError | undefined;
  readonly #maxMessageBytes: number;

  /**
   * @throws {InvalidArgumentError} when a rekey interval is not a positive integer, or
   *   `maxMessageBytes` is not a whole number from 0 to {@link MAX_CHANNEL_MESSAGE_BYTES}.
   */
  constructor(options: SecureChannelOptions) {
    const frames = options.rekeyAfterFrames ?? REKEY_AFTER_FRAMES;
    const bytes = options.rekeyAfterBytes ?? REKEY_AFTER_BYTES;
    if (!Number.isSafeInteger(frames) || frames < 1 || !Number.isSafeInteger(bytes) || bytes < 1) {
      throw new InvalidArgumentError('rekey intervals must be positive integers');
    }
    const maxMessageBytes = options.maxMessageBytes ?? MAX_CHANNEL_MESSAGE_BYTES;
    if (
      !Number.isInteger(maxMessageBytes) ||
      maxMessageBytes < 0 ||
      maxMessageBytes > MAX_CHANNEL_MESSAGE_BYTES
    ) {
      throw new InvalidArgumentError(`maxMessageBytes must be 0 to ${MAX_CHANNEL_MESSAGE_BYTES}`);
    }
    this.#maxMessageBytes = maxMessageBytes;
    this.#send = new Direction(options.sendCipher, frames, bytes);
    this.#receive = new Direction(options.receiveCipher, frames, bytes);
    this.#decoder = options.decoder ?? new FrameDecoder();
    this.#decoder.setLimits({ minFrameBytes: MIN_TRANSPORT_FRAME_BYTES });
  }

  /**
   * Encrypts one application message into frames (each with its length prefix), to be
   * written in order. May append the close record when the send nonce nears its end (then
   * {@link isSendClosed} is true and {@link closeReason} says why).
   * @throws {MessageTooLargeError} over {@link MAX_CHANNEL_MESSAGE_BYTES} (or the channel's
   *   `maxMessageBytes`); the channel stays usable.
   * @throws {ChannelClosedError} after {@link close}, a failure, or nonce exhaustion.
   */
  seal(message: Uint8Array): Uint8Array[] {
    abytes(message, undefined, 'message');
    this.#assertCanSend();
    if (message.length > this.#maxMessageBytes) {
      throw new MessageTooLargeError(message.length, this.#maxMessageBytes);
    }
    // All frames of the message are sealed into one buffer and returned as consecutive views
    // of it, so that a stream can take them in one write.
    const count = Math.max(1, Math.ceil(message.length / MAX_FRAGMENT_BYTES));
    const wire = allocFilledLater(message.length + count * FRAME_OVERHEAD_BYTES);
    const frames: Uint8Array[] = [];
    let offset = 0;
    let at = 0;
    for (let i = 0; i < count; i++) {
      const end = Math.min(offset + MAX_FRAGMENT_BYTES, message.length);
      const type = end === message.length ? RecordType.data : RecordType.dataMore;
      const frame = this.#sealRecordInto(type, message.subarray(offset, end), wire, at);
      frames.push(frame);
      offset = end;
      at += frame.length;
    }
    this.#closeIfExhausted(frames);
    return frames;
  }

  /**
   * Asks for a rekey now: returns a `rekey` record after which both ends rekey this direction.
   * @throws {ChannelClosedError} after {@link close} or a failure.
   */
  rekey(): Uint8Array[] {
    this.#assertCanSend();
    const frames = [this.#sealRecord(RecordType.rekey)];
    this.#closeIfExhausted(frames);
    return frames;
  }

  /**
   * The clean goodbye: returns the `close` record to write; nothing can be sent after it.
   * Idempotent (returns no frames once the send side is closed or the channel failed).
   */
  close(): Uint8Array[] {
    if (this.#send.closed || this.#failure) return [];
    return [this.#sealClose()];
  }

  /**
   * Feeds bytes read from the peer (any split: a partial frame, several frames) and returns
   * what they completed, in order. Never throws for the peer's misbehaviour: that ends with an
   * `error` event and the channel failed.
   * @throws {ChannelClosedError} when called after the channel failed.
   */
  receive(chunk: Uint8Array): ChannelEvent[] {
    if (this.#failure) throw new ChannelClosedError();
    const events: ChannelEvent[] = [];
    if (this.#receive.closed) {
      if (chunk.length === 0) return events;
      return this.#fail(events, new ChannelProtocolError('the peer sent data after its goodbye'));
    }
    try {
      this.#decoder.push(chunk);
      for (let frame = this.#decoder.next(); frame; frame = this.#decoder.next()) {
        this.#openFrame(frame, events);
        if (this.#receive.closed) {
          if (this.#decoder.hasPartialFrame) {
            throw new ChannelProtocolError('the peer sent data after its goodbye');
          }
          break;
        }
      }
    } catch (error) {
      return this.#fail(events, asChannelError(error));
    }
    return events;
  }

  /**
   * Tells the channel the byte stream ended. Returns no event after the peer's goodbye, and an
   * `error` event with {@link ChannelTruncatedError} otherwise (the stream was cut).
   */
  receiveEnd(): ChannelEvent[] {
    if (this.#failure || this.#receive.closed) return [];
    return this.#fail([], new ChannelTruncatedError());
  }

  /**
   * Wipes both keys and ends the channel without a goodbye (e.g. when the stream is gone);
   * later calls throw {@link ChannelClosedError}. Idempotent.
   */
  dispose(): void {
    if (this.#failure) return;
    this.#fail([], new ChannelClosedError());
  }

  /** Whether this end has sent its goodbye (or closed itself at nonce exhaustion). */
  get isSendClosed(): boolean {
    return this.#send.closed;
  }

  /** Whether the peer's goodbye has been received. */
  get isReceiveClosed(): boolean {
    return this.#receive.closed;
  }

  /** The error that ended the channel, if it failed. */
  get failure(): ChannelError | undefined {
    return this.#failure;
  }

  /** Why the channel closed its send side by itself ({@link ChannelExhaustedError}), if it did. */
  get closeReason(): ChannelError | undefined {
    return this.#closeReason;
  }

  /**
   * Bytes of buffers the channel keeps between calls (the decoder's reassembly buffer; `seal`
   * keeps none), for memory accounting and tests: small for a channel that only carried small
   * messages, whatever it carried earlier.
   */
  get bufferCapacity(): number {
    return this.#decoder.bufferCapacity;
  }

  /** A snapshot of the channel's counters. */
  get stats(): ChannelStats {
    return {
      framesSent: this.#send.frames,
      framesReceived: this.#receive.frames,
      bytesSent: this.#send.bytes,
      bytesReceived: this.#receive.bytes,
      sendRekeys: this.#send.rekeys,
      receiveRekeys: this.#receive.rekeys,
    };
  }

  #assertCanSend(): void {
    if (this.#failure) throw new ChannelClosedError('the channel failed');
    if (this.#send.closed) throw this.#closeReason ?? new ChannelClosedError();
  }

  /** Seals a control record (no body) into a frame buffer of its own. */
  #sealRecord(type: RecordTypeCode): Uint8Array {
    return this.#sealRecordInto(type, EMPTY, allocFilledLater(FRAME_OVERHEAD_BYTES), 0);
  }

  /**
   * Writes the frame of record `type | body` into `wire` at `at` and returns a view of it: the
   * length prefix, then the plaintext, which is then encrypted in place (the cipher reads the
   * whole plaintext before it writes, so no plaintext copy outlives the call).
   */
  #sealRecordInto(
    type: RecordTypeCode,
    body: Uint8Array,
    wire: Uint8Array,
    at: number,
  ): Uint8Array {
    const plaintextLength = RECORD_HEADER_BYTES + body.length;
    const length = plaintextLength + TAG_BYTES;
    const start = at + FRAME_HEADER_BYTES;
    wire[at] = length >>> 8;
    wire[at + 1] = length & 0xff;
    wire[start] = type;
    wire.set(body, start + RECORD_HEADER_BYTES);
    try {
      this.#send.cipher.encryptWithAdInto(
        EMPTY,
        wire.subarray(start, start + plaintextLength),
        wire,
        start,
      );
    } catch (error) {
      wire.fill(0); // it holds plaintext that will never be encrypted
      throw error;
    }
    this.#send.account(length, type);
    return wire.subarray(at, start + length);
  }

  #sealClose(): Uint8Array {
    const frame = this.#sealRecord(RecordType.close);
    this.#send.closed = true;
    this.#send.cipher.dispose();
    return frame;
  }

  #closeIfExhausted(frames: Uint8Array[]): void {
    if (this.#send.cipher.nonce < NONCE_CLOSE_THRESHOLD) return;
    frames.push(this.#sealClose());
    this.#closeReason = new ChannelExhaustedError();
  }

  /** Authenticates and decrypts one frame, then applies its record. */
  #openFrame(frame: Uint8Array, events: ChannelEvent[]): void {
    const direction = this.#receive;
    const lateNonce = direction.cipher.nonce >= NONCE_CLOSE_THRESHOLD;
    let plaintext: Uint8Array;
    try {
      plaintext = direction.cipher.decryptWithAd(EMPTY, frame);
    } catch (error) {
      throw new ChannelDecryptError({ cause: error });
    }
    const type = plaintext[0]! as RecordTypeCode;
    const body = plaintext.subarray(RECORD_HEADER_BYTES);
    const inMessage = this.#fragments.length > 0;
    if (lateNonce && type !== RecordType.close && !(inMessage && isData(type))) {
      throw new ChannelProtocolError('the peer kept sending past its nonce limit');
    }
    switch (type) {
      case RecordType.data:
      case RecordType.dataMore:
        this.#addFragment(type, body, events);
        break;
      case RecordType.rekey:
      case RecordType.close:
        if (body.length !== 0) throw new ChannelProtocolError('a control record carried data');
        if (type === RecordType.close) {
          if (inMessage)
            throw new ChannelProtocolError('the peer closed in the middle of a message');
          direction.closed = true;
          events.push({ type: 'close' });
        }
        break;
      default:
        throw new ChannelProtocolError(`unknown record type ${type}`);
    }
    direction.account(frame.length, type);
    if (direction.closed) direction.cipher.dispose();
  }

  #addFragment(type: RecordTypeCode, body: Uint8Array, events: ChannelEvent[]): void {
    const total = this.#fragmentBytes + body.length;
    if (total > this.#maxMessageBytes) {
      throw new MessageTooLargeError(total, this.#maxMessageBytes);
    }
    if (type === RecordType.dataMore) {
      if (body.length === 0) throw new ChannelProtocolError('an empty message fragment');
      this.#fragments.push(body);
      this.#fragmentBytes = total;
      return;
    }
    if (this.#fragments.length === 0) {
      events.push({ type: 'message', message: body });
      return;
    }
    const message = allocFilledLater(total);
    let offset = 0;
    for (const fragment of this.#fragments) {
      message.set(fragment, offset);
      offset += fragment.length;
    }
    message.set(body, offset);
    this.#fragments = [];
    this.#fragmentBytes = 0;
    events.push({ type: 'message', message });
  }

  #fail(events: ChannelEvent[], error: ChannelError): ChannelEvent[] {
    this.#failure = error;
    this.#fragments = [];
    this.#fragmentBytes = 0;
    this.#send.cipher.dispose();
    this.#receive.cipher.dispose();
    events.push({ type: 'error', error });
    return events;
  }
}

function isData(type: number): boolean {
  return type === RecordType.data || type === RecordType.dataMore;
}

function asChannelError(error: unknown): ChannelError {
  if (error instanceof ChannelError) return error;
  return new ChannelProtocolError('the channel failed on an unexpected error');
}

/**
 * Test-only: moves both nonces of a channel (e.g. near {@link NONCE_CLOSE_THRESHOLD}) to test
 * nonce exhaustion without 2^64 messages. Set the peer's matching nonces too. Never use it in
 * application code.
 */
export function setChannelNoncesForTesting(
  channel: SecureChannel,
  nonces: { send?: bigint; receive?: bigint },
): void {
  const [send, receive] = directionsOf(channel);
  if (nonces.send !== undefined) send.cipher.nonce = nonces.send;
  if (nonces.receive !== undefined) receive.cipher.nonce = nonces.receive;
}
