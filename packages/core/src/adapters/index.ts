/**
 * Node transports (TCP, in-memory, HyperDHT) and the secure connection: the Cryptully channel run over
 * a transport's byte stream. The file stores are in `@cryptully/core/storage`.
 * @module
 */

export * from './dht-relay.js';
export * from './dht-settings.js';
export * from './dht-transport.js';
export * from './lan-discovery.js';
export * from './memory-transport.js';
export * from './open-files.js';
export * from './port-mapping.js';
export * from './secure-connection.js';
export * from './tcp-transport.js';
export * from './transport.js';
