/**
 * The one binary session message: a file chunk. Every other session message is a JSON object
 * (its first byte is `{`); a chunk starts with the byte 0x00, which no JSON text can, so the
 * two never mix up. Sent only when both hellos listed the `file` capability.
 *
 * Layout (docs/protocol-session.md §8):
 *
 * | bytes | field |
 * | --- | --- |
 * | 1 | 0x00 (marks a chunk) |
 * | 1 | length L of the transfer id (1 to 64) |
 * | L | the transfer id, `[A-Za-z0-9_-]` |
 * | 8 | offset of the data in the file, unsigned big-endian (below 2^53) |
 * | rest | the data, 1 to {@link MAX_CHUNK_BYTES} bytes |
 * @module
 */
import { MAX_ID_CHARS, SessionProtocolError } from '../session/messages.js';

/** The first byte of a chunk message. */
export const CHUNK_MARKER = 0x00;
/** The data a chunk carries at most: 64 KiB (one channel frame's worth of work per chunk). */
export const MAX_CHUNK_BYTES = 64 * 1024;
/**
 * The least data a chunk carries unless it ends the file. A sender splitting a file into
 * thousands of tiny chunks only costs the receiver work, so it is refused.
 */
export const MIN_CHUNK_BYTES = 16 * 1024;

const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** A decoded chunk. `data` is a view of the received message. */
export interface FileChunk {
  id: string;
  offset: number;
  data: Uint8Array;
}

function malformed(message: string): SessionProtocolError {
  return new SessionProtocolError('ERR_SESSION_MALFORMED', message);
}

/** Whether an inner message is a chunk (rather than JSON). */
export function isChunk(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === CHUNK_MARKER;
}

/**
 * Encodes a chunk message.
 * @throws {SessionProtocolError} for a bad id, offset or data size (a programming error).
 * @example encodeChunk('f1', 0, new Uint8Array([1, 2, 3]))
 */
export function encodeChunk(id: string, offset: number, data: Uint8Array): Uint8Array {
  if (data.length === 0 || data.length > MAX_CHUNK_BYTES)
    throw malformed('chunk size is not valid');
  const out = new Uint8Array(chunkHeaderBytes(id) + data.length);
  writeChunkHeader(out, 0, id, offset);
  out.set(data, chunkHeaderBytes(id));
  return out;
}

/** The bytes before the data in a chunk of transfer `id`. */
export function chunkHeaderBytes(id: string): number {
  return 2 + id.length + 8;
}

/**
 * Writes a chunk's header at `at` in `out`, so that the data can be read from the file right
 * behind it (no copy). The caller checks the data size; the id and offset are checked here.
 * @throws {SessionProtocolError} for a bad id or offset (a programming error).
 */
export function writeChunkHeader(out: Uint8Array, at: number, id: string, offset: number): void {
  if (id.length === 0 || id.length > MAX_ID_CHARS || !ID_PATTERN.test(id)) {
    throw malformed('chunk id must be 1 to 64 characters of [A-Za-z0-9_-]');
  }
  if (!Number.isSafeInteger(offset) || offset < 0) throw malformed('chunk offset is not valid');
  out[at] = CHUNK_MARKER;
  out[at + 1] = id.length;
  for (let i = 0; i < id.length; i += 1) out[at + 2 + i] = id.charCodeAt(i);
  const view = new DataView(out.buffer, out.byteOffset + at + 2 + id.length, 8);
  view.setUint32(0, Math.floor(offset / 2 ** 32));
  view.setUint32(4, offset >>> 0);
}

/**
 * Decodes a chunk message strictly.
 * @throws {SessionProtocolError} `ERR_SESSION_MALFORMED` for anything that is not a chunk.
 */
export function decodeChunk(bytes: Uint8Array): FileChunk {
  if (bytes.length < 2 || bytes[0] !== CHUNK_MARKER) throw malformed('not a file chunk');
  const idLength = bytes[1]!;
  if (idLength === 0 || idLength > MAX_ID_CHARS) throw malformed('chunk id length is not valid');
  const dataStart = 2 + idLength + 8;
  if (bytes.length <= dataStart) throw malformed('chunk is too short');
  if (bytes.length - dataStart > MAX_CHUNK_BYTES) throw malformed('chunk is too large');
  let id = '';
  for (let i = 0; i < idLength; i += 1) id += String.fromCharCode(bytes[2 + i]!);
  if (!ID_PATTERN.test(id)) throw malformed('chunk id must be of [A-Za-z0-9_-]');
  const view = new DataView(bytes.buffer, bytes.byteOffset + 2 + idLength, 8);
  const high = view.getUint32(0);
  if (high >= 2 ** 21) throw malformed('chunk offset is too large');
  const offset = high * 2 ** 32 + view.getUint32(4);
  return { id, offset, data: bytes.subarray(dataStart) };
}
