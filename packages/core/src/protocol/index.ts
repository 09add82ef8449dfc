/**
 * The event and command vocabulary of Cryptully front ends. Browser-safe.
 * @module
 */

// The base of every typed error: front ends (the CLI, the desktop bridge) extend it so that
// their errors carry the same stable `code` across IPC and JSON. Browser-safe.
export { CryptullyError } from '../errors.js';
export type * from './chat-node-api.js';
export * from './error-codes.js';
export type * from './events.js';
export * from './parse-command.js';
export * from './path-description.js';
export * from './transfer-progress.js';
