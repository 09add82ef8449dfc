/**
 * The chat node: the one engine every front end drives. It owns the identity, the listener,
 * one {@link PeerConnection} per live peer, and what outlives a connection (unacknowledged
 * messages, the window of ids already shown). Front ends speak to it only in the vocabulary of
 * `@cryptully/core/protocol`: commands in through {@link ChatNode.dispatch}, events out
 * through {@link ChatNode.on}.
 * @module
 */

import { lookupTopic } from '../adapters/dht-topics.js';
import { createDhtTransport, type DhtTransport } from '../adapters/dht-transport.js';
import { defaultDownloadsDir, type FileDisk, nodeFileDisk } from '../adapters/file-disk.js';
import { findOnLan, lanDiscoveryPort } from '../adapters/lan-discovery.js';
import { mapTcpPort, type PortMapping } from '../adapters/port-mapping.js';
import { noiseChannel, type SecureChannelFactory } from '../adapters/secure-connection.js';
import { tcpTransport } from '../adapters/tcp-transport.js';
import { formatAddress, type Transport } from '../adapters/transport.js';
import {
  constantTimeEqual,
  type KeyPair,
  type PreparedPrivateKey,
  toHex,
  x25519,
} from '../crypto/index.js';
import { CryptullyError, InvalidArgumentError } from '../errors.js';
import { DEFAULT_PORT, type HostPort, parseAddress } from '../identity/address.js';
import { dhtCodeSeed, dhtHostSeed, dhtInviteSeed, dhtPeerSeed } from '../identity/dht-keys.js';
import { fingerprint, peerIdFromPublicKey } from '../identity/fingerprint.js';
import {
  encodeInvite,
  looksLikeInvite,
  MAX_INVITE_ADDRESSES,
  parseJoinTarget,
} from '../identity/invite.js';
import { DEFAULT_INVITE_TTL_MS, InviteBook } from '../identity/invite-book.js';
import { type JoinCode, joinCodeTopic } from '../identity/join-code.js';
import {
  findPeerByAddress,
  findPeersByName,
  forgetPeer,
  type KnownPeer,
  type KnownPeerBook,
} from '../identity/known-peers.js';
import type { ChatEventListener, ChatNodeApi } from '../protocol/chat-node-api.js';
import type { ChatCommand, ChatEvent, KnownPeerSummary, PeerId } from '../protocol/events.js';
import { parseCommand } from '../protocol/parse-command.js';
import { connectionPath } from './connection-path.js';
import { Conversations } from './conversations.js';
import { checkDisplayName } from './display-name.js';
import { EngineCommandError, errorEvent, JOIN_FAILURES, noSuchPeer } from './errors.js';
import { EventHub } from './event-hub.js';
import { fileStorage } from './file-storage.js';
import { FileTransfers } from './file-transfers.js';
import { type AcceptedChannel, HostListener } from './host-listener.js';
import { inviteAddresses } from './invite-addresses.js';
import { JoinCodeHosting } from './join-code-hosting.js';
import { type JoinPlan, joinHandshake, joinPlan } from './joiner.js';
import { KnownPeerHolder } from './known-peer-book.js';
import {
  DEFAULT_DIAL_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_MS,
  type HostLimits,
  resolveLimits,
} from './limits.js';
import { logSafe } from './log-safe.js';
import { RequestGate } from './request-gate.js';
import type { NodeStorage } from './storage.js';

