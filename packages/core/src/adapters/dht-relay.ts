/**
 * A blind relay on the DHT (npm `blind-relay`, HyperDHT's relay-through): for two peers whose
 * NATs cannot be punched (both "random"/symmetric), each side connects to the relay, which pairs
 * their UDX streams by a token the two agreed in the DHT handshake and forwards packets between
 * them. It only ever carries the DHT's encrypted stream, inside which our own Noise channel runs:
 * it sees two IP addresses and ciphertext, never keys or messages. `cryptully relay` runs one.
 * @module
 */
import { networkInterfaces } from 'node:os';
import { CryptullyError } from '../errors.js';
import { type DhtKeyPair, DhtUnavailableError, loadHyperDht } from './dht-transport.js';

/** Options of {@link startDhtRelay}. */
export interface DhtRelayOptions {
  /** Bootstrap nodes; default HyperDHT's public ones. */
  bootstrap?: Array<{ host: string; port: number }>;
  /**
   * 32 secret bytes the relay's key pair is derived from: the same seed gives the same relay
   * key after a restart, so friends keep using it. Default: a new key each run.
   */
  seed?: Uint8Array;
  /** The UDP port of the relay's DHT node; default any free one. */
  port?: number;
  /** One line per pairing and per failure, for people (never keys). */
  log?: (line: string) => void;
}

/** A running relay. */
export interface DhtRelay {
  /** The key peers give as `--relay` (32 bytes). */
  readonly publicKey: Uint8Array;
  /** How many peers are connected to the relay now. */
  readonly connections: number;
  /**
   * Whether the DHT sees the relay as directly reachable: peers connect straight to it. When
   * false, the relay is behind a router or firewall (or the DHT could not tell yet): every
   * peer has to punch a hole into it, which peers behind strict routers, the ones a relay is
   * for, may fail to do.
   */
  readonly reachable: boolean;
  /** The relay's public UDP address as the DHT sees it, when it has one (`host:port`). */
  readonly address: string | undefined;
  /** Stops relaying and leaves the DHT. */
  close(): Promise<void>;
}

interface RelaySocket {
  remotePublicKey: Uint8Array;
  on(event: 'error' | 'close', listener: (error?: Error) => void): unknown;
  destroy(): void;
}
interface RelayNode {
  /** Our public IP as other DHT nodes see it (dht-rpc `node.host`), or null. */
  readonly host: string | null;
  /** Our public port as other DHT nodes see it, 0 when not consistent (dht-rpc `node.port`). */
  readonly port: number;
  /** Whether other nodes cannot reach us unasked (dht-rpc `node.firewalled`). */
  readonly firewalled: boolean;
  /** dht-rpc's counters: `pingNat.rx` counts answers to its reachability pings. */
  readonly stats?: { commands?: { pingNat?: { rx?: number } } };
  fullyBootstrapped(): Promise<void>;
  createServer(
    options: Record<string, unknown>,
    onConnection: (socket: RelaySocket) => void,
  ): {
    listen(keyPair: DhtKeyPair): Promise<void>;
    close(): Promise<void>;
  };
  createRawStream(options: Record<string, unknown>): unknown;
  destroy(options?: { force?: boolean }): Promise<void>;
}
interface BlindRelayModule {
  Server: new (options: {
    createStream(options: Record<string, unknown>): unknown;
  }) => {
    accept(
      socket: RelaySocket,
      options: { id: Uint8Array },
    ): { on(event: 'error', l: () => void): unknown };
    close(): Promise<void>;
  };
}

type HyperDhtConstructor = new (options: Record<string, unknown>) => unknown;

/** The IP addresses of this machine's own network interfaces. */
function ownAddresses(): Set<string> {
  const own = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) own.add(entry.address);
  }
  return own;
}

/** How long a relay waits for the answer to HyperDHT's first reachability ping. */
const PING_BACK_WAIT_MS = 2000;

/**
 * Whether the answer to HyperDHT's first reachability ping has come in. A DHT node sends that
 * answer to our server socket, which never wrote to it: a packet that reached us unasked.
 */
