/**
 * Identity and trust, pure: the identity file codec, fingerprints and peer ids, verification
 * codes, invites and the host's invite book, known peers. File I/O lives in
 * `@cryptully/core/storage` (the file stores). Specification: docs/protocol-identity.md.
 * @module
 */
export * from './address.js';
export * from './confusables.js';
export * from './dht-keys.js';
export * from './errors.js';
export * from './fingerprint.js';
export * from './identity-file.js';
export * from './invite.js';
export * from './invite-book.js';
export * from './join-code.js';
export * from './join-code-words.js';
export * from './known-peers.js';
export * from './verification-code.js';
