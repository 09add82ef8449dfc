// Byte-stream pairs for the adapter tests: a real TCP connection on 127.0.0.1 and a plain
// in-process Duplex pair.
import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';

/** Both ends of a fresh TCP connection on the loopback interface. */
export async function tcpPair(): Promise<[Socket, Socket]> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const accepted = once(server, 'connection');
  const { connect } = await import('node:net');
  const client = connect(port, '127.0.0.1');
  await once(client, 'connect');
  const [serverSide] = (await accepted) as [Socket];
  server.close();
  return [client, serverSide];
}

/**
 * Two Duplex streams wired to each other: what one writes the other reads; `end()` is seen as
 * end-of-stream; `destroy()` closes the other end abruptly (like a reset).
 */
export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (other: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk, _encoding, callback) {
        other().push(chunk);
        callback();
      },
      final(callback) {
        other().push(null);
        callback();
      },
      destroy(error, callback) {
        const peer = other();
        if (!peer.destroyed) peer.destroy();
        callback(error);
      },
    });
  ends.push(
    make(() => ends[1]!),
    make(() => ends[0]!),
  );
  return [ends[0]!, ends[1]!];
}

/** Records every byte written to `stream` (wraps its `write`). */
export function recordWrites(stream: Duplex): Uint8Array[] {
  const written: Uint8Array[] = [];
  const write = stream.write.bind(stream) as (chunk: Uint8Array) => boolean;
  stream.write = ((chunk: Uint8Array, ...rest: unknown[]) => {
    written.push(Uint8Array.from(chunk));
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof stream.write;
  return written;
}
