/**
 * The DHT bench's two ends, each run inside a NAT lab namespace (`groups/dht.ts`), each with its
 * own HyperDHT node on the lab's DHT. Cryptully's secure channel (prelude, Noise XX, status) runs
 * inside every DHT stream exactly as over TCP.
 *
 * Args: `listen <bootstrap>`: listens on the DHT, answers every stream with the channel, holds
 * the links, counts what arrives (`{type:'received', bytes, ms}` once `{type:'expect', bytes}`
 * bytes came, timed from the first byte) and answers RSS requests; tells `{type:'ready', key}`.
 *
 * `dial <bootstrap> <key>`: on `{type:'joins', count}` dials the key `count` times one after
 * another (each a new hole punch and handshake) and tells each time; on
 * `{type:'send', bytes, size}` sends that much over one link; on `{type:'hold', count}` opens
 * `count` more links and keeps them idle.
 * @module
 */
import { x25519 } from '@cryptully/core/crypto';
import { createDhtTransport } from '@cryptully/core/transport';
import { loadSecureApi, type SecureLink } from '../net/secure-api.js';
import { answerRssRequests, exitOnTerminate, tellParent } from './ipc.js';

exitOnTerminate();

const [role, bootstrapText, key] = process.argv.slice(2) as [string, string, string?];
const bootstrap = bootstrapText.split(',').map((item) => {
  const [host, port] = item.split(':') as [string, string];
  return { host, port: Number(port) };
});
const api = await loadSecureApi(false);
const dht = await createDhtTransport({ bootstrap });
const keyPair = x25519.generateKeyPair();
const held = new Set<SecureLink>();

if (role === 'listen') {
  answerRssRequests(() => held.size);
  let expected = Number.POSITIVE_INFINITY;
  let received = 0;
  let first = 0;
  process.on('message', (message: { type: string; bytes?: number }) => {
    if (message.type === 'expect') {
      expected = message.bytes!;
      received = 0;
      first = 0;
    }
  });
  const listener = await dht.listen({}, (stream) => {
    stream.on('error', () => {});
    api.respond(stream, keyPair).then(
      (link) => {
        held.add(link);
        link.on('close', () => held.delete(link));
        link.on('message', (bytes) => {
          if (first === 0) first = performance.now();
          received += bytes.length;
          if (received >= expected) {
            tellParent({ type: 'received', bytes: received, ms: performance.now() - first });
            expected = Number.POSITIVE_INFINITY;
          }
        });
      },
      () => stream.destroy(),
    );
  });
  tellParent({ type: 'ready', key: listener.address.host });
} else {
  const dialLink = async (): Promise<{ link: SecureLink; dialMs: number; totalMs: number }> => {
    const start = performance.now();
    const stream = await dht.dial({ host: key!, port: 0 }, { timeoutMs: 30_000 });
    const dialMs = performance.now() - start;
    const link = await api.initiate(stream, keyPair);
    held.add(link);
    link.on('close', () => held.delete(link));
    return { link, dialMs, totalMs: performance.now() - start };
  };
  process.on(
    'message',
    (message: { type: string; count?: number; bytes?: number; size?: number }) => {
      void (async () => {
        try {
          if (message.type === 'joins') {
            for (let i = 0; i < message.count!; i++) {
              const { link, dialMs, totalMs } = await dialLink();
              tellParent({ type: 'joined', dialMs, totalMs });
              link.end();
            }
            tellParent({ type: 'joins-done' });
          } else if (message.type === 'send') {
            const { link } = await dialLink();
            const chunk = new Uint8Array(message.size!);
            let wake: (() => void) | undefined;
            link.on('drain', () => wake?.());
            let sent = 0;
            while (sent < message.bytes!) {
              sent += chunk.length;
              if (!link.send(chunk)) {
                await new Promise<void>((resolve) => {
                  wake = resolve;
                });
              }
            }
            tellParent({ type: 'sent', bytes: sent });
          } else if (message.type === 'hold') {
            let failed = 0;
            for (let i = 0; i < message.count!; i++) {
              await dialLink().catch(() => {
                failed += 1;
              });
            }
            tellParent({ type: 'held', open: held.size, failed });
          }
        } catch (error) {
          tellParent({ type: 'failed', error: (error as Error).message });
        }
      })();
    },
  );
  tellParent({ type: 'ready', key: '' });
}
