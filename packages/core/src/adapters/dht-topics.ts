/**
 * Meeting points on the DHT: a host announces its DHT key under a topic (a join code's,
 * docs/protocol-verification.md §1.3) and a joiner looks the topic up to learn the keys to
 * dial. Uses the HyperDHT node of a {@link DhtTransport}.
 * @module
 */
import type { DhtKeyPair, DhtTransport } from './dht-transport.js';

interface QueryStream extends AsyncIterable<{ peers?: Array<{ publicKey: Uint8Array }> }> {
  finished(): Promise<void>;
  destroy(): void;
}
interface TopicNode {
  announce(topic: Uint8Array, keyPair: DhtKeyPair, relays?: unknown[]): QueryStream;
  unannounce(topic: Uint8Array, keyPair: DhtKeyPair): Promise<void>;
  lookup(topic: Uint8Array): QueryStream;
}

const nodeOf = (dht: DhtTransport) => dht.node as TopicNode;
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);

/**
 * Announces `keyPair`'s public key under `topic` (the listener of that key must run on the
 * same transport). Resolves once the announcement has been stored; the returned function
 * withdraws it.
 */
export async function announceTopic(
  dht: DhtTransport,
  topic: Uint8Array,
  keyPair: DhtKeyPair,
): Promise<() => Promise<void>> {
  const node = nodeOf(dht);
  await node.announce(asBuffer(topic), keyPair, []).finished();
  return () => node.unannounce(asBuffer(topic), keyPair).catch(() => {});
}

/**
 * The public keys announced under `topic`, first found first. Stops at the first key found
 * (after `graceMs` more), at `timeoutMs`, or when `signal` aborts; never rejects.
 */
export async function lookupTopic(
  dht: DhtTransport,
  topic: Uint8Array,
  options: { timeoutMs: number; graceMs?: number; signal?: AbortSignal },
): Promise<Uint8Array[]> {
  const found: Uint8Array[] = [];
  const query = nodeOf(dht).lookup(asBuffer(topic));
  let timer: NodeJS.Timeout | undefined;
  const stop = () => query.destroy();
  timer = setTimeout(stop, options.timeoutMs);
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const reply of query) {
      for (const peer of reply.peers ?? []) {
        if (found.some((key) => Buffer.compare(asBuffer(key), asBuffer(peer.publicKey)) === 0)) {
          continue;
        }
        found.push(Uint8Array.from(peer.publicKey));
        if (found.length === 1) {
          clearTimeout(timer);
          timer = setTimeout(stop, options.graceMs ?? 300);
        }
      }
    }
  } catch {
    // Destroyed (time is up) or the DHT failed: what was found so far is the answer.
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', stop);
  }
  return found;
}