/** Options of {@link ChatNode.open}. */
export interface ChatNodeOptions {
  /** Where files live; default `CRYPTULLY_HOME` or the OS data folder. Ignored with `storage`. */
  home?: string;
  /** Display name; default the saved profile's. Saved when given. */
  name?: string;
  /** Identity passphrase; default `CRYPTULLY_PASSPHRASE`; none: the key is stored unencrypted. */
  passphrase?: string;
  /** The client software and version, sent in hello (e.g. `cryptully-cli`, `0.1.0`). */
  clientName: string;
  clientVersion: string;
  /** Default: TCP (IPv4 and IPv6). */
  transport?: Transport;
  /** Default {@link DEFAULT_KEEP_ALIVE_MS}. */
  keepAliveMs?: number;
  /** Default {@link DEFAULT_IDLE_TIMEOUT_MS}. */
  idleTimeoutMs?: number;
  /** Time for the Noise handshake and for the hello; default {@link DEFAULT_HANDSHAKE_TIMEOUT_MS}. */
  handshakeTimeoutMs?: number;
  /** Default {@link DEFAULT_DIAL_TIMEOUT_MS}. */
  dialTimeoutMs?: number;
  /** For the DHT path of a join; default {@link DEFAULT_DHT_DIAL_TIMEOUT_MS}. */
  dhtDialTimeoutMs?: number;
  /** Host limits; defaults in `limits.ts`. */
  limits?: Partial<HostLimits>;
  /** Lifetime of invites this node makes; default 24 hours. */
  inviteTtlMs?: number;
  /** Diagnostics for people (the CLI writes them to stderr); never secrets. */
  log?: (line: string) => void;
  /** Where the identity, profile and known peers live; default files under `home`. */
  storage?: NodeStorage;
  /** The encrypted channel; default {@link noiseChannel}. */
  secure?: SecureChannelFactory;
  /**
   * Where accepted files go unless `accept-file` names a folder; default `CRYPTULLY_DOWNLOADS`,
   * else `~/Downloads`.
   */
  downloadsDir?: string;
  /** The disk file transfers use; default the Node file system. */
  disk?: FileDisk;
  /** Milliseconds of hashing a file to send before `file-preparing` events start (default 250). */
  filePreparingDelayMs?: number;
  /**
   * The clock, in ms since the Unix epoch; default `Date.now`. Everything the node dates or
   * checks against time reads it (invites and their expiry, message times, session deadlines,
   * the failed-handshake limit, known peers' last-seen), so tests can move time on instead of
   * waiting. Timers still run in real time, towards the deadlines this clock sets.
   */
  now?: () => number;
  /**
   * Also host and join through HyperDHT (hole punching across NATs). Default: off. The DHT is
   * joined on first use; when it cannot run here, one log line says so and TCP carries on.
   */
  dht?: ChatNodeDhtOptions;
  /**
   * Ask the home router (UPnP IGD, else NAT-PMP) to forward the host's TCP port, and put the
   * public address first in invites (`listening.mapped`). Default: off. Never for a host bound
   * to loopback. The mapping is renewed while hosting and removed by {@link ChatNode.close}.
   */
  portMapping?: boolean;
  /**
   * The lease asked of the router for `portMapping`, renewed every half lease; default 30
   * minutes. Tests shorten it to see renewals (the CLI reads `CRYPTULLY_PORT_MAPPING_LEASE_MS`).
   */
  portMappingLeaseMs?: number;
  /**
   * Join codes (docs/protocol-verification.md §1): a host shows a code and answers LAN queries
   * for it (and announces it on the DHT when `dht` is on); `join` accepts a code. Default: on,
   * LAN discovery on UDP port `CRYPTULLY_LAN_PORT` or 47473. `false` turns codes off.
   */
  joinCodes?: false | JoinCodeOptions;
}

/** Options of join codes ({@link ChatNodeOptions.joinCodes}). */
export interface JoinCodeOptions {
  /** The UDP port of LAN discovery; default `CRYPTULLY_LAN_PORT` or 47473. */
  lanPort?: number;
  /** Where a joiner broadcasts its query; default every interface's broadcast address. */
  broadcast?: string[];
  /** How long a joiner looks for the host on the LAN and the DHT; default 5 s. */
  findTimeoutMs?: number;
  /** Answer and send LAN queries (default true); the DHT is used whenever `dht` is on. */
  lan?: boolean;
}

/** How long a joiner looks for a join code's host by default. */
export const DEFAULT_CODE_FIND_TIMEOUT_MS = 5_000;

/** Options of the chat node's DHT ({@link ChatNodeOptions.dht}). */
export interface ChatNodeDhtOptions {
  /** Bootstrap nodes; default HyperDHT's public ones. */
  bootstrap?: Array<{ host: string; port: number }>;
  /** A blind relay's public key (32 bytes), for NATs that cannot be punched. */
  relayThrough?: Uint8Array;
  /** The local address the DHT's UDP socket binds; default every interface. */
  host?: string;
  /** A DHT transport to use instead of joining one (shared with other users of the node). */
  transport?: DhtTransport;
}

/** `ERR_NO_NAME`: no display name was given and none is saved. */
export class NoNameError extends CryptullyError {
  constructor() {
    super('ERR_NO_NAME', 'Choose a display name first (it is shown to the people you talk to).');
  }
}

/**
 * A Cryptully chat node: host, join, chat. See docs/protocol-session.md for the flows.
 * @example
 * const node = await ChatNode.open({ name: 'Alice', clientName: 'bot', clientVersion: '1.0' });
 * node.on((event) => console.log(event));
 * await node.dispatch({ cmd: 'host', port: 0 });
 */
