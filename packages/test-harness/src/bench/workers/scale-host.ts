/**
 * Scale host for raw TCP and secure links: accepts connections on 127.0.0.1 and holds them
 * idle; answers RSS requests. (The ChatNode host is `chat-host.ts`.)
 * Args: `<mode: raw|secure|fallback>`.
 * @module
 */
import type { Duplex } from 'node:stream';
import { x25519 } from '@cryptully/core/crypto';
import { tcpTransport } from '@cryptully/core/transport';
import { loadSecureApi, type SecureLink } from '../net/secure-api.js';
import { answerRssRequests, exitOnTerminate, tellParent } from './ipc.js';

exitOnTerminate();

const [mode] = process.argv.slice(2) as [string];
const held = new Set<Duplex | SecureLink>();
answerRssRequests(() => held.size);

const api = mode === 'raw' ? undefined : await loadSecureApi(mode === 'fallback');
const keyPair = x25519.generateKeyPair();
const listener = await tcpTransport().listen({ host: '127.0.0.1', port: 0 }, (stream) => {
  stream.on('error', () => {});
  if (!api) {
    held.add(stream);
    stream.on('close', () => held.delete(stream));
    stream.resume();
    return;
  }
  api.respond(stream, keyPair).then(
    (link) => {
      held.add(link);
      link.on('close', () => held.delete(link));
    },
    () => stream.destroy(),
  );
});
tellParent({ type: 'ready', port: listener.address.port });
