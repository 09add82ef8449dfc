// Setups the engine tests run on, and tools to misbehave: a transport whose streams can be
// cut or made to drop what they receive, and a raw peer that speaks the session by hand.
import { Duplex } from 'node:stream';
import { MemoryNetwork, memoryTransport } from '../../src/adapters/memory-transport.js';
import {
  noiseChannel,
  type SecureChannelFactory,
  type SecureConnection,
} from '../../src/adapters/secure-connection.js';
import { tcpTransport } from '../../src/adapters/tcp-transport.js';
import type { Transport } from '../../src/adapters/transport.js';
import { x25519 } from '../../src/crypto/index.js';
import type { ChatNodeOptions } from '../../src/engine/index.js';

/** A way to run nodes: which transport, which channel. */
export interface Setup {
  name: string;
  /** Fresh per test: a transport and channel all nodes of the test share. */
  make(): Promise<{ transport: Transport; secure: SecureChannelFactory }>;
}

export const SETUPS: Setup[] = [
  {
    name: 'TCP loopback',
    make: async () => ({ transport: tcpTransport(), secure: noiseChannel }),
  },
  {
    name: 'memory transport',
    make: async () => ({
      transport: memoryTransport({ network: new MemoryNetwork() }),
      secure: noiseChannel,
    }),
  },
];

/**
 * A transport wrapper whose dialed streams can be cut, made deaf (drop what arrives), or made
 * to replay one frame they send. Outgoing bytes are split at the channel's 2-byte length
 * prefixes and written frame by frame.
 */
export function faultyTransport(inner: Transport) {
  const streams = new Set<Duplex>();
  let deaf = false;
  let replay = false;
  const transport: Transport = {
    listen: (options, onConnection) => inner.listen(options, onConnection),
    async dial(address, options) {
      const real = await inner.dial(address, options);
      let unsent = Buffer.alloc(0);
      const outer = new Duplex({
        allowHalfOpen: true,
        read() {},
        write(chunk: Buffer, _encoding, callback) {
          unsent = Buffer.concat([unsent, chunk]);
          const frames: Buffer[] = [];
          while (unsent.length >= 2 && unsent.length >= 2 + unsent.readUInt16BE(0)) {
            const frame = unsent.subarray(0, 2 + unsent.readUInt16BE(0));
            unsent = unsent.subarray(frame.length);
            frames.push(frame);
            // The copy goes in the same write: the peer reads both in one go.
            if (replay) frames.push(frame);
            replay = false;
          }
          if (frames.length === 0) callback();
          else real.write(Buffer.concat(frames), callback);
        },
        final(callback) {
          real.end();
          callback();
        },
        destroy(error, callback) {
          real.destroy();
          callback(error);
        },
      });
      real.on('data', (data) => {
        if (!deaf) outer.push(data);
      });
      real.on('end', () => outer.push(null));
      real.on('close', () => outer.destroy());
      real.on('error', () => {});
      streams.add(outer);
      outer.on('close', () => streams.delete(outer));
      return outer;
    },
  };
  return {
    transport,
    /** From now on, dialed streams drop everything they receive (the peer's receipts are lost). */
    deafen(on = true) {
      deaf = on;
    },
    /** The next frame a dialed stream sends is sent twice, back to back (a replay). */
    replayNextFrame() {
      replay = true;
    },
    /** Destroys every dialed stream, like a pulled cable noticed by this end. */
    cut() {
      for (const s of streams) s.destroy();
    },
  };
}

/** A hand-driven joiner (a fresh key unless given): a completed channel to the host, and what it received. */
export async function rawPeer(
  make: { transport: Transport; secure: SecureChannelFactory },
  address: { host: string; port: number },
  staticKeyPair = x25519.generateKeyPair(),
) {
  const stream = await make.transport.dial(address);
  const channel: SecureConnection = await make.secure.initiate(stream, {
    staticKeyPair,
    handshakeTimeoutMs: 2000,
  });
  const received: Uint8Array[] = [];
  let closed = false;
  channel.on('message', (m) => received.push(m));
  channel.on('close', () => {
    closed = true;
  });
  const text = (m: Uint8Array) => JSON.parse(new TextDecoder().decode(m));
  return {
    channel,
    received: () => received.map(text),
    closed: () => closed,
    sendJson: (value: unknown) => channel.send(new TextEncoder().encode(JSON.stringify(value))),
    sendBytes: (bytes: Uint8Array) => channel.send(bytes),
  };
}

/** Waits until `condition()` holds, polling; fails with `what` after `ms`. */
export async function until(condition: () => boolean, what: string, ms = 8000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export type { ChatNodeOptions };
