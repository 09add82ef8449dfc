import { Duplex } from 'node:stream';
import { CryptullyError } from '../errors.js';
import {
  AddressInUseError,
  BadAddressError,
  type ConnectionHandler,
  checkHost,
  checkPort,
  DEFAULT_DIAL_TIMEOUT_MS,
  type DialAddress,
  type DialOptions,
  type Listener,
  type ListenOptions,
  type RemoteAddress,
  type Transport,
  UnreachableError,
  type UnreachableReason,
} from './transport.js';

/**
 * The DHT transport: byte streams between two public keys through HyperDHT (npm `hyperdht`,
 * the engine under Hyperswarm and Keet), which finds the peer on a Kademlia DHT, punches a
 * hole through both NATs with UDP and carries a UDX stream inside its own Noise channel.
 * Cryptully's channel runs inside that stream exactly as over TCP.
 *
 * Addresses: a listener is found by its DHT public key. {@link Listener.address} and
 * {@link DialAddress} carry it as 64 lower-case hex characters in `host`; `port` is the UDP
 * port of the local DHT node on a listener and is ignored by `dial`.
 *
 * `hyperdht` loads native addons (sodium-native, udx-native). It is imported only when
 * {@link createDhtTransport} is called, so a program that cannot load them still runs over TCP;
 * that call then fails with {@link DhtUnavailableError}.
 * @module
 */

/**
 * How long a join gives the DHT to find a host and open a stream to it: 45 s. A lookup takes a
 * few round trips, and punching a router that picks a new port per destination ("random")
 * means guessing its port: HyperDHT's cone side sends up to 1,750 probes 20 ms apart (about
 * 35 s) at the 256 ports the random side opened. Most joins get through in 0.2 to 8 s, but CI
 * runs of the NAT lab took up to 18.6 s, and a budget under HyperDHT's own 35 s cuts off the
 * unlucky ones that were still guessing. Where no hole can be punched at all, HyperDHT says so
 * by itself within about a second.
 */
export const DEFAULT_DHT_DIAL_TIMEOUT_MS = 45_000;

/** An Ed25519 key pair as HyperDHT uses it: 32-byte public key, 64-byte secret key. */
export interface DhtKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** Options of {@link createDhtTransport}. */
export interface DhtTransportOptions {
  /**
   * Bootstrap nodes to join the DHT through. Default: HyperDHT's public bootstrap nodes. Tests
   * and labs pass their own.
   */
  bootstrap?: Array<{ host: string; port: number }>;
  /**
   * The key pair this node dials with when {@link DhtDialOptions.keyPair} is not given, and
   * the one peers' firewalls see. Default: a fresh random one.
   */
  keyPair?: DhtKeyPair;
  /**
   * The public key of a blind relay (`cryptully relay`) to route connections through when the
   * two NATs cannot be punched. Default: none.
   */
  relayThrough?: Uint8Array;
  /** The local address the DHT node's UDP socket binds. Default: every interface. */
  host?: string;
  /** The UDP port of the DHT node. Default: any free port. */
  port?: number;
}

/**
 * Decides who may connect to a DHT listener, before any handshake of ours: return `true` to
 * admit. Called with the dialer's DHT public key (which the dialer proved it holds in the DHT's
 * own Noise handshake) and the address the request came from.
 */
export type DhtFirewall = (remotePublicKey: Uint8Array, remote: RemoteAddress) => boolean;

/** Listen options of the DHT transport. `host` and `port` are not used. */
export interface DhtListenOptions extends ListenOptions {
  /** The key pair to be found by. Default: a fresh random one. */
  keyPair?: DhtKeyPair;
  /** Who may connect. Default: everyone. */
  firewall?: DhtFirewall;
}

/** Dial options of the DHT transport. */
export interface DhtDialOptions extends DialOptions {
  /** The key pair to dial with (what the listener's firewall sees). Default: the node's. */
  keyPair?: DhtKeyPair;
  /** A blind relay's public key for this dial, instead of the transport's. */
  relayThrough?: Uint8Array;
}

