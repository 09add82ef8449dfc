/**
 * The joiner's way in: given a target read (and its invite's expiry checked) by
 * `parseJoinTarget` of identity/invite.ts, or a known peer's pinned addresses, dials each
 * address in turn and runs the initiator handshake, checking the host's key against the invite
 * or the pinned key BEFORE msg3 so our identity is never revealed to the wrong host. Pure of
 * chat-node state: it returns a channel or a {@link JoinFailure}.
 * @module
 */
import type { Duplex } from 'node:stream';
import {
  DEFAULT_DHT_DIAL_TIMEOUT_MS,
  type DhtDialOptions,
  type DhtKeyPair,
  dhtRemoteOf,
} from '../adapters/dht-transport.js';
import type { SecureChannelFactory, SecureConnection } from '../adapters/secure-connection.js';
import {
  type DialAddress,
  formatAddress,
  type Transport,
  UnreachableError,
} from '../adapters/transport.js';
import {
  decodeHandshakeCommit,
  decodeHandshakeShare,
  decodeHandshakeStatus,
} from '../channel/handshake-status.js';
import {
  constantTimeEqual,
  type KeyPair,
  type PreparedPrivateKey,
  toHex,
} from '../crypto/index.js';
import { CryptullyError } from '../errors.js';
import type { HostPort } from '../identity/address.js';
import { peerIdFromPublicKey } from '../identity/fingerprint.js';
import type { Invite, JoinTarget } from '../identity/invite.js';
import type { JoinCode } from '../identity/join-code.js';
import type { KnownPeer } from '../identity/known-peers.js';
import { startCodeExchange } from '../pake/code-exchange.js';
import { errorCodeOf } from '../protocol/error-codes.js';
import type { ConnectionPath } from '../protocol/events.js';
import { MAX_SESSION_MESSAGE_BYTES } from '../session/messages.js';
import { connectionPath } from './connection-path.js';
import {
  failureForStatus,
  JOIN_FAILURES,
  type JoinFailure,
  type JoinFailureReason,
  JoinRefusedError,
} from './errors.js';

/** Where a {@link JoinTarget} leads: the addresses to dial in turn, and what to show. */
export interface JoinPlan {
  /** Addresses to try, in order. */
  addresses: HostPort[];
  /** The invite, when the target was one (pins the host key, carries the psk). */
  invite?: Invite;
  /** The invite's id, sent in the prelude. */
  inviteId?: Uint8Array;
  /** The host's DHT public key, from the invite: dialled beside the addresses. */
  dhtKey?: Uint8Array;
  /**
   * The known peer we expect (joined by its name, or at an address pinned to it): a host
   * with another key is refused before msg3, as `key-changed` (docs/protocol-identity.md §5).
   */
  pinned?: KnownPeer;
  /** What to show in `connecting` (never the invite's secret). */
  label: string;
  /** A join code: the handshake runs in mode `code` (CPace on the code gives the psk). */
  code?: JoinCode;
}

/** The addresses to dial for a target read by `parseJoinTarget` (identity/invite.ts). */
export function joinPlan(target: JoinTarget): JoinPlan {
  if (target.kind === 'address') {
    const address = { host: target.host, port: target.port };
    return { addresses: [address], label: formatAddress(address) };
  }
  if (target.kind === 'code') {
    // The addresses come from discovery (chat-node.ts); the label never shows the words.
    return { addresses: [], code: target.code, label: `join code ${target.code.number}-…` };
  }
  const { invite, inviteId } = target;
  const addresses = invite.addresses.map((host) => ({ host, port: invite.port }));
  const label = addresses.map(formatAddress).join(', ');
  if (invite.dhtKey === undefined) return { addresses, invite, inviteId, label };
  const dhtLabel = `DHT key ${toHex(invite.dhtKey).slice(0, 16)}…`;
  return { addresses, invite, inviteId, dhtKey: invite.dhtKey, label: `${label}, ${dhtLabel}` };
}

/** The outcome of {@link joinHandshake}. */
export type JoinOutcome =
  | {
      ok: true;
      channel: SecureConnection;
      remote: string;
      path: ConnectionPath;
      /** The host's commitment from msg2: its hello must open it (docs/protocol.md §5). */
      hostCommit: Uint8Array;
      /** The TCP address (`host:port`) that led to the host, to pin to its key. */
      dialled?: string;
    }
  | {
      ok: false;
      failure: JoinFailure;
      peerId?: string;
      detail?: string;
      /** The key the host presented, when the failure is about it (`key-changed`). */
      presented?: Uint8Array;
    };

/** What {@link joinHandshake} needs. */
export interface JoinOptions {
  transport: Transport;
  secure: SecureChannelFactory;
  keyPair: KeyPair;
  /** `keyPair.privateKey` prepared once for every handshake. */
  preparedKey?: PreparedPrivateKey;
  dialTimeoutMs: number;
  handshakeTimeoutMs: number;
  signal?: AbortSignal;
  /** The DHT, to dial the invite's DHT key beside the addresses (happy eyeballs). */
  dht?: JoinDht;
}

