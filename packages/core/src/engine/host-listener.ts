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
import { hostCommitment } from '../channel/commitment.js';
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
import { FailureLimiter, failureSource } from './failure-limiter.js';
import type { CodeAnswer, CodeAttemptEnd } from './join-code-door.js';
import type { HostLimits } from './limits.js';

/** A handshake the host completed. */
export interface AcceptedChannel {
  channel: SecureConnection;
  remote: RemoteAddress;
  /** The peer redeemed one of our invites, or our join code. */
  invited: boolean;
  /** The peer joined with our join code (its key is authenticated by the code). */
  byCode: boolean;
  /** Which listener it came through. */
  via: 'tcp' | 'dht';
  /** The nonce msg2 committed to: revealed in our hello once the request is shown. */
  hostNonce: Uint8Array;
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
  /**
   * Refuse TCP joins that name none of our invites right after their prelude, before msg2:
   * a scanner gets no msg2, so not our static key. (DHT joiners passed the DHT firewall,
   * which admits only open invites' and known peers' keys.)
   */
  invitesOnly?: boolean;
  clock: () => number;
  /** Sessions now open (requests included), for `maxSessions`. */
  sessionCount: () => number;
  /**
   * Ends the oldest session whose peer has not introduced itself yet, to make room for a
   * newcomer when the sessions are full; false when there is none.
   */
  makeRoom?: () => boolean;
  onChannel: (accepted: AcceptedChannel) => void;
  /**
   * Someone tried to join with one of our invites that has expired (`id`: its 32 hex digits):
   * the joiner is told `invite-expired`; the host's user may be told too.
   */
  onExpiredInvite?: (id: string) => void;
  /**
   * The join code's door (`join-code-door.ts`): answers preludes of mode `code`. Without it
   * such joiners are refused (`code-unavailable`).
   */
  codes?: { answer(prelude: Prelude, where: string, commit: Uint8Array): CodeAnswer };
  log: (line: string) => void;
}

/** A connection in its handshake. */
interface Pending {
  /** IPv4 address or IPv6 /64 it counts under. */
  source: string;
  host: string;
  where: string;
  /** Its prelude arrived (so the host did Diffie-Hellman work for it). */
  prelude: boolean;
  /** Dropped to make room: while its source held several (`flood`), or alone (`lone`). */
  evicted?: 'flood' | 'lone';
}

/** The window of {@link QUIET_LOG_LINES}. */
const QUIET_LOG_MS = 10_000;
/** Junk lines of one kind written per {@link QUIET_LOG_MS} at most. */
const QUIET_LOG_LINES = 5;

