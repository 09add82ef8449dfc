/**
 * The bridge between the back end and the renderer: the app's vocabulary, its validators and
 * the validated API. Browser-safe.
 * @module
 */
export type * from './app-protocol.js';
export * from './cryptully-api.js';
export * from './ipc-channels.js';
export * from './parse-app-command.js';
export * from './parse-app-event.js';
