/**
 * Counts handshakes that fail after the prelude (the host did Diffie-Hellman work for them),
 * per source, and refuses a source that fails too often for a cooldown. A man in the middle
 * who abandons every handshake whose verification code does not match (docs/protocol.md §5)
 * needs about 10^6 of them; this bounds how fast one source can make them. A source is an IPv4
 * address or an IPv6 /64 prefix (one subscriber usually holds a whole /64). Also keeps a global
 * count, only to warn: refusing everyone would let an attacker lock friends out.
 *
 * Pure: time is an argument, log lines are returned for the caller to write.
 * @module
 */

/** The numbers the limiter works with (all part of `HostLimits`). */
export interface FailureLimits {
  /** Failed handshakes a source may have within `failureWindowMs`; reaching it starts a cooldown. */
  maxFailuresPerSource: number;
  /** The sliding window failures are counted in, per source and globally. */
  failureWindowMs: number;
  /** How long a source that reached its budget is refused at accept time. */
  failureCooldownMs: number;
  /** Sources tracked at once; beyond it the least recently active one is forgotten. */
  maxTrackedSources: number;
  /** Failures from all sources within `failureWindowMs` beyond which the host warns (once per window). */
  globalFailureWarning: number;
}

/** Default failed handshakes per source within {@link DEFAULT_FAILURE_WINDOW_MS}. */
export const DEFAULT_MAX_FAILURES_PER_SOURCE = 10;
/** Default window failures are counted in: one minute. */
export const DEFAULT_FAILURE_WINDOW_MS = 60_000;
/** Default cooldown of a source over its budget: one minute. */
export const DEFAULT_FAILURE_COOLDOWN_MS = 60_000;
/** Default number of sources tracked at once (about 100 bytes each plus timestamps). */
export const DEFAULT_MAX_TRACKED_SOURCES = 4096;
/** Default global failures per window beyond which the host logs a warning. */
export const DEFAULT_GLOBAL_FAILURE_WARNING = 200;

/** Whether a connection from a source may go ahead, and the log line to write if it may not. */
export type Admission = { ok: true } | { ok: false; log?: string };

interface SourceRecord {
  /** Times of the failures still inside the window, oldest first (at most the budget). */
  failures: number[];
  /** Refused until this time (0: not refused). */
  blockedUntil: number;
  /** The refusal of the current cooldown has been logged. */
  refusalLogged: boolean;
}

/** Parses an IPv6 address (with an optional dotted IPv4 tail) into 8 numbers, or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address;
  let tail: number[] | undefined;
  const dotted = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (dotted) {
    const bytes = dotted.slice(1).map(Number);
    if (bytes.some((b) => b > 255)) return undefined;
    tail = [(bytes[0]! << 8) | bytes[1]!, (bytes[2]! << 8) | bytes[3]!];
    // The dotted tail stands for two groups: parse placeholders, then put the tail in.
    text = `${text.slice(0, dotted.index)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups: number[] = [];
  for (const g of [...head, ...Array<string>(missing).fill('0'), ...rest]) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    groups.push(Number.parseInt(g, 16));
  }
  return tail ? [...groups.slice(0, 6), ...tail] : groups;
}

/**
 * The source a remote address counts under: an IPv4 address as is (also when it arrives as an
 * IPv4-mapped IPv6 address, `::ffff:a.b.c.d`), an IPv6 address as its /64 prefix
 * (`2001:db8:1:2::/64`); anything else (a memory transport's name) as is.
 */
export function failureSource(host: string): string {
  const address = host.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!address.includes(':')) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6]!, groups[7]!];
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** See the module documentation. */
export class FailureLimiter {
  readonly #limits: FailureLimits;
  /** Sources, least recently active first (re-inserted on every failure). */
  readonly #sources = new Map<string, SourceRecord>();
  /** Times of recent failures from every source, oldest first (bounded). */
  #global: number[] = [];
  #lastWarning = Number.NEGATIVE_INFINITY;

  constructor(limits: FailureLimits) {
    this.#limits = limits;
  }

  /** Sources tracked now (for tests and diagnostics). */
  get trackedSources(): number {
    return this.#sources.size;
  }

  /**
   * Called when a connection arrives, before any crypto: refused while its source cools down.
   * Only the first refusal of a cooldown carries a log line.
   */
  admit(host: string, now: number): Admission {
    const source = failureSource(host);
    const record = this.#sources.get(source);
    if (!record || record.blockedUntil === 0) return { ok: true };
    if (now >= record.blockedUntil) {
      record.blockedUntil = 0;
      record.refusalLogged = false;
      return { ok: true };
    }
    if (record.refusalLogged) return { ok: false };
    record.refusalLogged = true;
    const seconds = Math.ceil((record.blockedUntil - now) / 1000);
    return {
      ok: false,
      log: `refusing connections from ${source} for ${seconds} s: ${this.#limits.maxFailuresPerSource} failed handshakes within ${Math.round(this.#limits.failureWindowMs / 1000)} s (further refusals are not logged)`,
    };
  }

  /**
   * Records a handshake from `host` that failed after the prelude. Returns the log lines to
   * write (a source starting its cooldown; the global warning, at most once per window).
   */
  recordFailure(host: string, now: number): string[] {
    const { maxFailuresPerSource, failureWindowMs, failureCooldownMs } = this.#limits;
    const lines: string[] = [];
    const source = failureSource(host);
    const record = this.#sources.get(source) ?? {
      failures: [],
      blockedUntil: 0,
      refusalLogged: false,
    };
    this.#sources.delete(source);
    this.#sources.set(source, record);
    record.failures = record.failures.filter((t) => now - t < failureWindowMs);
    record.failures.push(now);
    if (record.failures.length >= maxFailuresPerSource && record.blockedUntil <= now) {
      record.failures = [];
      record.blockedUntil = now + failureCooldownMs;
      record.refusalLogged = false;
    }
    this.#evict(now);
    lines.push(...this.#countGlobal(now));
    return lines;
  }

  /** Forgets stale sources at the old end, then the least recently active beyond the cap. */
  #evict(now: number): void {
    for (const [source, record] of this.#sources) {
      const stale =
        record.blockedUntil <= now &&
        record.failures.every((t) => now - t >= this.#limits.failureWindowMs);
      if (!stale) break;
      this.#sources.delete(source);
    }
    while (this.#sources.size > this.#limits.maxTrackedSources) {
      const oldest = this.#sources.keys().next().value!;
      this.#sources.delete(oldest);
    }
  }

  #countGlobal(now: number): string[] {
    const { failureWindowMs, globalFailureWarning } = this.#limits;
    let start = 0;
    while (start < this.#global.length && now - this.#global[start]! >= failureWindowMs) start++;
    if (start > 0) this.#global = this.#global.slice(start);
    this.#global.push(now);
    // Only whether the budget is exceeded matters: keep at most one more than it.
    if (this.#global.length > globalFailureWarning + 1) this.#global.shift();
    if (this.#global.length <= globalFailureWarning) return [];
    if (now - this.#lastWarning < failureWindowMs) return [];
    this.#lastWarning = now;
    return [
      `warning: more than ${globalFailureWarning} failed handshakes within ${Math.round(failureWindowMs / 1000)} s from all addresses: a possible attack (someone trying to match the verification code) or a broken client; do not accept a join whose code you have not compared`,
    ];
  }
}
