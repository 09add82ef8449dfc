/**
 * The chat session state machine, one per peer: inner messages in, inner messages out plus
 * events, with time passed in as `now`. No sockets, no timers: the engine feeds it bytes from
 * the channel and calls {@link Session.tick} at {@link Session.nextDeadline}.
 *
 * States: `hello` (waiting for the peer's hello) → host: `deciding` (the local user accepts
 * or rejects) / joiner: `awaiting-accept` (the host decides) → `active` → `closed`.
 *
 * The joiner sends its hello at {@link Session.start}; the host sends its own only when the
 * engine shows the joiner's request ({@link Session.introduce}), with the nonce that completes
 * the verification code: a scanner learns nothing about the host, and a man in the middle
 * learns the host's code only by making a request the host's user sees.
 * @module
 */
import { randomPublicHex } from '../crypto/index.js';
import { CryptullyError } from '../errors.js';
import { decodeChunk, type FileChunk, isChunk } from '../files/transfer-wire.js';
import type { TypingState } from '../protocol/events.js';
import {
  CAPABILITIES,
  chatTextProblem,
  decodeMessage,
  encodePaddedMessage,
  FILE_CAPABILITY,
  type FileMessage,
  type HelloMessage,
  MAX_REASON_MESSAGE_BYTES,
  MAX_TEXT_BYTES,
  SESSION_PROTOCOL_VERSION,
  type SessionMessage,
  SessionProtocolError,
  utf8LengthOver,
} from './messages.js';
import { SeenIds } from './seen-ids.js';

/** Default interval after which an idle side sends a `ping`. */
export const DEFAULT_KEEP_ALIVE_MS = 15_000;
/** Default time without any message from the peer after which the session is closed. */
export const DEFAULT_IDLE_TIMEOUT_MS = 45_000;
/**
 * Chat messages kept unacknowledged while the session is held (see {@link Session.hold});
 * more are ignored, so the sender reports them undelivered.
 */
export const MAX_HELD_MESSAGES = 256;
/** Default typing events a peer may send in a burst before they are dropped. */
export const DEFAULT_TYPING_BURST = 10;
/** Default sustained rate of typing events accepted from a peer, per second. */
export const DEFAULT_TYPING_PER_SECOND = 5;

/** Which side of the session we are: the host decides whether the joiner may chat. */
export type SessionRole = 'host' | 'joiner';
/** Where the session is in its life. */
export type SessionState = 'hello' | 'deciding' | 'awaiting-accept' | 'active' | 'closed';

/** A chat message sent but not yet acknowledged by a receipt. */
export interface PendingMessage {
  id: string;
  text: string;
  /** When the user sent it (ms since the epoch); unchanged when re-sent. */
  at: number;
}

/**
 * Why a session ended. `goodbye`: the peer left; `rejected`: the host turned us away;
 * `timeout`: the peer went silent; `protocol-error`: a malformed or unsupported message (ours
 * or the peer's); anything else is the local reason given to {@link Session.close} or
 * {@link Session.abort} (e.g. `closed`, `quit`, `decrypt-failed`).
 */
export type CloseReason = 'goodbye' | 'rejected' | 'timeout' | 'protocol-error' | (string & {});

/** What a session tells the engine. */
export type SessionEvent =
  /** The peer's hello arrived: host: ask the user; joiner: we wait for the host. */
  | { type: 'hello'; hello: HelloMessage }
  /** The host accepted: chat may flow (queued messages were just sent). */
  | { type: 'active' }
  /** A chat message, shown exactly once per id. */
  | { type: 'message'; id: string; text: string; at: number }
  /** The peer acknowledged one of our messages. */
  | { type: 'delivered'; id: string }
  /** The peer's typing state changed. */
  | { type: 'typing'; state: TypingState }
  /** A file-transfer message (capability `file`, session active). */
  | { type: 'file'; message: FileMessage }
  /** A file chunk (capability `file`, session active); `data` is a view of the message. */
  | { type: 'file-chunk'; chunk: FileChunk }
  /** An SMP message (an OTR TLV) from the peer, for the engine's SMP machine. */
  | { type: 'smp'; tlv: Uint8Array }
  /**
   * The session is over. `undelivered`: our unacknowledged messages, in order, to keep for
   * the next session with the same peer key. `byPeer`: the peer ended it.
   */
  | {
      type: 'closed';
      reason: CloseReason;
      message: string;
      byPeer: boolean;
      undelivered: PendingMessage[];
    };

