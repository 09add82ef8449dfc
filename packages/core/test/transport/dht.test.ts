// The DHT transport passes the transport compliance suite on a DHT of its own: three bootstrap
// nodes on loopback (hyperdht/testnet), a listening node and a dialing node. Then what only the
// DHT has: the firewall hook refuses a dialer before any stream exists, and key pairs from seeds.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDhtTransport,
  type DhtKeyPair,
  type DhtTransport,
} from '../../src/adapters/dht-transport.js';
import type { Listener, Transport } from '../../src/adapters/transport.js';
import { transportCompliance } from './compliance.js';

const require = createRequire(import.meta.url);
const createTestnet = require('hyperdht/testnet') as (
  size: number,
  options: { host: string },
) => Promise<{ bootstrap: Array<{ host: string; port: number }>; destroy(): Promise<void> }>;

let testnet: Awaited<ReturnType<typeof createTestnet>>;
let host: DhtTransport;
let guest: DhtTransport;
/** Key pairs of the listeners the suite opened, by public key (to ask for one again). */
const keyPairs = new Map<string, DhtKeyPair>();

beforeAll(async () => {
  testnet = await createTestnet(3, { host: '127.0.0.1' });
  host = await createDhtTransport({ bootstrap: testnet.bootstrap, host: '127.0.0.1' });
  guest = await createDhtTransport({ bootstrap: testnet.bootstrap, host: '127.0.0.1' });
}, 30_000);

afterAll(async () => {
  await guest?.close();
  await host?.close();
  await testnet?.destroy();
});

transportCompliance('dht over a loopback testnet', {
  setup: () => {
    const transport: Transport = {
      listen: (options, onConnection) => {
        const keyPair = host.keyPairFromSeed(randomBytes(32));
        keyPairs.set(Buffer.from(keyPair.publicKey).toString('hex'), keyPair);
        return host.listen({ keyPair, ...options }, onConnection);
      },
      dial: (address, options) => guest.dial(address, options),
    };
    const dialAddress = (listener: Listener) => ({ host: listener.address.host, port: 0 });
    return {
      transport,
      host: '127.0.0.1',
      addressing: {
        dialAddress,
        sameAddress: (listener: Listener) => ({ keyPair: keyPairs.get(listener.address.host) }),
        mention: (listener: Listener) => listener.address.host.slice(0, 16),
        malformed: {
          listen: [
            { keyPair: { publicKey: new Uint8Array(31), secretKey: new Uint8Array(64) } },
            { keyPair: { publicKey: new Uint8Array(32), secretKey: new Uint8Array(32) } },
          ],
          dial: [
            { host: '', port: 0 },
            { host: 'ab'.repeat(31), port: 0 },
            { host: 'zz'.repeat(32), port: 0 },
            { host: '127.0.0.1', port: 4000 },
          ],
        },
      },
    };
  },
});

describe('dht transport specifics', () => {
  it('derives the same key pair from the same seed, and different ones from others', () => {
    const seed = randomBytes(32);
    const a = host.keyPairFromSeed(seed);
    expect(Buffer.from(guest.keyPairFromSeed(seed).publicKey)).toEqual(Buffer.from(a.publicKey));
    expect(a.secretKey.length).toBe(64);
    expect(Buffer.from(host.keyPairFromSeed(randomBytes(32)).publicKey)).not.toEqual(
      Buffer.from(a.publicKey),
    );
  });

  it('refuses a dialer its firewall does not admit, before any stream exists', async () => {
    const friend = guest.keyPairFromSeed(randomBytes(32));
    const stranger = guest.keyPairFromSeed(randomBytes(32));
    const asked: string[] = [];
    let accepted = 0;
    const listener = await host.listen(
      {
        firewall: (remotePublicKey) => {
          asked.push(Buffer.from(remotePublicKey).toString('hex'));
          return Buffer.from(remotePublicKey).equals(Buffer.from(friend.publicKey));
        },
      },
      (stream) => {
        accepted++;
        stream.end('welcome');
        stream.resume();
      },
    );
    try {
      const address = { host: listener.address.host, port: 0 };
      await expect(
        guest.dial(address, { keyPair: stranger, timeoutMs: 8000 }),
      ).rejects.toMatchObject({ code: 'ERR_UNREACHABLE' });
      expect(accepted).toBe(0);
      expect(asked).toContain(Buffer.from(stranger.publicKey).toString('hex'));
      const stream = await guest.dial(address, { keyPair: friend, timeoutMs: 8000 });
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      await new Promise((resolve) => stream.once('end', resolve));
      stream.end();
      expect(Buffer.concat(chunks).toString()).toBe('welcome');
      expect(accepted).toBe(1);
    } finally {
      await listener.close();
    }
  });

  it('explains a dial to a key nobody listens on in one sentence', async () => {
    const nobody = Buffer.from(host.keyPairFromSeed(randomBytes(32)).publicKey).toString('hex');
    const error = await guest
      .dial({ host: nobody, port: 0 }, { timeoutMs: 8000 })
      .catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ code: 'ERR_UNREACHABLE' });
    expect((error as Error).message).toContain(nobody.slice(0, 16));
    expect((error as Error).message).not.toContain(':0');
  });

  /** Dials `listener` with the raw HyperDHT node (no framing of ours) and writes `frames`. */
  async function rawPeerSends(frames: Buffer[]): Promise<Error | undefined> {
    let settle: (error: Error | undefined) => void = () => {};
    const outcome = new Promise<Error | undefined>((resolve) => (settle = resolve));
    const listener = await host.listen({}, (stream) => {
      stream.pause(); // a reader that reads nothing returns no credit
      stream.once('error', settle);
      stream.once('close', () => settle(undefined));
    });
    try {
      const node = guest.node as {
        connect(key: Buffer): {
          write(b: Buffer): void;
          destroy(): void;
          on(e: string, f: () => void): void;
        };
      };
      const raw = node.connect(Buffer.from(listener.address.host, 'hex'));
      raw.on('error', () => {});
      for (const frame of frames) raw.write(frame);
      const error = await outcome;
      raw.destroy();
      return error;
    } finally {
      await listener.close();
    }
  }

  const dataFrame = (length: number) => {
    const frame = Buffer.alloc(3 + length, 0x61);
    frame[0] = 0x00;
    frame.writeUInt16BE(length, 1);
    return frame;
  };

  it('closes the stream of a peer that sends beyond its flow-control window', async () => {
    // 5 full frames = 327 675 bytes, more than the 256 KiB window, with no credit returned.
    const error = await rawPeerSends(Array.from({ length: 5 }, () => dataFrame(0xffff)));
    expect(error).toMatchObject({ code: 'ECONNRESET', message: expect.stringMatching(/window/) });
  });

  it('closes the stream of a peer that sends an unknown frame', async () => {
    const error = await rawPeerSends([dataFrame(10), Buffer.from([0x07, 1, 2, 3])]);
    expect(error).toMatchObject({ code: 'ECONNRESET', message: expect.stringMatching(/unknown/) });
  });
});
