/**
 * Buffer allocation shared by the channel's encoder and decoder (internal: not exported by the
 * channel's entry point).
 * @module
 */

/**
 * A buffer that is not zero-filled, for bytes the channel writes in full before anyone sees
 * them (frames about to be sealed: length prefixes, then plaintext encrypted in place; a frame
 * or a message being reassembled). Zeroing 64 KiB per message was a measurable part of the
 * channel's cost. Small ones come from Node's shared pool, like any small Buffer.
 */
export function allocFilledLater(length: number): Uint8Array {
  const buffer = Buffer.allocUnsafe(length);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
}
