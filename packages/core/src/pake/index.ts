/**
 * Password-authenticated key exchange for join codes: CPace over ristretto255 (pure).
 * @module
 */

export * from './code-exchange.js';
export * from './cpace.js';
export * from './errors.js';
