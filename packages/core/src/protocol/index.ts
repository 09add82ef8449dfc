/**
 * The event and command vocabulary of Cryptully front ends. Browser-safe.
 * @module
 */
export type * from './events.js';
export * from './parse-command.js';
