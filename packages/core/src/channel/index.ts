/**
 * The Cryptully channel: the prelude, the framing, the Noise XX / XXpsk3 handshake driver and
 * the encrypted transport, as pure state machines (bytes in, bytes and events out). The wire
 * format is specified in docs/protocol.md; `@cryptully/core/transport` runs it on a stream.
 * @module
 */
export * from './channel-handshake.js';
export * from './commitment.js';
export * from './constants.js';
export * from './errors.js';
export * from './frame-decoder.js';
export * from './frame-encoder.js';
export * from './handshake-status.js';
export * from './prelude.js';
// setChannelNoncesForTesting stays out of the entry point: moving a nonce back reuses it.
export {
  type ChannelEvent,
  type ChannelStats,
  SecureChannel,
  type SecureChannelOptions,
} from './secure-channel.js';
