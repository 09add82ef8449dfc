/**
 * The conversations of a chat node: one {@link PeerConnection} per live peer, what outlives a
 * connection (unacknowledged messages, ids already shown, the offline queue), and the
 * translation of session events into chat events. What to make of a peer (names, key
 * changes, who decides) is the pure policy of `trust-policy.ts`.
 * @module
 */
import type { SecureConnection } from '../adapters/secure-connection.js';
import { hostCommitmentOpens } from '../channel/commitment.js';
import { concatBytes, constantTimeEqual, fromHex, toHex } from '../crypto/index.js';
import type { FileChunk } from '../files/transfer-wire.js';
import { fingerprint, peerIdFromPublicKey } from '../identity/fingerprint.js';
import { markVerified, type PeerVerification } from '../identity/known-peers.js';
import { verificationCode } from '../identity/verification-code.js';
import type {
  ChatEvent,
  ConnectionPath,
  PeerId,
  TypingState,
  VerifiedBy,
} from '../protocol/events.js';
import type { FileMessage, HelloMessage } from '../session/messages.js';
import { SeenIds } from '../session/seen-ids.js';
import {
  checkChatText,
  type InvalidTextError,
  newMessageId,
  type PendingMessage,
  Session,
  type SessionEvent,
} from '../session/session.js';
import { DeadlineWheel } from './deadline-wheel.js';
import { EngineCommandError, JOIN_FAILURES, noSuchPeer } from './errors.js';
import type { FileLink } from './file-transfers.js';
import type { KnownPeerHolder } from './known-peer-book.js';
import { CLOSE_GRACE_MS, MAX_PENDING_MESSAGES } from './limits.js';
import { PeerConnection, type PeerConnectionHooks } from './peer-connection.js';
import { Questions } from './questions.js';
import type { GateDecision } from './request-gate.js';
import { introduce, rememberConnected, rememberLastSeen } from './trust-policy.js';

/** What outlives one connection with a peer key. */
interface PeerMemory {
  publicKey: Uint8Array;
  /** Unacknowledged messages while no session runs (a session owns them while it runs). */
  pending: PendingMessage[];
  seen: SeenIds;
  connection?: PeerConnection;
}

/** What {@link Conversations} needs from its chat node. */
export interface ConversationOptions {
  clientName: string;
  clientVersion: string;
  keepAliveMs: number;
  idleTimeoutMs: number;
  /** Time the peer has to send its hello. */
  helloTimeoutMs: number;
  /** Our display name now (it may change between sessions). */
  name: () => string;
  /** The time, in ms since the epoch (the node's clock). */
  now: () => number;
  known: KnownPeerHolder;
  /** Our identity's static public key (binds questions to the session). */
  ownPublicKey: Uint8Array;
  emit: (event: ChatEvent) => void;
  log: (line: string) => void;
  /** Where file messages and chunks go, and who is told a session became active. */
  files: {
    onMessage(peer: PeerId, message: FileMessage): void;
    onChunk(peer: PeerId, chunk: FileChunk): void;
    resume(peer: PeerId): void;
  };
  /**
   * Host: whether a stranger's request (a key not in the book, no invite) from `host` may be
   * shown now (`request-gate.ts`); refused ones may carry a warning for the user.
   */
  admitStranger?: (host: string) => GateDecision;
  /**
   * Host: a stranger's session ended without being accepted (rejected, expired, abandoned, or
   * before its hello): counted against its source like a failed handshake.
   */
  strangerFailed?: (host: string) => void;
}

/** `connected.verifiedBy` of each way the known-peers book records a verification. */
const VERIFIED_BY: Record<Exclude<PeerVerification, 'unverified'>, VerifiedBy> = {
  invite: 'invite',
  'join-code': 'code',
  code: 'compared',
  question: 'question',
};

/** What makes the verification code on each side (docs/protocol.md §5). */
export type CodeSecret =
  /** Host: the nonce msg2 committed to, revealed in our hello once the request is shown. */
  | { hostNonce: Uint8Array }
  /** Joiner: the host's commitment from msg2, which the host's hello must open. */
  | { hostCommit: Uint8Array };

