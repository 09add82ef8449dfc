/**
 * The engine's defaults and the limits a host enforces, in one table so that
 * docs/protocol-session.md and the code cannot drift apart.
 * @module
 */
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_KEEP_ALIVE_MS } from '../session/session.js';

/** Limits a host enforces on incoming connections. */
export interface HostLimits {
  /** Connections still in the Noise handshake at once; more are dropped on arrival. */
  maxPendingHandshakes: number;
  /** Live connections (in handshake or in session) from one remote address. */
  maxPerAddress: number;
  /** Sessions at once (requests awaiting a decision included); more are told `busy`. */
  maxSessions: number;
}

/** Default {@link HostLimits}. */
export const DEFAULT_LIMITS: Readonly<HostLimits> = Object.freeze({
  maxPendingHandshakes: 32,
  maxPerAddress: 8,
  maxSessions: 64,
});

/** Default time a connection has to finish the Noise handshake and send its hello. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/** Default time a dial may take before the target is reported unreachable. */
export const DEFAULT_DIAL_TIMEOUT_MS = 10_000;
/** How long `close()` waits for goodbyes to flush before it drops connections. */
export const CLOSE_GRACE_MS = 1_000;
/**
 * Messages to one peer that may wait for delivery at once (queued while it is offline, or sent
 * and not yet acknowledged); `send` beyond it is refused with `ERR_QUEUE_FULL`.
 */
export const MAX_PENDING_MESSAGES = 1000;
/** Events kept for the first subscriber when none is attached yet. */
export const MAX_BUFFERED_EVENTS = 256;

export { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_KEEP_ALIVE_MS };

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