export class ChatNode implements ChatNodeApi {
  readonly #keyPair: KeyPair;
  /**
   * The identity's private key imported once (not per handshake): a key import and a DH fewer
   * in each handshake. Held inside OpenSSL for the node's life, as the key bytes are.
   */
  readonly #preparedKey: PreparedPrivateKey;
  readonly #storage: NodeStorage;
  readonly #options: ChatNodeOptions;
  readonly #transport: Transport;
  readonly #secure: SecureChannelFactory;
  readonly #limits: HostLimits;
  readonly #now: () => number;
  /** Bounds the requests from unknown keys that are shown (`request-gate.ts`). */
  readonly #requestGate: RequestGate;
  readonly #invites = new InviteBook();
  /** Expired invites someone tried, already told to the user (see `#onExpiredInvite`). */
  readonly #expiredInvitesTold = new Set<string>();
  readonly #events: EventHub;
  readonly #conversations: Conversations;
  readonly #files: FileTransfers;
  readonly #known: KnownPeerHolder;
  #name: string;
  #host: HostListener | undefined;
  #hostAddresses: string[] = [];
  /** The router's forwarding of our TCP port, while hosting with `portMapping`. */
  #mapping: PortMapping | undefined;
  /** Whether the next host asks the router to map its port ({@link ChatNode.setPortMapping}). */
  #portMapping: boolean;
  #closed = false;
  /** Host channels whose session starts once the known peers are re-read. */
  #starting = 0;
  /** The DHT transport, once joined (undefined inside: it could not run here). */
  #dht: Promise<DhtTransport | undefined> | undefined;
  /** The DHT settings in force ({@link ChatNode.setDht} changes them; first the option's). */
  #dhtOptions: ChatNodeDhtOptions | undefined;
  /** DHTs joined under earlier settings: they keep the chats they carry until {@link close}. */
  readonly #retiredDhts: Array<Promise<DhtTransport | undefined>> = [];
  /** Our host DHT public key, while hosting on the DHT. */
  #dhtHostKey: Uint8Array | undefined;
  /** DHT public keys the firewall admits, cached: invite id or peer id (hex) → key. */
  readonly #dhtKeys = new Map<string, Uint8Array>();
  /** The host's join code, its LAN answers and DHT announcement, while hosting. */
  #codes: JoinCodeHosting | undefined;
  /** Aborted by {@link close}: drops the dials and handshakes of joins in progress. */
  readonly #closing = new AbortController();

  /** The node's key fingerprint (digits in groups), for people to compare. */
  readonly fingerprint: string;
  /** The node's own peer id. */
  readonly peerId: PeerId;

