import { abytes } from '../crypto/index.js';
import { InvalidArgumentError } from '../errors.js';
import type { CipherState } from '../noise/index.js';
import { allocFilledLater } from './alloc.js';
import {
  FRAME_HEADER_BYTES,
  MAX_CHANNEL_MESSAGE_BYTES,
  MAX_FRAGMENT_BYTES,
  MESSAGE_HEADER_BYTES,
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
  /**
   * `receive` may decrypt frames inside the chunks it is given (libsodium decrypts in place),
   * so that no plaintext copy is made: set it when the caller never reads a chunk again after
   * handing it over (a socket's chunks). Messages stay valid after later calls either way.
   */
  decryptInPlace?: boolean;
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

/** Wire bytes a frame adds around its data: length prefix, record type, tag. */
const FRAME_OVERHEAD_BYTES = FRAME_HEADER_BYTES + RECORD_HEADER_BYTES + TAG_BYTES;
/** Wire bytes of a full data frame. */
const FULL_FRAME_WIRE_BYTES = FRAME_OVERHEAD_BYTES + MAX_FRAGMENT_BYTES;

/**
 * Copies bytes from the consecutive `sources` (starting `skip` bytes into the first) into
 * `target` at `at` until `length` bytes are copied; returns where the copy stopped:
 * [index of the source, bytes of it used].
 */
function gather(
  sources: Uint8Array[],
  index: number,
  skip: number,
  target: Uint8Array,
  at: number,
  length: number,
): [number, number] {
  while (length > 0) {
    const source = sources[index]!;
    const take = Math.min(source.length - skip, length);
    target.set(take === source.length ? source : source.subarray(skip, skip + take), at);
    at += take;
    length -= take;
    skip += take;
    if (skip === source.length) {
      index += 1;
      skip = 0;
    }
  }
  return [index, skip];
}

/** The direction objects of a channel, for {@link setChannelNoncesForTesting}. */
let directionsOf: (channel: SecureChannel) => [Direction, Direction];

/**
 * The transport phase of a Cryptully channel, as a pure state machine: `seal` turns an
 * application message into frames to write, `receive` turns bytes read into messages.
 *
 * - Messages (0 bytes to {@link MAX_CHANNEL_MESSAGE_BYTES} each) form one stream, each message
 *   behind its 4-byte length; `data` records carry that stream, packed: a frame may end one
 *   message and begin the next, so that large writes fill whole frames (as TLS records do).
 *   Each frame's plaintext starts with a record type byte (`data`, `rekey`, `close`).
 * - {@link push} seals the full frames a message completes and keeps the rest for the next
 *   message or {@link flush}; {@link seal} is `push` then `flush`.
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
 * // or, packing a burst: for (const m of burst) write(channel.push(m)); write(channel.flush());
 * for (const event of channel.receive(chunk)) if (event.type === 'message') show(event.message);
 */
export class SecureChannel {
  static {
    directionsOf = (channel) => [channel.#send, channel.#receive];
  }

  readonly #send: Direction;
  readonly #receive: Direction;
  readonly #decoder: FrameDecoder;
  readonly #inPlace: boolean;
  /** Stream bytes pushed but not yet sealed (copies, wiped once sealed), and their total. */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Receiving: bytes of a message length prefix cut by a frame end (0 when none). */
  #headerFilled = 0;
  readonly #header = new Uint8Array(MESSAGE_HEADER_BYTES);
  /** Receiving: the message being assembled across frames, and how much of it has arrived. */
  #message: Uint8Array | undefined;
  #messageFilled = 0;
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
    this.#inPlace = options.decryptInPlace === true;
    this.#decoder = options.decoder ?? new FrameDecoder();
    this.#decoder.setLimits({ minFrameBytes: MIN_TRANSPORT_FRAME_BYTES });
  }

  /**
   * Encrypts one application message into frames (each with its length prefix), to be
   * written in order: {@link push} then {@link flush}. May append the close record when the
   * send nonce nears its end (then {@link isSendClosed} is true and {@link closeReason} says
   * why).
   * @throws {MessageTooLargeError} over {@link MAX_CHANNEL_MESSAGE_BYTES} (or the channel's
   *   `maxMessageBytes`); the channel stays usable.
   * @throws {ChannelClosedError} after {@link close}, a failure, or nonce exhaustion.
   */
  seal(message: Uint8Array): Uint8Array[] {
    const frames = this.push(message);
    if (this.#pendingBytes > 0) frames.push(this.#sealPending());
    this.#closeIfExhausted(frames);
    return frames;
  }

  /**
   * Adds one application message to the stream and returns the full frames it completes (none
   * for a small message), consecutive views of one buffer; the rest waits, copied, for the next
   * `push` or {@link flush}. Call `flush` before the stream goes idle (e.g. at the end of the
   * current tick), or the peer waits for bytes that are never sent.
   * @throws as {@link seal}.
   */
  push(message: Uint8Array): Uint8Array[] {
    abytes(message, undefined, 'message');
    this.#assertCanSend();
    if (message.length > this.#maxMessageBytes) {
      throw new MessageTooLargeError(message.length, this.#maxMessageBytes);
    }
    const header = new Uint8Array(MESSAGE_HEADER_BYTES);
    new DataView(header.buffer).setUint32(0, message.length);
    const sources = [...this.#pending, header, message];
    const total = this.#pendingBytes + MESSAGE_HEADER_BYTES + message.length;
    const full = Math.floor(total / MAX_FRAGMENT_BYTES);
    const frames: Uint8Array[] = [];
    let index = 0;
    let skip = 0;
    if (full > 0) {
      // All full frames are sealed into one buffer, consecutive views of it, so that a stream
      // can take them in one write.
      const wire = allocFilledLater(full * FULL_FRAME_WIRE_BYTES);
      for (let i = 0; i < full; i++) {
        const at = i * FULL_FRAME_WIRE_BYTES;
        const start = at + FRAME_HEADER_BYTES + RECORD_HEADER_BYTES;
        [index, skip] = gather(sources, index, skip, wire, start, MAX_FRAGMENT_BYTES);
        frames.push(this.#sealRecordInto(RecordType.data, MAX_FRAGMENT_BYTES, wire, at));
      }
    }
    // Keep the rest as one copy: the caller may reuse its message once push returns.
    const restBytes = total - full * MAX_FRAGMENT_BYTES;
    const rest = restBytes > 0 ? allocFilledLater(restBytes) : EMPTY;
    if (restBytes > 0) gather(sources, index, skip, rest, 0, restBytes);
    for (let i = 0; i < sources.length - 2; i++) sources[i]!.fill(0); // earlier copies
    this.#pending = restBytes > 0 ? [rest] : [];
    this.#pendingBytes = restBytes;
    return frames;
  }

  /**
   * Seals what {@link push} kept into one last frame (none when nothing waits). May append the
   * close record at nonce exhaustion, as {@link seal}.
   * @throws {ChannelClosedError} after a failure.
   */
  flush(): Uint8Array[] {
    if (this.#pendingBytes === 0 || this.#failure) return [];
    const frames = [this.#sealPending()];
    this.#closeIfExhausted(frames);
    return frames;
  }

  /** Whether {@link push} left bytes that a {@link flush} must send. */
  get hasPending(): boolean {
    return this.#pendingBytes > 0;
  }

  #sealPending(): Uint8Array {
    const length = this.#pendingBytes;
    const wire = allocFilledLater(FRAME_OVERHEAD_BYTES + length);
    gather(this.#pending, 0, 0, wire, FRAME_HEADER_BYTES + RECORD_HEADER_BYTES, length);
    for (const part of this.#pending) part.fill(0);
    this.#pending = [];
    this.#pendingBytes = 0;
    return this.#sealRecordInto(RecordType.data, length, wire, 0);
  }

  /**
   * Asks for a rekey now: returns a `rekey` record after which both ends rekey this direction.
   * @throws {ChannelClosedError} after {@link close} or a failure.
   */
  rekey(): Uint8Array[] {
    this.#assertCanSend();
    const frames = this.#pendingBytes > 0 ? [this.#sealPending()] : [];
    frames.push(this.#sealRecord(RecordType.rekey));
    this.#closeIfExhausted(frames);
    return frames;
  }

  /**
   * The clean goodbye: returns what {@link push} kept, then the `close` record, to write;
   * nothing can be sent after it. Idempotent (returns no frames once the send side is closed
   * or the channel failed).
   */
  close(): Uint8Array[] {
    if (this.#send.closed || this.#failure) return [];
    const frames = this.#pendingBytes > 0 ? [this.#sealPending()] : [];
    frames.push(this.#sealClose());
    return frames;
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
   * Bytes of buffers the channel keeps between calls (the decoder's reassembly buffer, and what
   * `push` keeps until a flush; `seal` keeps none), for memory accounting and tests: small for a channel that only carried small
   * messages, whatever it carried earlier.
   */
  get bufferCapacity(): number {
    return this.#decoder.bufferCapacity + this.#pendingBytes;
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
    return this.#sealRecordInto(type, 0, allocFilledLater(FRAME_OVERHEAD_BYTES), 0);
  }

  /**
   * Seals the frame at `at` in `wire`, whose `bodyLength` bytes of body are already in place
   * after the length prefix and type byte: writes both, then encrypts the plaintext in place
   * (the cipher reads the whole plaintext before it writes, so no plaintext copy outlives the
   * call). Returns a view of the frame.
   */
  #sealRecordInto(
    type: RecordTypeCode,
    bodyLength: number,
    wire: Uint8Array,
    at: number,
  ): Uint8Array {
    const plaintextLength = RECORD_HEADER_BYTES + bodyLength;
    const length = plaintextLength + TAG_BYTES;
    const start = at + FRAME_HEADER_BYTES;
    wire[at] = length >>> 8;
    wire[at + 1] = length & 0xff;
    wire[start] = type;
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
    if (this.#pendingBytes > 0) frames.push(this.#sealPending());
    frames.push(this.#sealClose());
    this.#closeReason = new ChannelExhaustedError();
  }

  /** Authenticates and decrypts one frame, then applies its record. */
  #openFrame(frame: Uint8Array, events: ChannelEvent[]): void {
    const direction = this.#receive;
    const lateNonce = direction.cipher.nonce >= NONCE_CLOSE_THRESHOLD;
    // In place in a chunk the caller gave up, and always in the decoder's reassembly buffer
    // (ours: a frame split across chunks, which a 64 KiB stream's frames nearly all are); if a
    // message is then handed out as a view of it, the decoder gives that buffer up.
    const reassembled = this.#decoder.lastFrameReassembled;
    let plaintext: Uint8Array;
    try {
      plaintext =
        this.#inPlace || reassembled
          ? direction.cipher.decryptWithAdInPlace(EMPTY, frame)
          : direction.cipher.decryptWithAd(EMPTY, frame);
    } catch (error) {
      throw new ChannelDecryptError({ cause: error });
    }
    const type = plaintext[0]! as RecordTypeCode;
    const body = plaintext.subarray(RECORD_HEADER_BYTES);
    const inMessage = this.#headerFilled > 0 || this.#message !== undefined;
    switch (type) {
      case RecordType.data:
        if (body.length === 0) throw new ChannelProtocolError('an empty data record');
        if (this.#readStream(body, events, lateNonce) && reassembled) {
          this.#decoder.releaseLastFrame();
        }
        break;
      case RecordType.rekey:
      case RecordType.close:
        if (body.length !== 0) throw new ChannelProtocolError('a control record carried data');
        if (lateNonce && type !== RecordType.close) {
          throw new ChannelProtocolError('the peer kept sending past its nonce limit');
        }
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

  /**
   * Reads the message stream in one `data` record's body: length prefixes (possibly cut by a
   * frame end) and message bytes. A message that lies whole in the body is delivered as a view
   * of it; one that spans frames is assembled in a buffer of its own size. Past the nonce
   * limit (`late`), a record may only finish the message in progress, not begin one.
   * Returns whether a message was delivered as a view of `body`.
   */
  #readStream(body: Uint8Array, events: ChannelEvent[], late: boolean): boolean {
    let at = 0;
    let viewed = false;
    while (at < body.length) {
      const message = this.#message;
      if (message !== undefined) {
        const take = Math.min(message.length - this.#messageFilled, body.length - at);
        message.set(body.subarray(at, at + take), this.#messageFilled);
        this.#messageFilled += take;
        at += take;
        if (this.#messageFilled === message.length) {
          this.#message = undefined;
          this.#messageFilled = 0;
          events.push({ type: 'message', message });
        }
        continue;
      }
      let length: number;
      if (this.#headerFilled === 0 && body.length - at >= MESSAGE_HEADER_BYTES) {
        if (late) throw new ChannelProtocolError('the peer kept sending past its nonce limit');
        length =
          ((body[at]! << 24) | (body[at + 1]! << 16) | (body[at + 2]! << 8) | body[at + 3]!) >>> 0;
        at += MESSAGE_HEADER_BYTES;
      } else {
        if (this.#headerFilled === 0 && late) {
          throw new ChannelProtocolError('the peer kept sending past its nonce limit');
        }
        const take = Math.min(MESSAGE_HEADER_BYTES - this.#headerFilled, body.length - at);
        this.#header.set(body.subarray(at, at + take), this.#headerFilled);
        this.#headerFilled += take;
        at += take;
        if (this.#headerFilled < MESSAGE_HEADER_BYTES) return viewed;
        this.#headerFilled = 0;
        length = new DataView(this.#header.buffer).getUint32(0);
      }
      if (length > this.#maxMessageBytes) {
        throw new MessageTooLargeError(length, this.#maxMessageBytes);
      }
      if (body.length - at >= length) {
        events.push({ type: 'message', message: body.subarray(at, at + length) });
        viewed = true;
        at += length;
      } else {
        this.#message = allocFilledLater(length);
        this.#messageFilled = 0;
      }
    }
    return viewed;
  }

  #fail(events: ChannelEvent[], error: ChannelError): ChannelEvent[] {
    this.#failure = error;
    this.#message = undefined;
    this.#messageFilled = 0;
    this.#headerFilled = 0;
    for (const part of this.#pending) part.fill(0);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#send.cipher.dispose();
    this.#receive.cipher.dispose();
    events.push({ type: 'error', error });
    return events;
  }
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
