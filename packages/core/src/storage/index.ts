/**
 * Node file stores: the identity, the profile (display name) and the known peers, each in
 * its own file under the Cryptully home folder (`cryptullyHome`), written atomically.
 * Formats: docs/protocol-identity.md.
 * @module
 */

export * from './atomic-file.js';
export * from './identity-store.js';
export * from './known-peers-store.js';
export * from './paths.js';
export * from './profile-store.js';