/**
 * Failures after which the next address is tried: the host may be elsewhere (a stale or
 * foreign address, a middlebox that accepts TCP and breaks the handshake). A refusal from a
 * host with the right key (invite used, busy, ...) ends the join.
 */
const TRY_NEXT: ReadonlySet<JoinFailureReason> = new Set([
  'unreachable',
  'handshake-failed',
  'timeout',
  'key-mismatch',
  'key-changed',
]);

/** Which failure to report when every path failed: the most telling. */
const WEIGHT: Partial<Record<JoinFailureReason, number>> = {
  unreachable: 0,
  timeout: 1,
  'handshake-failed': 2,
  'key-mismatch': 3,
  'key-changed': 4,
};

type Failed = Extract<JoinOutcome, { ok: false }>;

function worse(a: Failed | undefined, b: Failed): Failed {
  if (!a) return b;
  if (a.failure.reason === 'unreachable' && b.failure.reason === 'unreachable') {
    // Say why for each path tried.
    const message = `${a.failure.message} ${b.failure.message}`;
    return { ...a, failure: { ...a.failure, message } };
  }
  return (WEIGHT[b.failure.reason] ?? 5) > (WEIGHT[a.failure.reason] ?? 5) ? b : a;
}

/**
 * Dials and runs the initiator handshake; never throws. The addresses are tried in turn, each
 * through its whole handshake (a failed handshake moves on to the next address, not only a
 * failed connect), while the DHT key is tried at the same time; the first path whose
 * handshake completes wins and the others are dropped. Aborting `signal` (the node closes)
 * drops the dials and handshakes in progress at once: the outcome is then a failure the
 * caller does not report.
 */
export async function joinHandshake(target: JoinPlan, options: JoinOptions): Promise<JoinOutcome> {
  const race = new AbortController();
  const stop = () => race.abort();
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) race.abort();
  const signal = race.signal;
  const attempts: Array<Promise<JoinOutcome>> = [];
  if (target.addresses.length > 0) {
    attempts.push(
      (async () => {
        let failed: Failed | undefined;
        for (const address of target.addresses) {
          if (signal.aborted) break;
          const outcome = await attempt(target, options, signal, async () => {
            const dialing = options.transport.dial(address, {
              timeoutMs: options.dialTimeoutMs,
              signal,
            });
            // A transport that ignores the signal still does not hold us: a late stream is dropped.
            const stream = await untilAborted(dialing, signal, (late) => late.destroy());
            const remote = formatAddress(address);
            return { stream, remote, path: connectionPath('tcp', address.host), dialled: remote };
          });
          if (outcome.ok) return outcome;
          failed = worse(failed, outcome);
          if (!TRY_NEXT.has(outcome.failure.reason)) break;
        }
        return failed ?? cancelled();
      })(),
    );
  }
  const dht = options.dht;
  /** The DHT found the host but could not punch a hole: its sentence says why and what helps. */
  let punchFailure: UnreachableError | undefined;
  if (target.dhtKey !== undefined && dht !== undefined) {
    attempts.push(
      attempt(target, options, signal, async () => {
        const dialing = dht.transport.dial(
          { host: toHex(target.dhtKey!), port: 0 },
          {
            timeoutMs: dht.dialTimeoutMs ?? DEFAULT_DHT_DIAL_TIMEOUT_MS,
            signal,
            keyPair: dht.keyPair,
          },
        );
        const stream = await untilAborted(dialing, signal, (late) => late.destroy()).catch(
          (error: unknown) => {
            if (error instanceof UnreachableError && error.reason === 'unreachable') {
              punchFailure = error;
            }
            throw error;
          },
        );
        const seen = dhtRemoteOf(stream);
        return {
          stream,
          remote: seen ? formatAddress(seen) : 'the DHT',
          path: connectionPath('dht', seen?.host ?? '', dht.relayed),
        };
      }),
    );
  }
  try {
    return await new Promise<JoinOutcome>((resolve) => {
      let left = attempts.length;
      let failed: Failed | undefined;
      let settled = false;
      if (left === 0) resolve(cancelled());
      for (const pending of attempts) {
        void pending.then((outcome) => {
          if (settled) {
            // A second path completed too late: keep the first.
            if (outcome.ok) outcome.channel.destroy();
            return;
          }
          if (outcome.ok) {
            settled = true;
            race.abort();
            resolve(outcome);
            return;
          }
          failed = worse(failed, outcome);
          left -= 1;
          if (left === 0) {
            settled = true;
            // Nothing connected at all and the DHT could not punch through: that one sentence
            // (the addresses failing too, as they do behind a home router, adds nothing).
            if (punchFailure && failed.failure.reason === 'unreachable') {
              const message = punchFailure.message;
              resolve({ ...failed, failure: { ...JOIN_FAILURES.unreachable, message } });
            } else resolve(failed);
          }
        });
      }
    });
  } finally {
    options.signal?.removeEventListener('abort', stop);
    race.abort();
  }
}

