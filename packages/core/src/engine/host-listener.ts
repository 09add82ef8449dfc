/**
 * The host's door: accepts byte streams from the transport, enforces the limits (pending
 * handshakes, connections per address, sessions), answers the prelude (invite lookup, msg2
 * status) and hands each completed handshake to the chat node. Junk, slow and refused
 * connections are dropped with one log line each and never touch established sessions. A source
 * whose handshakes keep failing after the prelude is refused at accept time for a cooldown
 * (`failure-limiter.ts`), which bounds how fast a man in the middle can retry for a matching
 * verification code.
 * @module
 */
import type { Duplex } from 'node:stream';
import type { SecureChannelFactory, SecureConnection } from '../adapters/secure-connection.js';
import {
  type ConnectionHandler,
  formatAddress,
  type Listener,
  type ListenOptions,
  type RemoteAddress,
  type Transport,
} from '../adapters/transport.js';
import { encodeHandshakeStatus, type HandshakeStatus } from '../channel/handshake-status.js';
import type { Prelude } from '../channel/prelude.js';
import {
  fromHex,
  type KeyPair,
  type PreparedPrivateKey,
  randomBytes,
  toHex,
} from '../crypto/index.js';
import type { InviteBook } from '../identity/invite-book.js';
import { MAX_SESSION_MESSAGE_BYTES } from '../session/messages.js';
import { FailureLimiter } from './failure-limiter.js';
import type { HostLimits } from './limits.js';

/** A handshake the host completed. */
export interface AcceptedChannel {
  channel: SecureConnection;
  remote: RemoteAddress;
  /** The peer redeemed one of our invites. */
  invited: boolean;
  /** Which listener it came through. */
  via: 'tcp' | 'dht';
}

/** What the listener needs from the chat node. */
export interface HostListenerOptions {
  transport: Transport;
  secure: SecureChannelFactory;
  keyPair: KeyPair;
  /** `keyPair.privateKey` prepared once for every handshake. */
  preparedKey?: PreparedPrivateKey;
  limits: HostLimits;
  handshakeTimeoutMs: number;
  invites: InviteBook;
  clock: () => number;
  /** Sessions now open (requests included), for `maxSessions`. */
  sessionCount: () => number;
  /**
   * Ends the oldest session whose peer has not introduced itself yet, to make room for a
   * newcomer when the sessions are full; false when there is none.
   */
  makeRoom?: () => boolean;
  onChannel: (accepted: AcceptedChannel) => void;
  log: (line: string) => void;
}

/** Log text for each refused msg2 status. */
const REFUSAL_LOG: Record<Exclude<HandshakeStatus, 'ok'>, string> = {
  'invite-unknown': 'an unknown invite (never made here, withdrawn, or forged)',
  'invite-expired': 'an expired invite',
  'invite-used': 'an invite that was already used',
  busy: 'no room: the maximum number of sessions is reached',
};

/** Listens for joiners; see the module documentation. */
export class HostListener {
  readonly #o: HostListenerOptions;
  #listener: Listener | undefined;
  /** Listeners on other transports (the DHT), closed with the first. */
  readonly #extra: Listener[] = [];
  readonly #perAddress = new Map<string, number>();
  /** Invite ids (hex) whose handshake is in progress: a second concurrent use is refused. */
  readonly #reserved = new Set<string>();
  /** Streams in their handshake, oldest first, with their address for log lines. */
  readonly #streams = new Map<Duplex, string>();
  /** Handshakes that failed after the prelude, per source: over budget, refused at accept. */
  readonly #failures: FailureLimiter;

  constructor(options: HostListenerOptions) {
    this.#o = options;
    this.#failures = new FailureLimiter(options.limits);
  }

  /** The bound address, once listening. */
  get address(): { host: string; port: number } | undefined {
    return this.#listener?.address;
  }

  /** Handshakes in progress (for tests and diagnostics). */
  get pendingHandshakes(): number {
    return this.#streams.size;
  }

