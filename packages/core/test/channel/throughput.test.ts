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

/** Bytes per timed round; rounds alternate channel and bare cipher, and the best of each counts. */
const ROUND_BYTES = 8 * 1024 * 1024;
const ROUNDS = 9;

function rate(bytes: number, ms: number): string {
  return `${((bytes / 1e6) * (1000 / ms)).toFixed(0)} MB/s`;
}

/** Seal + receive `ROUND_BYTES` of `size`-byte messages; returns [ms, messages delivered]. */
function channelRound(size: number): [number, number] {
  const { a, b } = channelPair();
  const message = new Uint8Array(size).fill(7);
  const count = Math.floor(ROUND_BYTES / size);
  let delivered = 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    for (const frame of a.seal(message)) {
      for (const event of b.receive(frame)) if (event.type === 'message') delivered += 1;
    }
  }
  return [performance.now() - start, delivered];
}

/** The crypto module's ChaCha20-Poly1305 encrypt + decrypt of the same messages. */
function cipherRound(size: number): number {
  const key = new Uint8Array(32).fill(1);
  const empty = new Uint8Array(0);
  const message = new Uint8Array(size).fill(7);
  const count = Math.floor(ROUND_BYTES / size);
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
      const bytes = Math.floor(ROUND_BYTES / size) * size;
      let bestChannel = Number.POSITIVE_INFINITY;
      let bestBare = Number.POSITIVE_INFINITY;
      for (let round = 0; round < ROUNDS; round++) {
        const [ms, delivered] = channelRound(size);
        expect(delivered).toBe(Math.floor(ROUND_BYTES / size));
        bestChannel = Math.min(bestChannel, ms);
        bestBare = Math.min(bestBare, cipherRound(size));
      }
      lines.push(
        `${size}-byte messages: channel ${rate(bytes, bestChannel)}, ` +
          `bare ChaCha20-Poly1305 encrypt+decrypt ${rate(bytes, bestBare)} ` +
          `(channel/bare time ${(bestChannel / bestBare).toFixed(2)}x, best of ${ROUNDS})`,
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
