/**
 * The Socialist Millionaires' Protocol of OTR version 3 (pure): the question only your friend
 * can answer. docs/protocol-verification.md §2.
 * @module
 */
export * from './encoding.js';
export * from './errors.js';
export * from './secret.js';
export * from './smp.js';
