/**
 * The renderer's one way to reach the back end, whichever shell it runs in: Electron's
 * preload API (`window.cryptully`) or, in a browser, a WebSocket to the local server with the
 * access token from the URL. Both give the same validated {@link CryptullyApi}.
 * @module
 */
import type { AppCommand } from '../bridge/app-protocol.js';
import { type CryptullyApi, createValidatedApi, type RawPipe } from '../bridge/cryptully-api.js';

/** The bridge's connection state, for a banner when it is lost. */
export type BridgeStatus = 'connecting' | 'open' | 'closed';

/** A connected client: the API plus connection-state updates. */
export interface Client {
  api: CryptullyApi;
  /** Called on every connection change; `open` after a reconnect means "state will replay". */
  onStatus(listener: (status: BridgeStatus) => void): void;
}

const TOKEN_KEY = 'cryptully.token';
const RECONNECT_MS = [250, 1000, 2000, 5000];

/** Takes the token out of the URL fragment (so it does not linger on screen) into this tab. */
export function takeToken(location: Location, storage: Storage, history: History): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match?.[1]) {
    storage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', location.pathname);
    return match[1];
  }
  return storage.getItem(TOKEN_KEY);
}

function webSocketPipe(url: string, setStatus: (s: BridgeStatus) => void): RawPipe {
  const listeners = new Set<(raw: unknown) => void>();
  let socket: WebSocket | null = null;
  let attempt = 0;
  const open = () => {
    setStatus('connecting');
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      setStatus('open');
    };
    ws.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      let raw: unknown;
      try {
        raw = JSON.parse(message.data);
      } catch {
        return;
      }
      for (const listener of listeners) listener(raw);
    };
    ws.onclose = () => {
      setStatus('closed');
      const delay = RECONNECT_MS[Math.min(attempt++, RECONNECT_MS.length - 1)];
      setTimeout(open, delay);
    };
  };
  let started = false;
  return {
    post(command: AppCommand) {
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        throw new Error('Not connected to Cryptully right now. Trying again…');
      }
      socket.send(JSON.stringify(command));
    },
    listen(listener) {
      listeners.add(listener);
      if (!started) {
        started = true;
        open();
      }
      return () => listeners.delete(listener);
    },
  };
}

/**
 * Connects to the back end: the preload API in Electron, else the WebSocket of the browser
 * mode. Returns null when neither is possible (opened without the access token).
 */
export function connectClient(): Client | null {
  const statusListeners = new Set<(status: BridgeStatus) => void>();
  const setStatus = (status: BridgeStatus) => {
    for (const listener of statusListeners) listener(status);
  };
  const preload = (window as { cryptully?: CryptullyApi }).cryptully;
  if (preload) {
    return {
      api: preload,
      onStatus(listener) {
        listener('open');
      },
    };
  }
  const token = takeToken(window.location, window.sessionStorage, window.history);
  if (!token) return null;
  const url = `ws://${window.location.host}/ws?token=${encodeURIComponent(token)}`;
  const api = createValidatedApi(webSocketPipe(url, setStatus), (error) =>
    console.warn(`dropped an invalid event: ${error.message}`),
  );
  return {
    api,
    onStatus(listener) {
      statusListeners.add(listener);
    },
  };
}
