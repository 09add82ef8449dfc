/**
 * Latency peer: listens on 127.0.0.1 and answers every message at once with a short
 * receipt, over raw TCP or a secure link. Args: `<mode: raw|secure|fallback>`.
 * @module
 */
import { createServer } from 'node:net';
import { x25519 } from '@cryptully/core/crypto';
import { tcpTransport } from '@cryptully/core/transport';
import { loadSecureApi } from '../net/secure-api.js';
import { answerRssRequests, exitOnTerminate, tellParent } from './ipc.js';

exitOnTerminate();

const [mode] = process.argv.slice(2) as [string];
answerRssRequests(() => 0);
/** What a receipt carries: the message id back, about the size of the session's receipt. */
const receiptFor = (message: Uint8Array) => message.subarray(0, 24);

if (mode === 'raw') {
  const server = createServer({ noDelay: true }, (socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => socket.write(receiptFor(chunk)));
  });
  server.listen(0, '127.0.0.1', () => {
    tellParent({ type: 'ready', port: (server.address() as { port: number }).port });
  });
} else {
  const api = await loadSecureApi(mode === 'fallback');
  const keyPair = x25519.generateKeyPair();
  const listener = await tcpTransport().listen({ host: '127.0.0.1', port: 0 }, (stream) => {
    stream.on('error', () => {});
    api.respond(stream, keyPair).then((link) => {
      link.on('message', (message) => link.send(receiptFor(message)));
    });
  });
  tellParent({ type: 'ready', port: listener.address.port, kind: api.kind });
}
