/**
 * The engine's defaults and the limits a host enforces, in one table so that
 * docs/protocol-session.md and the code cannot drift apart.
 * @module
 */
import { DEFAULT_HANDSHAKE_TIMEOUT_MS } from '../adapters/secure-connection.js';
import { DEFAULT_DIAL_TIMEOUT_MS } from '../adapters/transport.js';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_KEEP_ALIVE_MS } from '../session/session.js';
import {
  DEFAULT_FAILURE_COOLDOWN_MS,
  DEFAULT_FAILURE_WINDOW_MS,
  DEFAULT_GLOBAL_FAILURE_WARNING,
  DEFAULT_MAX_FAILURES_PER_SOURCE,
  DEFAULT_MAX_TRACKED_SOURCES,
  type FailureLimits,
} from './failure-limiter.js';
import {
  DEFAULT_MAX_STRANGER_REQUESTS,
  DEFAULT_MAX_UNDECIDED_PER_SOURCE,
  DEFAULT_MAX_UNDECIDED_STRANGERS,
  DEFAULT_STRANGER_WINDOW_MS,
  type RequestLimits,
} from './request-gate.js';

/**
 * Limits a host enforces on incoming connections; the failed-handshake limits
 * ({@link FailureLimits}) are explained in `failure-limiter.ts`, the limits on strangers'
 * requests ({@link RequestLimits}) in `request-gate.ts`.
 */
export interface HostLimits extends FailureLimits, RequestLimits {
  /**
   * Connections still in the Noise handshake at once; beyond it one is dropped to make room
   * (from the source with the most pending, connections that sent no prelude first).
   */
  maxPendingHandshakes: number;
  /** Connections in the handshake from one source (IPv4 address or IPv6 /64) at once. */
  maxPendingPerSource: number;
  /** Live connections (in handshake or in session) from one remote address. */
  maxPerAddress: number;
  /** Sessions at once (requests awaiting a decision included); more are told `busy`. */
  maxSessions: number;
}

/** Default {@link HostLimits}. */
export const DEFAULT_LIMITS: Readonly<HostLimits> = Object.freeze({
  maxPendingHandshakes: 32,
  maxPendingPerSource: 8,
  maxPerAddress: 8,
  maxSessions: 64,
  maxFailuresPerSource: DEFAULT_MAX_FAILURES_PER_SOURCE,
  failureWindowMs: DEFAULT_FAILURE_WINDOW_MS,
  failureCooldownMs: DEFAULT_FAILURE_COOLDOWN_MS,
  maxTrackedSources: DEFAULT_MAX_TRACKED_SOURCES,
  globalFailureWarning: DEFAULT_GLOBAL_FAILURE_WARNING,
  maxStrangerRequestsPerWindow: DEFAULT_MAX_STRANGER_REQUESTS,
  strangerWindowMs: DEFAULT_STRANGER_WINDOW_MS,
  maxUndecidedPerSource: DEFAULT_MAX_UNDECIDED_PER_SOURCE,
  maxUndecidedStrangers: DEFAULT_MAX_UNDECIDED_STRANGERS,
});

/** How long `close()` waits for goodbyes to flush before it drops connections. */
export const CLOSE_GRACE_MS = 1_000;
/**
 * Messages to one peer that may wait for delivery at once (queued while it is offline, or sent
 * and not yet acknowledged); `send` beyond it is refused with `ERR_QUEUE_FULL`.
 */
export const MAX_PENDING_MESSAGES = 1000;
/** Events kept for the first subscriber when none is attached yet. */
export const MAX_BUFFERED_EVENTS = 256;

// Defined where they are enforced (the channel adapter, the transport), named here with the
// engine's other defaults.
export {
  DEFAULT_DIAL_TIMEOUT_MS,
  DEFAULT_FAILURE_COOLDOWN_MS,
  DEFAULT_FAILURE_WINDOW_MS,
  DEFAULT_GLOBAL_FAILURE_WARNING,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_MS,
  DEFAULT_MAX_FAILURES_PER_SOURCE,
  DEFAULT_MAX_TRACKED_SOURCES,
};

/** Fills in missing limits with the defaults and checks them. */
export function resolveLimits(partial: Partial<HostLimits> | undefined): HostLimits {
  const limits = { ...DEFAULT_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`limits.${name} must be a positive whole number`);
    }
  }
  return limits;
}