  private constructor(init: {
    keyPair: KeyPair;
    storage: NodeStorage;
    options: ChatNodeOptions;
    secure: SecureChannelFactory;
    book: KnownPeerBook;
    name: string;
  }) {
    this.#keyPair = init.keyPair;
    this.#preparedKey = x25519.preparePrivateKey(init.keyPair.privateKey, {
      longLived: true,
    });
    if (!constantTimeEqual(this.#preparedKey.publicKey, init.keyPair.publicKey)) {
      // Fail here, not in every handshake (the channel checks it too).
      throw new InvalidArgumentError("the identity's public key does not match its private key");
    }
    this.#storage = init.storage;
    this.#options = init.options;
    this.#dhtOptions = init.options.dht;
    this.#portMapping = init.options.portMapping === true;
    this.#transport = init.options.transport ?? tcpTransport();
    this.#secure = init.secure;
    this.#limits = resolveLimits(init.options.limits);
    this.#now = init.options.now ?? Date.now;
    this.#events = new EventHub((line) => this.#log(line));
    this.#known = new KnownPeerHolder(init.book, init.storage, (line) => this.#log(line));
    this.#conversations = new Conversations({
      clientName: init.options.clientName,
      clientVersion: init.options.clientVersion,
      keepAliveMs: init.options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS,
      idleTimeoutMs: init.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      helloTimeoutMs: init.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
      name: () => this.#name,
      now: this.#now,
      known: this.#known,
      ownPublicKey: init.keyPair.publicKey,
      emit: (event) => this.#emit(event),
      log: (line) => this.#log(line),
      admitStranger: (host) => this.#requestGate.admit(host, this.#now()),
      strangerFailed: (host) => this.#host?.recordFailure(host),
      files: {
        onMessage: (peer, message) => this.#files.onMessage(peer, message),
        onChunk: (peer, chunk) => this.#files.onChunk(peer, chunk),
        resume: (peer) => this.#files.resume(peer),
      },
    });
    this.#files = new FileTransfers({
      disk: init.options.disk ?? nodeFileDisk(),
      downloadsDir: init.options.downloadsDir ?? defaultDownloadsDir(),
      link: (peer) => this.#conversations.fileLink(peer),
      emit: (event) => this.#emit(event),
      log: (line) => this.#log(line),
      clock: Date.now,
      ...(init.options.filePreparingDelayMs !== undefined
        ? { preparingDelayMs: init.options.filePreparingDelayMs }
        : {}),
    });
    this.#requestGate = new RequestGate(this.#limits);
    this.#name = init.name;
    this.fingerprint = fingerprint(init.keyPair.publicKey);
    this.peerId = peerIdFromPublicKey(init.keyPair.publicKey);
  }

  /**
   * Loads (or creates) the identity, the name and the known peers, and emits `ready` (kept for
   * the first subscriber).
   * @throws {CryptullyError} for a locked or damaged identity (`ERR_IDENTITY_…`), a damaged
   *   known-peers file, `ERR_BAD_NAME`, or {@link NoNameError} `ERR_NO_NAME`.
   */
  static async open(options: ChatNodeOptions): Promise<ChatNode> {
    const storage = options.storage ?? fileStorage(options.home);
    const keyPair = await storage.loadIdentity(options.passphrase);
    const book = await storage.loadKnownPeers();
    let name =
      options.name === undefined ? await storage.loadName() : checkDisplayName(options.name);
    if (name === undefined) throw new NoNameError();
    if (options.name !== undefined) {
      await storage.saveName(name);
      name = (await storage.loadName()) ?? name;
    }
    const secure = options.secure ?? noiseChannel;
    const node = new ChatNode({ keyPair, storage, options, secure, book, name });
    node.#emit({ event: 'ready', fingerprint: node.fingerprint, name: node.name });
    return node;
  }

  /** The display name sent to peers. */
  get name(): string {
    return this.#name;
  }

  /** The address the node listens on, when hosting. */
  get address(): { host: string; port: number } | undefined {
    return this.#host?.address;
  }

  /**
   * Subscribes to events. Events emitted before the first subscriber (such as `ready`) are
   * delivered to it at once. Returns the function that unsubscribes.
   */
  on(listener: ChatEventListener): () => void {
    return this.#events.on(listener);
  }

  /**
   * Carries out a command. Never throws for user mistakes or network failures: they become
   * `error {code, message}` (or `disconnected`) events. The command is validated first, so
   * untrusted input may be passed as is.
   */
  async dispatch(command: ChatCommand): Promise<void> {
    let peer: PeerId | undefined;
    try {
      const checked = parseCommand(command);
      peer = 'peer' in checked ? checked.peer : undefined;
      if (this.#closed && checked.cmd !== 'quit') {
        throw new EngineCommandError('ERR_CLOSED', 'This chat node has been closed.');
      }
      await this.#commands[checked.cmd](checked as never);
    } catch (error) {
      this.#emitError(error, peer);
    }
  }

  /** Says goodbye to every peer, stops listening, and waits (briefly) for goodbyes to flush. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    await this.#host?.close();
    this.#host = undefined;
    await this.#mapping?.close();
    this.#mapping = undefined;
    await this.#codes?.close();
    this.#codes = undefined;
    await this.#conversations.closeAll();
    await this.#files.closeAll();
    await this.#known.flushed();
    // A DHT given by the caller is theirs to close.
    if (this.#dht && !this.#dhtOptions?.transport) await (await this.#dht)?.close();
    await Promise.all(this.#retiredDhts.splice(0).map(async (dht) => (await dht)?.close()));
  }

  /**
   * Changes the DHT settings (on or off, bootstrap nodes, relay) for the next host and join, as
   * the desktop app's settings do. A DHT joined before keeps carrying the chats (and the hosting)
   * that use it, and is left when the node closes; the next use joins one with the new settings.
   * @param dht the new settings; undefined turns the DHT off (TCP only).
   */
  setDht(dht: ChatNodeDhtOptions | undefined): void {
    if (this.#dht && !this.#dhtOptions?.transport) this.#retiredDhts.push(this.#dht);
    this.#dht = undefined;
    this.#dhtOptions = dht;
  }

  /**
   * Turns port mapping (the `portMapping` option) on or off for the next host, as the desktop
   * app's settings do. A mapping held by the current host stays until that host stops.
   * @param on whether the next host asks the router to forward its port.
   */
  setPortMapping(on: boolean): void {
    this.#portMapping = on;
  }

  // Data, not branches: one handler per command.
  readonly #commands: {
    [C in ChatCommand['cmd']]: (command: Extract<ChatCommand, { cmd: C }>) => Promise<void> | void;
  } = {
    host: (c) => this.#hostCommand(c.port, c.bind, c.invitesOnly === true),
    join: (c) => this.#join(c.target),
    accept: (c) => this.#conversations.accept(c.peer, c.confirmKeyChange === true),
    reject: (c) => this.#conversations.reject(c.peer),
    send: (c) => this.#conversations.send(c.peer, c.text),
    typing: (c) => this.#conversations.typing(c.peer, c.state),
    invite: () => this.#invite(),
    invites: () => this.#listInvites(),
    revoke: (c) => this.#revokeInvite(c.invite),
    verify: (c) => this.#conversations.verify(c.peer),
    ask: (c) => this.#conversations.ask(c.peer, c.question, c.answer),
    answer: (c) => this.#conversations.answer(c.peer, c.answer),
    peers: () => this.#peers(),
    forget: (c) => this.#forget(c.peer),
    name: (c) => this.#rename(c.name),
    disconnect: (c) => this.#conversations.disconnect(c.peer),
    'send-file': (c) => this.#files.send(this.#conversations.resolvePeer(c.peer), c.path, c.name),
    'accept-file': (c) => this.#files.accept(c.peer, c.id, c.dir),
    'decline-file': (c) => this.#files.decline(c.peer, c.id),
    'cancel-file': (c) => this.#files.cancel(c.peer, c.id),
    quit: () => this.close(),
  };

  // ---- hosting ---------------------------------------------------------------------------

  async #hostCommand(
    port = DEFAULT_PORT,
    bind: string | undefined,
    invitesOnly: boolean,
  ): Promise<void> {
    if (this.#host) {
      throw new EngineCommandError(
        'ERR_ALREADY_HOSTING',
        `Already hosting on ${formatAddress(this.#host.address!)}.`,
      );
    }
    const codeOptions = this.#options.joinCodes;
    const codes =
      codeOptions === false
        ? undefined
        : new JoinCodeHosting({
            emit: (event) => this.#emit(event),
            log: (line) => this.#log(line),
          });
    const host = new HostListener({
      ...(codes ? { codes: codes.door } : {}),
      transport: this.#transport,
      secure: this.#secure,
      keyPair: this.#keyPair,
      preparedKey: this.#preparedKey,
      limits: this.#limits,
      handshakeTimeoutMs: this.#handshakeTimeoutMs,
      invites: this.#invites,
      invitesOnly,
      clock: this.#now,
      sessionCount: () => this.#conversations.count() + this.#starting,
      makeRoom: () => this.#conversations.dropOldestSilent(),
      onChannel: (accepted) => this.#onHostChannel(accepted),
      onExpiredInvite: (id) => this.#onExpiredInvite(id),
      log: (line) => this.#log(line),
    });
    const address = await host.listen(bind, port);
    this.#host = host;
    this.#codes = codes;
    if (codes && codeOptions !== false && codeOptions?.lan !== false) {
      await codes.answerOnLan(codeOptions?.lanPort ?? lanDiscoveryPort(), address.port);
    }
    this.#hostAddresses = inviteAddresses(address.host);
    if (this.#portMapping && !/^(127\.|::1$|localhost$)/.test(address.host)) {
      const mapping = await mapTcpPort({
        port: address.port,
        log: (line) => this.#log(line),
        ...(this.#options.portMappingLeaseMs ? { leaseMs: this.#options.portMappingLeaseMs } : {}),
      });
      if (this.#closed || this.#host !== host) {
        await mapping?.close();
      } else if (mapping) {
        this.#mapping = mapping;
        // The public address first: it is the one a friend elsewhere can reach.
        this.#hostAddresses = [
          mapping.externalHost,
          ...this.#hostAddresses.filter((a) => a !== mapping.externalHost),
        ].slice(0, MAX_INVITE_ADDRESSES);
      }
    }
    const dht = await this.#dhtTransport();
    if (dht && this.#host === host) {
      const keyPair = dht.keyPairFromSeed(dhtHostSeed(this.#keyPair.privateKey));
      this.#dhtHostKey = keyPair.publicKey;
      // Announcing on the DHT takes seconds: TCP is ready now, the DHT follows in the background.
      host
        .addListener(dht, {
          keyPair,
          firewall: (remotePublicKey) => this.#admitOnDht(dht, remotePublicKey),
        })
        .then(
          () => {
            this.#log(`listening on the DHT as ${toHex(keyPair.publicKey)}`);
            codes?.announceOnDht(dht, keyPair);
          },
          (error: unknown) => {
            if (!this.#closed) {
              this.#log(`could not listen on the DHT: ${(error as Error)?.message ?? error}`);
            }
          },
        );
    }
    const { invite } = this.#makeInvite();
    this.#log(
      `listening on ${formatAddress(address)}${invitesOnly ? ' (invites only: joins without one of our invites are refused before msg2)' : ''}`,
    );
    this.#emit({
      event: 'listening',
      host: address.host,
      port: address.port,
      invite,
      addresses: this.#hostAddresses.map((host) => formatAddress({ host, port: address.port })),
      ...(this.#dhtHostKey ? { dhtKey: toHex(this.#dhtHostKey) } : {}),
      ...(this.#mapping
        ? {
            mapped: formatAddress({
              host: this.#mapping.externalHost,
              port: this.#mapping.externalPort,
            }),
          }
        : {}),
      ...(codes ? { code: codes.code.text } : {}),
    });
  }

  /** Joins the DHT on first use; undefined when the DHT is off or cannot run here. */
  #dhtTransport(): Promise<DhtTransport | undefined> {
    const options = this.#dhtOptions;
    if (!options) return Promise.resolve(undefined);
    this.#dht ??= (
      options.transport
        ? Promise.resolve(options.transport)
        : createDhtTransport({
            ...(options.bootstrap ? { bootstrap: options.bootstrap } : {}),
            ...(options.relayThrough ? { relayThrough: options.relayThrough } : {}),
            ...(options.host ? { host: options.host } : {}),
          })
    ).catch((error: unknown) => {
      // One sentence, then TCP only (e.g. a build whose native addons cannot load).
      this.#log((error as Error)?.message ?? 'The DHT cannot run here; using TCP only.');
      return undefined;
    });
    return this.#dht;
  }

  /**
   * The DHT firewall (docs/protocol-identity.md §8): admits the invite key of an outstanding
   * invite or the peer key of a known peer, nobody else; runs before any handshake of ours.
   */
  #admitOnDht(dht: DhtTransport, remotePublicKey: Uint8Array): boolean {
    if (this.#dhtKeys.size > 1024) this.#dhtKeys.clear();
    const keyOf = (id: string, seed: () => Uint8Array) => {
      let key = this.#dhtKeys.get(id);
      if (!key) {
        key = dht.keyPairFromSeed(seed()).publicKey;
        this.#dhtKeys.set(id, key);
      }
      return key;
    };
    let admitted = false;
    for (const entry of this.#invites.outstanding(this.#now())) {
      const key = keyOf(`invite ${toHex(entry.id)}`, () => dhtInviteSeed(entry.invite.secret));
      // Every candidate is compared (constant time each), so timing tells nothing of which.
      if (constantTimeEqual(key, remotePublicKey)) admitted = true;
    }
    for (const [peerId, peer] of this.#known.book.peers) {
      const key = keyOf(`peer ${peerId} ${toHex(peer.publicKey)}`, () =>
        dhtPeerSeed(this.#keyPair.privateKey, peer.publicKey, 'host'),
      );
      if (constantTimeEqual(key, remotePublicKey)) admitted = true;
    }
    if (this.#codes?.admitsOnDht(dht, remotePublicKey)) admitted = true;
    if (!admitted) {
      this.#log('refused a DHT connection: its key belongs to no open invite and no known peer');
    }
    return admitted;
  }

  #invite(): void {
    const { invite, expiresAt } = this.#makeInvite();
    this.#emit({ event: 'invite', invite, expiresAt });
  }

  /**
   * Tells the user, once per invite, that someone tried an expired one: the friend it was
   * meant for may be waiting for a new invite.
   */
  #onExpiredInvite(id: string): void {
    if (this.#expiredInvitesTold.has(id)) return;
    if (this.#expiredInvitesTold.size >= 64) this.#expiredInvitesTold.clear();
    this.#expiredInvitesTold.add(id);
    this.#emit({
      event: 'warning',
      kind: 'invite-expired',
      message: `Someone tried to join with your invite ${id.slice(0, 8)}, which has expired. If that was your friend, make a new invite for them.`,
    });
  }

  #listInvites(): void {
    const invites = this.#invites.outstanding(this.#now()).map((entry) => ({
      id: toHex(entry.id),
      createdAt: entry.createdAt,
      expiresAt: entry.invite.expiresAt * 1000,
    }));
    this.#emit({ event: 'invites', invites });
  }

  /**
   * Withdraws an open invite: whoever holds it is then told `invite-unknown`.
   * @throws {EngineCommandError} `ERR_NO_SUCH_INVITE` for an id (or prefix) that matches no
   *   open invite, or more than one.
   */
  #revokeInvite(id: string): void {
    const prefix = id.trim().toLowerCase();
    const matches = /^[0-9a-f]{6,32}$/.test(prefix)
      ? this.#invites.outstanding(this.#now()).filter((e) => toHex(e.id).startsWith(prefix))
      : [];
    if (matches.length !== 1) {
      throw new EngineCommandError(
        'ERR_NO_SUCH_INVITE',
        matches.length === 0
          ? 'No open invite has that id. List them with "invites".'
          : 'More than one open invite starts with that id: give more of it.',
      );
    }
    this.#invites.revoke(matches[0]!.id);
    this.#log(`invite ${toHex(matches[0]!.id).slice(0, 8)}… revoked`);
    this.#listInvites();
  }

  #makeInvite(): { invite: string; expiresAt: number } {
    const address = this.#host?.address;
    if (!address) {
      throw new EngineCommandError(
        'ERR_NOT_HOSTING',
        'Start hosting first; invites point to your host address.',
      );
    }
    const entry = this.#invites.create({
      hostPublicKey: this.#keyPair.publicKey,
      addresses: this.#hostAddresses,
      port: address.port,
      now: this.#now(),
      ttlMs: this.#options.inviteTtlMs ?? DEFAULT_INVITE_TTL_MS,
      ...(this.#dhtHostKey ? { dhtKey: this.#dhtHostKey } : {}),
    });
    return { invite: encodeInvite(entry.invite), expiresAt: entry.invite.expiresAt * 1000 };
  }

  #onHostChannel({ channel, remote, invited, byCode, via, hostNonce }: AcceptedChannel): void {
    if (this.#closed) {
      channel.destroy();
      return;
    }
    // Counted as a session while the known peers are re-read (the channel keeps what arrives).
    this.#starting += 1;
    void this.#known.refresh().then(() => {
      this.#starting -= 1;
      if (this.#closed) {
        channel.destroy();
        return;
      }
      try {
        if (via === 'dht') this.#log(`joined through the DHT from ${formatAddress(remote)}`);
        const relayed = via === 'dht' && this.#dhtOptions?.relayThrough !== undefined;
        const path = connectionPath(via, remote.host, relayed);
        // A friend from outside, over TCP, while the router forwards our port: it came that way.
        const mapped = path === 'direct' && this.#mapping !== undefined;
        this.#conversations.start(
          channel,
          formatAddress(remote),
          'host',
          invited,
          { hostNonce },
          mapped ? 'mapped' : path,
          remote.host,
          byCode,
        );
      } catch (error) {
        // Here it would be an unhandled rejection, which ends the process.
        this.#log(
          `starting the session with ${formatAddress(remote)} failed: ${(error as Error)?.message}`,
        );
        channel.destroy();
      }
    });
  }

  // ---- joining ---------------------------------------------------------------------------

  async #join(text: string): Promise<void> {
    let target = this.#joinTarget(text);
    if (target.invite && constantTimeEqual(target.invite.hostPublicKey, this.#keyPair.publicKey)) {
      throw new EngineCommandError(JOIN_FAILURES.self.code, JOIN_FAILURES.self.message);
    }
    this.#emit({ event: 'connecting', target: target.label });
    let codeDht: DhtTransport | undefined;
    if (target.code) {
      const found = await this.#findCodeHost(target.code);
      if (!found) return;
      target = { ...target, ...found.plan };
      codeDht = found.dht;
    }
    const dht =
      target.dhtKey && (target.invite || target.pinned)
        ? await this.#dhtTransport()
        : target.code
          ? codeDht
          : undefined;
    // Who we are on the DHT: an invite's holder, a join code's, or a known peer of the host
    // (its firewall admits each of these keys, docs/protocol-identity.md §8).
    const dialKey = target.code
      ? dhtCodeSeed(target.code.number)
      : target.invite
        ? dhtInviteSeed(target.invite.secret)
        : target.pinned && target.dhtKey
          ? dhtPeerSeed(this.#keyPair.privateKey, target.pinned.publicKey, 'dialer')
          : undefined;
    const outcome = await joinHandshake(target, {
      ...(dht && dialKey
        ? {
            dht: {
              transport: dht,
              keyPair: dht.keyPairFromSeed(dialKey),
              relayed: this.#dhtOptions?.relayThrough !== undefined,
              dialTimeoutMs: this.#options.dhtDialTimeoutMs,
            },
          }
        : {}),
      transport: this.#transport,
      secure: this.#secure,
      keyPair: this.#keyPair,
      preparedKey: this.#preparedKey,
      dialTimeoutMs: this.#options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS,
      handshakeTimeoutMs: this.#handshakeTimeoutMs,
      signal: this.#closing.signal,
    });
    if (!outcome.ok && this.#closed) {
      // Cancelled by close(), or failed meanwhile: nobody is waiting for this join any more.
      this.#log(`join ${target.label} abandoned: the node closed`);
      return;
    }
    if (!outcome.ok) {
      const { failure, peerId } = outcome;
      this.#log(
        `join ${target.label} failed: ${failure.reason}${outcome.detail ? ` (${outcome.detail})` : ''}`,
      );
      if (failure.reason === 'key-changed' && target.pinned && outcome.presented && peerId) {
        // The hard warning, before msg3: whoever answered never learnt who we are.
        this.#emit({
          event: 'key-changed',
          peer: peerId,
          name: target.pinned.name,
          old: fingerprint(target.pinned.publicKey),
          new: fingerprint(outcome.presented),
        });
      }
      if (peerId !== undefined && peerId !== this.peerId) {
        this.#emit({
          event: 'disconnected',
          peer: peerId,
          reason: failure.reason,
          message: failure.message,
        });
      } else {
        this.#emit({ event: 'error', code: failure.code, message: failure.message });
      }
      return;
    }
    // Known peers as they are now: another process may have forgotten or verified some.
    await this.#known.refresh();
    if (this.#closed) {
      outcome.channel.destroy();
      return;
    }
    this.#conversations.start(
      outcome.channel,
      outcome.remote,
      'joiner',
      target.invite !== undefined || target.code !== undefined,
      { hostCommit: outcome.hostCommit },
      outcome.path,
      undefined,
      target.code !== undefined,
      pinnedPlaces(outcome.dialled, target.code ? undefined : target.dhtKey),
    );
  }

  /**
   * Looks for the host of a join code on the LAN and (when on) the DHT at once. Emits the
   * `error` that ends the join and returns undefined when nobody answers.
   */
  async #findCodeHost(
    code: JoinCode,
  ): Promise<
    { plan: { addresses: HostPort[]; dhtKey?: Uint8Array }; dht?: DhtTransport } | undefined
  > {
    const options = this.#options.joinCodes === false ? {} : (this.#options.joinCodes ?? {});
    const topic = joinCodeTopic(code.number);
    const timeoutMs = options.findTimeoutMs ?? DEFAULT_CODE_FIND_TIMEOUT_MS;
    const signal = this.#closing.signal;
    const dhtPromise = this.#dhtTransport();
    const [lan, dhtFound] = await Promise.all([
      options.lan === false
        ? Promise.resolve([])
        : findOnLan(topic, {
            port: options.lanPort ?? lanDiscoveryPort(),
            ...(options.broadcast ? { broadcast: options.broadcast } : {}),
            timeoutMs,
            signal,
          }),
      dhtPromise.then(async (dht) =>
        dht ? { dht, keys: await lookupTopic(dht, topic, { timeoutMs, signal }) } : undefined,
      ),
    ]);
    if (this.#closed) return undefined;
    const dhtKey = dhtFound?.keys[0];
    this.#log(
      `join code ${code.number}: ${lan.length} host(s) found on the local network, ${dhtFound?.keys.length ?? 0} on the DHT`,
    );
    if (lan.length === 0 && dhtKey === undefined) {
      const failure = JOIN_FAILURES['code-not-found'];
      this.#emit({ event: 'error', code: failure.code, message: failure.message });
      return undefined;
    }
    // One host: the first to answer (two hosts with one number at once are rare; the wrong one
    // would fail the CPace run).
    const addresses = lan.slice(0, 1);
    return {
      plan: { addresses, ...(dhtKey ? { dhtKey } : {}) },
      ...(dhtFound && dhtKey ? { dht: dhtFound.dht } : {}),
    };
  }

  /**
   * What `join` means: an invite or a join code; else the name of a known peer (its pinned addresses, its
   * key checked before msg3); else an address, checked against the key pinned to it, if any
   * (docs/protocol-identity.md §5).
   * @throws {CryptullyError} `ERR_BAD_INVITE`, `ERR_INVITE_EXPIRED`, `ERR_BAD_ADDRESS`,
   *   `ERR_NO_ADDRESS` (a known peer we never dialled).
   */
  #joinTarget(text: string): JoinPlan {
    const trimmed = text.trim();
    if (!looksLikeInvite(trimmed)) {
      const named = findPeersByName(this.#known.book, trimmed);
      if (named.length > 0) {
        const peer = named.find((p) => p.addresses.length > 0);
        if (peer) return knownPeerPlan(peer);
        throw new EngineCommandError(
          'ERR_NO_ADDRESS',
          `You have never joined ${named[0]!.name} at an address: join them once with an invite or an address, then by name.`,
        );
      }
    }
    const plan = joinPlan(parseJoinTarget(trimmed, { now: this.#now() }));
    // An invite or a join code authenticates the host itself.
    if (plan.invite || plan.code || plan.addresses.length === 0) return plan;
    const pinned = findPeerByAddress(this.#known.book, formatAddress(plan.addresses[0]!));
    return pinned ? { ...plan, pinned } : plan;
  }

  /**
   * Lists the known peers at once (front ends send commands without waiting for each, and
   * expect their events in order), then re-reads the file so that the next list also shows
   * what other processes changed meanwhile.
   */
  #peers(): void {
    this.#emit({ event: 'peers', peers: this.#summaries() });
    void this.#known.refresh();
  }

  #forget(peer: PeerId): void {
    // Applied to the file as it is now: already gone there (another process) is no error.
    if (!this.#known.get(peer)) throw noSuchPeer();
    this.#known.update((book) => forgetPeer(book, peer));
    this.#emit({ event: 'peers', peers: this.#summaries() });
  }

  async #rename(name: string): Promise<void> {
    const clean = checkDisplayName(name);
    await this.#storage.saveName(clean);
    this.#name = clean;
    this.#emit({ event: 'ready', fingerprint: this.fingerprint, name: clean });
  }

  // ---- helpers -------------------------------------------------------------------------------

  get #handshakeTimeoutMs(): number {
    return this.#options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  }

  #summaries(): KnownPeerSummary[] {
    return this.#known.summaries((peerId) => this.#conversations.isOnline(peerId));
  }

  #emit(event: ChatEvent): void {
    this.#events.emit(event);
  }

  #emitError(error: unknown, peer: PeerId | undefined): void {
    if (error instanceof CryptullyError) {
      this.#emit(errorEvent(error, peer));
      return;
    }
    // Not a user mistake: a bug. Say so plainly; the details go to the log, never a stack trace.
    this.#log(`internal error: ${(error as Error)?.message ?? String(error)}`);
    this.#emit({
      event: 'error',
      code: 'ERR_INTERNAL',
      message: 'Something went wrong inside Cryptully.',
    });
  }

  #log(line: string): void {
    // Lines carry peers' names and reasons: no control or bidi character reaches a terminal.
    this.#options.log?.(logSafe(line));
  }
}

