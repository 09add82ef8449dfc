import { createServer, type Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  AddressInUseError,
  BadAddressError,
  checkHost,
  checkPort,
  DEFAULT_DIAL_TIMEOUT_MS,
  type DialAddress,
  type DialOptions,
  type Listener,
  type ListenOptions,
  PermissionDeniedError,
  type Transport,
  type TransportError,
  UnreachableError,
  type UnreachableReason,
} from './transport.js';

/** Which typed error a failed `listen` becomes, by the system error code. */
const LISTEN_ERRORS: Record<
  string,
  (host: string, port: number, cause: unknown) => TransportError
> = {
  EADDRINUSE: (host, port, cause) => new AddressInUseError(host, port, { cause }),
  EACCES: (host, port, cause) => new PermissionDeniedError(host, port, { cause }),
  EPERM: (host, port, cause) => new PermissionDeniedError(host, port, { cause }),
  EADDRNOTAVAIL: (host, _port, cause) =>
    new BadAddressError(`${host} is not an address of this machine.`, { cause }),
  EAFNOSUPPORT: (host, _port, cause) =>
    new BadAddressError(`This machine cannot listen on ${host} (no such address family).`, {
      cause,
    }),
  EINVAL: (host, _port, cause) => new BadAddressError(`Cannot listen on ${host}.`, { cause }),
  ENOTFOUND: (host, _port, cause) =>
    new BadAddressError(`The host name ${host} could not be found.`, { cause }),
  EAI_AGAIN: (host, _port, cause) =>
    new BadAddressError(`The host name ${host} could not be resolved.`, { cause }),
};

/** How a failed `connect` is explained, by the system error code. Others are 'unreachable'. */
const DIAL_REASONS: Record<string, UnreachableReason> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'refused',
  ETIMEDOUT: 'timeout',
  ENOTFOUND: 'not-found',
  EAI_AGAIN: 'not-found',
  EAI_NONAME: 'not-found',
};

function systemCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? '';
}

/**
 * The typed error for a failed `listen` on `host:port`, or undefined when the system error is
 * not one a person can act on (then the original error is rethrown).
 */
export function listenError(
  error: unknown,
  host: string,
  port: number,
): TransportError | undefined {
  return LISTEN_ERRORS[systemCode(error)]?.(host, port, error);
}

/** The typed error for a failed `connect` to `address`. */
export function dialError(error: unknown, address: DialAddress): UnreachableError {
  const reason = DIAL_REASONS[systemCode(error)] ?? 'unreachable';
  return new UnreachableError(reason, address, { cause: error });
}

/** Turns off Nagle's algorithm: chat messages are small and must leave at once. */
function prepareSocket(socket: Socket): void {
  socket.setNoDelay(true);
}

class TcpListener implements Listener {
  readonly address: { host: string; port: number };
  readonly #server: Server;

  constructor(server: Server) {
    this.#server = server;
    const bound = server.address();
    if (bound === null || typeof bound === 'string') throw new Error('not a TCP server');
    this.address = { host: bound.address, port: bound.port };
  }

  close(): Promise<void> {
    if (!this.#server.listening) return Promise.resolve();
    // net.Server#close stops accepting at once but calls back only when every accepted socket
    // has closed; the owner of those sockets decides when that is, so do not wait for it.
    this.#server.close();
    return new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * A TCP transport on `node:net`, IPv4 and IPv6. Both ends turn on TCP_NODELAY; streams allow
 * half-close. Accepted streams from IPv4 clients on a dual-stack (`::`) listener report plain
 * IPv4 remote addresses.
 * @example
 * const tcp = tcpTransport();
 * const listener = await tcp.listen({ host: '::1', port: 0 }, (stream, remote) => {});
 * const stream = await tcp.dial({ host: '::1', port: listener.address.port }, { timeoutMs: 5000 });
 */
export function tcpTransport(): Transport {
  return {
    async listen(options: ListenOptions, onConnection): Promise<Listener> {
      const port = checkPort(options.port ?? 0, 0);
      const host = options.host === undefined ? undefined : checkHost(options.host);
      const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
        const remoteHost = socket.remoteAddress;
        const remotePort = socket.remotePort;
        // A client that reset before we saw it has no address left: nothing to hand over.
        if (remoteHost === undefined || remotePort === undefined) {
          socket.destroy();
          return;
        }
        prepareSocket(socket);
        onConnection(socket, { host: checkHost(remoteHost), port: remotePort });
      });
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => {
          reject(listenError(error, host ?? 'every interface', port) ?? error);
        };
        server.once('error', onError);
        server.listen({ host, port }, () => {
          server.off('error', onError);
          // From now on an 'error' is a failed accept (e.g. ENFILE, ENOBUFS under a flood of
          // connections): that one connection is lost, the server keeps listening. Without a
          // listener Node would throw it and end the process.
          server.on('error', () => {});
          resolve();
        });
      });
      return new TcpListener(server);
    },

    async dial(address: DialAddress, options: DialOptions = {}): Promise<Duplex> {
      const target = { host: checkHost(address.host), port: checkPort(address.port, 1) };
      const timeoutMs = options.timeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
      const signal = options.signal;
      if (signal?.aborted) throw new UnreachableError('cancelled', target);
      return new Promise<Duplex>((resolve, reject) => {
        const socket = new Socket({ allowHalfOpen: true });
        const give = (error: UnreachableError) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          socket.destroy();
          reject(error);
        };
        const timer = setTimeout(() => give(new UnreachableError('timeout', target)), timeoutMs);
        const onAbort = () => give(new UnreachableError('cancelled', target));
        const onError = (error: Error) => give(dialError(error, target));
        signal?.addEventListener('abort', onAbort, { once: true });
        socket.once('error', onError);
        socket.connect({ host: target.host, port: target.port, noDelay: true }, () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          socket.off('error', onError);
          prepareSocket(socket);
          resolve(socket);
        });
      });
    },
  };
}
