/**
 * Electron's main process: the only module that imports `electron` at run time besides the
 * preload. Kept thin: a locked-down window, the renderer served from `app://cryptully`, and
 * the session back end bridged over two IPC channels.
 * @module
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cryptullyHome, takeEnvPassphrase } from '@cryptully/core/storage';
import { dhtSettings, portMappingWanted } from '@cryptully/core/transport';
import { app, BrowserWindow, ipcMain, protocol, session, shell } from 'electron';
import { openCoreEngine } from '../backend/core-engine.js';
import { DesktopBackend } from '../backend/desktop-backend.js';
import { IPC_CHANNELS } from '../bridge/ipc-channels.js';
import { parseAppCommand, parseRevealRequest } from '../bridge/parse-app-command.js';
import { loadStaticFiles } from '../web/static-files.js';
import { ReceivedFiles, revealReceived } from './received-files.js';
import {
  ALLOWED_PERMISSIONS,
  APP_HOST,
  APP_ORIGIN,
  APP_SCHEME,
  APP_USER_MODEL_ID,
  ELECTRON_CSP,
  isAllowedExternalUrl,
  secureWebPreferences,
} from './window-security.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The back end's `dht` option: absent when the DHT is off. */
function dhtOf<T>(dht: T | undefined): { dht?: T } {
  return dht ? { dht } : {};
}
const rendererDir = join(here, '..', 'renderer');
const preloadPath = join(here, '..', 'preload', 'preload.cjs');

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true } },
]);

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
});

async function start(): Promise<void> {
  // One window, one chat node: a second start focuses the first instead.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();
  const files = await loadStaticFiles(rendererDir);
  protocol.handle(APP_SCHEME, (request) => {
    const url = new URL(request.url);
    // Not url.origin: for a custom scheme the WHATWG URL of Node reports the origin "null".
    const ours = url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
    const file = ours ? files.get(url.pathname) : undefined;
    const headers = {
      'Content-Security-Policy': ELECTRON_CSP,
      'X-Content-Type-Options': 'nosniff',
    };
    if (!file) return new Response('not found', { status: 404, headers });
    return new Response(new Uint8Array(file.body), {
      headers: { ...headers, 'Content-Type': file.type },
    });
  });
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(ALLOWED_PERMISSIONS.has(permission)),
  );
  session.defaultSession.setPermissionCheckHandler((_contents, permission) =>
    ALLOWED_PERMISSIONS.has(permission),
  );
  // Windows shows notifications only for an app with an id (the installer's appId).
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);

  const passphrase = takeEnvPassphrase();
  const backend = await DesktopBackend.start({
    home: cryptullyHome(),
    openEngine: openCoreEngine,
    // `cryptully-desktop --no-dht/--bootstrap/--relay` hands its options over as these variables.
    ...dhtOf(dhtSettings({}, process.env)),
    portMapping: portMappingWanted(process.env),
    // Read once and removed from the environment, so no child process inherits it.
    ...(passphrase ? { passphrase } : {}),
    log: (line) => console.error(line),
  });

  const window = new BrowserWindow({
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 520,
    title: 'Cryptully',
    show: false,
    webPreferences: secureWebPreferences(preloadPath),
  });
  window.once('ready-to-show', () => window.show());
  app.on('second-instance', () => {
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  const fromOurRenderer = (event: Electron.IpcMainEvent): boolean =>
    event.sender === window.webContents &&
    (event.senderFrame?.url ?? '').startsWith(`${APP_ORIGIN}/`);

  let unsubscribe: (() => void) | undefined;
  ipcMain.on(IPC_CHANNELS.subscribe, (event) => {
    if (!fromOurRenderer(event)) return;
    unsubscribe?.();
    unsubscribe = backend.subscribe((appEvent) => {
      if (!window.isDestroyed()) window.webContents.send(IPC_CHANNELS.event, appEvent);
    });
  });
  ipcMain.on(IPC_CHANNELS.command, (event, raw: unknown) => {
    if (!fromOurRenderer(event)) return;
    try {
      void backend.handle(parseAppCommand(raw));
    } catch (error) {
      window.webContents.send(IPC_CHANNELS.event, {
        event: 'error',
        code: 'ERR_BAD_COMMAND',
        message: (error as Error).message,
      });
    }
  });

  // "Open" and "Show in folder" name a transfer; only files this app received have a path.
  const received = new ReceivedFiles();
  const unfollow = backend.subscribe((appEvent) => received.onEvent(appEvent));
  ipcMain.on(IPC_CHANNELS.reveal, (event, raw: unknown) => {
    if (!fromOurRenderer(event)) return;
    const fail = (message: string) => {
      if (!window.isDestroyed()) {
        window.webContents.send(IPC_CHANNELS.event, {
          event: 'error',
          code: 'ERR_BAD_COMMAND',
          message,
        });
      }
    };
    let request: ReturnType<typeof parseRevealRequest>;
    try {
      request = parseRevealRequest(raw);
    } catch (error) {
      fail((error as Error).message);
      return;
    }
    void revealReceived(received, request, shell).then((failure) => {
      if (failure !== null) fail(failure);
    });
  });

  window.on('closed', () => {
    unsubscribe?.();
    unfollow();
    void backend.close().finally(() => app.quit());
  });
  await window.loadURL(`${APP_ORIGIN}/index.html`);
}

app.on('window-all-closed', () => app.quit());
start().catch((error: unknown) => {
  console.error(`Cryptully could not start: ${(error as Error).message}`);
  app.exit(1);
});