function cancelled(): Failed {
  return {
    ok: false,
    failure: { ...JOIN_FAILURES.unreachable, message: 'The join was cancelled.' },
  };
}

/** The DHT as a joiner uses it. */
export interface JoinDht {
  transport: { dial(address: DialAddress, options: DhtDialOptions): Promise<Duplex> };
  /** The key pair to dial with: the invite's (docs/protocol-identity.md §8). */
  keyPair: DhtKeyPair;
  /** A blind relay is in use: the path is `relay`. */
  relayed: boolean;
  /**
   * How long the DHT may take to find the host and punch a hole; default
   * {@link DEFAULT_DHT_DIAL_TIMEOUT_MS} (longer than a TCP dial's).
   */
  dialTimeoutMs?: number;
}

interface Dialed {
  stream: Duplex;
  remote: string;
  path: ConnectionPath;
  dialled?: string;
}

/** One path: dial, then the initiator handshake with the host's key checked before msg3. */
async function attempt(
  target: JoinPlan,
  options: JoinOptions,
  signal: AbortSignal,
  dial: () => Promise<Dialed>,
): Promise<JoinOutcome> {
  const invite = target.invite;
  const pinned = target.pinned;
  let peerId = invite
    ? peerIdFromPublicKey(invite.hostPublicKey)
    : pinned
      ? pinned.peerId
      : undefined;
  let presented: Uint8Array | undefined;
  let dialed: Dialed;
  try {
    dialed = await dial();
  } catch (error) {
    const message =
      error instanceof CryptullyError ? error.message : JOIN_FAILURES.unreachable.message;
    return { ok: false, failure: { ...JOIN_FAILURES.unreachable, message }, peerId };
  }
  const { stream } = dialed;
  const psk = invite?.secret;
  let hostCommit: Uint8Array | undefined;
  // A fresh CPace run for this one handshake: one guess at the code.
  const exchange = target.code ? startCodeExchange(target.code.text) : undefined;
  // Destroying the stream fails the handshake at once, its timer included.
  const drop = () => stream.destroy();
  signal.addEventListener('abort', drop, { once: true });
  if (signal.aborted) drop();
  try {
    const channel = await options.secure.initiate(stream, {
      staticKeyPair: options.keyPair,
      ...(options.preparedKey ? { preparedStaticKey: options.preparedKey } : {}),
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      maxMessageBytes: MAX_SESSION_MESSAGE_BYTES,
      ...(psk && target.inviteId ? { psk, inviteId: target.inviteId } : {}),
      ...(exchange
        ? {
            code: {
              data: exchange.data,
              psk: (payload: Uint8Array) => exchange.psk(decodeHandshakeShare(payload)),
            },
          }
        : {}),
      checkResponder(remoteStatic, payload) {
        peerId = peerIdFromPublicKey(remoteStatic);
        if (constantTimeEqual(remoteStatic, options.keyPair.publicKey)) {
          throw new JoinRefusedError(JOIN_FAILURES.self);
        }
        // The key first: a status from an impostor means nothing.
        if (invite && !constantTimeEqual(remoteStatic, invite.hostPublicKey)) {
          throw new JoinRefusedError(JOIN_FAILURES['key-mismatch']);
        }
        if (pinned && !constantTimeEqual(remoteStatic, pinned.publicKey)) {
          presented = remoteStatic.slice();
          throw new JoinRefusedError(JOIN_FAILURES['key-changed']);
        }
        const status = decodeHandshakeStatus(payload);
        if (status !== 'ok') throw new JoinRefusedError(failureForStatus(status));
        // Without the host's commitment its code would be known to a man in the middle from
        // msg2 on: fail closed, before msg3.
        hostCommit = decodeHandshakeCommit(payload);
        if (!hostCommit) throw new JoinRefusedError(JOIN_FAILURES['handshake-failed']);
      },
    });
    return {
      ok: true,
      channel,
      remote: dialed.remote,
      path: dialed.path,
      hostCommit: hostCommit!,
      ...(dialed.dialled !== undefined ? { dialled: dialed.dialled } : {}),
    };
  } catch (error) {
    stream.destroy();
    // The channel may pass our refusal through as is, or wrap it (as `cause`).
    const refusal = [error, (error as { cause?: unknown } | undefined)?.cause].find(
      (e): e is JoinRefusedError => e instanceof JoinRefusedError,
    );
    if (refusal) {
      return { ok: false, failure: refusal.failure, peerId, ...(presented ? { presented } : {}) };
    }
    const code = errorCodeOf(error);
    const failure =
      code === 'ERR_HANDSHAKE_TIMEOUT' ? JOIN_FAILURES.timeout : JOIN_FAILURES['handshake-failed'];
    return { ok: false, failure, peerId, ...(code ? { detail: code } : {}) };
  } finally {
    signal.removeEventListener('abort', drop);
  }
}

/**
 * `promise`, or a rejection as soon as `signal` aborts; a value that comes after that is handed
 * to `discard`.
 */
function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  discard: (late: T) => void,
): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(new CryptullyError('ERR_CLOSED', 'The join was cancelled.'));
      promise.then(discard, () => {});
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
