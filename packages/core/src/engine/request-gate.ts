/**
 * The host's gate for requests from strangers: joiners whose key is not in the known-peers
 * book and who hold no invite. Every such request is shown to the host's user, and only then
 * does the host reveal the nonce that completes the verification code (docs/protocol.md §5),
 * so a man in the middle hunting for a matching code pays one shown request per try. The gate
 * bounds those tries for an attacker with any number of addresses:
 *
 * - at most `maxStrangerRequestsPerWindow` strangers' requests are shown per
 *   `strangerWindowMs` (30 a minute by default: 10^6 tries, the expected number for one
 *   six-digit match, take about 23 days);
 * - at most `maxUndecidedPerSource` undecided strangers' requests per source (an IPv4 address
 *   or an IPv6 /64) and `maxUndecidedStrangers` in all, so the prompts cannot fill the host's
 *   sessions and known peers always find room;
 * - the first refusal of an episode (until a whole window passes without one) carries a
 *   warning for the user, once.
 *
 * Known peers and invite holders never pass through here. Pure: time is an argument.
 * @module
 */
import { failureSource } from './failure-limiter.js';

/** The numbers the gate works with (part of `HostLimits`). */
export interface RequestLimits {
  /** Strangers' requests shown within `strangerWindowMs`, from all sources together. */
  maxStrangerRequestsPerWindow: number;
  /** The sliding window of `maxStrangerRequestsPerWindow`. */
  strangerWindowMs: number;
  /** Undecided strangers' requests from one source (IPv4 address or IPv6 /64) at once. */
  maxUndecidedPerSource: number;
  /** Undecided strangers' requests at once, from all sources. */
  maxUndecidedStrangers: number;
}

/** Default strangers' requests shown per window (see the module documentation). */
export const DEFAULT_MAX_STRANGER_REQUESTS = 30;
/** Default window of the strangers' request budget: one minute. */
export const DEFAULT_STRANGER_WINDOW_MS = 60_000;
/** Default undecided strangers' requests per source. */
export const DEFAULT_MAX_UNDECIDED_PER_SOURCE = 4;
/** Default undecided strangers' requests in all (of the 64 sessions a host allows). */
export const DEFAULT_MAX_UNDECIDED_STRANGERS = 16;

/** Why a stranger's request was not shown. */
export type GateRefusal = 'budget' | 'source-full' | 'all-full';

/** The gate's answer; `warning` is set on the first refusal of an episode. */
export type GateDecision =
  | { ok: true; ticket: GateTicket }
  | { ok: false; why: GateRefusal; warning?: string };

/** A shown request: release it once it is decided or gone. */
export interface GateTicket {
  release(): void;
}

/** See the module documentation. */
export class RequestGate {
  readonly #limits: RequestLimits;
  /** When strangers' requests were shown, oldest first, at most the budget. */
  #shown: number[] = [];
  readonly #undecided = new Map<string, number>();
  #undecidedTotal = 0;
  /** Time of the last refusal for want of global room (an episode lasts until a window passes without one). */
  #lastRefusal = Number.NEGATIVE_INFINITY;

  constructor(limits: RequestLimits) {
    this.#limits = limits;
  }

  /** Undecided strangers' requests now (for tests and diagnostics). */
  get undecided(): number {
    return this.#undecidedTotal;
  }

  /** Asks to show a stranger's request from `host` at `now`. */
  admit(host: string, now: number): GateDecision {
    const { maxStrangerRequestsPerWindow, strangerWindowMs } = this.#limits;
    const source = failureSource(host);
    this.#shown = this.#shown.filter((t) => now - t < strangerWindowMs);
    let why: GateRefusal | undefined;
    if ((this.#undecided.get(source) ?? 0) >= this.#limits.maxUndecidedPerSource) {
      why = 'source-full';
    } else if (this.#undecidedTotal >= this.#limits.maxUndecidedStrangers) why = 'all-full';
    else if (this.#shown.length >= maxStrangerRequestsPerWindow) why = 'budget';
    if (why !== undefined) {
      // Only floods that are not one source's doing are worth telling the user about.
      if (why === 'source-full') return { ok: false, why };
      const newEpisode = now - this.#lastRefusal >= strangerWindowMs;
      this.#lastRefusal = now;
      if (!newEpisode) return { ok: false, why };
      return {
        ok: false,
        why,
        warning: `Many join requests from unknown keys (more than ${why === 'budget' ? `${maxStrangerRequestsPerWindow} within ${Math.round(strangerWindowMs / 1000)} s` : `${this.#limits.maxUndecidedStrangers} waiting at once`}): someone may be trying to match a verification code. Further requests from unknown keys are turned away for now; known peers and invite holders still get in. Accept no one whose code you have not compared.`,
      };
    }
    this.#shown.push(now);
    this.#undecided.set(source, (this.#undecided.get(source) ?? 0) + 1);
    this.#undecidedTotal += 1;
    let released = false;
    return {
      ok: true,
      ticket: {
        release: () => {
          if (released) return;
          released = true;
          this.#undecidedTotal -= 1;
          const left = (this.#undecided.get(source) ?? 1) - 1;
          if (left > 0) this.#undecided.set(source, left);
          else this.#undecided.delete(source);
        },
      },
    };
  }
}
