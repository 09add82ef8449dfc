/**
 * Node adapters: transports, the secure connection over a byte stream, and file stores.
 * Each adapter module adds its own export line below.
 * @module
 */

export * from './atomic-file.js';
export * from './identity-store.js';
export * from './known-peers-store.js';
export * from './memory-transport.js';
export * from './paths.js';
export * from './profile-store.js';
export * from './secure-connection.js';
export * from './tcp-transport.js';
export * from './transport.js';
