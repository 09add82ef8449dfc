/**
 * Node adapters: transports, the secure connection over a byte stream, and file stores.
 * Each adapter module adds its own export line below.
 * @module
 */

export * from './memory-transport.js';
export * from './tcp-transport.js';
export * from './transport.js';
