import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from '@cryptully/core/crypto';
import { type WebSocket, WebSocketServer } from 'ws';
import type { AppCommand, AppEvent } from '../bridge/app-protocol.js';
import { parseAppCommand } from '../bridge/parse-app-command.js';
import {
  checkHost,
  checkUpgrade,
  LOOPBACK_HOST,
  type Refusal,
  tokensEqual,
} from './request-guard.js';
import { loadStaticFiles, type StaticFile, securityHeaders } from './static-files.js';

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
  /** The access token; default: 32 random bytes, base64url. */
  token?: string;
  log?: (line: string) => void;
}

/** A running browser-mode server. */
export interface WebServer {
  /**
   * The URL to open, with the access token in the fragment (so browsers never send it in a
   * request, a Referer or a log). The token is random for each run and valid for that run,
   * for every tab and reconnect; it never works against another run.
   */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** Closes every WebSocket and the server. */
  close(): Promise<void>;
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
 * at `/ws`, which refuses upgrades without the token, with a wrong one, from another Origin
 * or under another Host (DNS rebinding). Commands are validated with `parseAppCommand`;
 * an invalid one is answered with an `error` event and goes no further.
 * @example const server = await startWebServer({ backend, rendererDir }); console.log(server.url);
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const files = await loadStaticFiles(options.rendererDir);
  const token = options.token ?? Buffer.from(randomBytes(32)).toString('base64url');
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
      (given) => tokensEqual(given, token),
    );
    if (refusal) {
      options.log?.(`refused a WebSocket: ${refusal.reason}`);
      refuseUpgrade(socket, refusal);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => attach(ws));
  });

  const attach = (ws: WebSocket): void => {
    sockets.add(ws);
    const send = (event: AppEvent) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
    };
    const unsubscribe = options.backend.subscribe(send);
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
      void options.backend.handle(command);
    });
    ws.on('close', () => {
      sockets.delete(ws);
      unsubscribe();
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

  return {
    url: `http://${LOOPBACK_HOST}:${port}/#token=${token}`,
    port,
    token,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