/** A {@link Transport} over HyperDHT, plus what only the DHT has. */
export interface DhtTransport extends Transport {
  listen(options: DhtListenOptions, onConnection: ConnectionHandler): Promise<Listener>;
  dial(address: DialAddress, options?: DhtDialOptions): Promise<Duplex>;
  /** The key pair dials use by default. */
  readonly keyPair: DhtKeyPair;
  /** The HyperDHT node itself, for other users of the same node (e.g. topic announcements). */
  readonly node: unknown;
  /** Derives a key pair from a 32-byte seed (Ed25519, libsodium's `crypto_sign_seed_keypair`). */
  keyPairFromSeed(seed: Uint8Array): DhtKeyPair;
  /** Closes every listener and stream and leaves the DHT. Calling it again is harmless. */
  close(): Promise<void>;
}

/** `ERR_DHT_UNAVAILABLE`: the DHT's native parts could not be loaded on this machine. */
export class DhtUnavailableError extends CryptullyError {
  constructor(options?: { cause?: unknown }) {
    super(
      'ERR_DHT_UNAVAILABLE',
      'The DHT cannot run on this machine (its native parts did not load); only direct TCP connections are possible.',
      options,
    );
  }
}

/** The other end's UDP address of a stream the DHT transport made, when known. */
export function dhtRemoteOf(stream: Duplex): RemoteAddress | undefined {
  return stream instanceof DhtStream ? stream.remote : undefined;
}

