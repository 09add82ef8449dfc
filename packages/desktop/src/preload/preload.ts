/**
 * Electron's preload (bundled to `dist/preload/preload.cjs`, since sandboxed preloads are
 * CommonJS): exposes exactly one validated API as `window.cryptully`, never `ipcRenderer`.
 * @module
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createPreloadApi } from './preload-api.js';

contextBridge.exposeInMainWorld(
  'cryptully',
  createPreloadApi(
    ipcRenderer,
    (error) => console.warn(`dropped an invalid event: ${error.message}`),
    (file) => webUtils.getPathForFile(file),
  ),
);
