import { Duplex } from 'node:stream';
import {
  AddressInUseError,
  BadAddressError,
  type ConnectionHandler,
  checkHost,
  checkPort,
  type DialAddress,
  type DialOptions,
  type Listener,
  type ListenOptions,
  type Transport,
  UnreachableError,
} from './transport.js';

/** Default per-direction buffer of a memory stream, about what a TCP socket holds. */
export const MEMORY_HIGH_WATER_MARK = 64 * 1024;

/** First port handed out when `0` is asked for (the IANA dynamic range). */
const FIRST_EPHEMERAL_PORT = 49152;

/** Hosts that mean "every address" when listening. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);

/** Node-style system error, so code written for TCP sockets handles memory streams unchanged. */
function systemError(code: 'ECONNRESET' | 'EPIPE', message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/**
 * One end of an in-memory connection. What one end writes is pushed into the other end's
 * readable buffer; a write completes only once that buffer is below its high-water mark, so a
 * reader that stops reading stalls the writer exactly like a full TCP window.
 */
class MemoryStream extends Duplex {
  /** The other end; set right after construction by {@link connectedPair}. */
  peer!: MemoryStream;
  /** The other end's write callback, held while our readable buffer is full. */
  #blockedWrite: ((error?: Error | null) => void) | undefined;
  /** The other end was destroyed: further writes fail like writes to a reset socket. */
  #peerGone = false;
  /** We sent end-of-stream (our `end()` completed). */
  #sentEnd = false;

  constructor(highWaterMark: number) {
    super({ allowHalfOpen: true, highWaterMark });
  }

  override _read(): void {
    const release = this.#blockedWrite;
    this.#blockedWrite = undefined;
    release?.();
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    const peer = this.peer;
    if (this.#peerGone || peer.destroyed) {
      callback(systemError('EPIPE', 'the other side has closed the connection'));
      return;
    }
    // Copy, as the kernel does: the writer may reuse its buffer once the write completes.
    // (allocUnsafeSlow + set is a plain memcpy; Buffer.from(Uint8Array) copied element-wise
    // in profiles, and pooled allocUnsafe would pin 8 KiB slabs while data sits unread.)
    const copy = Buffer.allocUnsafeSlow(chunk.length);
    copy.set(chunk);
    if (peer.push(copy)) callback();
    else peer.#blockedWrite = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#sentEnd = true;
    if (!this.peer.destroyed) this.peer.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    const blocked = this.#blockedWrite;
    this.#blockedWrite = undefined;
    if (!peer.destroyed) {
      peer.#peerGone = true;
      if (blocked !== undefined) {
        // The other end was waiting for us to read: its write fails as a reset would.
        blocked(systemError('ECONNRESET', 'the other side reset the connection'));
      } else if (this.readableLength > 0) {
        // TCP answers a close with unread data by a reset; so do we.
        const reset = systemError('ECONNRESET', 'the other side reset the connection');
        process.nextTick(() => peer.destroy(reset));
      } else if (!this.#sentEnd) {
        // A plain close: the other end reads what was already sent, then end-of-stream.
        this.#sentEnd = true;
        peer.push(null);
      }
    }
    callback(error);
  }
}

/** Two connected memory streams. */
function connectedPair(highWaterMark: number): [MemoryStream, MemoryStream] {
  const a = new MemoryStream(highWaterMark);
  const b = new MemoryStream(highWaterMark);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

interface MemoryListenerEntry {
  readonly host: string;
  readonly port: number;
  readonly onConnection: ConnectionHandler;
  readonly highWaterMark: number;
}

/**
 * A registry of in-memory listeners: the "network" that memory transports sharing it can dial
 * each other on. `memoryTransport()` uses one process-wide network by default; pass a fresh
 * `new MemoryNetwork()` for an isolated one.
 */
export class MemoryNetwork {
  readonly #listeners = new Map<string, MemoryListenerEntry>();
  #nextPort = FIRST_EPHEMERAL_PORT;

  static #key(host: string, port: number): string {
    return `${host}|${port}`;
  }

  /** A port no listener on `host` uses. */
  #ephemeralPort(host: string): number {
    for (let tries = 0; tries <= 65535 - FIRST_EPHEMERAL_PORT; tries++) {
      const port = this.#nextPort;
      this.#nextPort = port >= 65535 ? FIRST_EPHEMERAL_PORT : port + 1;
      if (!this.#taken(host, port)) return port;
    }
    throw new AddressInUseError(host, 0);
  }

  #taken(host: string, port: number): boolean {
    if (this.#listeners.has(MemoryNetwork.#key(host, port))) return true;
    if (WILDCARD_HOSTS.has(host)) {
      for (const entry of this.#listeners.values()) if (entry.port === port) return true;
      return false;
    }
    return [...WILDCARD_HOSTS].some((any) => this.#listeners.has(MemoryNetwork.#key(any, port)));
  }

  /** @internal Registers a listener; used by {@link memoryTransport}. */
  add(
    host: string,
    port: number,
    onConnection: ConnectionHandler,
    highWaterMark: number,
  ): MemoryListenerEntry {
    const bound = port === 0 ? this.#ephemeralPort(host) : port;
    if (this.#taken(host, bound)) throw new AddressInUseError(host, bound);
    const entry = { host, port: bound, onConnection, highWaterMark };
    this.#listeners.set(MemoryNetwork.#key(host, bound), entry);
    return entry;
  }

  /** @internal Unregisters a listener. */
  remove(entry: MemoryListenerEntry): void {
    const key = MemoryNetwork.#key(entry.host, entry.port);
    if (this.#listeners.get(key) === entry) this.#listeners.delete(key);
  }

  /** @internal The listener a dial to `host:port` reaches, if any. */
  find(host: string, port: number): MemoryListenerEntry | undefined {
    const exact = this.#listeners.get(MemoryNetwork.#key(host, port));
    if (exact) return exact;
    for (const any of WILDCARD_HOSTS) {
      const entry = this.#listeners.get(MemoryNetwork.#key(any, port));
      if (entry) return entry;
    }
    return undefined;
  }

  /** @internal A source port for a dialing stream. */
  sourcePort(host: string): number {
    return this.#ephemeralPort(host);
  }
}

const defaultNetwork = new MemoryNetwork();

/** Options of {@link memoryTransport}. */
export interface MemoryTransportOptions {
  /** The network to listen and dial on. Default: one network shared by the whole process. */
  network?: MemoryNetwork;
  /** The address this transport's dialed streams come from. Default `127.0.0.1`. */
  localHost?: string;
  /** Bytes buffered per direction before writes report backpressure. Default 64 KiB. */
  highWaterMark?: number;
}

/**
 * An in-process transport for tests and embedding: listeners live in a {@link MemoryNetwork},
 * and a dial returns one end of a connected pair of `Duplex` streams whose other end goes to
 * the listener. It behaves like TCP where it matters: bounded buffers with backpressure,
 * half-close, ports (ephemeral with `0`, `ERR_ADDRESS_IN_USE`), `ERR_UNREACHABLE` when nobody
 * listens, and a destroyed end shows up on the other as end-of-stream (or a reset, when it
 * destroyed with unread data), after which writes fail.
 * @example
 * const net = new MemoryNetwork();
 * const a = memoryTransport({ network: net });
 * const listener = await a.listen({ port: 0 }, (stream) => stream.pipe(stream));
 * const stream = await memoryTransport({ network: net }).dial(listener.address);
 */
export function memoryTransport(options: MemoryTransportOptions = {}): Transport {
  const network = options.network ?? defaultNetwork;
  const localHost = checkHost(options.localHost ?? '127.0.0.1');
  const highWaterMark = options.highWaterMark ?? MEMORY_HIGH_WATER_MARK;
  return {
    async listen(listenOptions: ListenOptions, onConnection): Promise<Listener> {
      const port = checkPort(listenOptions.port ?? 0, 0);
      const host = checkHost(listenOptions.host ?? '::');
      const entry = network.add(host, port, onConnection, highWaterMark);
      let open = true;
      return {
        address: { host: entry.host, port: entry.port },
        async close() {
          if (!open) return;
          open = false;
          network.remove(entry);
        },
      };
    },

    async dial(address: DialAddress, options?: DialOptions): Promise<Duplex> {
      const target = { host: checkHost(address.host), port: checkPort(address.port, 1) };
      if (options?.signal?.aborted) throw new UnreachableError('cancelled', target);
      if (WILDCARD_HOSTS.has(target.host)) {
        throw new BadAddressError(`${target.host} means "every address"; dial a real address.`);
      }
      const entry = network.find(target.host, target.port);
      if (!entry) throw new UnreachableError('refused', target);
      const [local, remote] = connectedPair(Math.min(highWaterMark, entry.highWaterMark));
      const remoteAddress = { host: localHost, port: network.sourcePort(localHost) };
      // Accepting happens on a later tick, as with a real socket.
      process.nextTick(() => entry.onConnection(remote, remoteAddress));
      return local;
    },
  };
}
