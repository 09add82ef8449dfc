/**
 * The chat node: the one engine every front end drives. It owns the identity, the listener,
 * one {@link PeerConnection} per live peer, and what outlives a connection (unacknowledged
 * messages, the window of ids already shown). Front ends speak to it only in the vocabulary of
 * `@cryptully/core/protocol`: commands in through {@link ChatNode.dispatch}, events out
 * through {@link ChatNode.on}.
 * @module
 */
import { networkInterfaces } from 'node:os';
import { secureInitiate, secureRespond } from '../adapters/secure-connection.js';
import { tcpTransport } from '../adapters/tcp-transport.js';
import { formatAddress, type Transport } from '../adapters/transport.js';
import { constantTimeEqual, type KeyPair } from '../crypto/index.js';
import { CryptullyError } from '../errors.js';
import { DEFAULT_PORT } from '../identity/address.js';
import { fingerprint, peerIdFromPublicKey } from '../identity/fingerprint.js';
import { encodeInvite } from '../identity/invite.js';
import { DEFAULT_INVITE_TTL_MS, InviteBook } from '../identity/invite-book.js';
import {
  assessPeer,
  forgetPeer,
  type KnownPeerBook,
  markVerified,
  rememberPeer,
  replacePeerKey,
} from '../identity/known-peers.js';
import { verificationCode } from '../identity/verification-code.js';
import type {
  ChatCommand,
  ChatEvent,
  KnownPeerSummary,
  PeerId,
  TypingState,
} from '../protocol/events.js';
import { parseCommand } from '../protocol/parse-command.js';
import { chatTextProblem, MAX_NAME_BYTES } from '../session/messages.js';
import { SeenIds } from '../session/seen-ids.js';
import {
  InvalidTextError,
  newMessageId,
  type PendingMessage,
  Session,
  type SessionEvent,
} from '../session/session.js';
import { EngineCommandError, errorEvent, JOIN_FAILURES, noSuchPeer } from './errors.js';
import { fileStorage } from './file-storage.js';
import { type AcceptedChannel, HostListener } from './host-listener.js';
import { joinHandshake, parseJoinTarget } from './joiner.js';
import {
  CLOSE_GRACE_MS,
  DEFAULT_DIAL_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_MS,
  type HostLimits,
  MAX_BUFFERED_EVENTS,
  MAX_HELD_MESSAGES,
  resolveLimits,
} from './limits.js';
import { PeerConnection } from './peer-connection.js';
import type { ChannelConnection, SecureChannelFactory } from './secure-channel.js';
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
  /** Host limits; defaults in `limits.ts`. */
  limits?: Partial<HostLimits>;
  /** Lifetime of invites this node makes; default 24 hours. */
  inviteTtlMs?: number;
  /** Diagnostics for people (the CLI writes them to stderr); never secrets. */
  log?: (line: string) => void;
  /** Where the identity, profile and known peers live; default files under `home`. */
  storage?: NodeStorage;
  /** The encrypted channel; default the Noise channel of `adapters/secure-connection.ts`. */
  secure?: SecureChannelFactory;
}

/** What outlives one connection with a peer key. */
interface PeerMemory {
  publicKey: Uint8Array;
  /** Unacknowledged messages while no session runs (a session owns them while it runs). */
  pending: PendingMessage[];
  seen: SeenIds;
  connection?: PeerConnection;
}

type Listener = (event: ChatEvent) => void;

/** `ERR_NO_NAME`: no display name was given and none is saved. */
export class NoNameError extends CryptullyError {
  constructor() {
    super('ERR_NO_NAME', 'Choose a display name first (it is shown to the people you talk to).');
  }
}

/** The Noise channel of `adapters/secure-connection.ts`. */
const noiseChannel: SecureChannelFactory = { initiate: secureInitiate, respond: secureRespond };

