/**
 * The browser mode as one call: the desktop back end, the web server on 127.0.0.1 and the
 * printed one-time address, for `cryptully-desktop --web` and `cryptully app` (the single
 * executable) alike. Optionally opens the person's default browser at that address.
 * @module
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { randomBytes } from '@cryptully/core/crypto';
import { cryptullyHome, takeEnvPassphrase } from '@cryptully/core/storage';
import { type DhtSettings, dhtSettings, portMappingWanted } from '@cryptully/core/transport';
import { openCoreEngine } from '../backend/core-engine.js';
import { DesktopBackend } from '../backend/desktop-backend.js';
import { startWebServer } from './web-server.js';

/** Options of {@link startBrowserApp}. */
export interface BrowserAppOptions {
  /** The built renderer's folder (index.html, app.js, app.css, icon.svg). */
  readonly rendererDir: string;
  /** The web server's port; 0 or absent: a free one. */
  readonly port?: number;
  /** Where "Start a chat" listens by default. */
  readonly hostDefaults?: { port?: number; bind?: string };
  /**
   * The DHT settings; absent: read from the environment (`CRYPTULLY_NO_DHT`,
   * `CRYPTULLY_BOOTSTRAP`, `CRYPTULLY_RELAY`), so the DHT is on unless turned off.
   */
  readonly dht?: DhtSettings | null;
  /** Ask the router to forward the host's port; absent: unless `CRYPTULLY_NO_PORT_MAPPING`. */
  readonly portMapping?: boolean;
  /** Also print `api-token=TOKEN`, for programs that speak the WebSocket API themselves. */
  readonly printApiToken?: boolean;
  /** Open the default browser at the one-time address (xdg-open, open or start). */
  readonly openBrowser?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream;
}

/** A running browser app. */
export interface BrowserApp {
  /** The first one-time address. */
  readonly url: string;
  /** Stops the server and the back end. */
  close(): Promise<void>;
}

/**
 * The command that opens `url` in the default browser on `platform`: `xdg-open` on Linux and
 * other Unixes, `open` on macOS, `cmd /c start "" URL` on Windows (the empty title keeps
 * `start` from taking the quoted address as a window title).
 */
export function browserOpenCommand(
  platform: NodeJS.Platform,
  url: string,
): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [url] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', url] };
  return { command: 'xdg-open', args: [url] };
}

/**
 * Opens `url` in the default browser. Resolves with false (never throws) when no opener could
 * be started or it failed: the printed address still works by hand.
 */
export function openInBrowser(url: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const { command, args } = browserOpenCommand(process.platform, url);
  return new Promise((resolve) => {
    try {
      const child = spawn(command, args, {
        env,
        stdio: 'ignore',
        detached: process.platform !== 'win32',
        windowsVerbatimArguments: process.platform === 'win32',
      });
      child.once('error', () => resolve(false));
      child.once('exit', (code) => resolve(code === 0));
      child.unref();
    } catch {
      resolve(false);
    }
  });
}

/**
 * Starts the desktop back end and the browser-mode server, prints the one-time address (and
 * opens it when asked), offers a fresh address on Enter in a terminal, and stops cleanly on
 * SIGINT/SIGTERM (then exits the process).
 */
export async function startBrowserApp(options: BrowserAppOptions): Promise<BrowserApp> {
  const env = options.env ?? process.env;
  // From our own environment it is read once and removed, so no child process (the browser
  // we open) inherits it; an environment handed in is the caller's (the CLI's copy).
  const passphrase = options.env ? env.CRYPTULLY_PASSPHRASE : takeEnvPassphrase();
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const log = (line: string) => stderr.write(`${line}\n`);
  const backend = await DesktopBackend.start({
    home: cryptullyHome(env),
    openEngine: openCoreEngine,
    ...(passphrase ? { passphrase } : {}),
    hostDefaults: options.hostDefaults ?? {},
    ...dhtOption(options.dht === undefined ? dhtSettings({}, env) : options.dht),
    portMapping: options.portMapping ?? portMappingWanted(env),
    log,
  });
  const apiToken = options.printApiToken
    ? Buffer.from(randomBytes(32)).toString('base64url')
    : undefined;
  const server = await startWebServer({
    backend,
    rendererDir: options.rendererDir,
    port: options.port ?? 0,
    ...(apiToken !== undefined ? { apiToken } : {}),
    log,
  }).catch(async (error: unknown) => {
    await backend.close();
    throw error;
  });
  const interactive = stdin.isTTY === true;
  stdout.write(
    `Cryptully is running for your browser. Open this address (it holds a private access key that works once, do not share it):\n\n  ${server.url}\n\n${apiToken !== undefined ? `api-token=${apiToken}\n\n` : ''}${interactive ? 'Press Enter for a new address, Ctrl+C to stop.' : 'Press Ctrl+C to stop.'}\n`,
  );
  if (options.openBrowser) {
    void openInBrowser(server.url, env).then((opened) => {
      if (!opened) log('Could not open a browser by itself: open the address above by hand.');
    });
  }
  if (interactive) {
    // A new one-time address, e.g. for another browser; the tabs already open keep working.
    createInterface({ input: stdin }).on('line', () => {
      stdout.write(`\nA new address (it works once):\n\n  ${server.newLink()}\n\n`);
    });
  }
  let stopping: Promise<void> | undefined;
  const close = () => {
    stopping ??= Promise.allSettled([server.close(), backend.close()]).then(() => undefined);
    return stopping;
  };
  const stop = () => void close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return { url: server.url, close };
}

/** The back end's `dht` option: none when the DHT is off (null or undefined). */
function dhtOption(dht: DhtSettings | null | undefined): { dht?: DhtSettings } {
  return dht ? { dht } : {};
}
