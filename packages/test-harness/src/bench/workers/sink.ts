/**
 * Throughput receiver: listens on 127.0.0.1, takes one connection (raw TCP, TLS 1.3 with
 * ChaCha20-Poly1305, or a secure link), counts `total` bytes of payload and reports the
 * elapsed time from the first byte and this process's CPU time over it.
 * Args: `<mode: raw|tls|secure|fallback> <total bytes>`.
 * @module
 */
import { createServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { x25519 } from '@cryptully/core/crypto';
import { tcpTransport } from '@cryptully/core/transport';
import { loadSecureApi } from '../net/secure-api.js';
import { cpuMsSince, msSince } from '../stats.js';
import { makeTlsIdentity } from '../tls-cert.js';
import { exitOnTerminate, tellParent } from './ipc.js';

exitOnTerminate();

const [mode, totalText] = process.argv.slice(2) as [string, string];
const total = Number(totalText);

let received = 0;
let start = 0n;
let cpuStart: NodeJS.CpuUsage | undefined;
let finished = false;

/** Counts payload bytes; reports once `total` arrived. */
function count(length: number): void {
  if (cpuStart === undefined) {
    start = process.hrtime.bigint();
    cpuStart = process.cpuUsage();
  }
  received += length;
  if (received >= total && !finished) {
    finished = true;
    const ms = msSince(start);
    tellParent({ type: 'done', bytes: received, ms, cpuMs: cpuMsSince(cpuStart) });
  }
}

const onRawSocket = (socket: Socket) => {
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => count(chunk.length));
};

if (mode === 'raw') {
  const server = createServer(onRawSocket);
  server.listen(0, '127.0.0.1', () => {
    tellParent({ type: 'ready', port: (server.address() as { port: number }).port });
  });
} else if (mode === 'tls') {
  const identity = makeTlsIdentity();
  const server = createTlsServer(
    {
      ...identity,
      minVersion: 'TLSv1.3',
      ciphers: 'TLS_CHACHA20_POLY1305_SHA256',
    },
    (socket) => {
      tellParent({ type: 'cipher', name: socket.getCipher().name });
      onRawSocket(socket);
    },
  );
  server.listen(0, '127.0.0.1', () => {
    tellParent({
      type: 'ready',
      port: (server.address() as { port: number }).port,
      cert: identity.cert,
    });
  });
} else {
  const api = await loadSecureApi(mode === 'fallback');
  const keyPair = x25519.generateKeyPair();
  const listener = await tcpTransport().listen({ host: '127.0.0.1', port: 0 }, (stream) => {
    stream.on('error', () => {});
    api.respond(stream, keyPair).then((link) => {
      link.on('message', (message) => count(message.length));
    });
  });
  tellParent({ type: 'ready', port: listener.address.port, kind: api.kind });
}