/** The result of feeding the session: messages to send (in order) and events. */
export interface SessionStep {
  /** Encoded inner messages to send on the channel, in order. */
  out: Uint8Array[];
  events: SessionEvent[];
}

/** Options of {@link Session}. */
export interface SessionOptions {
  role: SessionRole;
  /** Our hello: display name, client software and version; caps default to {@link CAPABILITIES}. */
  hello: { name: string; client: string; version: string; caps?: readonly string[] };
  /** The current time (ms). */
  now: number;
  keepAliveMs?: number;
  idleTimeoutMs?: number;
  /**
   * How long the peer has to send its hello after {@link Session.start} before the session
   * closes with `timeout` (default: `idleTimeoutMs`). Keeps a silent peer from holding a slot.
   */
  helloTimeoutMs?: number;
  /** Messages left unacknowledged by the previous session with this peer key: re-sent first. */
  pending?: readonly PendingMessage[];
  /** The peer's window of already-shown ids; share one per peer key across sessions. */
  seen?: SeenIds;
  /** Makes message ids (default: 16 random hex digits). */
  newId?: () => string;
  typingBurst?: number;
  typingPerSecond?: number;
  /**
   * Host only: how long a request may wait for the user's decision after the host introduced
   * itself before it expires (goodbye `timeout`). Default: {@link DEFAULT_DECISION_TIMEOUT_MS}.
   */
  decisionTimeoutMs?: number;
}

/** Default time a host's user has to accept or reject a request: five minutes. */
export const DEFAULT_DECISION_TIMEOUT_MS = 5 * 60_000;

/** A method was called in a state where it makes no sense (a programming error). */
export class SessionStateError extends CryptullyError {
  constructor(message: string) {
    super('ERR_SESSION_STATE', message);
  }
}

/**
 * A chat text cannot be sent: `ERR_TEXT_TOO_LONG` over {@link MAX_TEXT_BYTES} bytes,
 * `ERR_BAD_TEXT` for a control character or broken Unicode.
 */
export class InvalidTextError extends CryptullyError {
  constructor(code: 'ERR_TEXT_TOO_LONG' | 'ERR_BAD_TEXT', message: string) {
    super(code, message);
  }
}

/**
 * The one check of a chat text the local user wants to send (sent now, or queued for a peer
 * that is offline): the wire rule of `chat.text`, as a typed error.
 * @throws {InvalidTextError} `ERR_TEXT_TOO_LONG` over {@link MAX_TEXT_BYTES} UTF-8 bytes,
 *   `ERR_BAD_TEXT` for a control character or broken Unicode.
 */
export function checkChatText(text: string): void {
  if (utf8LengthOver(text, MAX_TEXT_BYTES)) {
    throw new InvalidTextError(
      'ERR_TEXT_TOO_LONG',
      `A message can be at most ${MAX_TEXT_BYTES} bytes long.`,
    );
  }
  if (chatTextProblem(text) !== undefined) {
    throw new InvalidTextError(
      'ERR_BAD_TEXT',
      'A message cannot contain control characters or broken Unicode.',
    );
  }
}

interface OutgoingMessage extends PendingMessage {
  transmitted: boolean;
}

const utf8 = new TextEncoder();

/** A fresh chat message id: 16 random hex digits (64 bits). */
export function newMessageId(): string {
  return randomPublicHex(8);
}

