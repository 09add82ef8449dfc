// A blind relay on a DHT of our own (loopback). HyperDHT turns to a relay only when the two
// NATs cannot be punched, which loopback never needs: here, peers that name a relay still get a
// working stream (the relay is no obstacle), and a seed gives the same relay key after a restart.
// The relayed path itself, between two "random" NATs, is proven in the test harness's lab.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDhtRelay } from '../../src/adapters/dht-relay.js';
import { createDhtTransport, type DhtTransport } from '../../src/adapters/dht-transport.js';

const require = createRequire(import.meta.url);
const createTestnet = require('hyperdht/testnet') as (
  size: number,
  options: { host: string },
) => Promise<{ bootstrap: Array<{ host: string; port: number }>; destroy(): Promise<void> }>;

let testnet: Awaited<ReturnType<typeof createTestnet>>;

beforeAll(async () => {
  testnet = await createTestnet(3, { host: '127.0.0.1' });
}, 30_000);

afterAll(async () => {
  await testnet?.destroy();
});

describe('startDhtRelay', () => {
  it('lets two peers that name a relay talk, both ways', async () => {
    const relay = await startDhtRelay({ bootstrap: testnet.bootstrap });
    const transports: DhtTransport[] = [];
    try {
      const options = { bootstrap: testnet.bootstrap, relayThrough: relay.publicKey };
      const host = await createDhtTransport({ ...options, host: '127.0.0.1' });
      const joiner = await createDhtTransport({ ...options, host: '127.0.0.1' });
      transports.push(host, joiner);
      const keyPair = host.keyPairFromSeed(new Uint8Array(32).fill(7));
      const received: Buffer[] = [];
      const listener = await host.listen({ keyPair }, (stream) => {
        stream.on('error', () => {});
        stream.on('data', (chunk: Buffer) => {
          received.push(chunk);
          stream.write(Buffer.concat([Buffer.from('echo:'), chunk]));
        });
      });
      const stream = await joiner.dial(
        { host: listener.address.host, port: 0 },
        { timeoutMs: 20_000 },
      );
      const reply = new Promise<Buffer>((resolve) => stream.once('data', resolve));
      stream.write(Buffer.from('through the relay'));
      expect((await reply).toString()).toBe('echo:through the relay');
      expect(Buffer.concat(received).toString()).toBe('through the relay');
      stream.destroy();
      await listener.close();
    } finally {
      for (const t of transports) await t.close();
      await relay.close();
    }
  }, 60_000);

  it('knows that peers can reach it directly when the DHT sees one of its own addresses', async () => {
    // Loopback answers faster than HyperDHT's first reachability check, which then counts every
    // new node as firewalled: the relay must not, or every peer would have to punch into it.
    const relay = await startDhtRelay({ bootstrap: testnet.bootstrap });
    try {
      expect(relay.reachable).toBe(true);
      expect(relay.address).toMatch(/^127\.0\.0\.1:\d+$/);
    } finally {
      await relay.close();
    }
  }, 30_000);

  it('keeps its key across restarts when given the same seed', async () => {
    const seed = new Uint8Array(32).fill(9);
    const first = await startDhtRelay({ bootstrap: testnet.bootstrap, seed });
    const key = Buffer.from(first.publicKey).toString('hex');
    await first.close();
    const second = await startDhtRelay({ bootstrap: testnet.bootstrap, seed });
    expect(Buffer.from(second.publicKey).toString('hex')).toBe(key);
    await second.close();
    await expect(startDhtRelay({ seed: new Uint8Array(5) })).rejects.toMatchObject({
      code: 'ERR_BAD_RELAY',
    });
  }, 60_000);
});
