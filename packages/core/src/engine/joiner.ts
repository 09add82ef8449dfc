/**
 * The joiner's way in: given a target read (and its invite's expiry checked) by
 * `parseJoinTarget` of identity/invite.ts, dials each address in turn, and runs the initiator handshake, checking the
 * host's key against the invite BEFORE msg3 so our identity is never revealed to the wrong
 * host. Pure of chat-node state: it returns a channel or a {@link JoinFailure}.
 * @module
 */
import type { Duplex } from 'node:stream';
import { type DhtDialOptions, type DhtKeyPair, dhtRemoteOf } from '../adapters/dht-transport.js';
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
import { startCodeExchange } from '../pake/code-exchange.js';
import { errorCodeOf } from '../protocol/error-codes.js';
import type { ConnectionPath } from '../protocol/events.js';
import { MAX_SESSION_MESSAGE_BYTES } from '../session/messages.js';
import { connectionPath } from './connection-path.js';
import { failureForStatus, JOIN_FAILURES, type JoinFailure, JoinRefusedError } from './errors.js';

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
    }
  | { ok: false; failure: JoinFailure; peerId?: string; detail?: string };

/**
 * Dials and runs the initiator handshake; never throws. Aborting `signal` (the node closes)
 * drops the dial or the handshake in progress at once: the outcome is then a failure the
 * caller does not report.
 */
export async function joinHandshake(
  target: JoinPlan,
  options: {
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
  },
): Promise<JoinOutcome> {
  const invite = target.invite;
  const signal = options.signal;
  let peerId = invite ? peerIdFromPublicKey(invite.hostPublicKey) : undefined;
  let dialed: Dialed;
  try {
    dialed = await dialFirst(target, options);
  } catch (lastError) {
    const message =
      lastError instanceof CryptullyError ? lastError.message : JOIN_FAILURES.unreachable.message;
    return { ok: false, failure: { ...JOIN_FAILURES.unreachable, message }, peerId };
  }
  const { stream, remote, path } = dialed;
  const psk = invite?.secret;
  let hostCommit: Uint8Array | undefined;
  // A fresh CPace run for this one handshake: one guess at the code.
  const exchange = target.code ? startCodeExchange(target.code.text) : undefined;
  // Destroying the stream fails the handshake at once, its timer included.
  const drop = () => stream.destroy();
  signal?.addEventListener('abort', drop, { once: true });
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
        const status = decodeHandshakeStatus(payload);
        if (status !== 'ok') throw new JoinRefusedError(failureForStatus(status));
        // Without the host's commitment its code would be known to a man in the middle from
        // msg2 on: fail closed, before msg3.
        hostCommit = decodeHandshakeCommit(payload);
        if (!hostCommit) throw new JoinRefusedError(JOIN_FAILURES['handshake-failed']);
      },
    });
    return { ok: true, channel, remote, path, hostCommit: hostCommit! };
  } catch (error) {
    stream.destroy();
    // The channel may pass our refusal through as is, or wrap it (as `cause`).
    const refusal = [error, (error as { cause?: unknown } | undefined)?.cause].find(
      (e): e is JoinRefusedError => e instanceof JoinRefusedError,
    );
    if (refusal) return { ok: false, failure: refusal.failure, peerId };
    const code = errorCodeOf(error);
    const failure =
      code === 'ERR_HANDSHAKE_TIMEOUT' ? JOIN_FAILURES.timeout : JOIN_FAILURES['handshake-failed'];
    return { ok: false, failure, peerId, ...(code ? { detail: code } : {}) };
  } finally {
    signal?.removeEventListener('abort', drop);
  }
}

/** The DHT as a joiner uses it. */
export interface JoinDht {
  transport: { dial(address: DialAddress, options: DhtDialOptions): Promise<Duplex> };
  /** The key pair to dial with: the invite's (docs/protocol-identity.md §8). */
  keyPair: DhtKeyPair;
  /** A blind relay is in use: the path is `relay`. */
  relayed: boolean;
}

interface Dialed {
  stream: Duplex;
  remote: string;
  path: ConnectionPath;
}

/**
 * Happy eyeballs: dials the addresses in turn and, at the same time, the DHT key; keeps the
 * first stream that opens and cancels the other attempt (a late stream is dropped).
 * @throws the error of the last attempt to fail when none opens.
 */
async function dialFirst(
  target: JoinPlan,
  options: { transport: Transport; dialTimeoutMs: number; signal?: AbortSignal; dht?: JoinDht },
): Promise<Dialed> {
  const race = new AbortController();
  const stop = () => race.abort();
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) race.abort();
  const signal = race.signal;
  const attempts: Array<Promise<Dialed>> = [];
  if (target.addresses.length > 0) {
    attempts.push(
      (async () => {
        let lastError: unknown = new CryptullyError('ERR_CLOSED', 'The join was cancelled.');
        for (const address of target.addresses) {
          if (signal.aborted) break;
          try {
            const dialing = options.transport.dial(address, {
              timeoutMs: options.dialTimeoutMs,
              signal,
            });
            // A transport that ignores the signal still does not hold us: a late stream is dropped.
            const stream = await untilAborted(dialing, signal, (late) => late.destroy());
            return {
              stream,
              remote: formatAddress(address),
              path: connectionPath('tcp', address.host),
            };
          } catch (error) {
            lastError = error;
          }
        }
        throw lastError;
      })(),
    );
  }
  const dht = options.dht;
  let dhtFailure: unknown;
  if (target.dhtKey !== undefined && dht !== undefined) {
    attempts.push(
      (async () => {
        const dialing = dht.transport.dial(
          { host: toHex(target.dhtKey!), port: 0 },
          { timeoutMs: options.dialTimeoutMs, signal, keyPair: dht.keyPair },
        );
        const stream = await untilAborted(dialing, signal, (late) => late.destroy()).catch(
          (error: unknown) => {
            dhtFailure = error;
            throw error;
          },
        );
        const seen = dhtRemoteOf(stream);
        return {
          stream,
          remote: seen ? formatAddress(seen) : 'the DHT',
          path: connectionPath('dht', seen?.host ?? '', dht.relayed),
        };
      })(),
    );
  }
  try {
    return await Promise.any(attempts);
  } catch (error) {
    // The DHT found the host but no hole could be punched: that one sentence says why and what
    // would help (the addresses failing too, as they do behind a home router, adds nothing).
    if (dhtFailure instanceof UnreachableError && dhtFailure.reason === 'unreachable') {
      throw dhtFailure;
    }
    // Every attempt failed: say why for each path tried.
    const errors = error instanceof AggregateError ? error.errors : [error];
    const sentences = errors.filter((e): e is CryptullyError => e instanceof CryptullyError);
    if (sentences.length < 2) throw errors[0];
    throw new CryptullyError('ERR_UNREACHABLE', sentences.map((e) => e.message).join(' '));
  } finally {
    options.signal?.removeEventListener('abort', stop);
    race.abort();
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
