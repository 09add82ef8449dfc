/**
 * `@cryptully/desktop`: the desktop app's back end, bridge and browser-mode server, for
 * embedding and tests. The Electron shell lives in `main/` and `preload/`.
 * @module
 */
export * from './backend/index.js';
export * from './bridge/index.js';
export * from './electron-binary.js';
export * from './web/index.js';

/** The app's name as people see it. */
export const APP_NAME = 'Cryptully';
