import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AppCommand, AppEvent } from '../src/bridge/app-protocol.js';
import { checkUpgrade, tokensEqual } from '../src/web/request-guard.js';
import { startWebServer, type WebServer } from '../src/web/web-server.js';

/** A back end that records commands and greets every client with its state. */
function recordingBackend() {
  const commands: AppCommand[] = [];
  return {
    commands,
    subscribe(listener: (event: AppEvent) => void) {
      listener({ event: 'app-state', state: 'setup' });
      return () => {};
    },
    async handle(command: AppCommand) {
      commands.push(command);
    },
  };
}

let dir: string;
let server: WebServer;
let backend: ReturnType<typeof recordingBackend>;
let origin: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cryptully-web-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  await writeFile(join(dir, 'app.js'), 'export {};');
  backend = recordingBackend();
  server = await startWebServer({ backend, rendererDir: dir });
  origin = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Opens a WebSocket; resolves with the HTTP status of a refusal, or the open socket. */
function openSocket(
  path: string,
  headers: { origin?: string; host?: string } = {},
): Promise<{ status: number } | { socket: WebSocket; events: AppEvent[] }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, {
      ...(headers.origin !== undefined ? { origin: headers.origin } : {}),
      headers: headers.host ? { host: headers.host } : {},
    });
    // Listen from the start: the server greets in the same packet as the handshake.
    const events: AppEvent[] = [];
    socket.on('message', (data) => events.push(JSON.parse(data.toString()) as AppEvent));
    socket.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      socket.terminate();
    });
    socket.on('open', () => resolve({ socket, events }));
    socket.on('error', (error) => reject(error));
  });
}

function get(path: string, host = `127.0.0.1:${server.port}`, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path, method, headers: { host } },
        (res) => {
          let body = '';
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end();
    },
  );
}

describe('browser mode: the WebSocket refuses strangers', () => {
  it('prints a URL on 127.0.0.1 with a long random one-time token in the fragment', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#token=${server.token}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a connection without the token', async () => {
    expect(await openSocket('/ws', { origin })).toEqual({ status: 401 });
  });

  it('refuses a wrong token (same length, one character off)', async () => {
    const last = server.token.endsWith('A') ? 'B' : 'A';
    const wrong = server.token.slice(0, -1) + last;
    expect(await openSocket(`/ws?token=${wrong}`, { origin })).toEqual({ status: 401 });
  });

  it('refuses another Origin, even with the right token', async () => {
    for (const other of ['http://evil.example', `http://localhost:${server.port}`, 'null']) {
      expect(await openSocket(`/ws?token=${server.token}`, { origin: other })).toEqual({
        status: 403,
      });
    }
  });

  it('refuses a missing Origin (not a browser page of ours)', async () => {
    expect(await openSocket(`/ws?token=${server.token}`)).toEqual({ status: 403 });
  });

  it('refuses another Host header (DNS rebinding), even with the right token and Origin', async () => {
    expect(
      await openSocket(`/ws?token=${server.token}`, {
        origin,
        host: `evil.example:${server.port}`,
      }),
    ).toEqual({ status: 403 });
  });

  it('accepts the right token from our Origin, validates commands and passes them on', async () => {
    const result = await openSocket(`/ws?token=${server.token}`, { origin });
    if (!('socket' in result)) throw new Error(`refused: ${result.status}`);
    const { socket, events } = result;
    const got = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (events.length >= n ? resolve() : setTimeout(check, 5));
        check();
      });
    await got(2);
    // The one-time token is traded for this tab's session token before anything else.
    expect(events[0]).toMatchObject({ event: 'session' });
    expect(events[1]).toEqual({ event: 'app-state', state: 'setup' });
    socket.send('{"cmd":"launch-missiles"}');
    socket.send('not json');
    socket.send(JSON.stringify({ cmd: 'setup', name: 'Ada', evil: true }));
    await got(4);
    expect(events.slice(2).map((e) => e.event === 'error' && e.code)).toEqual([
      'ERR_BAD_COMMAND',
      'ERR_BAD_COMMAND',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(backend.commands).toEqual([{ cmd: 'setup', name: 'Ada' }]);
    socket.close();
  });
});

