/**
 * One live conversation: an encrypted channel, the pure {@link Session} that speaks over it,
 * and the one timer that drives the session's keep-alive and timeouts. Everything the session
 * says goes out on the channel; everything it reports goes to the chat node.
 * @module
 */

import type { SecureConnection } from '../adapters/secure-connection.js';
import { CryptullyError } from '../errors.js';
import type { KnownPeer } from '../identity/known-peers.js';
import type { ConnectionPath, TypingState } from '../protocol/events.js';
import { type FileMessage, FOLDER_CAPABILITY } from '../session/messages.js';
import type {
  Session,
  SessionEvent,
  SessionRole,
  SessionState,
  SessionStep,
} from '../session/session.js';
import type { DeadlineOwner, DeadlineWheel } from './deadline-wheel.js';
import type { FileLink } from './file-transfers.js';

/** How the connection reports to its owner. */
export interface PeerConnectionHooks {
  /** Each of the session's events, in order, after its messages were handed to the channel. */
  onEvent(connection: PeerConnection, event: SessionEvent): void;
  log(line: string): void;
}

/** What a {@link PeerConnection} is made of. */
export interface PeerConnectionInit {
  channel: SecureConnection;
  session: Session;
  peerId: string;
  publicKey: Uint8Array;
  /** `host:port` of the other end, for log lines. */
  remote: string;
  /** How the connection runs, for `connected`. */
  path?: ConnectionPath;
  /** The peer joined with our invite (host), or we joined with theirs (joiner). */
  invited: boolean;
  /** The peer joined with our join code (host), or we with theirs (joiner): the CPace run authenticated both keys. */
  byCode?: boolean;
  /**
   * Joiner: where we dialled and met this key (`host:port`, and `dht:` + the host's DHT key in
   * hex when the invite had one), to pin once connected.
   */
  dialled?: string | readonly string[];
  /**
   * The session's verification code, from `h || hostNonce`; a joiner learns it from the host's
   * hello, so it starts empty there.
   */
  code: string;
  /** The address the peer connected from or we dialled (no port), for per-source limits. */
  remoteHost?: string;
  /** The peer's key fingerprint. */
  fingerprint: string;
  clock: () => number;
  /** The node's one timer for every session's deadlines. */
  deadlines: DeadlineWheel;
  hooks: PeerConnectionHooks;
}

/** Why a channel closed, as a `disconnected` reason, by error code. */
const CHANNEL_CLOSE_REASONS: Record<string, { reason: string; message: string }> = {
  ERR_CHANNEL_DECRYPT: {
    reason: 'decrypt-failed',
    message: 'A message failed authentication: the connection was tampered with or broke.',
  },
  ERR_CHANNEL_PROTOCOL: {
    reason: 'protocol-error',
    message: 'The peer broke the channel protocol.',
  },
  ERR_MESSAGE_TOO_LARGE: {
    reason: 'protocol-error',
    message: 'The peer sent a message larger than the protocol allows.',
  },
};
const CONNECTION_LOST = { reason: 'closed', message: 'The connection was lost.' };

let connectionsMade = 0;

/** A session running over a channel; see the module documentation. */
export class PeerConnection implements DeadlineOwner {
  /** Increases with every connection made: tells older connections from newer ones. */
  readonly serial = ++connectionsMade;
  readonly channel: SecureConnection;
  readonly #session: Session;
  readonly peerId: string;
  readonly publicKey: Uint8Array;
  readonly remote: string;
  readonly path: ConnectionPath | undefined;
  readonly invited: boolean;
  readonly byCode: boolean;
  readonly dialled: string | readonly string[] | undefined;
  /** The verification code (a joiner's is set when the host's hello reveals its nonce). */
  code: string;
  readonly remoteHost: string;
  /**
   * Host: a stranger's request holds a place in the strangers' gate until it is decided or
   * gone (see `request-gate.ts`); this gives it back (once).
   */
  releaseGate: (() => void) | undefined;
  readonly fingerprint: string;
  #approved = false;
  #keyChangedFrom: KnownPeer | undefined;
  #looksLike: KnownPeer | undefined;
  #announced = false;
  #known = false;
  #name: string | undefined;
  #fileLink: FileLink | undefined;
  readonly #clock: () => number;
  readonly #hooks: PeerConnectionHooks;
  readonly #deadlines: DeadlineWheel;
  /** @internal Managed by {@link DeadlineWheel}. */
  wheelAt: number | undefined = undefined;
  #ended = false;
  /** A send failed: nothing more is sent; the channel's close event ends the session. */
  #lost = false;
  /** Whether the channel has closed. */
  #channelClosed = false;
  /** Made only when someone waits for the close (see {@link closed}): not per idle session. */
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;
  /** Callbacks waiting for the channel to take more (file chunks); made on first use. */
  #drainWaiters: Array<() => void> | undefined;
  #listensForDrain = false;

