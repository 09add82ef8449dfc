// The transport compliance suite, in the style of libp2p's interface tests: every Transport
// adapter runs it through `transportCompliance(name, { setup, teardown })`. It protects what
// the secure channel relies on: bytes arrive complete and in order however they are chunked,
// half-close works, a vanished peer shows up as a close rather than a hang, a slow reader
// pushes back on the writer, and failures are the typed errors people see.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  DialAddress,
  Listener,
  ListenOptions,
  RemoteAddress,
  Transport,
} from '../../src/adapters/transport.js';

/** What `setup` gives the suite. */
export interface ComplianceContext {
  transport: Transport;
  /** The local address to listen on and dial, e.g. `127.0.0.1` or `::1`. */
  host: string;
  /**
   * For transports that address listeners otherwise than by host and port (the DHT, by public
   * key). Defaults suit TCP-like transports.
   */
  addressing?: {
    /** What to dial to reach `listener`. Default: `host` and the listener's port. */
    dialAddress(listener: Listener): DialAddress;
    /** Listen options that ask for the same address as `listener` (it must be refused). */
    sameAddress(listener: Listener): ListenOptions;
    /** A text the errors about `listener` mention. Default: its port. */
    mention(listener: Listener): string;
    /** Malformed listen options and dial addresses, each refused with ERR_BAD_ADDRESS. */
    malformed: { listen: ListenOptions[]; dial: DialAddress[] };
  };
}

/** Hooks of {@link transportCompliance}. */
export interface ComplianceHooks {
  setup(): Promise<ComplianceContext> | ComplianceContext;
  teardown?(): Promise<void> | void;
}

interface Accepted {
  stream: Duplex;
  remote: RemoteAddress;
}

/**
 * Reads a stream to its end, leaving its writable half alone (an async iterator would destroy
 * the whole duplex when the readable half ends).
 */