/** Makes a peer-supplied sentence safe for display and logs, and cuts it to 200 code points. */
function clip(text: string | undefined, fallback: string): string {
  // The wire already refuses control characters; format characters (bidi overrides,
  // zero-width spaces) could still make the sentence read as something else.
  const visible = text?.replace(/\p{Cf}/gu, '').trim() ?? '';
  if (visible.length === 0) return fallback;
  const points = Array.from(visible); // cut between code points, never inside a pair
  return points.length > 200 ? `${points.slice(0, 200).join('')}…` : visible;
}

/** The session state machine; see the module documentation. */
export class Session {
  readonly role: SessionRole;
  #state: SessionState = 'hello';
  #peerHello: HelloMessage | undefined;
  readonly #ourHello: HelloMessage;
  readonly #keepAliveMs: number;
  readonly #idleTimeoutMs: number;
  readonly #helloTimeoutMs: number;
  #helloDeadline = Number.POSITIVE_INFINITY;
  readonly #decisionTimeoutMs: number;
  #decisionDeadline = Number.POSITIVE_INFINITY;
  /** Host: our hello was sent (the request is shown). Joiner: always true once started. */
  #introduced = false;
  readonly #seen: SeenIds;
  readonly #newId: () => string;
  readonly #outgoing: OutgoingMessage[];
  #lastSentAt: number;
  #lastReceivedAt: number;
  #typingSent: TypingState = 'idle';
  #typingReceived: TypingState = 'idle';
  #typingTokens: number;
  #typingRefilledAt: number;
  readonly #typingBurst: number;
  readonly #typingPerMs: number;
  #started = false;
  #holding = false;
  /** Made on first use: most sessions are never held. */
  #held: Array<{ id: string; text: string; at: number }> | undefined;

