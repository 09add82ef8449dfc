/**
 * The renderer's one way to reach the back end, whichever shell it runs in: Electron's
 * preload API (`window.cryptully`) or, in a browser, a WebSocket to the local server with the
 * access token from the URL. Both give the same validated {@link CryptullyApi}.
 * @module
 */
import type { AppCommand } from '../bridge/app-protocol.js';
import { type CryptullyApi, createValidatedApi, type RawPipe } from '../bridge/cryptully-api.js';

/**
 * The bridge's connection state, for a banner when it is lost. `refused`: the very first
 * connection of this page was turned away (a used or stale address); nothing is retried.
 */
export type BridgeStatus = 'connecting' | 'open' | 'closed' | 'refused';

/** A connected client: the API plus connection-state updates. */
export interface Client {
  api: CryptullyApi;
  /** Called on every connection change; `open` after a reconnect means "state will replay". */
  onStatus(listener: (status: BridgeStatus) => void): void;
}

const TOKEN_KEY = 'cryptully.token';
const RECONNECT_MS = [250, 1000, 2000, 5000];

/**
 * Takes the token out of the URL fragment (so it does not linger on screen) into this tab.
 * The printed address's token works once; the server then grants this tab a session token,
 * which {@link keepSessionToken} stores in its place for reloads and reconnects.
 */
export function takeToken(location: Location, storage: Storage, history: History): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match?.[1]) {
    storage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', location.pathname);
    return match[1];
  }
  return storage.getItem(TOKEN_KEY);
}

/** Stores the session token the server granted this tab (it replaces the one-time token). */
export function keepSessionToken(storage: Storage, token: string): void {
  storage.setItem(TOKEN_KEY, token);
}

/** The session grant, the first message on a WebSocket opened with a one-time token. */
export function sessionTokenOf(raw: unknown): string | null {
  const record = raw as { event?: unknown; token?: unknown } | null;
  return record !== null &&
    typeof record === 'object' &&
    record.event === 'session' &&
    typeof record.token === 'string' &&
    /^[A-Za-z0-9_-]+$/.test(record.token)
    ? record.token
    : null;
}

function webSocketPipe(
  url: () => string,
  setStatus: (s: BridgeStatus) => void,
  onSession: (token: string) => void,
): RawPipe {
  const listeners = new Set<(raw: unknown) => void>();
  let socket: WebSocket | null = null;
  let attempt = 0;
  let everOpened = false;
  const open = () => {
    setStatus('connecting');
    const ws = new WebSocket(url());
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      everOpened = true;
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
      const session = sessionTokenOf(raw);
      if (session !== null) {
        onSession(session);
        return;
      }
      for (const listener of listeners) listener(raw);
    };
    ws.onclose = () => {
      // The server served this page a moment ago, so a first connection that never opens was
      // refused: the address was used already or belongs to an earlier run. Retrying is futile.
      if (!everOpened) {
        setStatus('refused');
        return;
      }
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
  let token = takeToken(window.location, window.sessionStorage, window.history);
  if (!token) return null;
  const url = () => `ws://${window.location.host}/ws?token=${encodeURIComponent(token ?? '')}`;
  const onSession = (session: string) => {
    token = session;
    keepSessionToken(window.sessionStorage, session);
  };
  const api = createValidatedApi(webSocketPipe(url, setStatus, onSession), (error) =>
    console.warn(`dropped an invalid event: ${error.message}`),
  );
  return {
    api,
    onStatus(listener) {
      statusListeners.add(listener);
    },
  };
}
