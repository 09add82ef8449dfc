import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../src/fault-proxy.js';

/** A target that records every chunk it receives and what the proxy did to the connection. */
interface Target {
  server: Server;
  port: number;
  chunks: Buffer[];
  sockets: Socket[];
  closed: Promise<void>;
  received(): Buffer;
  waitBytes(n: number, timeoutMs?: number): Promise<Buffer>;
}

async function startTarget(): Promise<Target> {
  const chunks: Buffer[] = [];
  const sockets: Socket[] = [];
  let wake: () => void = () => {};
  let closedResolve: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    closedResolve = resolve;
  });
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => closedResolve());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  const received = (): Buffer => Buffer.concat(chunks);
  return {
    server,
    port: address.port,
    chunks,
    sockets,
    closed,
    received,
    waitBytes: (n, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`target got ${received().length} of ${n} bytes`)),
          timeoutMs,
        );
        wake = () => {
          if (received().length >= n) {
            clearTimeout(timer);
            resolve(received());
          }
        };
        wake();
      }),
  };
}

/** One frame as on Cryptully's wire: 2-byte big-endian length, then the body. */
function frame(body: Buffer | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(bytes.length);
  return Buffer.concat([prefix, bytes]);
}

/** Handshake frames of the initiator (prelude, msg1, msg3), then `count` transport frames. */
function initiatorStream(count: number): { handshake: Buffer; frames: Buffer[] } {
  const handshake = Buffer.concat([frame('prelude'), frame('msg1'), frame('msg3')]);
  const frames = Array.from({ length: count }, (_, i) => frame(`transport frame number ${i}`));
  return { handshake, frames };
}

async function dial(proxy: FaultProxy): Promise<Socket> {
  const socket = connect({ host: proxy.host, port: proxy.port });
  socket.setNoDelay(true);
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

let target: Target | undefined;
let proxy: FaultProxy | undefined;
const clients: Socket[] = [];
afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy();
  await proxy?.close();
  for (const socket of target?.sockets ?? []) socket.destroy();
  target?.server.close();
  proxy = undefined;
  target = undefined;
});

async function setup(mode: Parameters<FaultProxy['setMode']>[0]) {
  target = await startTarget();
  proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: target.port }, mode });
  const client = await dial(proxy);
  clients.push(client);
  return { target, proxy, client };
}