describe('browser mode: the printed token works once', () => {
  let fresh: WebServer;
  let freshOrigin: string;
  const apiToken = 'api_'.padEnd(43, 'x');
  beforeAll(async () => {
    fresh = await startWebServer({ backend: recordingBackend(), rendererDir: dir, apiToken });
    freshOrigin = `http://127.0.0.1:${fresh.port}`;
  });
  afterAll(() => fresh?.close());

  /** Opens a WebSocket on `fresh`; its first event, or the refusal's HTTP status. */
  const firstEvent = (token: string) =>
    new Promise<AppEvent | { event: 'session'; token: string } | number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${fresh.port}/ws?token=${token}`, {
        origin: freshOrigin,
      });
      ws.once('message', (data) => {
        resolve(JSON.parse(data.toString()));
        ws.close();
      });
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('error', reject);
    });

  it('trades the printed token for a session token; a second use of the address is refused; the session token keeps working (reloads)', async () => {
    const first = await firstEvent(fresh.token);
    if (typeof first !== 'object' || first.event !== 'session') throw new Error('no session');
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.token).not.toBe(fresh.token);
    // Someone who saw the address (or a second tab) gets nothing.
    expect(await firstEvent(fresh.token)).toBe(401);
    // The tab's reload and reconnects: its session token opens again, without a new grant.
    expect(await firstEvent(first.token)).toEqual({ event: 'app-state', state: 'setup' });
    expect(await firstEvent(first.token)).toEqual({ event: 'app-state', state: 'setup' });
  });

  it('newLink makes a fresh one-time address and retires an unused one', async () => {
    const a = new URL(fresh.newLink()).hash.slice('#token='.length);
    const b = new URL(fresh.newLink()).hash.slice('#token='.length);
    expect(a).not.toBe(b);
    expect(await firstEvent(a)).toBe(401);
    expect(await firstEvent(b)).toMatchObject({ event: 'session' });
    expect(await firstEvent(b)).toBe(401);
  });

  it('the API token for programs works for every connection and is never traded', async () => {
    expect(await firstEvent(apiToken)).toEqual({ event: 'app-state', state: 'setup' });
    expect(await firstEvent(apiToken)).toEqual({ event: 'app-state', state: 'setup' });
  });

  it('without an API token configured, nothing else opens a WebSocket', async () => {
    expect(await openSocket(`/ws?token=${apiToken}`, { origin })).toEqual({ status: 401 });
  });
});

describe('browser mode: static files', () => {
  it('serves the renderer with CSP, nosniff and no-referrer', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
  });

  it('serves nothing outside the renderer and no other method', async () => {
    expect((await get('/../package.json')).status).toBe(404);
    expect((await get('/%2e%2e/%2e%2e/package.json')).status).toBe(404);
    expect((await get('/state.js')).status).toBe(404);
    expect((await get('/', `127.0.0.1:${server.port}`, 'POST')).status).toBe(405);
  });

  it('refuses a foreign Host header on plain HTTP too', async () => {
    expect((await get('/', 'rebind.example')).status).toBe(403);
  });
});

describe('browser mode: loopback only', () => {
  const canConnect = (host: string, port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });

  it('listens on 127.0.0.1 and on no other local address', async () => {
    expect(await canConnect('127.0.0.1', server.port)).toBe(true);
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && !i.internal)
      .map((i) => i!.address);
    others.push('::1');
    for (const address of others) {
      expect(await canConnect(address, server.port), address).toBe(false);
    }
  });
});

describe('checkUpgrade (the guard as a table)', () => {
  const port = 4000;
  const good = { host: '127.0.0.1:4000', origin: 'http://127.0.0.1:4000', url: '/ws?token=abc' };
  const cases: Array<[string, Partial<typeof good>, number | null]> = [
    ['all good', {}, null],
    ['other path', { url: '/other?token=abc' }, 404],
    ['token prefix', { url: '/ws?token=ab' }, 401],
    ['empty token', { url: '/ws?token=' }, 401],
    ['https origin', { origin: 'https://127.0.0.1:4000' }, 403],
    ['other port origin', { origin: 'http://127.0.0.1:4001' }, 403],
    ['host without port', { host: '127.0.0.1' }, 403],
  ];
  it.each(cases)('%s', (_name, change, status) => {
    const isValid = (token: string) => tokensEqual(token, 'abc');
    expect(checkUpgrade({ ...good, ...change }, port, isValid)?.status ?? null).toBe(status);
  });
});