  constructor(options: SessionOptions) {
    this.role = options.role;
    this.#ourHello = {
      t: 'hello',
      v: SESSION_PROTOCOL_VERSION,
      name: options.hello.name,
      client: options.hello.client,
      version: options.hello.version,
      // The frozen default list is shared by every session (encoding copies it anyway).
      caps: (options.hello.caps === undefined ? CAPABILITIES : [...options.hello.caps]) as string[],
    };
    this.#keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#helloTimeoutMs = options.helloTimeoutMs ?? this.#idleTimeoutMs;
    this.#decisionTimeoutMs = options.decisionTimeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS;
    this.#seen = options.seen ?? new SeenIds();
    this.#newId = options.newId ?? newMessageId;
    this.#outgoing = (options.pending ?? []).map((m) => ({ ...m, transmitted: false }));
    this.#lastSentAt = options.now;
    this.#lastReceivedAt = options.now;
    this.#typingBurst = options.typingBurst ?? DEFAULT_TYPING_BURST;
    this.#typingPerMs = (options.typingPerSecond ?? DEFAULT_TYPING_PER_SECOND) / 1000;
    this.#typingTokens = this.#typingBurst;
    this.#typingRefilledAt = options.now;
  }

  /** The current state. */
  get state(): SessionState {
    return this.#state;
  }

  /** The peer's hello, once it arrived. */
  get peerHello(): HelloMessage | undefined {
    return this.#peerHello;
  }

  /** Our messages not yet acknowledged, in order (copies). */
  get pending(): PendingMessage[] {
    return this.#outgoing.map(({ id, text, at }) => ({ id, text, at }));
  }

  /** How many of our messages wait for a receipt (queued ones included). */
  get pendingCount(): number {
    return this.#outgoing.length;
  }

  /** Host: whether our hello went out (see {@link introduce}). Joiner: whether it started. */
  get introduced(): boolean {
    return this.#introduced;
  }

  /**
   * Starts the session, once, right after the channel is established. A joiner sends its
   * hello now; a host waits for the joiner's and introduces itself later ({@link introduce}).
   * @throws {SessionStateError} when called twice.
   */
  start(now: number): SessionStep {
    if (this.#started) throw new SessionStateError('the session has already started');
    this.#started = true;
    this.#helloDeadline = now + this.#helloTimeoutMs;
    const step = newStep();
    if (this.role === 'joiner') {
      this.#introduced = true;
      this.#emit(step, this.#ourHello, now);
    }
    return step;
  }

  /**
   * Host only: sends our hello, revealing `nonce` (the host nonce of msg2's commitment), once
   * the joiner's request is shown to the user; starts the decision timeout.
   * @throws {SessionStateError} unless the session is `deciding` and not yet introduced.
   */
  introduce(now: number, nonce: string): SessionStep {
    this.#expectState('deciding', 'introduce');
    if (this.role !== 'host' || this.#introduced) {
      throw new SessionStateError('only a host introduces itself, once');
    }
    this.#introduced = true;
    this.#decisionDeadline = now + this.#decisionTimeoutMs;
    const step = newStep();
    this.#emit(step, { ...this.#ourHello, nonce }, now);
    return step;
  }

  /**
   * Feeds one inner message received from the channel. A malformed message, or one that
   * makes no sense in the current state, sends an `error` and closes the session.
   */
  receive(bytes: Uint8Array, now: number): SessionStep {
    const step = newStep();
    if (this.#state === 'closed') return step;
    this.#lastReceivedAt = now;
    try {
      if (isChunk(bytes)) {
        this.#expectFiles('a file chunk');
        if (!this.#holding) step.events.push({ type: 'file-chunk', chunk: decodeChunk(bytes) });
        return step;
      }
      const decoded = decodeMessage(bytes);
      if (decoded.kind === 'ignored') return step;
      this.#handle(decoded.message, step, now);
    } catch (error) {
      if (!(error instanceof SessionProtocolError)) throw error;
      this.#fail(step, error.code, error.message, now);
    }
    return step;
  }

  /**
   * Host only: lets the peer in after its hello. Queued messages are sent right after.
   * @throws {SessionStateError} unless the session is `deciding`.
   */
  accept(now: number): SessionStep {
    this.#expectState('deciding', 'accept');
    if (!this.#introduced) throw new SessionStateError('cannot accept before introducing');
    const step = newStep();
    this.#emit(step, { t: 'accept' }, now);
    this.#activate(step, now);
    return step;
  }

  /**
   * Host only: turns the peer away, telling it why; the session closes.
   * @throws {SessionStateError} unless the session is `deciding`.
   */
  reject(now: number, message = 'The host declined your request.'): SessionStep {
    this.#expectState('deciding', 'reject');
    const step = newStep();
    this.#emit(step, { t: 'reject', reason: 'rejected', message: clipBytes(message) }, now);
    this.#closeWith(step, 'rejected', 'You rejected the request.', false);
    return step;
  }

  /**
   * Sends a chat text; before the session is active it is queued and sent on activation.
   * @returns the new message id, whether it was queued, and the step.
   * @throws {InvalidTextError} for a text that cannot be sent; {@link SessionStateError} once closed.
   */
  send(text: string, now: number): { id: string; queued: boolean; step: SessionStep } {
    if (this.#state === 'closed') throw new SessionStateError('the session is closed');
    checkChatText(text);
    const step = newStep();
    const message: OutgoingMessage = { id: this.#newId(), text, at: now, transmitted: false };
    this.#outgoing.push(message);
    const queued = this.#state !== 'active' || this.#holding;
    if (!queued) {
      this.#transmit(step, message, now);
      // The peer treats a message as the end of our typing: the next keystroke is news again.
      this.#typingSent = 'idle';
    }
    return { id: message.id, queued, step };
  }

  /**
   * Holds the conversation back: incoming chat is kept, not shown and NOT acknowledged, and
   * our queued messages are not sent, until {@link release}. For a peer whose changed key the
   * user has not confirmed yet: if the user never does, the sender reports those messages
   * undelivered, as they were, and nothing we wrote reached the unconfirmed key.
   */
  hold(): void {
    this.#holding = true;
  }

  /** Shows and acknowledges what {@link hold} kept back, sends what it queued, stops holding. */
  release(now: number): SessionStep {
    const step = newStep();
    this.#holding = false;
    if (this.#state !== 'closed') {
      const held = this.#held ?? [];
      this.#held = undefined;
      for (const message of held) this.#onChat(message, step, now);
    }
    if (this.#state === 'active') {
      for (const message of this.#outgoing) this.#transmit(step, message, now);
    }
    return step;
  }

  /** Whether both hellos listed the `file` capability: file messages may be exchanged. */
  get filesEnabled(): boolean {
    return (
      this.#ourHello.caps.includes(FILE_CAPABILITY) &&
      this.#peerHello?.caps.includes(FILE_CAPABILITY) === true
    );
  }

  /**
   * Sends a file-transfer message.
   * @throws {SessionStateError} unless the session is active and both sides announced `file`.
   */
  sendFile(message: FileMessage, now: number): SessionStep {
    if (this.#state !== 'active' || !this.filesEnabled) {
      throw new SessionStateError('file transfer needs an active session with the file capability');
    }
    const step = newStep();
    this.#emit(step, message, now);
    return step;
  }

  /** Records that something (a file chunk) was sent outside {@link sendFile}: no ping is due. */
  noteSent(now: number): void {
    this.#lastSentAt = now;
  }

  /**
   * Sends an SMP message (an OTR TLV) to the peer.
   * @throws {SessionStateError} outside `active`.
   */
  sendSmp(tlv: Uint8Array, now: number): SessionStep {
    if (this.#state !== 'active')
      throw new SessionStateError('SMP runs in an active session only.');
    const step = newStep();
    this.#emit(step, { t: 'smp', tlv: btoa(String.fromCharCode(...tlv)) }, now);
    return step;
  }

  /** Whether the peer's hello announced a capability (false before its hello). */
  peerCan(capability: string): boolean {
    return this.peerHello?.caps.includes(capability) === true;
  }

  /** Tells the peer our typing state; repeats and sends outside `active` are dropped. */
  setTyping(state: TypingState, now: number): SessionStep {
    const step = newStep();
    if (this.#state !== 'active' || state === this.#typingSent) return step;
    this.#typingSent = state;
    this.#emit(step, { t: 'typing', state }, now);
    return step;
  }

  /** The time at which {@link tick} should next be called (keep-alive or timeout). */
  nextDeadline(): number {
    if (this.#state === 'closed') return Number.POSITIVE_INFINITY;
    return Math.min(
      this.#lastSentAt + this.#keepAliveMs,
      this.#lastReceivedAt + this.#idleTimeoutMs,
      this.#state === 'hello' ? this.#helloDeadline : Number.POSITIVE_INFINITY,
      this.#state === 'deciding' ? this.#decisionDeadline : Number.POSITIVE_INFINITY,
    );
  }

  /** Sends a `ping` when we have been quiet, closes with `timeout` when the peer has. */
  tick(now: number): SessionStep {
    const step = newStep();
    if (this.#state === 'closed') return step;
    if (this.#state === 'hello' && now >= this.#helloDeadline) {
      this.#emit(step, { t: 'goodbye', reason: 'timeout' }, now);
      this.#closeWith(step, 'timeout', 'The peer did not introduce itself in time.', false);
      return step;
    }
    if (this.#state === 'deciding' && now >= this.#decisionDeadline) {
      const minutes = Math.round(this.#decisionTimeoutMs / 60_000);
      this.#emit(
        step,
        { t: 'reject', reason: 'expired', message: 'The request expired before the host decided.' },
        now,
      );
      this.#closeWith(
        step,
        'expired',
        `The request was not answered within ${minutes} min.`,
        false,
      );
      return step;
    }
    if (now - this.#lastReceivedAt >= this.#idleTimeoutMs) {
      const seconds = Math.round(this.#idleTimeoutMs / 1000);
      this.#emit(step, { t: 'goodbye', reason: 'timeout' }, now);
      this.#closeWith(step, 'timeout', `No answer from the peer for ${seconds} s.`, false);
      return step;
    }
    if (now - this.#lastSentAt >= this.#keepAliveMs) this.#emit(step, { t: 'ping' }, now);
    return step;
  }

  /** Ends the session with a goodbye (no-op when already closed). */
  close(reason: string, now: number, message = 'You closed the conversation.'): SessionStep {
    const step = newStep();
    if (this.#state === 'closed') return step;
    this.#emit(step, { t: 'goodbye', reason }, now);
    this.#closeWith(step, reason, message, false);
    return step;
  }

  /** The channel died under us (nothing can be sent): closes with `reason` (no-op if closed). */
  abort(reason: string, message: string): SessionStep {
    const step = newStep();
    if (this.#state !== 'closed') this.#closeWith(step, reason, message, true);
    return step;
  }

  // Data, not branches: which states accept which message, and what it does. One table for
  // every session (static: a per-session table cost ~17 objects, arrays and closures each).
  static readonly #handlers: {
    [T in SessionMessage['t']]: {
      states: readonly SessionState[];
      handle: (
        session: Session,
        message: Extract<SessionMessage, { t: T }>,
        step: SessionStep,
        now: number,
      ) => void;
    };
  } = {
    hello: { states: ['hello'], handle: (s, m, step) => s.#onHello(m, step) },
    accept: {
      states: ['awaiting-accept'],
      handle: (s, _m, step, now) => s.#activate(step, now),
    },
    reject: {
      // A host may turn a joiner away before introducing itself.
      states: ['hello', 'awaiting-accept'],
      handle: (s, m, step) =>
        s.#closeWith(step, 'rejected', clip(m.message, 'The host declined.'), true),
    },
    chat: { states: ['active'], handle: (s, m, step, now) => s.#onChat(m, step, now) },
    typing: { states: ['active'], handle: (s, m, step, now) => s.#onTyping(m.state, step, now) },
    receipt: { states: ['active'], handle: (s, m, step) => s.#onReceipt(m.ids, step) },
    smp: {
      states: ['active'],
      handle: (_s, m, step) =>
        step.events.push({
          type: 'smp',
          tlv: Uint8Array.from(atob(m.tlv), (c) => c.charCodeAt(0)),
        }),
    },
    ping: {
      states: ['hello', 'deciding', 'awaiting-accept', 'active'],
      handle: (s, _m, step, now) => s.#emit(step, { t: 'pong' }, now),
    },
    pong: { states: ['hello', 'deciding', 'awaiting-accept', 'active'], handle: () => {} },
    'file-offer': { states: ['active'], handle: (s, m, step) => s.#onFile(m, step) },
    'file-accept': { states: ['active'], handle: (s, m, step) => s.#onFile(m, step) },
    'file-decline': { states: ['active'], handle: (s, m, step) => s.#onFile(m, step) },
    'file-cancel': { states: ['active'], handle: (s, m, step) => s.#onFile(m, step) },
    'file-ack': { states: ['active'], handle: (s, m, step) => s.#onFile(m, step) },
    'file-received': { states: ['active'], handle: (s, m, step) => s.#onFile(m, step) },
    goodbye: {
      states: ['hello', 'deciding', 'awaiting-accept', 'active'],
      handle: (s, m, step) =>
        s.#closeWith(step, 'goodbye', clip(m.message, 'The peer left.'), true),
    },
    error: {
      states: ['hello', 'deciding', 'awaiting-accept', 'active'],
      handle: (s, m, step) =>
        s.#closeWith(
          step,
          'protocol-error',
          `The peer reported an error: ${clip(m.message, m.code)}`,
          true,
        ),
    },
  };

  #handle(message: SessionMessage, step: SessionStep, now: number): void {
    const handler = Session.#handlers[message.t] as {
      states: readonly SessionState[];
      handle: (session: Session, message: SessionMessage, step: SessionStep, now: number) => void;
    };
    if (!handler.states.includes(this.#state)) {
      throw new SessionProtocolError(
        'ERR_SESSION_MALFORMED',
        `unexpected "${message.t}" message in state ${this.#state}`,
      );
    }
    handler.handle(this, message, step, now);
  }

  #onHello(hello: HelloMessage, step: SessionStep): void {
    this.#peerHello = hello;
    this.#state = this.role === 'host' ? 'deciding' : 'awaiting-accept';
    step.events.push({ type: 'hello', hello });
  }

  #onChat(message: { id: string; text: string; at: number }, step: SessionStep, now: number) {
    if (this.#holding) {
      this.#held ??= [];
      if (this.#held.length < MAX_HELD_MESSAGES) this.#held.push(message);
      return;
    }
    // Always acknowledge, duplicates included: the first receipt may have been lost.
    this.#emit(step, { t: 'receipt', ids: [message.id] }, now);
    if (this.#seen.add(message.id)) {
      step.events.push({ type: 'message', id: message.id, text: message.text, at: message.at });
      // A message ends the peer's typing, as far as the display is concerned.
      this.#typingReceived = 'idle';
    }
  }

  #expectFiles(what: string): void {
    if (this.#state !== 'active' || !this.filesEnabled) {
      throw new SessionProtocolError(
        'ERR_SESSION_MALFORMED',
        `unexpected ${what}: the session is not active with the file capability`,
      );
    }
  }

  #onFile(message: FileMessage, step: SessionStep): void {
    this.#expectFiles(`"${message.t}" message`);
    // A changed key the user has not confirmed yet gets no say over files either.
    if (!this.#holding) step.events.push({ type: 'file', message });
  }

  #onTyping(state: TypingState, step: SessionStep, now: number): void {
    if (this.#holding) return;
    // Token bucket: a flood of typing events is dropped, not forwarded to the UI.
    this.#typingTokens = Math.min(
      this.#typingBurst,
      this.#typingTokens + (now - this.#typingRefilledAt) * this.#typingPerMs,
    );
    this.#typingRefilledAt = now;
    if (this.#typingTokens < 1) return;
    this.#typingTokens -= 1;
    if (state === this.#typingReceived) return;
    this.#typingReceived = state;
    step.events.push({ type: 'typing', state });
  }

  #onReceipt(ids: string[], step: SessionStep): void {
    for (const id of ids) {
      const index = this.#outgoing.findIndex((m) => m.id === id && m.transmitted);
      if (index < 0) continue; // unknown or already acknowledged: harmless
      this.#outgoing.splice(index, 1);
      step.events.push({ type: 'delivered', id });
    }
  }

  #activate(step: SessionStep, now: number): void {
    this.#state = 'active';
    step.events.push({ type: 'active' });
    if (this.#holding) return; // sent by release(), once the user confirmed the peer
    for (const message of this.#outgoing) this.#transmit(step, message, now);
  }

  #transmit(step: SessionStep, message: OutgoingMessage, now: number): void {
    if (message.transmitted) return;
    message.transmitted = true;
    this.#emit(step, { t: 'chat', id: message.id, at: message.at, text: message.text }, now);
  }

  #fail(step: SessionStep, code: string, message: string, now: number): void {
    this.#emit(step, { t: 'error', code, message: clipBytes(message) }, now);
    this.#closeWith(step, 'protocol-error', `The peer broke the protocol: ${message}.`, false);
  }

  #emit(step: SessionStep, message: SessionMessage, now: number): void {
    // Padded to a bucket: frame lengths do not tell typing notices or texts apart.
    step.out.push(encodePaddedMessage(message));
    this.#lastSentAt = now;
  }

  #closeWith(step: SessionStep, reason: CloseReason, message: string, byPeer: boolean): void {
    this.#state = 'closed';
    const undelivered = this.pending;
    step.events.push({ type: 'closed', reason, message, byPeer, undelivered });
  }

  #expectState(state: SessionState, what: string): void {
    if (this.#state !== state) {
      throw new SessionStateError(`cannot ${what} in state ${this.#state}`);
    }
  }
}

function newStep(): SessionStep {
  return { out: [], events: [] };
}

/** Keeps a local sentence within the wire limit of reason messages. */
function clipBytes(text: string): string {
  // Strip control characters (the wire refuses them) and cut by code points, never inside one.
  let points = Array.from(text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' '));
  while (utf8.encode(points.join('')).length > MAX_REASON_MESSAGE_BYTES) {
    points = points.slice(0, -16);
  }
  return points.join('');
}