describe('fault proxy', () => {
  it('passes bytes through unchanged in both directions', async () => {
    const { target, client } = await setup({ kind: 'pass' });
    const { handshake, frames } = initiatorStream(3);
    const all = Buffer.concat([handshake, ...frames]);
    client.write(all);
    expect((await target.waitBytes(all.length)).equals(all)).toBe(true);
    const back = new Promise<Buffer>((resolve) => client.once('data', resolve));
    target.sockets[0]?.write(frame('msg2'));
    expect((await back).equals(frame('msg2'))).toBe(true);
  });

  it('splits every write into 1-byte pieces without changing the bytes', async () => {
    const { target, client } = await setup({ kind: 'split' });
    const all = Buffer.concat([initiatorStream(2).handshake, ...initiatorStream(2).frames]);
    client.write(all);
    const got = await target.waitBytes(all.length);
    expect(got.equals(all)).toBe(true);
    // Loopback may merge a few bytes in the receiver's buffer, but never a whole stream.
    expect(target.chunks.length).toBeGreaterThan(all.length / 4);
  });

  it('coalesces separate writes into one', async () => {
    const { target, client } = await setup({ kind: 'coalesce', windowMs: 50 });
    const { handshake, frames } = initiatorStream(4);
    client.write(handshake);
    for (const f of frames) client.write(f);
    const total = handshake.length + frames.reduce((n, f) => n + f.length, 0);
    const got = await target.waitBytes(total);
    expect(got.equals(Buffer.concat([handshake, ...frames]))).toBe(true);
    expect(target.chunks.length).toBeLessThanOrEqual(2);
  });

  it('delays with jitter but keeps the byte order', async () => {
    const { target, client } = await setup({ kind: 'delay', ms: 20, jitterMs: 30 });
    const { handshake, frames } = initiatorStream(200);
    client.write(handshake);
    for (const f of frames) client.write(f);
    const all = Buffer.concat([handshake, ...frames]);
    expect((await target.waitBytes(all.length)).equals(all)).toBe(true);
  });

  it('flips exactly one bit in the chosen frame after the handshake, once', async () => {
    const { target, client, proxy } = await setup({
      kind: 'flip',
      direction: 'c2s',
      frame: 1,
      bit: 3,
    });
    const { handshake, frames } = initiatorStream(3);
    const all = Buffer.concat([handshake, ...frames]);
    client.write(all);
    const got = await target.waitBytes(all.length);
    const diff: number[] = [];
    for (let i = 0; i < all.length; i++) if (got[i] !== all[i]) diff.push(i);
    const frame1Body = handshake.length + (frames[0]?.length ?? 0) + 2;
    expect(diff).toEqual([frame1Body]);
    expect((got[frame1Body] ?? 0) ^ (all[frame1Body] ?? 0)).toBe(1 << 3);
    expect(proxy.stats.fired).toEqual([`flip c2s frame 1 (${24} bytes) bit 3`]);
  });

  it('replays the chosen frame right after itself', async () => {
    const { target, client } = await setup({ kind: 'replay', direction: 'c2s', frame: 0 });
    const { handshake, frames } = initiatorStream(2);
    client.write(Buffer.concat([handshake, ...frames]));
    const f0 = frames[0] ?? Buffer.alloc(0);
    const expected = Buffer.concat([handshake, f0, f0, frames[1] ?? Buffer.alloc(0)]);
    expect((await target.waitBytes(expected.length)).equals(expected)).toBe(true);
  });

  it('drops the chosen frame and forwards the rest', async () => {
    const { target, client } = await setup({ kind: 'drop', direction: 'c2s', frame: 1 });
    const { handshake, frames } = initiatorStream(3);
    client.write(Buffer.concat([handshake, ...frames]));
    const expected = Buffer.concat([handshake, frames[0]!, frames[2]!]);
    expect((await target.waitBytes(expected.length)).equals(expected)).toBe(true);
  });

  it('targets the responder direction after its one handshake frame', async () => {
    const { target, client, proxy } = await setup({ kind: 'drop', direction: 's2c', frame: 0 });
    await target.waitBytes(0);
    client.write(frame('prelude'));
    await target.waitBytes(frame('prelude').length);
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => received.push(chunk));
    target.sockets[0]?.write(Buffer.concat([frame('msg2'), frame('dropped'), frame('kept')]));
    await proxy.waitFired();
    await new Promise<void>((resolve) => {
      const check = () =>
        Buffer.concat(received).length >= frame('msg2').length + frame('kept').length
          ? resolve()
          : setTimeout(check, 5);
      check();
    });
    expect(Buffer.concat(received).equals(Buffer.concat([frame('msg2'), frame('kept')]))).toBe(
      true,
    );
  });

  it('cuts the connection in the middle of the chosen frame', async () => {
    const { target, client } = await setup({ kind: 'cut', direction: 'c2s', frame: 0 });
    const { handshake, frames } = initiatorStream(2);
    const clientClosed = once(client, 'close');
    client.write(Buffer.concat([handshake, ...frames]));
    await target.closed;
    await clientClosed;
    const got = target.received();
    expect(got.length).toBe(handshake.length + Math.floor((frames[0]?.length ?? 0) / 2));
    expect(got.equals(Buffer.concat([handshake, ...frames]).subarray(0, got.length))).toBe(true);
  });

  it('stalls: accepts bytes, forwards none, keeps both connections open', async () => {
    const { target, client, proxy } = await setup({ kind: 'pass' });
    client.write(frame('before'));
    await target.waitBytes(frame('before').length);
    proxy.setMode({ kind: 'stall' });
    client.write(frame('swallowed'));
    await new Promise<void>((resolve) => {
      const check = () =>
        proxy.stats.bytesIn.c2s >= frame('before').length + frame('swallowed').length
          ? resolve()
          : setTimeout(check, 5);
      check();
    });
    expect(target.received().equals(frame('before'))).toBe(true);
    expect(proxy.openConnections()).toBe(1);
    expect(client.destroyed).toBe(false);
  });

  it('stalls one direction only when asked, forwarding the other', async () => {
    const { target, client, proxy } = await setup({ kind: 'stall', direction: 'c2s' });
    await target.waitBytes(0);
    client.write(frame('swallowed'));
    const back = new Promise<Buffer>((resolve) => client.once('data', resolve));
    await new Promise<void>((resolve) => {
      const check = () => (target.sockets.length > 0 ? resolve() : setTimeout(check, 5));
      check();
    });
    target.sockets[0]?.write(frame('still flows back'));
    expect((await back).equals(frame('still flows back'))).toBe(true);
    await new Promise<void>((resolve) => {
      const check = () =>
        proxy.stats.bytesIn.c2s >= frame('swallowed').length ? resolve() : setTimeout(check, 5);
      check();
    });
    expect(target.received().length).toBe(0);
  });

  it('fires a frame fault once, so a reconnect through the proxy is clean', async () => {
    const { target, client, proxy } = await setup({ kind: 'drop', direction: 'c2s', frame: 0 });
    const { handshake, frames } = initiatorStream(1);
    client.write(Buffer.concat([handshake, ...frames]));
    await proxy.waitFired();
    const second = await dial(proxy);
    clients.push(second);
    second.write(Buffer.concat([handshake, ...frames]));
    const expected = handshake.length * 2 + (frames[0]?.length ?? 0);
    await target.waitBytes(expected);
    expect(proxy.stats.fired).toHaveLength(1);
    expect(proxy.stats.connections).toBe(2);
  });
});