  /**
   * Starts listening.
   * @throws the transport's errors (`ERR_ADDRESS_IN_USE`, `ERR_BAD_ADDRESS`, …).
   */
  async listen(host: string | undefined, port: number): Promise<{ host: string; port: number }> {
    const options = host === undefined ? { port } : { host, port };
    this.#listener = await this.#o.transport.listen(options, (stream, remote) =>
      this.#onConnection(stream, remote, 'tcp'),
    );
    return this.#listener.address;
  }

  /**
   * Also accepts joiners through another transport (the DHT), with the same limits, invites
   * and failure budget. Call after {@link listen}.
   */
  async addListener<O extends ListenOptions>(
    transport: { listen(options: O, onConnection: ConnectionHandler): Promise<Listener> },
    options: O,
  ): Promise<Listener> {
    const listener = await transport.listen(options, (stream, remote) =>
      this.#onConnection(stream, remote, 'dht'),
    );
    if (!this.#listener) {
      await listener.close();
      throw new Error('the host listener was closed meanwhile');
    }
    this.#extra.push(listener);
    return listener;
  }

  /** Stops accepting and drops connections still in their handshake. */
  async close(): Promise<void> {
    const listener = this.#listener;
    this.#listener = undefined;
    for (const stream of this.#streams.keys()) stream.destroy();
    await listener?.close();
    for (const extra of this.#extra.splice(0)) await extra.close();
  }

  #onConnection(stream: Duplex, remote: RemoteAddress, via: 'tcp' | 'dht'): void {
    const where = formatAddress(remote);
    const { limits } = this.#o;
    // Errors on a stream we drop must not become uncaught exceptions.
    stream.on('error', () => {});
    const admission = this.#failures.admit(remote.host, this.#o.clock());
    if (!admission.ok) {
      // Before any crypto: one log line per cooldown, not per connection.
      if (admission.log !== undefined) this.#o.log(admission.log);
      stream.destroy();
      return;
    }
    const fromAddress = this.#perAddress.get(remote.host) ?? 0;
    if (fromAddress >= limits.maxPerAddress) {
      this.#o.log(
        `dropped connection from ${where}: ${fromAddress} connections already open from ${remote.host}`,
      );
      stream.destroy();
      return;
    }
    if (this.#streams.size >= limits.maxPendingHandshakes) {
      // Drop the oldest handshake, not the newcomer: an honest handshake takes milliseconds,
      // so the oldest is the likeliest to be a slow or silent one, and a flood of them cannot
      // lock real joiners out until the handshake timeout.
      const [oldest, oldestWhere] = this.#streams.entries().next().value!;
      this.#o.log(
        `dropped the oldest pending handshake (from ${oldestWhere}): ${this.#streams.size} handshakes pending`,
      );
      this.#streams.delete(oldest);
      oldest.destroy();
    }
    this.#perAddress.set(remote.host, fromAddress + 1);
    this.#streams.set(stream, where);
    stream.once('close', () => {
      const left = (this.#perAddress.get(remote.host) ?? 1) - 1;
      if (left > 0) this.#perAddress.set(remote.host, left);
      else this.#perAddress.delete(remote.host);
    });
    let reserved: string | undefined;
    let invited = false;
    let refused = false;
    /** The prelude was answered: from here on a failure cost the host Diffie-Hellman work. */
    let answered = false;
    /** Refused as `busy`: the host's state, not the peer's doing, so it does not count. */
    let busy = false;
    const release = () => {
      if (reserved !== undefined) this.#reserved.delete(reserved);
      reserved = undefined;
    };
    this.#o.secure
      .respond(stream, {
        staticKeyPair: this.#o.keyPair,
        ...(this.#o.preparedKey ? { preparedStaticKey: this.#o.preparedKey } : {}),
        handshakeTimeoutMs: this.#o.handshakeTimeoutMs,
        maxMessageBytes: MAX_SESSION_MESSAGE_BYTES,
        onPrelude: (prelude) => {
          const answer = this.#answerPrelude(prelude, where);
          reserved = answer.reserved;
          invited = answer.reserved !== undefined;
          refused = answer.reply.close === true;
          busy = answer.busy === true;
          answered = true;
          return answer.reply;
        },
      })
      .then(
        (channel) => {
          this.#streams.delete(stream);
          if (reserved !== undefined) this.#o.invites.markUsed(fromHex(reserved), this.#o.clock());
          release();
          if (!this.#listener) {
            channel.destroy();
            return;
          }
          try {
            this.#o.onChannel({ channel, remote, invited, via });
          } catch (error) {
            // Thrown here it would be an unhandled rejection, which ends the process.
            this.#o.log(`starting the session with ${where} failed: ${(error as Error)?.message}`);
            channel.destroy();
          }
        },
        (error: unknown) => {
          this.#streams.delete(stream);
          release();
          // Refusals were logged when the prelude was answered.
          if (!refused) {
            const code = (error as { code?: unknown } | undefined)?.code;
            this.#o.log(`handshake from ${where} failed: ${String(code ?? 'unknown error')}`);
          }
          stream.destroy();
          // Every handshake that got past the prelude and did not complete counts (decrypt
          // failure, commitment mismatch, timeout, close before msg3, a refused invite), except
          // a busy host's refusal and the host's own closing.
          if (answered && !busy && this.#listener) {
            for (const line of this.#failures.recordFailure(remote.host, this.#o.clock())) {
              this.#o.log(line);
            }
          }
        },
      );
  }

  #answerPrelude(
    prelude: Prelude,
    where: string,
  ): {
    reply: { psk?: Uint8Array; payload: Uint8Array; close?: boolean };
    reserved?: string;
    busy?: boolean;
  } {
    const refuse = (status: Exclude<HandshakeStatus, 'ok'>) => {
      this.#o.log(`refused ${where}: ${REFUSAL_LOG[status]}`);
      // A random psk: the handshake can never complete, yet msg2 carries the status.
      const psk = prelude.mode === 'XXpsk3' ? randomBytes(32) : undefined;
      const reply = { payload: encodeHandshakeStatus(status), close: true };
      return { reply: psk ? { ...reply, psk } : reply };
    };
    // Sessions whose peer never said hello were never shown to anyone: like the oldest pending
    // handshake, such a session gives way, so silent sessions cannot lock real joiners out.
    if (this.#o.sessionCount() >= this.#o.limits.maxSessions && !this.#o.makeRoom?.()) {
      return { ...refuse('busy'), busy: true };
    }
    if (prelude.mode !== 'XXpsk3' || prelude.inviteId === undefined) {
      return { reply: { payload: encodeHandshakeStatus('ok') } };
    }
    const found = this.#o.invites.lookup(prelude.inviteId, this.#o.clock());
    const id = toHex(prelude.inviteId);
    if (found.status === 'unknown') return refuse('invite-unknown');
    if (found.status === 'expired') return refuse('invite-expired');
    if (found.status === 'used' || this.#reserved.has(id)) return refuse('invite-used');
    this.#reserved.add(id);
    return { reply: { psk: found.secret, payload: encodeHandshakeStatus('ok') }, reserved: id };
  }
}