/** Log text for each refused msg2 status. */
const REFUSAL_LOG: Record<Exclude<HandshakeStatus, 'ok'>, string> = {
  'invite-unknown': 'an unknown invite (never made here, withdrawn, or forged)',
  'invite-expired': 'an expired invite',
  'invite-used': 'an invite that was already used',
  busy: 'no room: the maximum number of sessions is reached',
  'code-unavailable': 'a join code, but no code is open here',
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
  /** Streams in their handshake, oldest first. */
  readonly #streams = new Map<Duplex, Pending>();
  /** Handshakes in progress per source. */
  readonly #pendingBySource = new Map<string, number>();
  /** Throttled log lines: when each kind was last written, and how many were left out since. */
  readonly #quietLog = new Map<string, { since: number; written: number; skipped: number }>();
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
    const source = failureSource(remote.host);
    const fromAddress = this.#perAddress.get(remote.host) ?? 0;
    if (fromAddress >= limits.maxPerAddress) {
      this.#quiet(
        'per-address',
        source,
        `dropped connections from ${remote.host}: ${fromAddress} already open`,
      );
      stream.destroy();
      return;
    }
    const pending: Pending = { source, host: remote.host, where, prelude: false };
    // Room is made at the expense of whoever holds the most of it: a source over its own cap
    // gives up one of its own; a full table gives up one from the source with the most pending
    // (connections that sent no prelude first, then the oldest). A friend with one handshake in
    // flight is never the one dropped while anyone holds two.
    const ownCount = this.#pendingBySource.get(source) ?? 0;
    if (ownCount >= limits.maxPendingPerSource) this.#evict(source);
    else if (this.#streams.size >= limits.maxPendingHandshakes) this.#evict(undefined);
    this.#perAddress.set(remote.host, fromAddress + 1);
    this.#streams.set(stream, pending);
    this.#pendingBySource.set(source, (this.#pendingBySource.get(source) ?? 0) + 1);
    stream.once('close', () => {
      const left = (this.#perAddress.get(remote.host) ?? 1) - 1;
      if (left > 0) this.#perAddress.set(remote.host, left);
      else this.#perAddress.delete(remote.host);
    });
    let reserved: string | undefined;
    let hostNonce: Uint8Array | undefined;
    let invited = false;
    /** A join-code attempt: told how it ended (a wrong guess burns the code). */
    let settleCode: ((end: CodeAttemptEnd) => void) | undefined;
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
          pending.prelude = true;
          if (
            this.#o.invitesOnly &&
            via === 'tcp' &&
            prelude.inviteId === undefined &&
            prelude.mode !== 'code'
          ) {
            // A join code is a secret as an invite is: its holders get in.
            // Dropped before msg2: no key, no status. Not a failure of the source's budget:
            // the host did no Diffie-Hellman work.
            refused = true;
            this.#quiet(
              'uninvited',
              pending.source,
              `refused ${where}: a join without an invite (this host takes invites only)`,
            );
            throw new Error('invites only');
          }
          const answer = this.#answerPrelude(prelude, where, remote.host);
          reserved = answer.reserved;
          hostNonce = answer.hostNonce;
          settleCode = answer.settle;
          invited = answer.reserved !== undefined || settleCode !== undefined;
          refused = answer.reply.close === true;
          busy = answer.busy === true;
          answered = true;
          return answer.reply;
        },
      })
      .then(
        (channel) => {
          this.#forget(stream);
          if (reserved !== undefined) this.#o.invites.markUsed(fromHex(reserved), this.#o.clock());
          release();
          const byCode = settleCode !== undefined;
          settleCode?.('joined');
          if (!this.#listener) {
            channel.destroy();
            return;
          }
          const nonce = hostNonce!;
          // The socket's close handler keeps this scope alive as long as the session: keep no
          // secret (or its 250 bytes per idle session) in it.
          hostNonce = undefined;
          settleCode = undefined;
          try {
            this.#o.onChannel({ channel, remote, invited, byCode, via, hostNonce: nonce });
          } catch (error) {
            // Thrown here it would be an unhandled rejection, which ends the process.
            this.#o.log(`starting the session with ${where} failed: ${(error as Error)?.message}`);
            channel.destroy();
          }
        },
        (error: unknown) => {
          this.#forget(stream);
          release();
          const code = String((error as { code?: unknown } | undefined)?.code ?? 'unknown error');
          // Only a message that failed to authenticate can have tested the code: that spends
          // its one guess. A cut, a timeout or a malformed frame tested nothing.
          settleCode?.(code === 'ERR_HANDSHAKE_FAILED' ? 'wrong' : 'aborted');
          // Refusals were logged when the prelude was answered.
          if (!refused && !pending.evicted) {
            this.#quiet('failed', source, `handshake from ${where} failed: ${code}`);
          }
          stream.destroy();
          // Every handshake that got past the prelude and did not complete counts (decrypt
          // failure, commitment mismatch, timeout, close before msg3, a refused invite), and so
          // does a connection that timed out without a prelude or was dropped to make room for
          // others while its source held several: each charged to its own source. Not counted:
          // a busy host's refusal, a lone handshake dropped for someone else's flood, and the
          // host's own closing.
          const timedOut = /TIMEOUT/.test(code);
          const charged = pending.evicted
            ? pending.evicted === 'flood'
            : (answered && !busy) || timedOut;
          if (charged && this.#listener) this.recordFailure(remote.host);
        },
      );
  }

  /**
   * Counts a failure against the source of `host` (a failed or abandoned handshake, or a
   * stranger's request that ended without being accepted) and writes the limiter's log lines.
   */
  recordFailure(host: string): void {
    for (const line of this.#failures.recordFailure(host, this.#o.clock())) this.#o.log(line);
  }

  /** Drops one pending handshake to make room: see `#onConnection`. */
  #evict(fromSource: string | undefined): void {
    let victimSource = fromSource;
    if (victimSource === undefined) {
      let most = 0;
      for (const [source, count] of this.#pendingBySource) {
        if (count > most) [victimSource, most] = [source, count];
      }
    }
    let victim: [Duplex, Pending] | undefined;
    for (const entry of this.#streams) {
      if (entry[1].source !== victimSource) continue;
      if (!victim || (victim[1].prelude && !entry[1].prelude)) victim = entry;
      if (!entry[1].prelude) break;
    }
    if (!victim) return;
    const [stream, pending] = victim;
    const count = this.#pendingBySource.get(pending.source) ?? 0;
    pending.evicted = count > 1 ? 'flood' : 'lone';
    this.#quiet(
      'evicted',
      pending.source,
      `dropped a pending handshake from ${pending.where} to make room (its source ${pending.source} had ${count} pending)`,
    );
    this.#forget(stream);
    stream.destroy();
  }

  #forget(stream: Duplex): void {
    const pending = this.#streams.get(stream);
    if (!pending) return;
    this.#streams.delete(stream);
    const left = (this.#pendingBySource.get(pending.source) ?? 1) - 1;
    if (left > 0) this.#pendingBySource.set(pending.source, left);
    else this.#pendingBySource.delete(pending.source);
  }

  /**
   * Writes a line about junk (dropped connections, failed handshakes, refusals): up to
   * {@link QUIET_LOG_LINES} of a kind per source (IPv4 address or IPv6 /64) per
   * {@link QUIET_LOG_MS}, then none until the window ends; the next line written says how many
   * were left out. One address cannot flood the log; many addresses still get a line each.
   */
  #quiet(what: string, source: string, line: string): void {
    const kind = `${what} ${source}`;
    const now = this.#o.clock();
    let entry = this.#quietLog.get(kind);
    if (!entry || now - entry.since >= QUIET_LOG_MS) {
      const skipped = entry?.skipped ?? 0;
      entry = { since: now, written: 0, skipped: 0 };
      this.#quietLog.set(kind, entry);
      if (this.#quietLog.size > 1024) this.#quietLog.delete(this.#quietLog.keys().next().value!);
      if (skipped > 0) this.#o.log(`(${skipped} more lines like the next were not logged)`);
    }
    if (entry.written >= QUIET_LOG_LINES) {
      entry.skipped += 1;
      return;
    }
    entry.written += 1;
    this.#o.log(
      entry.written === QUIET_LOG_LINES
        ? `${line} (more like this within ${QUIET_LOG_MS / 1000} s are not logged)`
        : line,
    );
  }

  #answerPrelude(
    prelude: Prelude,
    where: string,
    host: string,
  ): {
    reply: { psk?: Uint8Array; payload: Uint8Array; close?: boolean };
    reserved?: string;
    busy?: boolean;
    hostNonce?: Uint8Array;
    settle?: (end: CodeAttemptEnd) => void;
  } {
    const refuse = (status: Exclude<HandshakeStatus, 'ok'>) => {
      this.#quiet('refused', failureSource(host), `refused ${where}: ${REFUSAL_LOG[status]}`);
      // A random psk: the handshake can never complete, yet msg2 carries the status.
      const psk = prelude.mode !== 'XX' ? randomBytes(32) : undefined;
      const reply = { payload: encodeHandshakeStatus(status), close: true };
      return { reply: psk ? { ...reply, psk } : reply };
    };
    // Sessions whose peer never said hello were never shown to anyone: like the oldest pending
    // handshake, such a session gives way, so silent sessions cannot lock real joiners out.
    if (this.#o.sessionCount() >= this.#o.limits.maxSessions && !this.#o.makeRoom?.()) {
      return { ...refuse('busy'), busy: true };
    }
    // The host's nonce: committed to in msg2, revealed in the host's hello once the request is
    // shown (docs/protocol.md §5); the verification code is derived from h || nonce.
    const hostNonce = randomBytes(32);
    const ok = encodeHandshakeStatus('ok', hostCommitment(this.#o.keyPair.publicKey, hostNonce));
    if (prelude.mode === 'code') {
      if (!this.#o.codes) return refuse('code-unavailable');
      const answer = this.#o.codes.answer(
        prelude,
        where,
        hostCommitment(this.#o.keyPair.publicKey, hostNonce),
      );
      return answer.settle
        ? { reply: answer.reply, settle: answer.settle, hostNonce }
        : { reply: answer.reply };
    }
    if (prelude.mode !== 'XXpsk3' || prelude.inviteId === undefined) {
      return { reply: { payload: ok }, hostNonce };
    }
    const found = this.#o.invites.lookup(prelude.inviteId, this.#o.clock());
    const id = toHex(prelude.inviteId);
    if (found.status === 'unknown') return refuse('invite-unknown');
    if (found.status === 'expired') {
      this.#o.onExpiredInvite?.(id);
      return refuse('invite-expired');
    }
    if (found.status === 'used' || this.#reserved.has(id)) return refuse('invite-used');
    this.#reserved.add(id);
    return { reply: { psk: found.secret, payload: ok }, reserved: id, hostNonce };
  }
}