  constructor(init: PeerConnectionInit) {
    this.channel = init.channel;
    this.#session = init.session;
    this.peerId = init.peerId;
    this.publicKey = init.publicKey;
    this.remote = init.remote;
    this.path = init.path;
    this.invited = init.invited;
    this.byCode = init.byCode === true;
    this.dialled = init.dialled;
    this.code = init.code;
    this.remoteHost = init.remoteHost ?? init.remote;
    this.fingerprint = init.fingerprint;
    this.#clock = init.clock;
    this.#deadlines = init.deadlines;
    this.#hooks = init.hooks;
  }

  /** Resolves once the channel has closed. */
  get closed(): Promise<void> {
    this.#closed ??= this.#channelClosed
      ? Promise.resolve()
      : new Promise((resolve) => {
          this.#resolveClosed = resolve;
        });
    return this.#closed;
  }

  // ---- what the session is ---------------------------------------------------------------

  /** Our side of the session. */
  get role(): SessionRole {
    return this.#session.role;
  }

  /** The session's state. */
  get state(): SessionState {
    return this.#session.state;
  }

  /** Whether the conversation is over (nothing more can be sent). */
  get ended(): boolean {
    return this.#session.state === 'closed';
  }

  /** Whether the peer has sent its hello (so it was shown to the user). */
  get introduced(): boolean {
    return this.#session.peerHello !== undefined;
  }

  /**
   * Host: whether our hello went out, i.e. the request was shown to the user and the joiner
   * learnt our nonce. Joiner: whether the session started.
   */
  get selfIntroduced(): boolean {
    return this.#session.introduced;
  }

  /** A host-side session whose peer has not introduced itself yet. */
  get silent(): boolean {
    return this.#session.role === 'host' && this.#session.state === 'hello';
  }

  /** How many of our messages wait for a receipt (queued ones included). */
  get pendingCount(): number {
    return this.#session.pendingCount;
  }

  /** Whether both sides announced the `file` capability. */
  get filesEnabled(): boolean {
    return this.#session.filesEnabled;
  }

  /** The file transfers' view of this connection (made on first use, one per connection). */
  get fileLink(): FileLink {
    // One small object with its methods on a prototype: every session gets one (file transfers
    // ask for it at connect), and four closures each cost about 300 bytes per idle session.
    this.#fileLink ??= new ConnectionFileLink(this);
    return this.#fileLink;
  }

  // ---- what we decided about the peer ----------------------------------------------------

  /** Our side's decision: the host accepted, or the joiner confirmed (or had nothing to confirm). */
  get approved(): boolean {
    return this.#approved;
  }

  /** Whether `connected` was announced for this session. */
  get announced(): boolean {
    return this.#announced;
  }

  /** The known peer whose name this peer has under another key: needs `confirmKeyChange`. */
  get keyChangedFrom(): KnownPeer | undefined {
    return this.#keyChangedFrom;
  }

  /** The known peer whose name this unknown key's name looks like (UTS #39), if any. */
  get looksLike(): KnownPeer | undefined {
    return this.#looksLike;
  }