export function readAll(stream: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * Resolves when `stream` has closed, at once if it already has. (Unlike `events.once`, an
 * `'error'` on the way does not reject: callers watch errors themselves.)
 */
export function whenClosed(stream: Duplex): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

/** Writes `data` in `chunkSize` pieces, honouring backpressure, then ends the stream. */
async function writeAll(stream: Duplex, data: Buffer, chunkSize: number): Promise<void> {
  for (let offset = 0; offset < data.length; offset += chunkSize) {
    if (!stream.write(data.subarray(offset, offset + chunkSize))) await once(stream, 'drain');
  }
  stream.end();
}

/** Resolves with the first of `events` that `stream` emits. */
function firstOf(stream: Duplex, events: string[]): Promise<string> {
  return new Promise((resolve) => {
    for (const event of events) stream.once(event, () => resolve(event));
  });
}

/**
 * Registers the compliance tests for one transport.
 * @param name shown in the test names, e.g. `tcp over ::1`.
 */
export function transportCompliance(name: string, hooks: ComplianceHooks): void {
  describe(`transport compliance: ${name}`, () => {
    let context: ComplianceContext;
    const listeners: Listener[] = [];
    const streams: Duplex[] = [];

    beforeEach(async () => {
      context = await hooks.setup();
    });

    const dialAddress = (listener: Listener): DialAddress =>
      context.addressing?.dialAddress(listener) ?? {
        host: context.host,
        port: listener.address.port,
      };
    const mention = (listener: Listener): string =>
      context.addressing?.mention(listener) ?? String(listener.address.port);

    afterEach(async () => {
      for (const stream of streams.splice(0)) stream.destroy();
      for (const listener of listeners.splice(0)) await listener.close();
      await hooks.teardown?.();
    });

    /** Listens on an ephemeral port and dials it; resolves with both ends. */
    async function connect(): Promise<{ client: Duplex; server: Accepted; listener: Listener }> {
      const accepted: Accepted[] = [];
      let onAccept: (() => void) | undefined;
      const listener = await context.transport.listen({ host: context.host, port: 0 }, (s, r) => {
        streams.push(s);
        accepted.push({ stream: s, remote: r });
        onAccept?.();
      });
      listeners.push(listener);
      const client = await context.transport.dial(dialAddress(listener));
      streams.push(client);
      if (accepted.length === 0) await new Promise<void>((resolve) => (onAccept = resolve));
      return { client, server: accepted[0]!, listener };
    }

    it('listens on an ephemeral port and reports who connected', async () => {
      const { server, listener } = await connect();
      expect(listener.address.port).toBeGreaterThan(0);
      expect(server.remote.host).toBe(context.host);
      expect(server.remote.port).toBeGreaterThan(0);
    });

    it('carries several MiB each way at once, intact (large writes)', async () => {
      const { client, server } = await connect();
      const up = randomBytes(6 * 1024 * 1024);
      const down = randomBytes(5 * 1024 * 1024 + 17);
      const [, , atServer, atClient] = await Promise.all([
        writeAll(client, up, 1024 * 1024),
        writeAll(server.stream, down, 4 * 1024 * 1024),
        readAll(server.stream),
        readAll(client),
      ]);
      expect(atServer.length).toBe(up.length);
      expect(sha256(atServer)).toBe(sha256(up));
      expect(atClient.length).toBe(down.length);
      expect(sha256(atClient)).toBe(sha256(down));
    });

    it('delivers 1-byte writes in order (tiny chunks)', async () => {
      const { client, server } = await connect();
      const data = randomBytes(3000);
      const [, received] = await Promise.all([writeAll(client, data, 1), readAll(server.stream)]);
      expect(received.equals(data)).toBe(true);
    });

    it('keeps the other direction open after one side ends (half-close)', async () => {
      const { client, server } = await connect();
      client.end(Buffer.from('request, then my end of stream'));
      const request = await readAll(server.stream);
      expect(request.toString()).toBe('request, then my end of stream');
      // The server has seen the client's end and can still answer at length.
      const reply = randomBytes(256 * 1024);
      const [, received] = await Promise.all([
        writeAll(server.stream, reply, 16 * 1024),
        readAll(client),
      ]);
      expect(sha256(received)).toBe(sha256(reply));
      await Promise.all([whenClosed(client), whenClosed(server.stream)]);
    });

    it('shows a destroyed stream to the other side as a close (abrupt close)', async () => {
      const { client, server } = await connect();
      client.write('last words');
      client.destroy();
      const peer = server.stream;
      peer.on('error', () => {}); // a reset is an acceptable way to learn of it
      // The other side learns it (end of stream or a reset) and, ending its half, closes.
      const learned = firstOf(peer, ['end', 'error']);
      peer.resume();
      if ((await learned) === 'end') peer.end();
      await whenClosed(peer);
      expect(peer.destroyed).toBe(true);
    });

    it('fails a writer whose reader vanished instead of stalling it (abrupt close)', async () => {
      const { client, server } = await connect();
      const writer = server.stream;
      const errors: Error[] = [];
      writer.on('error', (error) => errors.push(error));
      client.destroy();
      const chunk = Buffer.alloc(64 * 1024);
      // Keep writing as a sender would; the stream must close (with an error) soon.
      const closed = whenClosed(writer);
      const pump = setInterval(() => {
        if (!writer.destroyed) writer.write(chunk, () => {}); // the failure is seen as 'error'
      }, 1);
      try {
        await closed;
      } finally {
        clearInterval(pump);
      }
      expect(errors.length).toBeGreaterThan(0);
    });

    it('pushes back on a writer while the reader is paused (backpressure)', async () => {
      const { client, server } = await connect();
      server.stream.pause();
      const chunk = Buffer.alloc(64 * 1024, 7);
      let written = 0;
      const limit = 256 * 1024 * 1024;
      let accepted = true;
      while (accepted && written < limit) {
        accepted = client.write(chunk);
        written += chunk.length;
        // Let the stream hand bytes down (to the kernel or the peer's buffer) between writes.
        if (accepted) await new Promise((resolve) => setImmediate(resolve));
      }
      expect(accepted).toBe(false);
      let drained = false;
      client.once('drain', () => (drained = true));
      // Nothing drains while the reader stays paused.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(drained).toBe(false);
      let received = 0;
      server.stream.on('data', (data: Buffer) => (received += data.length));
      server.stream.resume();
      if (!drained) await once(client, 'drain');
      client.end();
      await once(server.stream, 'end');
      expect(received).toBe(written);
    });

    it('refuses a dial to a closed port with ERR_UNREACHABLE', async () => {
      const listener = await context.transport.listen({ host: context.host, port: 0 }, (s) =>
        s.destroy(),
      );
      await listener.close();
      const dial = context.transport.dial(dialAddress(listener), { timeoutMs: 5000 });
      await expect(dial).rejects.toMatchObject({
        name: 'UnreachableError',
        code: 'ERR_UNREACHABLE',
        reason: 'refused',
        message: expect.stringContaining(mention(listener)),
      });
    });

    it('stops accepting once the listener is closed, keeping open streams', async () => {
      const { client, server, listener } = await connect();
      await listener.close();
      await listener.close(); // harmless twice
      await expect(
        context.transport.dial(dialAddress(listener), { timeoutMs: 5000 }),
      ).rejects.toMatchObject({ code: 'ERR_UNREACHABLE' });
      // The stream accepted before the close still works both ways.
      server.stream.end('still here');
      client.end();
      const [atClient] = await Promise.all([readAll(client), readAll(server.stream)]);
      expect(atClient.toString()).toBe('still here');
    });

    it('reports a taken port as ERR_ADDRESS_IN_USE', async () => {
      const first = await context.transport.listen({ host: context.host, port: 0 }, () => {});
      listeners.push(first);
      const same = context.addressing?.sameAddress(first) ?? {
        host: context.host,
        port: first.address.port,
      };
      await expect(context.transport.listen(same, () => {})).rejects.toMatchObject({
        name: 'AddressInUseError',
        code: 'ERR_ADDRESS_IN_USE',
        message: expect.stringContaining(mention(first)),
      });
    });

    it('rejects malformed ports and hosts with ERR_BAD_ADDRESS', async () => {
      const malformed = context.addressing?.malformed ?? {
        listen: [-1, 65536, 1.5, Number.NaN].map((port) => ({ host: context.host, port })),
        dial: [
          { host: context.host, port: 0 },
          { host: context.host, port: 70000 },
          { host: '', port: 4000 },
          { host: 'two words', port: 4000 },
        ],
      };
      for (const options of malformed.listen) {
        await expect(context.transport.listen(options, () => {})).rejects.toMatchObject({
          code: 'ERR_BAD_ADDRESS',
        });
      }
      for (const address of malformed.dial) {
        await expect(context.transport.dial(address)).rejects.toMatchObject({
          code: 'ERR_BAD_ADDRESS',
        });
      }
    });
  });
}
