// The in-memory transport passes the same compliance suite as TCP, so tests and embedders that
// use it see the behaviour they would see over a real socket.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { MemoryNetwork, memoryTransport } from '../../src/adapters/memory-transport.js';
import { transportCompliance, whenClosed } from './compliance.js';

transportCompliance('memory', {
  setup: () => ({
    transport: memoryTransport({ network: new MemoryNetwork() }),
    host: '127.0.0.1',
  }),
});

transportCompliance('memory, 1-byte buffers', {
  setup: () => ({
    transport: memoryTransport({ network: new MemoryNetwork(), highWaterMark: 1 }),
    host: '127.0.0.1',
  }),
});

describe('memory transport specifics', () => {
  it('lets transports on one network reach each other, and no one outside it', async () => {
    const network = new MemoryNetwork();
    const host = memoryTransport({ network });
    const listener = await host.listen({ port: 0 }, (stream) => stream.end('hello'));
    expect(listener.address.host).toBe('::');
    const guest = memoryTransport({ network, localHost: '10.0.0.2' });
    const stream = await guest.dial({ host: '127.0.0.1', port: listener.address.port });
    stream.resume();
    await once(stream, 'end');
    const stranger = memoryTransport({ network: new MemoryNetwork() });
    await expect(
      stranger.dial({ host: '127.0.0.1', port: listener.address.port }),
    ).rejects.toMatchObject({ code: 'ERR_UNREACHABLE' });
    await listener.close();
  });

  it('reports the dialer address given to the transport', async () => {
    const network = new MemoryNetwork();
    let remoteHost = '';
    const listener = await memoryTransport({ network }).listen({ port: 4000 }, (s, remote) => {
      remoteHost = remote.host;
      s.destroy();
    });
    expect(listener.address.port).toBe(4000);
    await memoryTransport({ network, localHost: '[fd00::2]' }).dial({ host: '::1', port: 4000 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(remoteHost).toBe('fd00::2');
    await listener.close();
  });

  it('resets the writer when the reader is destroyed with unread data', async () => {
    const network = new MemoryNetwork();
    const transport = memoryTransport({ network });
    const accepted: import('node:stream').Duplex[] = [];
    const listener = await transport.listen({ port: 0 }, (s) => accepted.push(s));
    const client = await transport.dial({ host: '127.0.0.1', port: listener.address.port });
    client.write('never read');
    await new Promise((resolve) => setImmediate(resolve));
    const [server] = accepted;
    const closed = whenClosed(client);
    const errors: NodeJS.ErrnoException[] = [];
    client.on('error', (e) => errors.push(e));
    server!.destroy();
    await closed;
    expect(errors.map((e) => e.code)).toEqual(['ECONNRESET']);
    await listener.close();
  });
});
