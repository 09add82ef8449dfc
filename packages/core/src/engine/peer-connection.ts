/**
 * One live conversation: an encrypted channel, the pure {@link Session} that speaks over it,
 * and the one timer that drives the session's keep-alive and timeouts. Everything the session
 * says goes out on the channel; everything it reports goes to the chat node.
 * @module
 */
import type { SecureConnection } from '../adapters/secure-connection.js';
import { CryptullyError } from '../errors.js';
import type { KnownPeer } from '../identity/known-peers.js';
import type { Session, SessionEvent, SessionStep } from '../session/session.js';
import type { FileLink } from './file-transfers.js';

/** How the connection reports to its owner. */
export interface PeerConnectionHooks {
  /** The session's events, in order, after its messages were handed to the channel. */
  onEvents(connection: PeerConnection, events: SessionEvent[]): void;
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
  /** The peer joined with our invite (host), or we joined with theirs (joiner). */
  invited: boolean;
  /** The session's verification code (from the handshake hash). */
  code: string;
  /** The peer's key fingerprint. */
  fingerprint: string;
  clock: () => number;
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
export class PeerConnection {
  /** Increases with every connection made: tells older connections from newer ones. */
  readonly serial = ++connectionsMade;
  readonly channel: SecureConnection;
  readonly session: Session;
  readonly peerId: string;
  readonly publicKey: Uint8Array;
  readonly remote: string;
  readonly invited: boolean;
  readonly code: string;
  readonly fingerprint: string;
  /** Our side's decision: the host accepted, or the joiner confirmed a changed key. */
  approved = false;
  /** Set when the peer's name is known under another key: needs `confirmKeyChange`. */
  keyChangedFrom: KnownPeer | undefined;
  /** Whether `connected` was announced for this session. */
  announced = false;
  /** Whether the peer was in the known-peers book when its hello arrived. */
  known = false;
  /**
   * The name shown for the peer: the one its hello gave, unless that is the name of another
   * known peer (then the name we already know this key by). Set when the hello arrives.
   */
  name: string | undefined;
  /** The file transfers' view of this connection (made on first use, one per connection). */
  fileLink: FileLink | undefined;
  readonly #clock: () => number;
  readonly #hooks: PeerConnectionHooks;
  #timer: NodeJS.Timeout | undefined;
  #ended = false;
  /** A send failed: nothing more is sent; the channel's close event ends the session. */
  #lost = false;
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;
  /** Callbacks waiting for the channel to take more (file chunks). */
  #drainWaiters: Array<() => void> = [];

  constructor(init: PeerConnectionInit) {
    this.channel = init.channel;
    this.session = init.session;
    this.peerId = init.peerId;
    this.publicKey = init.publicKey;
    this.remote = init.remote;
    this.invited = init.invited;
    this.code = init.code;
    this.fingerprint = init.fingerprint;
    this.#clock = init.clock;
    this.#hooks = init.hooks;
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  /** Resolves once the channel has closed. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Wires the channel to the session and sends our hello. */
  start(): void {
    this.channel.on('message', (bytes) => this.run((now) => this.session.receive(bytes, now)));
    this.channel.on('close', (error) => {
      this.#resolveClosed();
      const why = (error && CHANNEL_CLOSE_REASONS[error.code]) || CONNECTION_LOST;
      if (error) this.#hooks.log(`connection with ${this.remote} closed: ${error.code}`);
      this.run(() => this.session.abort(why.reason, why.message));
    });
    this.channel.on('drain', () => {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const fn of waiters) fn();
    });
    this.run((now) => this.session.start(now));
  }

  /**
   * Sends one encoded file chunk, outside the session's message queue (chat sent meanwhile
   * goes out between two chunks). False when the channel wants a pause: see {@link whenDrained}.
   * Nothing is sent once the session closed or a send failed.
   */
  sendChunk(bytes: Uint8Array): boolean {
    if (this.#ended || this.#lost || this.session.state === 'closed') return false;
    try {
      const ok = this.channel.send(bytes);
      this.session.noteSent(this.#clock());
      return ok;
    } catch (error) {
      this.#sendFailed(error);
      return false;
    }
  }

  /** Calls `fn` once, at the channel's next `drain`. */
  whenDrained(fn: () => void): void {
    this.#drainWaiters.push(fn);
  }

  /**
   * Runs one session call and applies its result: messages to the channel, the channel
   * ended when the session closed, events to the owner, the timer re-armed.
   */
  run(call: (now: number) => SessionStep): void {
    let step: SessionStep;
    try {
      step = call(this.#clock());
    } catch (error) {
      // A session bug, not a peer's fault: end this conversation, keep the node alive.
      this.#hooks.log(`session with ${this.remote} failed: ${(error as Error).message}`);
      step = this.session.abort('protocol-error', 'An internal error ended the conversation.');
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
    if (this.session.state === 'closed') this.#end();
    else this.#arm();
    if (step.events.length === 0) return;
    try {
      this.#hooks.onEvents(this, step.events);
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

  #end(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#ended) return;
    this.#ended = true;
    this.channel.end();
  }

  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    const delay = Math.max(0, Math.min(this.session.nextDeadline() - this.#clock(), 2 ** 31 - 1));
    this.#timer = setTimeout(() => this.run((now) => this.session.tick(now)), delay);
    this.#timer.unref();
  }
}
