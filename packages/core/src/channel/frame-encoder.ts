import { InvalidArgumentError } from '../errors.js';
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES } from './constants.js';
import { FrameTooLargeError } from './errors.js';

function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < 1) {
    throw new InvalidArgumentError('a frame must carry at least one byte');
  }
  if (length > MAX_FRAME_BYTES) throw new FrameTooLargeError(length, MAX_FRAME_BYTES);
}

/**
 * The 2-byte big-endian length prefix of a frame of `length` bytes.
 * @throws {FrameTooLargeError} when `length` exceeds {@link MAX_FRAME_BYTES}.
 * @throws {InvalidArgumentError} when `length` is not a positive integer.
 * @example writeFrameHeader(5) // Uint8Array [0x00, 0x05]
 */
export function writeFrameHeader(length: number): Uint8Array {
  checkLength(length);
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  header[0] = length >>> 8;
  header[1] = length & 0xff;
  return header;
}

/**
 * One frame as it goes on the wire: the length prefix followed by a copy of `message`. Use it
 * for small messages; large ones are cheaper written as `[writeFrameHeader(n), message]`.
 * @throws {FrameTooLargeError} when `message` is longer than {@link MAX_FRAME_BYTES}.
 * @example encodeFrame(new Uint8Array([7])) // Uint8Array [0x00, 0x01, 0x07]
 */
export function encodeFrame(message: Uint8Array): Uint8Array {
  checkLength(message.length);
  const frame = new Uint8Array(FRAME_HEADER_BYTES + message.length);
  frame[0] = message.length >>> 8;
  frame[1] = message.length & 0xff;
  frame.set(message, FRAME_HEADER_BYTES);
  return frame;
}
