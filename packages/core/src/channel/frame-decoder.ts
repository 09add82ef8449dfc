import { InvalidArgumentError } from '../errors.js';
import { allocFilledLater } from './alloc.js';
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES } from './constants.js';
import { type ChannelError, ChannelProtocolError, FrameTooLargeError } from './errors.js';

/** Limits of a {@link FrameDecoder}; both inclusive. */
export interface FrameLimits {
  /** Smallest acceptable frame, at least 1 (a zero length is never valid). Default 1. */
  minFrameBytes?: number;
  /** Largest acceptable frame, at most {@link MAX_FRAME_BYTES}. Default 65535. */
  maxFrameBytes?: number;
}

const EMPTY = new Uint8Array(0);
/**
 * Largest reassembly buffer kept once the stream is idle (no frame in progress). A 64 KiB one
 * kept by every idle connection would dominate a host's memory; while frames keep coming
 * split, the buffer is reused.
 */
const KEPT_ASSEMBLY_BYTES = 4096;

/**
 * Splits a byte stream into frames (a 2-byte big-endian length, then that many bytes). It is
 * incremental: input may be cut at any byte and a chunk may hold many frames.
 *
 * Feed a chunk with {@link push}, then call {@link next} until it returns `undefined`.
 * A frame that lies whole inside the chunk is returned as a view of that chunk (no copy); a
 * frame split across chunks is assembled in a buffer reused from frame to frame, so a
 * returned frame is only valid until the next call to `push` or `next`: copy it to keep it.
 *
 * A length outside the limits is rejected as soon as its 2 bytes are read, before any buffer
 * of that size exists; the decoder then stays failed and rethrows the same error.
 *
 * @example
 * const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
 * decoder.push(chunk);
 * for (let frame = decoder.next(); frame; frame = decoder.next()) handle(frame);
 */
export class FrameDecoder {
  #min: number;
  #max: number;
  #chunk: Uint8Array = EMPTY;
  #offset = 0;
  /** First byte of a length prefix cut by the end of a chunk, or -1. */
  #headerByte = -1;
  /** Length of the frame being assembled across chunks, or 0. */
  #expected = 0;
  #filled = 0;
  #assembly: Uint8Array = EMPTY;
  #failure: ChannelError | undefined;
  #lastReassembled = false;

  constructor(limits: FrameLimits = {}) {
    this.#min = 1;
    this.#max = MAX_FRAME_BYTES;
    this.setLimits(limits);
  }

  /**
   * Changes the limits for the frames not yet started (e.g. when a handshake moves on to the
   * transport phase).
   * @throws {InvalidArgumentError} when the limits are outside 1..65535 or min > max.
   */
  setLimits({ minFrameBytes = 1, maxFrameBytes = MAX_FRAME_BYTES }: FrameLimits): void {
    if (
      !Number.isInteger(minFrameBytes) ||
      !Number.isInteger(maxFrameBytes) ||
      minFrameBytes < 1 ||
      maxFrameBytes > MAX_FRAME_BYTES ||
      minFrameBytes > maxFrameBytes
    ) {
      throw new InvalidArgumentError('frame limits must satisfy 1 <= min <= max <= 65535');
    }
    this.#min = minFrameBytes;
    this.#max = maxFrameBytes;
  }

  /**
   * Hands the decoder the next chunk of the stream. Bytes of the previous chunk that `next`
   * has not consumed yet are kept (copied once) in front of it.
   */
  push(chunk: Uint8Array): void {
    const rest = this.#chunk.length - this.#offset;
    if (rest > 0) {
      if (chunk.length === 0) return;
      const joined = new Uint8Array(rest + chunk.length);
      joined.set(this.#chunk.subarray(this.#offset), 0);
      joined.set(chunk, rest);
      chunk = joined;
    }
    this.#chunk = chunk;
    this.#offset = 0;
  }

  /**
   * The next complete frame, or `undefined` when more bytes are needed.
   * @throws {FrameTooLargeError} when a length prefix exceeds the maximum.
   * @throws {ChannelProtocolError} when a length prefix is below the minimum (e.g. zero).
   */
  next(): Uint8Array | undefined {
    if (this.#failure) throw this.#failure;
    const chunk = this.#chunk;
    let offset = this.#offset;
    if (this.#expected === 0) {
      let length: number;
      if (this.#headerByte >= 0) {
        if (offset >= chunk.length) return undefined;
        length = (this.#headerByte << 8) | chunk[offset]!;
        offset += 1;
        this.#headerByte = -1;
      } else if (chunk.length - offset >= FRAME_HEADER_BYTES) {
        length = (chunk[offset]! << 8) | chunk[offset + 1]!;
        offset += FRAME_HEADER_BYTES;
      } else {
        if (offset < chunk.length) this.#headerByte = chunk[offset]!;
        this.#release();
        return undefined;
      }
      this.#offset = offset;
      this.#check(length);
      if (chunk.length - offset >= length) {
        this.#offset = offset + length;
        this.#lastReassembled = false;
        return chunk.subarray(offset, offset + length);
      }
      // Not zero-filled: the frame is returned only once all its bytes are written.
      if (this.#assembly.length < length) this.#assembly = allocFilledLater(length);
      this.#expected = length;
      this.#filled = 0;
    }
    const take = Math.min(this.#expected - this.#filled, chunk.length - offset);
    this.#assembly.set(chunk.subarray(offset, offset + take), this.#filled);
    this.#filled += take;
    this.#offset = offset + take;
    if (this.#filled < this.#expected) {
      this.#release();
      return undefined;
    }
    const frame = this.#assembly.subarray(0, this.#expected);
    this.#expected = 0;
    this.#filled = 0;
    this.#lastReassembled = true;
    return frame;
  }

  /**
   * Whether the frame `next` returned last lies in the decoder's own reassembly buffer (it was
   * split across chunks), which the next split frame overwrites; otherwise it is a view of a
   * chunk given to `push` (or of a join of two chunks' bytes made by `push`).
   */
  get lastFrameReassembled(): boolean {
    return this.#lastReassembled;
  }

  /**
   * Gives up the reassembly buffer that holds the frame `next` returned last (when
   * {@link lastFrameReassembled}): the decoder never writes there again and assembles the next
   * split frame in a new buffer, so the caller may keep views of that frame (e.g. decrypt it in
   * place and hand out parts of the plaintext). No effect otherwise.
   */
  releaseLastFrame(): void {
    if (this.#lastReassembled && this.#expected === 0) this.#assembly = EMPTY;
  }

  /** True when the bytes received so far end inside a frame (a cut stream, if it ends here). */
  get hasPartialFrame(): boolean {
    return this.#headerByte >= 0 || this.#expected > 0 || this.#offset < this.#chunk.length;
  }

  /** Bytes of reassembly buffer held (for memory accounting and tests); 0 until a frame is split. */
  get bufferCapacity(): number {
    return this.#assembly.length;
  }

  #release(): void {
    this.#chunk = EMPTY;
    this.#offset = 0;
    // Called when the input is used up: without a frame in progress, the stream is idle.
    if (this.#expected === 0 && this.#assembly.length > KEPT_ASSEMBLY_BYTES) this.#assembly = EMPTY;
  }

  #check(length: number): void {
    if (length > this.#max) this.#failure = new FrameTooLargeError(length, this.#max);
    else if (length < this.#min) {
      this.#failure = new ChannelProtocolError(
        `frame of ${length} bytes is shorter than the minimum of ${this.#min} bytes`,
      );
    }
    if (this.#failure) {
      this.#release();
      throw this.#failure;
    }
  }
}
