/**
 * The session back end shared by Electron's main process and the browser mode.
 * @module
 */
export * from './chat-engine.js';
export * from './core-engine.js';
export * from './desktop-backend.js';
export * from './home.js';