/** Checks and returns a DHT address's key: 64 hex characters. */
export function checkDhtKey(host: unknown): Uint8Array {
  const text = typeof host === 'string' ? host.trim().toLowerCase() : '';
  if (!/^[0-9a-f]{64}$/.test(text)) {
    throw new BadAddressError(
      `A DHT address is a public key of 64 hexadecimal characters, not ${JSON.stringify(host)}.`,
    );
  }
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const DHT_UNREACHABLE_MESSAGES: Record<UnreachableReason, (where: string) => string> = {
  refused: (where) => `Nobody answers at ${where} on the DHT (the host is offline or refused us).`,
  timeout: (where) => `No answer from ${where} on the DHT in time; check the network.`,
  unreachable: (where) =>
    `${where} was found on the DHT, but no hole can be punched between its network and this one (both routers change ports for every connection, or drop what they did not ask for): forwarding the host's port on its router, or a blind relay (--relay), would connect you.`,
  'not-found': (where) => `${where} could not be found on the DHT.`,
  cancelled: (where) => `The connection to ${where} on the DHT was cancelled.`,
};

/**
 * Why a dial through a blind relay failed after the host was found: with a relay named, HyperDHT
 * waits for the relay's pairing whatever the hole punching does, so the relay is what failed.
 */
const viaRelayUnreachable = (where: string) =>
  `${where} was found on the DHT, but the relay did not connect us to it (it did not answer, or could not pair us with the host in time): check that the relay is running on a computer the internet can reach.`;

/** An {@link UnreachableError} worded for a DHT key (which has no port). */
function dhtUnreachable(
  reason: UnreachableReason,
  keyHex: string,
  cause?: unknown,
  relayed = false,
): UnreachableError {
  const error = new UnreachableError(reason, { host: keyHex, port: 0 }, { cause });
  const where = `DHT key ${keyHex.slice(0, 16)}…`;
  error.message =
    relayed && reason === 'unreachable'
      ? viaRelayUnreachable(where)
      : DHT_UNREACHABLE_MESSAGES[reason](where);
  return error;
}

/** How a HyperDHT dial error code is explained; others are 'unreachable'. */
const DIAL_REASONS: Record<string, UnreachableReason> = {
  PEER_NOT_FOUND: 'refused',
  PEER_CONNECTION_FAILED: 'refused',
  SERVER_ERROR: 'refused',
  NODE_DESTROYED: 'cancelled',
  SUSPENDED: 'cancelled',
};

/**
 * Flow control inside the DHT stream. UDX streams have no receive window: a receiver that stops
 * reading does not slow the sender, its buffer just grows. So the DHT transport frames the bytes
 * (docs/architecture.md, "The DHT transport"):
 * - `0x00` DATA: a 16-bit big-endian length (1..65535), then that many bytes;
 * - `0x01` CREDIT: a 32-bit big-endian count of DATA bytes the receiver has handed to its reader;
 * - `0x02` END: the sender will send no more DATA (half-close). It still sends CREDIT, so the
 *   DHT stream itself is ended only once both sides have sent END.
 * Each side may have at most {@link DHT_WINDOW_BYTES} DATA bytes sent and not yet credited; more
 * is a protocol violation and closes the stream.
 */
export const DHT_WINDOW_BYTES = 256 * 1024;
const FRAME_DATA = 0x00;
const FRAME_CREDIT = 0x01;
const FRAME_END = 0x02;
const MAX_DATA_FRAME = 0xffff;
/** Credit is returned in batches of at least this many bytes (or when the reader catches up). */
const CREDIT_BATCH = 16 * 1024;

/**
 * Wraps a streamx duplex (HyperDHT's NoiseSecretStream) in a Node `Duplex` with half-close and
 * credit-based flow control, so code written for TCP sockets works unchanged: a write completes
 * only within the peer's window, a paused reader stops returning credit, end and destroy travel
 * both ways.
 */
class DhtStream extends Duplex {
  /** The other end's UDP address (the relay's, when relayed), when known. */
  readonly remote: RemoteAddress | undefined;
  readonly #source: StreamxDuplex;
  #destroyingSource = false;
  /** DATA bytes we may still send. */
  #credit = DHT_WINDOW_BYTES;
  /** A write waiting for credit: the rest of its chunk and its callback. */
  #blocked: { rest: Buffer; callback: (error?: Error | null) => void } | undefined;
  /** DATA bytes pushed to our reader and not yet credited back. */
  #uncredited = 0;
  /** DATA bytes received and not yet credited (the peer's view of our buffer). */
  #outstanding = 0;
  /** We sent END / the peer sent END. */
  #sentEnd = false;
  #receivedEnd = false;
  #sourceEnded = false;
  /** Bytes of an incomplete frame. */
  #partial: Buffer = Buffer.alloc(0);

  constructor(source: StreamxDuplex) {
    // Writes are accepted (write() returns true) while they fit in the peer's window, as a
    // kernel socket buffer accepts them; beyond that they wait for credit.
    super({ allowHalfOpen: true, writableHighWaterMark: DHT_WINDOW_BYTES });
    this.#source = source;
    const raw = source.rawStream;
    this.remote =
      raw?.remoteHost !== undefined && raw.remotePort !== undefined
        ? { host: checkHost(raw.remoteHost), port: raw.remotePort }
        : undefined;
    source.on('data', (data: Uint8Array) =>
      this.#receive(Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
    );
    source.on('end', () => {
      if (!this.#receivedEnd) this.#fail('The DHT stream was cut off.');
    });
    source.on('error', (error: Error) => this.destroy(asSystemError(error)));
    source.on('close', () => {
      // The source is gone: whatever has not ended by now was cut off.
      if (this.destroyed) return;
      if (!this.readableEnded && !this.writableFinished) {
        this.destroy(systemError('ECONNRESET', 'The DHT stream was closed by the other side.'));
      } else {
        this.destroy();
      }
    });
  }

  #fail(message: string): void {
    this.destroy(systemError('ECONNRESET', message));
  }

  #receive(data: Buffer): void {
    let buffer = this.#partial.length > 0 ? Buffer.concat([this.#partial, data]) : data;
    while (buffer.length > 0 && !this.destroyed) {
      const type = buffer[0];
      if (type === FRAME_CREDIT) {
        if (buffer.length < 5) break;
        this.#credit += buffer.readUInt32BE(1);
        buffer = buffer.subarray(5);
        this.#release();
      } else if (type === FRAME_END) {
        if (this.#receivedEnd) {
          this.#fail('The peer ended its DHT stream twice.');
          return;
        }
        this.#receivedEnd = true;
        buffer = buffer.subarray(1);
        this.push(null);
        if (this.#sentEnd) this.#endSource();
      } else if (type === FRAME_DATA) {
        if (this.#receivedEnd) {
          this.#fail('The peer sent data after its end.');
          return;
        }
        if (buffer.length < 3) break;
        const length = buffer.readUInt16BE(1);
        if (length === 0) {
          this.#fail('The peer sent an empty DHT data frame.');
          return;
        }
        if (buffer.length < 3 + length) break;
        this.#outstanding += length;
        if (this.#outstanding > DHT_WINDOW_BYTES) {
          this.#fail('The peer sent more than its flow-control window allows.');
          return;
        }
        // Copy: the frame's bytes outlive the source's buffer in our readable queue.
        const fits = this.push(Buffer.from(buffer.subarray(3, 3 + length)));
        this.#uncredited += length;
        if (fits) this.#grant(false);
        buffer = buffer.subarray(3 + length);
      } else {
        this.#fail('The peer sent an unknown DHT frame.');
        return;
      }
    }
    this.#partial = buffer.length > 0 ? Buffer.from(buffer) : Buffer.alloc(0);
  }

  /** Both sides sent END: nothing more goes either way, end the DHT stream. */
  #endSource(): void {
    this.#sourceEnded = true;
    this.#source.end();
  }

  /** Returns credit for what our reader has taken, in batches unless `now`. */
  #grant(now: boolean): void {
    if (this.#uncredited === 0 || this.#source.destroyed || this.#sourceEnded) return;
    if (!now && this.#uncredited < CREDIT_BATCH) return;
    const frame = Buffer.allocUnsafe(5);
    frame[0] = FRAME_CREDIT;
    frame.writeUInt32BE(this.#uncredited, 1);
    this.#outstanding -= this.#uncredited;
    this.#uncredited = 0;
    this.#source.write(frame);
  }

  override _read(): void {
    // Our reader wants more: everything pushed so far has been taken (or fits), credit it.
    this.#grant(true);
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    if (this.#source.destroyed) {
      callback(systemError('EPIPE', 'The DHT stream is closed.'));
      return;
    }
    this.#blocked = { rest: chunk, callback };
    this.#release();
  }

  /** Sends as much of the blocked write as credit allows; completes it when all is sent. */
  #release(): void {
    const blocked = this.#blocked;
    if (blocked === undefined) return;
    let { rest } = blocked;
    let fits = true;
    while (rest.length > 0 && this.#credit > 0) {
      const length = Math.min(rest.length, this.#credit, MAX_DATA_FRAME);
      const header = Buffer.allocUnsafe(3);
      header[0] = FRAME_DATA;
      header.writeUInt16BE(length, 1);
      fits = this.#source.write(Buffer.concat([header, rest.subarray(0, length)]));
      this.#credit -= length;
      rest = rest.subarray(length);
    }
    if (rest.length > 0) {
      blocked.rest = rest; // waits for a CREDIT frame
      return;
    }
    this.#blocked = undefined;
    if (fits) blocked.callback();
    else this.#source.once('drain', () => blocked.callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.#source.destroyed) {
      callback(systemError('EPIPE', 'The DHT stream is closed.'));
      return;
    }
    this.#sentEnd = true;
    this.#source.write(Uint8Array.of(FRAME_END));
    if (this.#receivedEnd) this.#endSource();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // After a clean end both ways the DHT stream is closing by itself, still delivering what
    // was written last: leave it. Otherwise cut it off.
    const clean = error === null && this.#sourceEnded;
    if (!this.#destroyingSource && !clean) {
      this.#destroyingSource = true;
      this.#source.destroy();
    }
    const blocked = this.#blocked;
    this.#blocked = undefined;
    blocked?.callback(error ?? systemError('EPIPE', 'The DHT stream is closed.'));
    callback(error);
  }
}

function systemError(code: 'ECONNRESET' | 'EPIPE', message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

function asSystemError(error: Error): Error {
  return (error as NodeJS.ErrnoException).code === undefined
    ? Object.assign(error, { code: 'ECONNRESET' })
    : error;
}

/** The parts of streamx's Duplex this adapter uses. */
interface StreamxDuplex {
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  write(data: Uint8Array): boolean;
  end(): void;
  destroy(error?: Error): void;
  pause(): void;
  resume(): void;
  readonly destroyed: boolean;
  /** Resolves true once the stream is open (false when it failed first). */
  readonly opened: Promise<boolean>;
  readonly rawStream?: { remoteHost?: string; remotePort?: number };
  readonly remotePublicKey?: Uint8Array;
}

/** The parts of HyperDHT's API this adapter uses. */
interface HyperDhtNode {
  createServer(
    options: {
      firewall?: (remotePublicKey: Uint8Array, payload: unknown, address: RemoteAddress) => boolean;
      relayThrough?: Uint8Array;
    },
    onConnection: (stream: StreamxDuplex) => void,
  ): HyperDhtServer;
  connect(
    publicKey: Uint8Array,
    options?: { keyPair?: DhtKeyPair; relayThrough?: Uint8Array },
  ): StreamxDuplex;
  ready(): Promise<void>;
  destroy(options?: { force?: boolean }): Promise<void>;
  address(): { host: string; port: number };
  listening: Set<HyperDhtServer>;
}
interface HyperDhtServer {
  listen(keyPair: DhtKeyPair): Promise<void>;
  close(): Promise<void>;
  publicKey: Uint8Array | null;
}
interface HyperDhtModule {
  new (options: Record<string, unknown>): HyperDhtNode;
  keyPair(seed?: Uint8Array): DhtKeyPair;
}

/** Loads `hyperdht` once; rejects with {@link DhtUnavailableError} when its addons cannot load. */
let loading: Promise<HyperDhtModule> | undefined;
export function loadHyperDht(): Promise<HyperDhtModule> {
  loading ??= import('hyperdht').then(
    (module) => ((module as { default?: unknown }).default ?? module) as HyperDhtModule,
    (cause: unknown) => {
      loading = undefined;
      throw new DhtUnavailableError({ cause });
    },
  );
  return loading;
}

class DhtListener implements Listener {
  readonly address: { host: string; port: number };
  readonly #server: HyperDhtServer;
  readonly #onClose: () => void;
  #closed = false;

  constructor(server: HyperDhtServer, publicKey: Uint8Array, port: number, onClose: () => void) {
    this.#server = server;
    this.#onClose = onClose;
    this.address = { host: hex(publicKey), port };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
    // Stops announcing and answering; streams already accepted stay open (their users own them).
    await this.#server.close();
  }
}

/**
 * Joins the DHT and returns a transport over it. One transport (one DHT node, one UDP socket)
 * serves every listener and dial of a program.
 * @throws {DhtUnavailableError} when `hyperdht`'s native parts cannot be loaded.
 * @example
 * const dht = await createDhtTransport({ bootstrap: [{ host: '127.0.0.1', port: 49737 }] });
 * const listener = await dht.listen({}, (stream, remote) => stream.pipe(stream));
 * const stream = await dht.dial({ host: listener.address.host, port: 0 });
 */
export async function createDhtTransport(options: DhtTransportOptions = {}): Promise<DhtTransport> {
  const HyperDHT = await loadHyperDht();
  const keyPair = options.keyPair ?? HyperDHT.keyPair();
  const node = new HyperDHT({
    bootstrap: options.bootstrap?.map((b) => ({
      host: checkHost(b.host),
      port: checkPort(b.port, 1),
    })),
    keyPair,
    host: options.host,
    port: options.port,
  });
  // Not waiting for the node to join the DHT (seconds; much longer where the bootstrap nodes
  // cannot be reached): listen and dial wait for it themselves, and close works at any time.
  const listening = new Map<string, HyperDhtServer>();
  const open = new Set<StreamxDuplex>();
  let closed: Promise<void> | undefined;

  const track = (stream: StreamxDuplex) => {
    open.add(stream);
    stream.on('close', () => open.delete(stream));
  };

  return {
    keyPair,
    node,
    keyPairFromSeed: (seed) => HyperDHT.keyPair(seed),

    async listen(
      listenOptions: DhtListenOptions,
      onConnection: ConnectionHandler,
    ): Promise<Listener> {
      if (closed) throw new BadAddressError('The DHT transport is closed.');
      const serverKeyPair = listenOptions.keyPair ?? HyperDHT.keyPair();
      if (serverKeyPair.publicKey?.length !== 32 || serverKeyPair.secretKey?.length !== 64) {
        throw new BadAddressError(
          'A DHT key pair is a 32-byte public key and a 64-byte secret key.',
        );
      }
      const id = hex(serverKeyPair.publicKey);
      if (listening.has(id)) {
        const error = new AddressInUseError(`DHT key ${id}`, 0);
        error.message = `DHT key ${id.slice(0, 16)}… is already listening on this node.`;
        throw error;
      }
      const firewall = listenOptions.firewall;
      const server = node.createServer(
        {
          // HyperDHT asks "reject?": refuse unless our firewall admits the dialer.
          firewall: firewall
            ? (remotePublicKey, _payload, address) =>
                !firewall(remotePublicKey, { host: address.host, port: address.port })
            : undefined,
          // The host's relay, offered to every dialer (either side may name one).
          ...(options.relayThrough ? { relayThrough: options.relayThrough } : {}),
        },
        (stream) => {
          track(stream);
          // HyperDHT hands the stream over before its UDP path is settled (a hole still being
          // punched, a relay pairing): wait until it is open, then its address is known.
          void stream.opened.then((open) => {
            const raw = stream.rawStream;
            // A stream that failed or closed first has no address: nothing to hand over.
            if (
              !open ||
              stream.destroyed ||
              raw?.remoteHost === undefined ||
              raw.remotePort === undefined
            ) {
              stream.destroy();
              return;
            }
            onConnection(new DhtStream(stream), {
              host: checkHost(raw.remoteHost),
              port: raw.remotePort,
            });
          });
        },
      );
      listening.set(id, server);
      try {
        await server.listen(serverKeyPair);
      } catch (error) {
        listening.delete(id);
        throw error;
      }
      return new DhtListener(server, serverKeyPair.publicKey, node.address().port, () =>
        listening.delete(id),
      );
    },

    async dial(address: DialAddress, dialOptions: DhtDialOptions = {}): Promise<Duplex> {
      const publicKey = checkDhtKey(address.host);
      const keyHex = hex(publicKey);
      const timeoutMs = dialOptions.timeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
      const signal = dialOptions.signal;
      if (signal?.aborted || closed) throw dhtUnreachable('cancelled', keyHex);
      const relayThrough = dialOptions.relayThrough ?? options.relayThrough;
      const stream = node.connect(publicKey, {
        keyPair: dialOptions.keyPair ?? keyPair,
        ...(relayThrough ? { relayThrough } : {}),
      });
      track(stream);
      return new Promise<Duplex>((resolve, reject) => {
        const cleanUp = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          stream.removeListener('open', onOpen);
          stream.removeListener('error', onError);
          stream.removeListener('close', onClose);
        };
        const give = (error: UnreachableError) => {
          cleanUp();
          stream.on('error', () => {});
          stream.destroy();
          reject(error);
        };
        const timer = setTimeout(() => give(dhtUnreachable('timeout', keyHex)), timeoutMs);
        const onAbort = () => give(dhtUnreachable('cancelled', keyHex));
        const onError = (error: Error & { code?: string }) =>
          give(
            dhtUnreachable(
              DIAL_REASONS[error.code ?? ''] ?? 'unreachable',
              keyHex,
              error,
              relayThrough !== undefined,
            ),
          );
        const onClose = () => give(dhtUnreachable('refused', keyHex));
        const onOpen = () => {
          cleanUp();
          resolve(new DhtStream(stream));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        stream.once('open', onOpen);
        stream.once('error', onError);
        stream.once('close', onClose);
      });
    },

    close(): Promise<void> {
      closed ??= (async () => {
        for (const stream of open) stream.destroy();
        await node.destroy({ force: true });
      })();
      return closed;
    },
  };
}