async function pingedBack(node: RelayNode): Promise<boolean> {
  const answered = () => (node.stats?.commands?.pingNat?.rx ?? 0) > 0;
  for (let waited = 0; !answered() && waited < PING_BACK_WAIT_MS; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return answered();
}

/**
 * The relay's DHT node, once it has joined the DHT. A relay must be reachable: the peers it is
 * for sit behind routers that cannot be punched, so they can only come straight in.
 *
 * HyperDHT finds out whether a new node is reachable by asking one DHT node to ping it back while
 * the node's first lookup runs. That check is a race: where the DHT answers faster than the ping
 * (a LAN, a fast data centre) the answer comes too late to count, and the node counts as
 * firewalled until a later check, minutes on. Then every peer must punch a hole even into a
 * relay with a public address, and peers behind strict routers fail now and then. So when the
 * address the DHT sees is one of this machine's own (no router in between) and the ping's answer
 * did reach us (no firewall dropping what we did not ask for), the relay starts a new node that
 * says it is not firewalled (HyperDHT's `firewalled: false`, for nodes known to be open).
 * Anywhere else the relay keeps HyperDHT's own judgement.
 */
async function relayNode(HyperDHT: HyperDhtConstructor, options: DhtRelayOptions) {
  const base = {
    ...(options.bootstrap ? { bootstrap: options.bootstrap } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
  };
  const joined = async (nodeOptions: Record<string, unknown>) => {
    const node = new HyperDHT(nodeOptions) as RelayNode;
    try {
      await node.fullyBootstrapped();
    } catch (error) {
      await node.destroy({ force: true });
      throw error;
    }
    return node;
  };
  const probe = await joined(base);
  if (!probe.firewalled || probe.host === null || !ownAddresses().has(probe.host)) return probe;
  if (!(await pingedBack(probe))) return probe;
  await probe.destroy({ force: true });
  return joined({ ...base, firewalled: false });
}

/**
 * Starts a blind relay on the DHT.
 * @throws {DhtUnavailableError} when the DHT's native parts cannot be loaded here.
 * @example
 * const relay = await startDhtRelay({ seed });
 * console.log(Buffer.from(relay.publicKey).toString('hex')); // what friends pass as --relay
 */
export async function startDhtRelay(options: DhtRelayOptions = {}): Promise<DhtRelay> {
  const HyperDHT = await loadHyperDht();
  const BlindRelay = await import('blind-relay').then(
    (module) => ((module as { default?: unknown }).default ?? module) as BlindRelayModule,
    (cause: unknown) => {
      throw new DhtUnavailableError({ cause });
    },
  );
  if (options.seed !== undefined && options.seed.length !== 32) {
    throw new CryptullyError('ERR_BAD_RELAY', 'A relay seed is 32 bytes.');
  }
  const node = await relayNode(HyperDHT, options);
  const relay = new BlindRelay.Server({
    // Each paired stream is a raw UDX stream of the relay's own node, framed as HyperDHT's are.
    createStream: (streamOptions) => node.createRawStream({ ...streamOptions, framed: true }),
  });
  const sockets = new Set<RelaySocket>();
  const log = options.log ?? (() => {});
  const server = node.createServer({}, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A peer that goes away mid-pairing is normal: its error ends its socket, nothing else.
    socket.on('error', () => {});
    const session = relay.accept(socket, { id: socket.remotePublicKey });
    session.on('error', () => socket.destroy());
  });
  const keyPair = HyperDHT.keyPair(options.seed);
  try {
    await server.listen(keyPair);
  } catch (error) {
    await node.destroy({ force: true });
    throw error;
  }
  log(`relaying as ${Buffer.from(keyPair.publicKey).toString('hex')}`);
  let closing: Promise<void> | undefined;
  return {
    publicKey: keyPair.publicKey,
    get connections() {
      return sockets.size;
    },
    get reachable() {
      return !node.firewalled;
    },
    get address() {
      return node.host !== null && node.port !== 0 ? `${node.host}:${node.port}` : undefined;
    },
    close() {
      closing ??= (async () => {
        await server.close().catch(() => {});
        await relay.close().catch(() => {});
        for (const socket of sockets) socket.destroy();
        await node.destroy({ force: true });
      })();
      return closing;
    },
  };
}
