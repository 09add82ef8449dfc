/**
 * The chat session protocol: the inner messages two peers exchange inside the encrypted
 * channel, and the per-peer session state machine (pure: time is an argument).
 * See docs/protocol-session.md.
 * @module
 */

export * from '../files/index.js';
export * from './messages.js';
export * from './seen-ids.js';
export * from './session.js';
