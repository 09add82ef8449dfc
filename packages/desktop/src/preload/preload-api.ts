import type { CryptullyApi } from '../bridge/cryptully-api.js';
import { createValidatedApi } from '../bridge/cryptully-api.js';
import { IPC_CHANNELS } from '../bridge/ipc-channels.js';
import { parseRevealRequest } from '../bridge/parse-app-command.js';

/** The part of Electron's `ipcRenderer` the preload uses (so it is testable without Electron). */
export interface IpcRendererLike {
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/**
 * Builds the API the preload exposes as `window.cryptully`: validated commands out, validated
 * events in, on the fixed IPC channels; `pathForFile` (Electron's `webUtils.getPathForFile`)
 * turns a picked or dropped file into its path, and `reveal` asks main to open or show a
 * received file (validated here and again in main). The renderer never touches `ipcRenderer` itself,
 * and the returned object holds only plain functions (safe for `contextBridge`).
 */
export function createPreloadApi(
  ipc: IpcRendererLike,
  onInvalid: (error: Error) => void = () => {},
  pathForFile: (file: File) => string = () => '',
): CryptullyApi {
  const api = createValidatedApi(
    {
      post: (command) => ipc.send(IPC_CHANNELS.command, command),
      listen: (listener) => {
        const handler = (_event: unknown, raw: unknown) => listener(raw);
        ipc.on(IPC_CHANNELS.event, handler);
        ipc.send(IPC_CHANNELS.subscribe);
        return () => {
          ipc.removeListener(IPC_CHANNELS.event, handler);
        };
      },
    },
    onInvalid,
  );
  return {
    send: (command) => api.send(command),
    onEvent: (listener) => api.onEvent(listener),
    pathForFile: (file) => {
      try {
        return pathForFile(file);
      } catch {
        return '';
      }
    },
    reveal: (request) => ipc.send(IPC_CHANNELS.reveal, parseRevealRequest(request)),
  };
}
