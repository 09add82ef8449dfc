/**
 * The browser mode: the renderer served on 127.0.0.1 with the app API over a WebSocket.
 * @module
 */
export * from './browser-app.js';
export * from './request-guard.js';
export * from './static-files.js';
export * from './web-server.js';