/** Where a join met its host, to pin: the TCP address dialled and the host's DHT key. */
function pinnedPlaces(dialled: string | undefined, dhtKey: Uint8Array | undefined): string[] {
  return [
    ...(dialled !== undefined ? [dialled] : []),
    ...(dhtKey ? [`${DHT_PLACE}${toHex(dhtKey)}`] : []),
  ];
}

/** How a known peer's DHT key is kept among its pinned places. */
const DHT_PLACE = 'dht:';

/**
 * Joining a known peer by name: its pinned TCP addresses, and its DHT key when we once joined it
 * through an invite that had one (so it is found across NATs with no new invite).
 */
function knownPeerPlan(peer: KnownPeer): JoinPlan {
  const tcp = peer.addresses.filter((a) => !a.startsWith(DHT_PLACE));
  const dht = peer.addresses.find((a) => a.startsWith(DHT_PLACE));
  const dhtKey = dht ? fromHexKey(dht.slice(DHT_PLACE.length)) : undefined;
  const shown = [...tcp, ...(dhtKey ? ['the DHT'] : [])].join(', ');
  return {
    addresses: tcp.map((a) => parseAddress(a)),
    pinned: peer,
    ...(dhtKey ? { dhtKey } : {}),
    label: `${peer.name} (${shown})`,
  };
}

/** 64 hex digits as 32 bytes, or undefined. */
function fromHexKey(hex: string): Uint8Array | undefined {
  return /^[0-9a-f]{64}$/.test(hex) ? Uint8Array.from(Buffer.from(hex, 'hex')) : undefined;
}
