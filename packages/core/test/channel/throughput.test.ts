// A throughput probe, not a benchmark gate: prints how fast the pure channel moves 64 KiB
// messages (seal + receive in one process) next to the bare ChaCha20-Poly1305 of the crypto
// module on the same sizes. Only correctness is asserted; timings are printed for people
// (the benchmark suite of the test harness owns real measurements).
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { secureInitiate, secureRespond } from '../../src/adapters/secure-connection.js';
import { MAX_FRAGMENT_BYTES } from '../../src/channel/index.js';
import { chaChaPoly } from '../../src/crypto/index.js';
import { channelPair, FIXED, OK } from './helpers.js';
import { tcpPair } from './streams.js';

const TOTAL_BYTES = 64 * 1024 * 1024;

function rate(bytes: number, ms: number): string {
  return `${((bytes / 1e6) * (1000 / ms)).toFixed(0)} MB/s`;
}

function channelRun(size: number): { ms: number; delivered: number } {
  const { a, b } = channelPair();
  const message = new Uint8Array(size).fill(7);
  const count = Math.floor(TOTAL_BYTES / size);
  let delivered = 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    for (const frame of a.seal(message)) {
      for (const event of b.receive(frame)) if (event.type === 'message') delivered += 1;
    }
  }
  return { ms: performance.now() - start, delivered };
}

function cipherRun(size: number): number {
  const key = new Uint8Array(32).fill(1);
  const empty = new Uint8Array(0);
  const message = new Uint8Array(size).fill(7);
  const count = Math.floor(TOTAL_BYTES / size);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const nonce = BigInt(i);
    chaChaPoly.decrypt(key, nonce, empty, chaChaPoly.encrypt(key, nonce, empty, message));
  }
  return performance.now() - start;
}

describe('channel throughput (printed, not asserted)', () => {
  it('moves 64 KiB messages through seal + receive and prints MB/s next to the bare cipher', () => {
    const lines: string[] = [];
    for (const size of [64 * 1024, MAX_FRAGMENT_BYTES]) {
      const count = Math.floor(TOTAL_BYTES / size);
      cipherRun(size); // warm-up, both
      channelRun(size);
      const bare = cipherRun(size);
      const channel = channelRun(size);
      expect(channel.delivered).toBe(count);
      lines.push(
        `${size}-byte messages: channel ${rate(count * size, channel.ms)}, ` +
          `bare ChaCha20-Poly1305 encrypt+decrypt ${rate(count * size, bare)} ` +
          `(channel/bare time ${(channel.ms / bare).toFixed(2)}x)`,
      );
    }
    console.log(`[throughput] ${lines.join('\n[throughput] ')}`);
  });
});

describe('secure connection throughput over TCP loopback (printed, not asserted)', () => {
  it('moves 64 KiB messages from one process socket to another and prints MB/s', async () => {
    const [left, right] = await tcpPair();
    const [alice, bob] = await Promise.all([
      secureInitiate(left, { staticKeyPair: FIXED.initiatorStatic }),
      secureRespond(right, {
        staticKeyPair: FIXED.responderStatic,
        onPrelude: () => ({ payload: OK }),
      }),
    ]);
    const size = 64 * 1024;
    const count = Math.floor((64 * 1024 * 1024) / size);
    const message = new Uint8Array(size).fill(9);
    let received = 0;
    const done = new Promise<void>((resolve) =>
      bob.on('message', () => {
        received += 1;
        if (received === count) resolve();
      }),
    );
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      if (!alice.send(message)) await once(alice as unknown as NodeJS.EventEmitter, 'drain');
    }
    await done;
    const ms = performance.now() - start;
    expect(received).toBe(count);
    console.log(
      `[throughput] TCP loopback, one process, ${size}-byte messages: ${rate(count * size, ms)}`,
    );
    alice.end();
    await new Promise((resolve) => bob.on('close', resolve));
  });
});