/** See the module documentation. */
export class Conversations {
  readonly #o: ConversationOptions;
  readonly #peers = new Map<PeerId, PeerMemory>();
  readonly #questions: Questions;
  /** Each connection's part of the code: the host's nonce, or the joiner's copy of its commitment. */
  readonly #secrets = new WeakMap<PeerConnection, CodeSecret>();
  /** One timer for the deadlines of every session. */
  readonly #deadlines: DeadlineWheel;
  /** What every connection calls back (one object for all, not two closures each). */
  readonly #connectionHooks: PeerConnectionHooks = {
    onEvent: (c, event) => this.#sessionEventHandlers[event.type](c, event as never),
    log: (line) => this.#o.log(line),
  };

  constructor(options: ConversationOptions) {
    this.#o = options;
    this.#deadlines = new DeadlineWheel(options.now);
    this.#questions = new Questions(options);
  }

  /** Sessions now open (requests awaiting a decision included). */
  count(): number {
    let count = 0;
    for (const memory of this.#peers.values()) if (memory.connection) count += 1;
    return count;
  }

  /**
   * Ends the oldest host-side session whose peer has not sent its hello yet (so was never
   * shown to the user), to make room. Returns false when there is none.
   */
  dropOldestSilent(): boolean {
    let oldest: PeerConnection | undefined;
    for (const { connection: c } of this.#peers.values()) {
      if (c?.silent && (!oldest || c.serial < oldest.serial)) oldest = c;
    }
    if (!oldest) return false;
    this.#o.log(`dropped ${oldest.remote} to make room: it had not introduced itself`);
    oldest.abort('timeout', 'The peer did not introduce itself.');
    oldest.destroy();
    return true;
  }

  /** Whether a conversation with the peer is connected right now. */
  isOnline(peerId: PeerId): boolean {
    return this.#peers.get(peerId)?.connection?.announced === true;
  }

  /**
   * Ends everything: reports messages queued for offline peers as undelivered, says goodbye to
   * every peer, waits briefly for the goodbyes to flush, then drops what is left.
   */
  async closeAll(): Promise<void> {
    for (const [peer, memory] of this.#peers) {
      if (memory.connection || memory.pending.length === 0) continue;
      this.#o.emit({ event: 'undelivered', peer, ids: memory.pending.map((m) => m.id) });
    }
    const closing: Promise<void>[] = [];
    for (const memory of this.#peers.values()) {
      const connection = memory.connection;
      if (!connection) continue;
      connection.close('quit', 'You left.');
      closing.push(connection.closed);
    }
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_GRACE_MS);
    });
    await Promise.race([Promise.all(closing), grace]);
    clearTimeout(timer);
    for (const memory of this.#peers.values()) memory.connection?.destroy();
  }

  /**
   * Starts the session over a channel that just completed its handshake. A connection from
   * a key that already has one replaces it (the old one's messages carry over).
   */
  start(
    channel: SecureConnection,
    remote: string,
    role: 'host' | 'joiner',
    invited: boolean,
    secret: CodeSecret,
    path?: ConnectionPath,
    remoteHost?: string,
    byCode = false,
    dialled?: string | readonly string[],
  ): void {
    const publicKey = channel.remoteStaticPublicKey.slice();
    const peerId = peerIdFromPublicKey(publicKey);
    // What outlives a connection (pending messages, seen ids) and the connection it replaces
    // belong to one full key: another key whose 64-bit id collides gets none of it.
    const held = this.#peers.get(peerId)?.publicKey ?? this.#o.known.get(peerId)?.publicKey;
    if (held && !constantTimeEqual(held, publicKey)) {
      this.#o.log(`${remote}: refused a key whose peer id collides with another peer's`);
      channel.destroy();
      if (role === 'joiner') {
        this.#o.emit({
          event: 'disconnected',
          peer: peerId,
          reason: 'refused',
          message: "This host's key has the same peer id as another peer's key: refused.",
        });
      }
      return;
    }
    const previous = this.#peers.get(peerId)?.connection;
    if (previous) {
      // The same key connected again (e.g. after a cut): the new connection wins.
      this.#o.log(`${remote} replaces the earlier connection of the same peer`);
      previous.abort('replaced', 'The peer connected again.');
      previous.destroy();
    }
    // Looked up only now: closing the previous connection may have freed the peer's memory,
    // and a connection hung on a freed memory would be invisible (uncounted, unreachable).
    const memory = this.#memory(peerId, publicKey);
    const session = new Session({
      role,
      hello: {
        name: this.#o.name(),
        client: this.#o.clientName,
        version: this.#o.clientVersion,
      },
      now: this.#o.now(),
      keepAliveMs: this.#o.keepAliveMs,
      idleTimeoutMs: this.#o.idleTimeoutMs,
      helloTimeoutMs: this.#o.helloTimeoutMs,
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
      ...(path ? { path } : {}),
      ...(remoteHost !== undefined ? { remoteHost } : {}),
      ...(dialled !== undefined ? { dialled } : {}),
      invited,
      byCode,
      code:
        'hostNonce' in secret
          ? verificationCode(concatBytes(channel.handshakeHash, secret.hostNonce))
          : '',
      fingerprint: fingerprint(publicKey),
      clock: this.#o.now,
      deadlines: this.#deadlines,
      hooks: this.#connectionHooks,
    });
    memory.connection = connection;
    this.#secrets.set(connection, secret);
    connection.start();
  }

  readonly #sessionEventHandlers: {
    [T in SessionEvent['type']]: (c: PeerConnection, e: Extract<SessionEvent, { type: T }>) => void;
  } = {
    hello: (c, e) => this.#onHello(c, e.hello),
    active: (c) => this.#announce(c),
    message: (c, e) =>
      this.#o.emit({ event: 'message', peer: c.peerId, id: e.id, text: e.text, at: e.at }),
    delivered: (c, e) => this.#o.emit({ event: 'delivered', peer: c.peerId, id: e.id }),
    typing: (c, e) => {
      if (c.approved) this.#o.emit({ event: 'typing', peer: c.peerId, state: e.state });
    },
    file: (c, e) => {
      if (c.announced) this.#o.files.onMessage(c.peerId, e.message);
    },
    'file-chunk': (c, e) => {
      if (c.announced) this.#o.files.onChunk(c.peerId, e.chunk);
    },
    smp: (c, e) => {
      if (c.announced) this.#questions.receive(c, e.tlv);
    },
    closed: (c, e) => this.#onClosed(c, e),
  };

  #onHello(c: PeerConnection, hello: HelloMessage): void {
    const intro = introduce(this.#o.known.book, c.publicKey, hello.name, c.role);
    c.recordIntroduction(intro);
    if (c.role === 'joiner' && !this.#openHostCommitment(c, hello.nonce)) return;
    // Known peers and invite holders skip the strangers' gate: a flood never slows them.
    if (c.role === 'host' && !intro.known && !c.invited && !this.#admitStranger(c)) return;
    const { name, keyChangedFrom } = intro;
    if (intro.claimedNameOfAnother !== undefined) {
      this.#o.log(
        `${c.remote}: a known peer calls itself "${intro.claimedNameOfAnother}", the name of another known peer; shown as "${name}"`,
      );
    }
    if (intro.looksLike) {
      this.#o.log(
        `${c.remote}: a new key calls itself "${name}", which looks like the known peer "${intro.looksLike.name}"`,
      );
    }
    if (keyChangedFrom) {
      this.#o.log(`${c.remote}: "${name}" comes with a different key than before`);
      this.#o.emit({
        event: 'key-changed',
        peer: c.peerId,
        name,
        old: fingerprint(keyChangedFrom.publicKey),
        new: c.fingerprint,
      });
    }
    const details = { peer: c.peerId, name, fingerprint: c.fingerprint, code: c.code };
    if (intro.decision === 'ask') {
      // Only with the request shown (the event right below) does the joiner learn our nonce,
      // and so the code: every try of a man in the middle is a request the user sees. Sent
      // first, so that a front end may accept from inside its event handler.
      const secret = this.#secrets.get(c);
      if (c.role === 'host' && secret && 'hostNonce' in secret) {
        // Revealed once: an idle session need not keep it.
        this.#secrets.delete(c);
        c.introduceSelf(toHex(secret.hostNonce));
      }
      this.#o.emit({
        event: 'request',
        ...details,
        known: intro.known,
        invited: c.invited,
        keyChanged: keyChangedFrom !== undefined,
        ...(intro.looksLike ? { looksLike: intro.looksLike.name } : {}),
      });
      return;
    }
    c.approve();
    this.#o.emit({ event: 'waiting', ...details, known: intro.known });
  }

  /**
   * Joiner: checks that the host's hello opens the commitment of msg2 and derives the code;
   * otherwise ends the session (false).
   */
  #openHostCommitment(c: PeerConnection, nonceHex: string | undefined): boolean {
    const secret = this.#secrets.get(c);
    // Opened (or not) once: an idle session need not keep it.
    this.#secrets.delete(c);
    const nonce = nonceHex === undefined ? undefined : fromHex(nonceHex);
    if (
      secret &&
      'hostCommit' in secret &&
      nonce &&
      hostCommitmentOpens(secret.hostCommit, c.publicKey, nonce)
    ) {
      c.code = verificationCode(concatBytes(c.channel.handshakeHash, nonce));
      return true;
    }
    this.#o.log(`${c.remote}: the host's hello does not open its handshake commitment`);
    c.close(
      'protocol-error',
      "The host's hello did not match its handshake: the connection may be tampered with.",
    );
    return false;
  }

  /**
   * Host: asks the strangers' gate whether this request may be shown; a refused one is told
   * `busy` and ends without ever being shown (false).
   */
  #admitStranger(c: PeerConnection): boolean {
    const decision = this.#o.admitStranger?.(c.remoteHost);
    if (!decision || decision.ok) {
      c.releaseGate = decision?.ticket.release;
      return true;
    }
    if (decision.warning !== undefined) {
      this.#o.log(`warning: ${decision.warning}`);
      this.#o.emit({ event: 'warning', kind: 'request-flood', message: decision.warning });
    }
    c.close('busy', 'The host is not taking requests from new peers right now.');
    return false;
  }

  /** Emits `connected` once the session is active and our side approved it. */
  #announce(c: PeerConnection): void {
    if (c.announced || !c.approved || c.state !== 'active') return;
    c.markAnnounced();
    const name = c.name ?? '';
    const peer = {
      publicKey: c.publicKey,
      name,
      now: this.#o.now(),
      // Only the joiner's side of an invite is a check (the invite pinned the host's key); on
      // the host an invite join is "joined with your invite": anyone who saw the invite could
      // redeem it, so the code comparison is still what verifies the peer.
      invited: c.invited && c.role === 'joiner',
      byCode: c.byCode,
      ...(c.keyChangedFrom ? { keyChangedFrom: c.keyChangedFrom } : {}),
      ...(c.dialled !== undefined ? { dialled: c.dialled } : {}),
    };
    this.#o.known.update((book) => rememberConnected(book, peer));
    const verification = this.#o.known.get(c.peerId)?.verification ?? 'unverified';
    this.#o.log(`connected with ${c.remote}`);
    this.#o.emit({
      event: 'connected',
      peer: c.peerId,
      name,
      fingerprint: c.fingerprint,
      code: c.code,
      verified: verification !== 'unverified',
      verification,
      ...(verification === 'unverified' ? {} : { verifiedBy: VERIFIED_BY[verification] }),
      ...(c.path ? { path: c.path, remoteAddress: c.remote } : {}),
    });
    // Only now does the user see (and the peer get receipts for) what a changed key sent.
    c.release();
    this.#o.files.resume(c.peerId);
  }

  /** The link file transfers use: the peer's announced, active session with the `file` capability. */
  fileLink(peer: PeerId): FileLink | undefined {
    const c = this.#peers.get(peer)?.connection;
    if (!c?.announced || c.state !== 'active' || !c.filesEnabled) return undefined;
    return c.fileLink;
  }

  /** The peer a command without `peer` means (see {@link send}). */
  resolvePeer(peer: PeerId | undefined): PeerId {
    return peer ?? this.#onlyPeer();
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
    // Nothing to remember (e.g. a stranger who never chatted): free it, so a stream of fresh
    // keys cannot grow the table without bound.
    if (memory && !memory.connection && memory.pending.length === 0 && memory.seen.size === 0) {
      this.#peers.delete(c.peerId);
    }
    if (c.announced) {
      const now = this.#o.now();
      this.#o.known.update((book) => rememberLastSeen(book, c.peerId, c.publicKey, now));
    }
    this.#o.log(`session with ${c.remote} ended: ${e.reason}`);
    if (c.role === 'host') {
      c.releaseGate?.();
      // A stranger that was turned away, abandoned its request or never said hello counts
      // against its source, like a failed handshake (not when we closed: quitting, or busy).
      const ours = e.reason === 'quit' || e.reason === 'busy' || e.reason === 'replaced';
      if (!c.approved && !c.known && !c.invited && !ours) this.#o.strangerFailed?.(c.remoteHost);
    }
    // A request never shown to the user (no hello yet, or turned away): nothing to report.
    if (c.role === 'host' && !c.selfIntroduced) return;
    if (e.undelivered.length > 0) {
      this.#o.emit({ event: 'undelivered', peer: c.peerId, ids: e.undelivered.map((m) => m.id) });
    }
    if (c.role === 'joiner' && c.byCode && !c.introduced && e.reason === 'closed') {
      // The host closed right after our msg3: the CPace run gave it another psk, so msg3 did
      // not authenticate (a mistyped, used or burnt code, or someone in the middle).
      const { reason, message } = JOIN_FAILURES['code-refused'];
      this.#o.emit({ event: 'disconnected', peer: c.peerId, reason, message });
      return;
    }
    this.#o.emit({ event: 'disconnected', peer: c.peerId, reason: e.reason, message: e.message });
  }

  /**
   * Host: lets a requesting peer in. Joiner: confirms a host whose key changed.
   * @throws {EngineCommandError} `ERR_NO_SUCH_PEER`, `ERR_NOTHING_TO_ACCEPT`, `ERR_CONFIRM_KEY_CHANGE`.
   */
  accept(peer: PeerId, confirmKeyChange: boolean): void {
    const c = this.#live(peer);
    if (c.approved) {
      throw new EngineCommandError(
        'ERR_NOTHING_TO_ACCEPT',
        'There is no request from this peer to accept.',
      );
    }
    if (c.state === 'hello') {
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
    c.approve();
    if (c.role === 'host') {
      c.releaseGate?.();
      c.accept();
      return;
    }
    // A joiner that confirmed a changed host key: now wait for the host, or go on if it said yes.
    if (c.state === 'active') this.#announce(c);
    else {
      const name = c.name ?? '';
      this.#o.emit({
        event: 'waiting',
        peer: c.peerId,
        name,
        fingerprint: c.fingerprint,
        code: c.code,
        known: c.known,
      });
    }
  }

  /**
   * Host: turns a requesting peer away (it is told). Joiner: refuses a changed host key.
   * @throws {EngineCommandError} `ERR_NO_SUCH_PEER`, `ERR_NOTHING_TO_REJECT`.
   */
  reject(peer: PeerId): void {
    const c = this.#live(peer);
    if (c.approved) {
      throw new EngineCommandError(
        'ERR_NOTHING_TO_REJECT',
        'There is no request from this peer to reject.',
      );
    }
    if (c.role === 'host' && c.state === 'deciding') c.reject();
    else c.close('rejected', 'You refused the changed key.');
  }

  /**
   * Sends a chat text, or queues it for a known peer that is offline.
   * @throws {EngineCommandError} `ERR_NO_SUCH_PEER`, `ERR_CONFIRM_KEY_CHANGE`, `ERR_QUEUE_FULL`
   *   ({@link MAX_PENDING_MESSAGES} already waiting); {@link InvalidTextError}.
   */
  send(peer: PeerId | undefined, text: string): void {
    const id = peer ?? this.#onlyPeer();
    const memory = this.#peers.get(id) ?? this.#rememberedMemory(id);
    const c = memory.connection;
    const live = c !== undefined && !c.ended;
    if ((live ? c.pendingCount : memory.pending.length) >= MAX_PENDING_MESSAGES) {
      throw new EngineCommandError(
        'ERR_QUEUE_FULL',
        `${MAX_PENDING_MESSAGES} messages to this peer are already waiting for delivery. Wait until it has received them.`,
      );
    }
    if (live) {
      if (c.role === 'joiner' && !c.approved && (c.keyChangedFrom || c.looksLike)) {
        throw new EngineCommandError(
          'ERR_CONFIRM_KEY_CHANGE',
          "Confirm this peer's changed key before sending.",
        );
      }
      const sent = c.send(text);
      this.#o.emit({
        event: 'sent',
        peer: id,
        id: sent.id,
        text,
        at: sent.at,
        queued: sent.queued,
      });
      return;
    }
    checkChatText(text);
    const message = { id: newMessageId(), text, at: this.#o.now() };
    memory.pending.push(message);
    this.#o.emit({ event: 'sent', peer: id, id: message.id, text, at: message.at, queued: true });
  }

  /** Tells a connected peer our typing state; silently ignored when there is no such peer. */
  typing(peer: PeerId | undefined, state: TypingState): void {
    // Keystrokes arrive whether or not anyone is there: no peer is not worth an error.
    const open = [...this.#peers.values()].filter((m) => m.connection?.approved);
    const c =
      peer === undefined
        ? open.length === 1
          ? open[0]!.connection
          : undefined
        : this.#peers.get(peer)?.connection;
    if (c?.approved) c.setTyping(state);
  }

  /**
   * Records that the verification code was compared with a connected peer.
   * @throws {EngineCommandError} `ERR_NO_SUCH_PEER`.
   */
  verify(peer: PeerId): void {
    const c = this.#peers.get(peer)?.connection;
    if (!c?.announced) {
      throw noSuchPeer('Verify a peer while connected to it, after comparing the code with them.');
    }
    this.#o.known.update((book) => markVerified(book, peer, 'code', c.publicKey));
    this.#o.emit({ event: 'verified', peer, verification: 'code' });
  }

  /**
   * Asks a connected peer a question (SMP); `answer` is our own answer.
   * @throws {EngineCommandError} `ERR_NO_SUCH_PEER`, `ERR_SMP_UNSUPPORTED`, `ERR_BAD_QUESTION`.
   */
  ask(peer: PeerId, question: string, answer: string): void {
    this.#questions.ask(this.#connected(peer), question, answer);
  }

  /**
   * Answers the question a connected peer asked.
   * @throws {EngineCommandError} `ERR_NO_SUCH_PEER`, `ERR_NOTHING_TO_ANSWER`, `ERR_BAD_QUESTION`.
   */
  answer(peer: PeerId, answer: string): void {
    this.#questions.answer(this.#connected(peer), answer);
  }

  /** A peer we are talking to right now (`connected` was announced). */
  #connected(peer: PeerId): PeerConnection {
    const c = this.#peers.get(peer)?.connection;
    if (!c?.announced || c.state !== 'active') {
      throw noSuchPeer('Ask or answer a question while connected to this peer.');
    }
    return c;
  }

  /**
   * Ends one conversation with a goodbye.
   * @throws {EngineCommandError} `ERR_NO_SUCH_PEER`.
   */
  disconnect(peer: PeerId): void {
    const c = this.#live(peer);
    c.close('closed', 'You ended the conversation.');
  }

  // ---- helpers ----------------------------------------------------------------------------

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
    const known = this.#o.known.get(peerId);
    if (!known) throw noSuchPeer();
    return this.#memory(peerId, known.publicKey);
  }

  #live(peer: PeerId): PeerConnection {
    const c = this.#peers.get(peer)?.connection;
    if (!c || c.ended) throw noSuchPeer('There is no open conversation with this peer.');
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
}