  /** Whether the peer was in the known-peers book when its hello arrived. */
  get known(): boolean {
    return this.#known;
  }

  /** The name shown for the peer, once its hello arrived (see `trust-policy.ts`). */
  get name(): string | undefined {
    return this.#name;
  }

  /**
   * Records what the trust policy made of the peer's hello; a held conversation shows and
   * acknowledges nothing, and sends nothing, until {@link release}.
   */
  recordIntroduction(intro: {
    name: string;
    known: boolean;
    keyChangedFrom?: KnownPeer;
    looksLike?: KnownPeer;
    hold: boolean;
  }): void {
    this.#name = intro.name;
    this.#known = intro.known;
    this.#keyChangedFrom = intro.keyChangedFrom;
    this.#looksLike = intro.looksLike;
    if (intro.hold) this.#session.hold();
  }

  /** Our side approved the peer (accepted it, or confirmed its changed key). */
  approve(): void {
    this.#approved = true;
  }

  /** Marks `connected` as announced; false when it already was. */
  markAnnounced(): boolean {
    if (this.#announced) return false;
    this.#announced = true;
    return true;
  }

  // ---- what we say to the peer -------------------------------------------------------------

  /**
   * Host: sends our hello with the nonce msg2 committed to (hex), once the request is shown
   * (docs/protocol.md §5).
   */
  introduceSelf(nonceHex: string): void {
    this.#run((now) => this.#session.introduce(now, nonceHex));
  }

  /** Host: lets the peer in (queued messages follow). */
  accept(): void {
    this.#run((now) => this.#session.accept(now));
  }

  /** Host: turns the peer away, telling it why. */
  reject(): void {
    this.#run((now) => this.#session.reject(now));
  }

  /** Ends the conversation with a goodbye giving `reason`; `message` is what our user sees. */
  close(reason: string, message: string): void {
    this.#run((now) => this.#session.close(reason, now, message));
  }

  /** Ends the session without a goodbye (the channel is going away). */
  abort(reason: string, message: string): void {
    this.#run(() => this.#session.abort(reason, message));
  }

  /**
   * Sends a chat text (queued until the session is active and released).
   * @throws {InvalidTextError} for a text that cannot be sent.
   */
  send(text: string): { id: string; queued: boolean; at: number } {
    const at = this.#clock();
    const sent = this.#session.send(text, at);
    this.#run(() => sent.step);
    return { id: sent.id, queued: sent.queued, at };
  }

  /** Sends a file-transfer message on the session. */
  sendFile(message: FileMessage): void {
    this.#run((now) => this.#session.sendFile(message, now));
  }

  /** Sends an SMP message (an OTR TLV) on the session. */
  sendSmp(tlv: Uint8Array): void {
    this.#run((now) => this.#session.sendSmp(tlv, now));
  }

  /** Whether the peer's hello announced `capability`. */
  peerCan(capability: string): boolean {
    return this.#session.peerCan(capability);
  }

  /** Tells the peer our typing state. */
  setTyping(state: TypingState): void {
    this.#run((now) => this.#session.setTyping(state, now));
  }

  /** Shows and acknowledges what was held back, and sends what waited (see {@link recordIntroduction}). */
  release(): void {
    this.#run((now) => this.#session.release(now));
  }

  /** Wires the channel to the session and sends our hello. */
  start(): void {
    this.channel.on('message', (bytes) => this.#run((now) => this.#session.receive(bytes, now)));
    this.channel.on('close', (error) => {
      this.#channelClosed = true;
      this.#resolveClosed?.();
      const why = (error && CHANNEL_CLOSE_REASONS[error.code]) || CONNECTION_LOST;
      if (error) this.#hooks.log(`connection with ${this.remote} closed: ${error.code}`);
      this.abort(why.reason, why.message);
    });
    this.#run((now) => this.#session.start(now));
  }

  /**
   * Sends one encoded file chunk, outside the session's message queue (chat sent meanwhile
   * goes out between two chunks). False when the channel wants a pause: see {@link whenDrained}.
   * Nothing is sent once the session closed or a send failed.
   */
  sendChunk(bytes: Uint8Array): boolean {
    if (this.#ended || this.#lost || this.#session.state === 'closed') return false;
    try {
      const ok = this.channel.send(bytes);
      this.#session.noteSent(this.#clock());
      return ok;
    } catch (error) {
      this.#sendFailed(error);
      return false;
    }
  }

  /** Calls `fn` once, at the channel's next `drain`. */
  whenDrained(fn: () => void): void {
    if (!this.#listensForDrain) {
      // Listened to from the first wait on: an idle session keeps no drain listener.
      this.#listensForDrain = true;
      this.channel.on('drain', () => {
        const waiters = this.#drainWaiters;
        if (waiters === undefined) return;
        this.#drainWaiters = undefined;
        for (const waiter of waiters) waiter();
      });
    }
    this.#drainWaiters ??= [];
    this.#drainWaiters.push(fn);
  }

  /**
   * Runs one session call and applies its result: messages to the channel, the channel
   * ended when the session closed, events to the owner, the timer re-armed.
   */
  #run(call: (now: number) => SessionStep): void {
    let step: SessionStep;
    try {
      step = call(this.#clock());
    } catch (error) {
      // A session bug, not a peer's fault: end this conversation, keep the node alive.
      this.#hooks.log(`session with ${this.remote} failed: ${(error as Error).message}`);
      step = this.#session.abort('protocol-error', 'An internal error ended the conversation.');
    }
    for (const bytes of step.out) {
      if (this.#ended || this.#lost) break;
      try {
        this.channel.send(bytes);
      } catch (error) {
        this.#sendFailed(error);
        break;
      }
    }
    if (this.#session.state === 'closed') this.#end();
    else this.#arm();
    if (step.events.length === 0) return;
    try {
      for (const event of step.events) this.#hooks.onEvent(this, event);
    } catch (error) {
      // This runs inside the channel's event handlers: an exception escaping here would be
      // uncaught and end the whole process, every other conversation with it.
      this.#hooks.log(`handling events from ${this.remote} failed: ${(error as Error)?.message}`);
      this.destroy();
    }
  }

  /**
   * The channel failed under us, e.g. on a bad frame that came in the same chunk as the
   * message we are answering. Its close event, on its way, says why: that first failure
   * decides the session's reason, not this consequence of it. Once the channel has handled
   * what it already read, make sure it does close. Nothing more is sent.
   */
  #sendFailed(error: unknown): void {
    this.#lost = true;
    this.#hooks.log(
      `send to ${this.remote} failed: ${(error as { code?: string }).code ?? 'error'}`,
    );
    const cause = error instanceof CryptullyError ? error : undefined;
    queueMicrotask(() => this.channel.destroy(cause));
  }

  /** Drops the channel at once (no goodbye). */
  destroy(): void {
    this.#end();
    this.channel.destroy();
  }

  /** @internal The deadline wheel's call: keep-alive, timeouts. */
  onDeadline(): void {
    this.#run((now) => this.#session.tick(now));
  }

  #end(): void {
    this.#deadlines.cancel(this);
    if (this.#ended) return;
    this.#ended = true;
    this.channel.end();
  }

  #arm(): void {
    // Usually a later deadline than the one scheduled: then nothing to do (see DeadlineWheel).
    this.#deadlines.schedule(this, this.#session.nextDeadline());
  }
}

/** The file transfers' view of one connection (see {@link PeerConnection.fileLink}). */
class ConnectionFileLink implements FileLink {
  readonly #connection: PeerConnection;

  constructor(connection: PeerConnection) {
    this.#connection = connection;
  }

  send(message: FileMessage): void {
    this.#connection.sendFile(message);
  }

  sendChunk(bytes: Uint8Array): boolean {
    return this.#connection.sendChunk(bytes);
  }

  whenDrained(fn: () => void): void {
    this.#connection.whenDrained(fn);
  }

  folders(): boolean {
    return this.#connection.peerCan(FOLDER_CAPABILITY);
  }
}
