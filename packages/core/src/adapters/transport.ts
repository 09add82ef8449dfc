import type { Duplex } from 'node:stream';
import { CryptullyError } from '../errors.js';

/**
 * The transport interface: how Cryptully gets a byte stream to a peer. The secure channel runs
 * on top of whatever a transport yields, so TCP, the in-memory transport used by tests, or a
 * future one (a relay, a Unix socket) are interchangeable.
 *
 * Streams are Node `Duplex` byte streams with half-close enabled (`allowHalfOpen`): when the
 * other side ends, the stream emits `'end'` and stays writable until its owner ends it.
 * @module
 */

/** Where to listen. */
export interface ListenOptions {
  /**
   * The local address to bind: an IPv4 or IPv6 literal (`127.0.0.1`, `::1`, `0.0.0.0`, `::`),
   * or a host name. Default: every interface (IPv6 and IPv4 where the machine has both).
   */
  host?: string;
  /** The port; `0` (the default) asks for a free ephemeral port, see {@link Listener.address}. */
  port?: number;
}

/** An address to dial. */
export interface DialAddress {
  /** An IPv4 or IPv6 literal (brackets allowed: `[::1]`) or a host name. */
  host: string;
  /** The port, 1 to 65535. */
  port: number;
}

/** Options of {@link Transport.dial}. */
export interface DialOptions {
  /** Give up after this many milliseconds with {@link UnreachableError}. Default 10 000. */
  timeoutMs?: number;
  /**
   * Abandons the dial when aborted: the attempt is dropped at once and the dial rejects with
   * {@link UnreachableError} (reason `cancelled`). Used to let a closing program exit.
   */
  signal?: AbortSignal;
}

/** The other end of an accepted connection. IPv4-mapped IPv6 addresses are given as IPv4. */
export interface RemoteAddress {
  host: string;
  port: number;
}

/** A listening endpoint returned by {@link Transport.listen}. */
export interface Listener {
  /** The bound address; `port` is the real port even when `0` was asked for. */
  readonly address: { host: string; port: number };
  /**
   * Stops accepting connections. Streams already accepted stay open: their owner closes them.
   * Resolves once no new connection can arrive; calling it again is harmless.
   */
  close(): Promise<void>;
}

/** Called with each accepted stream and where it comes from. */
export type ConnectionHandler = (stream: Duplex, remote: RemoteAddress) => void;

/**
 * Listen and dial, yielding byte streams. Implementations: `tcpTransport()`,
 * `memoryTransport()`.
 * @example
 * const transport = tcpTransport();
 * const listener = await transport.listen({ host: '127.0.0.1', port: 0 }, (stream) => stream.pipe(stream));
 * const stream = await transport.dial(listener.address);
 */
export interface Transport {
  /**
   * Starts accepting connections.
   * @throws {AddressInUseError} when the port is taken.
   * @throws {BadAddressError} when the host or port is not valid or not local.
   * @throws {PermissionDeniedError} when the system forbids it (e.g. a port below 1024).
   */
  listen(options: ListenOptions, onConnection: ConnectionHandler): Promise<Listener>;
  /**
   * Connects to a listener.
   * @throws {UnreachableError} when the connection is refused, the host cannot be reached or
   * found, or the timeout passes.
   * @throws {BadAddressError} when the host or port is not valid.
   */
  dial(address: DialAddress, options?: DialOptions): Promise<Duplex>;
}

/** Default {@link DialOptions.timeoutMs}. */
export const DEFAULT_DIAL_TIMEOUT_MS = 10_000;

/** The base of the errors transports raise; tell them apart by `code` (or `name`). */
export class TransportError extends CryptullyError {}

/** `ERR_ADDRESS_IN_USE`: something already listens on that port. */
export class AddressInUseError extends TransportError {
  constructor(host: string, port: number, options?: { cause?: unknown }) {
    super(
      'ERR_ADDRESS_IN_USE',
      `Port ${port} on ${host} is already in use. Choose another port, or stop the program using it.`,
      options,
    );
  }
}

/** `ERR_BAD_ADDRESS`: the host or port is malformed, or not an address of this machine. */
export class BadAddressError extends TransportError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('ERR_BAD_ADDRESS', reason, options);
  }
}

/** `ERR_PERMISSION`: the system does not allow this (privileged port, sandbox, firewall). */
export class PermissionDeniedError extends TransportError {
  constructor(host: string, port: number, options?: { cause?: unknown }) {
    super(
      'ERR_PERMISSION',
      `Not allowed to listen on port ${port} on ${host}` +
        (port > 0 && port < 1024
          ? ' (ports below 1024 need administrator rights; choose a port above 1024).'
          : '.'),
      options,
    );
  }
}

/** Why a dial failed, for {@link UnreachableError.reason}. */
export type UnreachableReason = 'refused' | 'timeout' | 'unreachable' | 'not-found' | 'cancelled';

const UNREACHABLE_MESSAGES: Record<UnreachableReason, (where: string) => string> = {
  refused: (where) => `Nobody is listening at ${where} (connection refused).`,
  timeout: (where) => `No answer from ${where} in time; check the address and the network.`,
  unreachable: (where) => `${where} cannot be reached from this network.`,
  'not-found': (where) => `The host name in ${where} could not be found.`,
  cancelled: (where) => `The connection to ${where} was cancelled.`,
};

/** `ERR_UNREACHABLE`: the dial failed; `reason` says how, `message` says it for people. */
export class UnreachableError extends TransportError {
  /** How the dial failed. */
  readonly reason: UnreachableReason;

  constructor(reason: UnreachableReason, address: DialAddress, options?: { cause?: unknown }) {
    super('ERR_UNREACHABLE', UNREACHABLE_MESSAGES[reason](formatAddress(address)), options);
    this.reason = reason;
  }
}

/** `host:port`, with brackets around IPv6 literals: `[::1]:4000`. */
export function formatAddress(address: { host: string; port: number }): string {
  return address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}

/** Removes the brackets of `[::1]` and turns `::ffff:1.2.3.4` into `1.2.3.4`. */
export function normalizeHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  return mapped ? mapped[1]! : bare;
}

/**
 * Checks a port number.
 * @throws {BadAddressError} unless it is an integer in [min, 65535].
 */
export function checkPort(port: unknown, min: 0 | 1): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < min || port > 65535) {
    throw new BadAddressError(
      `The port must be a whole number from ${min} to 65535, not ${String(port)}.`,
    );
  }
  return port;
}

/**
 * Checks a host string and returns it normalized (see {@link normalizeHost}).
 * @throws {BadAddressError} when it is empty or not a string.
 */
export function checkHost(host: unknown): string {
  if (typeof host !== 'string' || host.trim() === '' || /\s/.test(host)) {
    throw new BadAddressError(
      `The host must be an address or a name, not ${JSON.stringify(host)}.`,
    );
  }
  return normalizeHost(host);
}
