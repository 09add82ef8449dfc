import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from '@cryptully/core/crypto';
import { type WebSocket, WebSocketServer } from 'ws';
import type { AppCommand, AppEvent } from '../bridge/app-protocol.js';
import { isUploadCommand, parseAppCommand } from '../bridge/parse-app-command.js';
import {
  checkHost,
  checkUpgrade,
  LOOPBACK_HOST,
  type Refusal,
  tokensEqual,
} from './request-guard.js';
import { loadStaticFiles, type StaticFile, securityHeaders } from './static-files.js';
import { UploadStore } from './uploads.js';

/** The largest command a client may send over the WebSocket, in bytes. */
export const MAX_WS_MESSAGE_BYTES = 64 * 1024;

/** What the web server needs from the back end (the {@link DesktopBackend} shape). */
export interface BridgedBackend {
  subscribe(listener: (event: AppEvent) => void): () => void;
  handle(command: AppCommand): Promise<void>;
}

/** Options of {@link startWebServer}. */
export interface WebServerOptions {
  backend: BridgedBackend;
  /** The built renderer (`dist/renderer`). */
  rendererDir: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** The first one-time access token (the one in {@link WebServer.url}); default: random. */
  token?: string;
  /**
   * A token for programs (test drivers, scripts) that speak the WebSocket API themselves: valid
   * for every WebSocket of this run, never traded for a session. Absent: no such token exists.
   */
  apiToken?: string;
  /**
   * The uploads of picked or dropped files: the largest accepted (default
   * `MAX_UPLOAD_BYTES`, 2 GiB) and the folder under which the private upload folder is made
   * (default: the system's temporary folder).
   */
  uploads?: { maxBytes?: number; parent?: string };
  log?: (line: string) => void;
}

/** A running browser-mode server. */
export interface WebServer {
  /**
   * The URL to open, with a one-time access token in the fragment (so browsers never send it
   * in a request, a Referer or a log). The first WebSocket that presents it trades it for a
   * session token of that tab (sent as `{"event":"session","token":…}` before anything else;
   * the tab keeps it for reloads and reconnects); any later use is refused (401).
   */
  readonly url: string;
  readonly port: number;
  /** The one-time token of {@link WebServer.url}. */
  readonly token: string;
  /**
   * Makes a fresh one-time address (for a person who needs to open the app in another tab or
   * browser); the previous address, if still unused, stops working.
   */
  newLink(): string;
  /** Closes every WebSocket and the server. */
  close(): Promise<void>;
}

/**
 * Browser mode only, the first message on a WebSocket opened with a one-time token: the
 * session token that this tab uses from then on. Not part of the app vocabulary: the
 * renderer's client takes it before events are validated.
 */
export interface SessionGrant {
  event: 'session';
  token: string;
}

function refuseUpgrade(socket: Duplex, refusal: Refusal): void {
  const text: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
  };
  socket.end(
    `HTTP/1.1 ${refusal.status} ${text[refusal.status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
  );
}

/**
 * Serves the renderer on 127.0.0.1 only and bridges the validated app API over a WebSocket
 * at `/ws`, which refuses upgrades without a valid token (the one-time token of the printed
 * address, once; a tab's session token; the optional API token), from another Origin or
 * under another Host (DNS rebinding). Commands are validated with `parseAppCommand`;
 * an invalid one is answered with an `error` event and goes no further.
 * @example const server = await startWebServer({ backend, rendererDir }); console.log(server.url);
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const files = await loadStaticFiles(options.rendererDir);
  const newToken = () => Buffer.from(randomBytes(32)).toString('base64url');
  // At most one unused one-time token; each WebSocket that presents it gets a session token.
  let launchToken: string | null = options.token ?? newToken();
  const sessionTokens = new Set<string>();
  const apiToken = options.apiToken;
  const isLaunchToken = (given: string) => launchToken !== null && tokensEqual(given, launchToken);
  const isValidToken = (given: string) => {
    // Every comparison runs (no early exit), so timing does not tell which kind matched.
    let valid = isLaunchToken(given);
    if (apiToken !== undefined) valid = tokensEqual(given, apiToken) || valid;
    for (const session of sessionTokens) valid = tokensEqual(given, session) || valid;
    return valid;
  };
  const firstToken = launchToken;
  const uploads = new UploadStore(
    {
      sendFile: (peer, path, name) =>
        options.backend.handle({ cmd: 'send-file', peer, path, name }),
      ...(options.log ? { log: options.log } : {}),
    },
    options.uploads ?? {},
  );
  const unfollow = options.backend.subscribe((event) => uploads.onEvent(event));
  let port = 0;
  const sockets = new Set<WebSocket>();

  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const headers = securityHeaders(port);
    const refuse = (status: number, reason: string) => {
      response.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`${reason}\n`);
    };
    const badHost = checkHost({ host: request.headers.host }, port);
    const path = new URL(request.url ?? '/', `http://${LOOPBACK_HOST}`).pathname;
    const file: StaticFile | undefined = files.get(path);
    if (badHost) {
      refuse(badHost.status, badHost.reason);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      refuse(405, 'method not allowed');
      return;
    }
    if (!file) {
      refuse(404, 'not found');
      return;
    }
    response.writeHead(200, {
      ...headers,
      'Content-Type': file.type,
      'Content-Length': file.body.length,
    });
    response.end(request.method === 'HEAD' ? undefined : file.body);
  };

  const server = createServer(onRequest);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES });

  server.on('upgrade', (request, socket, head) => {
    socket.on('error', () => {});
    const refusal = checkUpgrade(
      { host: request.headers.host, origin: request.headers.origin, url: request.url },
      port,
      isValidToken,
    );
    if (refusal) {
      options.log?.(`refused a WebSocket: ${refusal.reason}`);
      refuseUpgrade(socket, refusal);
      return;
    }
    const given = new URL(request.url ?? '/', `http://${LOOPBACK_HOST}`).searchParams.get('token');
    let session: string | undefined;
    if (given !== null && isLaunchToken(given)) {
      launchToken = null;
      session = newToken();
      sessionTokens.add(session);
    }
    wss.handleUpgrade(request, socket, head, (ws) => attach(ws, session));
  });

  const attach = (ws: WebSocket, session: string | undefined): void => {
    sockets.add(ws);
    const send = (event: AppEvent | SessionGrant) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
    };
    if (session !== undefined) send({ event: 'session', token: session });
    const unsubscribe = options.backend.subscribe(send);
    const tabUploads = uploads.forTab(send);
    ws.on('message', (data, isBinary) => {
      let command: AppCommand;
      try {
        if (isBinary) throw new Error('binary');
        command = parseAppCommand(JSON.parse(data.toString()));
      } catch (error) {
        const message =
          error instanceof Error && 'code' in error ? error.message : 'not valid JSON';
        send({ event: 'error', code: 'ERR_BAD_COMMAND', message });
        return;
      }
      if (isUploadCommand(command)) tabUploads.handle(command);
      else void options.backend.handle(command);
    });
    ws.on('close', () => {
      sockets.delete(ws);
      unsubscribe();
      tabUploads.close();
    });
    ws.on('error', () => ws.terminate());
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: LOOPBACK_HOST, port: options.port ?? 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  port = address.port;

  const linkFor = (token: string) => `http://${LOOPBACK_HOST}:${port}/#token=${token}`;
  return {
    url: linkFor(firstToken),
    port,
    token: firstToken,
    newLink() {
      launchToken = newToken();
      return linkFor(launchToken);
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      unfollow();
      uploads.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