/**
 * A Cryptully chat node: host, join, chat. See docs/protocol-session.md for the flows.
 * @example
 * const node = await ChatNode.open({ name: 'Alice', clientName: 'bot', clientVersion: '1.0' });
 * node.on((event) => console.log(event));
 * await node.dispatch({ cmd: 'host', port: 0 });
 */
export class ChatNode {
  readonly #keyPair: KeyPair;
  readonly #storage: NodeStorage;
  readonly #options: ChatNodeOptions;
  readonly #transport: Transport;
  readonly #secure: SecureChannelFactory;
  readonly #limits: HostLimits;
  readonly #invites = new InviteBook();
  readonly #listeners = new Set<Listener>();
  readonly #buffered: ChatEvent[] = [];
  readonly #peers = new Map<PeerId, PeerMemory>();
  #book: KnownPeerBook;
  #bookWrite: Promise<void> = Promise.resolve();
  #name: string;
  #host: HostListener | undefined;
  #hostAddresses: string[] = [];
  #closed = false;

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
    this.#storage = init.storage;
    this.#options = init.options;
    this.#transport = init.options.transport ?? tcpTransport();
    this.#secure = init.secure;
    this.#limits = resolveLimits(init.options.limits);
    this.#book = init.book;
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
    let name = options.name === undefined ? await storage.loadName() : checkName(options.name);
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
  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1 && this.#buffered.length > 0) {
      for (const event of this.#buffered.splice(0)) this.#deliver(listener, event);
    }
    return () => this.#listeners.delete(listener);
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
    await this.#host?.close();
    this.#host = undefined;
    const closing: Promise<void>[] = [];
    for (const memory of this.#peers.values()) {
      const connection = memory.connection;
      if (!connection) continue;
      connection.run((now) => connection.session.close('quit', now, 'You left.'));
      closing.push(connection.closed);
    }
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_GRACE_MS);
    });
    await Promise.race([Promise.all(closing), grace]);
    clearTimeout(timer);
    for (const memory of this.#peers.values()) memory.connection?.destroy();
    await this.#bookWrite;
  }

  // Data, not branches: one handler per command.
  readonly #commands: {
    [C in ChatCommand['cmd']]: (command: Extract<ChatCommand, { cmd: C }>) => Promise<void> | void;
  } = {
    host: (c) => this.#hostCommand(c.port, c.bind),
    join: (c) => this.#join(c.target),
    accept: (c) => this.#accept(c.peer, c.confirmKeyChange === true),
    reject: (c) => this.#reject(c.peer),
    send: (c) => this.#send(c.peer, c.text),
    typing: (c) => this.#typing(c.peer, c.state),
    invite: () => this.#invite(),
    verify: (c) => this.#verify(c.peer),
    peers: () => this.#emit({ event: 'peers', peers: this.#summaries() }),
    forget: (c) => this.#forget(c.peer),
    name: (c) => this.#rename(c.name),
    disconnect: (c) => this.#disconnect(c.peer),
    quit: () => this.close(),
  };

  // ---- hosting ---------------------------------------------------------------------------

  async #hostCommand(port = DEFAULT_PORT, bind: string | undefined): Promise<void> {
    if (this.#host) {
      throw new EngineCommandError(
        'ERR_ALREADY_HOSTING',
        `Already hosting on ${formatAddress(this.#host.address!)}.`,
      );
    }
    const host = new HostListener({
      transport: this.#transport,
      secure: this.#secure,
      keyPair: this.#keyPair,
      limits: this.#limits,
      handshakeTimeoutMs: this.#handshakeTimeoutMs,
      invites: this.#invites,
      clock: Date.now,
      sessionCount: () => this.#sessionCount(),
      onChannel: (accepted) => this.#onHostChannel(accepted),
      log: (line) => this.#log(line),
    });
    const address = await host.listen(bind, port);
    this.#host = host;
    this.#hostAddresses = inviteAddresses(address.host);
    const { invite } = this.#makeInvite();
    this.#log(`listening on ${formatAddress(address)}`);
    this.#emit({
      event: 'listening',
      host: address.host,
      port: address.port,
      invite,
      addresses: this.#hostAddresses.map((host) => formatAddress({ host, port: address.port })),
    });
  }

  #invite(): void {
    const { invite, expiresAt } = this.#makeInvite();
    this.#emit({ event: 'invite', invite, expiresAt });
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
      now: Date.now(),
      ttlMs: this.#options.inviteTtlMs ?? DEFAULT_INVITE_TTL_MS,
    });
    return { invite: encodeInvite(entry.invite), expiresAt: entry.invite.expiresAt * 1000 };
  }

  #onHostChannel({ channel, remote, invited }: AcceptedChannel): void {
    if (this.#closed) {
      channel.destroy();
      return;
    }
    this.#startConnection(channel, formatAddress(remote), 'host', invited);
  }

  #sessionCount(): number {
    let count = 0;
    for (const memory of this.#peers.values()) if (memory.connection) count += 1;
    return count;
  }

  // ---- joining ---------------------------------------------------------------------------

  async #join(text: string): Promise<void> {
    const target = parseJoinTarget(text, Date.now());
    if (target.invite && constantTimeEqual(target.invite.hostPublicKey, this.#keyPair.publicKey)) {
      throw new EngineCommandError(JOIN_FAILURES.self!.code, JOIN_FAILURES.self!.message);
    }
    this.#emit({ event: 'connecting', target: target.label });
    const outcome = await joinHandshake(target, {
      transport: this.#transport,
      secure: this.#secure,
      keyPair: this.#keyPair,
      dialTimeoutMs: this.#options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS,
      handshakeTimeoutMs: this.#handshakeTimeoutMs,
    });
    if (!outcome.ok) {
      const { failure, peerId } = outcome;
      this.#log(
        `join ${target.label} failed: ${failure.reason}${outcome.detail ? ` (${outcome.detail})` : ''}`,
      );
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
    if (this.#closed) {
      outcome.channel.destroy();
      return;
    }
    this.#startConnection(outcome.channel, outcome.remote, 'joiner', target.invite !== undefined);
  }

  // ---- sessions ----------------------------------------------------------------------------

  #startConnection(
    channel: ChannelConnection,
    remote: string,
    role: 'host' | 'joiner',
    invited: boolean,
  ): void {
    const publicKey = channel.remoteStaticPublicKey.slice();
    const peerId = peerIdFromPublicKey(publicKey);
    const memory = this.#memory(peerId, publicKey);
    const previous = memory.connection;
    if (previous) {
      // The same key connected again (e.g. after a cut): the new connection wins.
      this.#log(`${remote} replaces the earlier connection of the same peer`);
      previous.run(() => previous.session.abort('replaced', 'The peer connected again.'));
      previous.destroy();
    }
    const session = new Session({
      role,
      hello: {
        name: this.#name,
        client: this.#options.clientName,
        version: this.#options.clientVersion,
      },
      now: Date.now(),
      keepAliveMs: this.#options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS,
      idleTimeoutMs: this.#options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      helloTimeoutMs: this.#handshakeTimeoutMs,
      pending: memory.pending,
      seen: memory.seen,
    });
    memory.pending = [];
    const connection = new PeerConnection({
      channel,
      session,
      peerId,
      publicKey,
      remote,
      invited,
      code: verificationCode(channel.handshakeHash),
      fingerprint: fingerprint(publicKey),
      clock: Date.now,
      hooks: {
        onEvents: (c, events) => this.#onSessionEvents(c, events),
        log: (line) => this.#log(line),
      },
    });
    memory.connection = connection;
    connection.start();
  }

  #onSessionEvents(connection: PeerConnection, events: SessionEvent[]): void {
    for (const event of events) this.#sessionEventHandlers[event.type](connection, event as never);
  }

  readonly #sessionEventHandlers: {
    [T in SessionEvent['type']]: (c: PeerConnection, e: Extract<SessionEvent, { type: T }>) => void;
  } = {
    hello: (c, e) => this.#onHello(c, e.hello.name),
    active: (c) => this.#announce(c),
    message: (c, e) => {
      if (!c.approved) {
        if (c.held.length < MAX_HELD_MESSAGES) c.held.push(e);
        return;
      }
      this.#emit({ event: 'message', peer: c.peerId, id: e.id, text: e.text, at: e.at });
    },
    delivered: (c, e) => this.#emit({ event: 'delivered', peer: c.peerId, id: e.id }),
    typing: (c, e) => {
      if (c.approved) this.#emit({ event: 'typing', peer: c.peerId, state: e.state });
    },
    closed: (c, e) => this.#onClosed(c, e),
  };

  #onHello(c: PeerConnection, name: string): void {
    const assessment = assessPeer(this.#book, c.publicKey, name);
    c.known = assessment.status === 'known';
    if (assessment.status === 'key-changed') {
      c.keyChangedFrom = assessment.previous;
      this.#log(`${c.remote}: "${name}" comes with a different key than before`);
      this.#emit({
        event: 'key-changed',
        peer: c.peerId,
        name,
        old: fingerprint(assessment.previous.publicKey),
        new: c.fingerprint,
      });
    }
    const details = { peer: c.peerId, name, fingerprint: c.fingerprint, code: c.code };
    if (c.session.role === 'host' || c.keyChangedFrom) {
      this.#emit({
        event: 'request',
        ...details,
        known: c.known,
        invited: c.invited,
        keyChanged: c.keyChangedFrom !== undefined,
      });
      return;
    }
    c.approved = true;
    this.#emit({ event: 'waiting', ...details });
  }

  /** Emits `connected` once the session is active and our side approved it. */
  #announce(c: PeerConnection): void {
    if (c.announced || !c.approved || c.session.state !== 'active') return;
    c.announced = true;
    const name = c.session.peerHello?.name ?? '';
    const now = Date.now();
    const invited = c.invited ? ({ verification: 'invite' } as const) : {};
    const peer = { publicKey: c.publicKey, name, now, ...invited };
    this.#updateBook((book) =>
      c.keyChangedFrom
        ? replacePeerKey(book, c.keyChangedFrom.peerId, peer)
        : rememberPeer(book, peer),
    );
    const verification = this.#book.peers.get(c.peerId)?.verification ?? 'unverified';
    this.#log(`connected with ${c.remote}`);
    this.#emit({
      event: 'connected',
      peer: c.peerId,
      name,
      fingerprint: c.fingerprint,
      code: c.code,
      verified: verification !== 'unverified',
      verification,
    });
    for (const held of c.held.splice(0)) this.#sessionEventHandlers.message(c, held as never);
  }

  #onClosed(c: PeerConnection, e: Extract<SessionEvent, { type: 'closed' }>): void {
    const memory = this.#peers.get(c.peerId);
    if (memory && memory.connection === c) {
      memory.connection = undefined;
      memory.pending = e.undelivered;
    } else if (memory) {
      // A newer connection took over: hand it nothing, keep the messages for the next one.
      memory.pending = [...e.undelivered, ...memory.pending];
    }
    if (c.announced) {
      const now = Date.now();
      this.#updateBook((book) =>
        book.peers.has(c.peerId)
          ? rememberPeer(book, {
              publicKey: c.publicKey,
              name: book.peers.get(c.peerId)!.name,
              now,
            })
          : book,
      );
    }
    this.#log(`session with ${c.remote} ended: ${e.reason}`);
    // A joiner that never introduced itself was never shown to the user: nothing to report.
    if (c.session.role === 'host' && c.session.peerHello === undefined) return;
    if (e.undelivered.length > 0) {
      this.#emit({ event: 'undelivered', peer: c.peerId, ids: e.undelivered.map((m) => m.id) });
    }
    this.#emit({ event: 'disconnected', peer: c.peerId, reason: e.reason, message: e.message });
  }

  // ---- commands on peers -----------------------------------------------------------------

  #accept(peer: PeerId, confirmKeyChange: boolean): void {
    const c = this.#live(peer);
    if (c.approved) {
      throw new EngineCommandError(
        'ERR_NOTHING_TO_ACCEPT',
        'There is no request from this peer to accept.',
      );
    }
    if (c.session.state === 'hello') {
      throw new EngineCommandError(
        'ERR_NOTHING_TO_ACCEPT',
        'This peer has not introduced itself yet.',
      );
    }
    if (c.keyChangedFrom && !confirmKeyChange) {
      throw new EngineCommandError(
        'ERR_CONFIRM_KEY_CHANGE',
        "This peer's key has changed since you last talked. Compare the verification code, then accept with confirmKeyChange.",
      );
    }
    c.approved = true;
    if (c.session.role === 'host') {
      c.run((now) => c.session.accept(now));
      return;
    }
    // A joiner that confirmed a changed host key: now wait for the host, or go on if it said yes.
    if (c.session.state === 'active') this.#announce(c);
    else {
      const name = c.session.peerHello?.name ?? '';
      this.#emit({
        event: 'waiting',
        peer: c.peerId,
        name,
        fingerprint: c.fingerprint,
        code: c.code,
      });
    }
  }

  #reject(peer: PeerId): void {
    const c = this.#live(peer);
    if (c.approved) {
      throw new EngineCommandError(
        'ERR_NOTHING_TO_REJECT',
        'There is no request from this peer to reject.',
      );
    }
    if (c.session.role === 'host' && c.session.state === 'deciding') {
      c.run((now) => c.session.reject(now));
    } else {
      c.run((now) => c.session.close('rejected', now, 'You refused the changed key.'));
    }
  }

  #send(peer: PeerId | undefined, text: string): void {
    const id = peer ?? this.#onlyPeer();
    const memory = this.#peers.get(id) ?? this.#rememberedMemory(id);
    const c = memory.connection;
    if (c && c.session.state !== 'closed') {
      if (c.session.role === 'joiner' && !c.approved && c.keyChangedFrom) {
        throw new EngineCommandError(
          'ERR_CONFIRM_KEY_CHANGE',
          "Confirm this peer's changed key before sending.",
        );
      }
      const now = Date.now();
      const sent = c.session.send(text, now);
      this.#emit({ event: 'sent', peer: id, id: sent.id, text, at: now, queued: sent.queued });
      c.run(() => sent.step);
      return;
    }
    const problem = chatTextProblem(text);
    if (problem !== undefined)
      throw new InvalidTextError('ERR_BAD_TEXT', `This message cannot be sent: ${problem}.`);
    const message = { id: newMessageId(), text, at: Date.now() };
    memory.pending.push(message);
    this.#emit({ event: 'sent', peer: id, id: message.id, text, at: message.at, queued: true });
  }

  #typing(peer: PeerId | undefined, state: TypingState): void {
    const id = peer ?? this.#onlyPeer();
    const c = this.#peers.get(id)?.connection;
    if (c?.approved) c.run((now) => c.session.setTyping(state, now));
  }

  #verify(peer: PeerId): void {
    const c = this.#peers.get(peer)?.connection;
    if (!c?.announced) {
      throw noSuchPeer('Verify a peer while connected to it, after comparing the code with them.');
    }
    this.#updateBook((book) => markVerified(book, peer, 'code'));
    this.#emit({ event: 'verified', peer, verification: 'code' });
  }

  #forget(peer: PeerId): void {
    if (!this.#book.peers.has(peer)) throw noSuchPeer();
    this.#updateBook((book) => forgetPeer(book, peer));
    this.#emit({ event: 'peers', peers: this.#summaries() });
  }

  async #rename(name: string): Promise<void> {
    const clean = checkName(name);
    await this.#storage.saveName(clean);
    this.#name = clean;
    this.#emit({ event: 'ready', fingerprint: this.fingerprint, name: clean });
  }

  #disconnect(peer: PeerId): void {
    const c = this.#live(peer);
    c.run((now) => c.session.close('closed', now, 'You ended the conversation.'));
  }

  // ---- helpers -------------------------------------------------------------------------------

  get #handshakeTimeoutMs(): number {
    return this.#options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  }

  #memory(peerId: PeerId, publicKey: Uint8Array): PeerMemory {
    let memory = this.#peers.get(peerId);
    if (!memory) {
      memory = { publicKey, pending: [], seen: new SeenIds() };
      this.#peers.set(peerId, memory);
    }
    return memory;
  }

  /** The memory of a peer known only from the book (to queue messages for it). */
  #rememberedMemory(peerId: PeerId): PeerMemory {
    const known = this.#book.peers.get(peerId);
    if (!known) throw noSuchPeer();
    return this.#memory(peerId, known.publicKey);
  }

  #live(peer: PeerId): PeerConnection {
    const c = this.#peers.get(peer)?.connection;
    if (!c || c.session.state === 'closed')
      throw noSuchPeer('There is no open conversation with this peer.');
    return c;
  }

  /** The one peer a command without `peer` means: the only open conversation. */
  #onlyPeer(): PeerId {
    const open = [...this.#peers.entries()].filter(([, m]) => m.connection?.approved);
    if (open.length === 1) return open[0]![0];
    throw noSuchPeer(
      open.length === 0
        ? 'You are not talking to anyone yet.'
        : 'Several conversations are open: say which peer.',
    );
  }

  #summaries(): KnownPeerSummary[] {
    return [...this.#book.peers.values()].map((peer) => ({
      peer: peer.peerId,
      name: peer.name,
      fingerprint: fingerprint(peer.publicKey),
      verification: peer.verification,
      firstSeen: peer.firstSeen,
      lastSeen: peer.lastSeen,
      online: this.#peers.get(peer.peerId)?.connection?.announced === true,
    }));
  }

  /** Applies a change to the known-peers book now, and saves it in order in the background. */
  #updateBook(change: (book: KnownPeerBook) => KnownPeerBook): void {
    this.#book = change(this.#book);
    const book = this.#book;
    this.#bookWrite = this.#bookWrite
      .then(() => this.#storage.saveKnownPeers(book))
      .catch((error: unknown) => {
        this.#log(`could not save known peers: ${(error as Error).message}`);
      });
  }

  #emit(event: ChatEvent): void {
    if (this.#listeners.size === 0) {
      if (this.#buffered.length < MAX_BUFFERED_EVENTS) this.#buffered.push(event);
      return;
    }
    for (const listener of [...this.#listeners]) this.#deliver(listener, event);
  }

  #deliver(listener: Listener, event: ChatEvent): void {
    try {
      listener(event);
    } catch (error) {
      this.#log(`an event listener failed on ${event.event}: ${(error as Error).message}`);
    }
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
    this.#options.log?.(line);
  }
}

/** Checks a display name against the wire's limits. */
function checkName(name: string): string {
  const clean = name.normalize('NFC').trim();
  if (
    clean.length === 0 ||
    new TextEncoder().encode(clean).length > MAX_NAME_BYTES ||
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(clean)
  ) {
    throw new CryptullyError(
      'ERR_BAD_NAME',
      'A name must be 1 to 64 characters, without control characters.',
    );
  }
  return clean;
}

/**
 * The addresses an invite carries: the bound address, or for a wildcard bind the machine's
 * external addresses (IPv4 first; link-local IPv6 left out: it needs a zone), else loopback.
 */
function inviteAddresses(bound: string): string[] {
  if (bound !== '0.0.0.0' && bound !== '::') return [bound];
  const v4: string[] = [];
  const v6: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.internal) continue;
      if (info.family === 'IPv4') v4.push(info.address);
      else if (bound === '::' && !info.address.toLowerCase().startsWith('fe80'))
        v6.push(info.address);
    }
  }
  const all = [...v4, ...v6].slice(0, 8);
  return all.length > 0 ? all : ['127.0.0.1'];
}

export { JOIN_FAILURES };
