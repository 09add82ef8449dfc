/**
 * One timer for the deadlines of many sessions (keep-alive, idle timeout, hello and decision
 * deadlines), instead of a `setTimeout` per session re-created after every message.
 *
 * A min-heap of (time, owner) kept in two parallel arrays, with lazy deletion: an owner holds
 * the time it is scheduled for ({@link DeadlineOwner.wheelAt}); an entry whose time is no longer
 * its owner's is stale and skipped when it reaches the top. Moving a deadline later (what every
 * sent or received message does) costs one comparison: the earlier entry stays, fires, and the
 * owner schedules its real deadline then. So the steady path allocates nothing, and an idle
 * session costs a heap slot instead of a timer object and its closure.
 * @module
 */

/** What the wheel calls back. */
export interface DeadlineOwner {
  /** The time this owner is scheduled for on the wheel; managed by the wheel only. */
  wheelAt: number | undefined;
  /**
   * Called at or after the time it was scheduled for (possibly before the owner's current
   * deadline, after it moved later): the owner checks its deadlines and schedules the next.
   */
  onDeadline(): void;
}

/** Longest delay of one Node timer (about 24.8 days); longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Stale entries tolerated before the heap is rebuilt from the live ones (and at least half). */
const COMPACT_AFTER = 64;

/**
 * Deadlines of many owners on one unref'd Node timer, in the times of `clock` (the chat node's,
 * which may differ from real time: the timer waits `deadline - clock()` real milliseconds, as a
 * per-session `setTimeout` did).
 * @example
 * const wheel = new DeadlineWheel(Date.now);
 * wheel.schedule(owner, Date.now() + 15_000); // owner.onDeadline() in 15 s
 */
export class DeadlineWheel {
  readonly #clock: () => number;
  #times: number[] = [];
  #owners: DeadlineOwner[] = [];
  #stale = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The time the timer is armed for (Infinity when not armed). */
  #armedFor = Number.POSITIVE_INFINITY;
  #firing = false;

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  /** Entries in the heap, stale ones included (for tests). */
  get size(): number {
    return this.#times.length;
  }

  /**
   * Calls `owner.onDeadline()` at `at` or, when the owner is already scheduled earlier, at that
   * earlier time (the owner then schedules again). `at` = Infinity schedules nothing.
   */
  schedule(owner: DeadlineOwner, at: number): void {
    const current = owner.wheelAt;
    if (current !== undefined && current <= at) return;
    if (current !== undefined) this.#stale++;
    if (at === Number.POSITIVE_INFINITY) {
      owner.wheelAt = undefined;
      return;
    }
    owner.wheelAt = at;
    this.#push(at, owner);
    if (!this.#firing && at < this.#armedFor) this.#arm();
  }

  /** Removes `owner`'s deadline (its entry turns stale and is dropped later). */
  cancel(owner: DeadlineOwner): void {
    if (owner.wheelAt === undefined) return;
    owner.wheelAt = undefined;
    this.#stale++;
    if (this.#stale > COMPACT_AFTER && this.#stale * 2 > this.#times.length) this.#compact();
  }

  #fire = (): void => {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    this.#firing = true;
    try {
      const now = this.#clock();
      // Owners called back may schedule again; a time not after `now` waits for the next
      // round (armed below), so that a clock that stands still cannot spin here.
      const due: DeadlineOwner[] = [];
      while (this.#times.length > 0 && this.#times[0]! <= now) {
        const at = this.#times[0]!;
        const owner = this.#pop();
        if (owner.wheelAt !== at) {
          this.#stale--;
          continue;
        }
        owner.wheelAt = undefined;
        due.push(owner);
      }
      for (const owner of due) {
        try {
          owner.onDeadline();
        } catch {
          // An owner's failure is its own (PeerConnection catches its session's errors).
        }
      }
    } finally {
      this.#firing = false;
      this.#arm();
    }
  };

  #arm(): void {
    while (this.#times.length > 0 && this.#owners[0]!.wheelAt !== this.#times[0]) {
      this.#pop();
      this.#stale--;
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#times.length === 0) {
      this.#armedFor = Number.POSITIVE_INFINITY;
      return;
    }
    const at = this.#times[0]!;
    this.#armedFor = at;
    const delay = Math.max(0, Math.min(at - this.#clock(), MAX_TIMER_MS));
    this.#timer = setTimeout(this.#fire, delay);
    this.#timer.unref();
  }

  #compact(): void {
    const times: number[] = [];
    const owners: DeadlineOwner[] = [];
    for (let i = 0; i < this.#times.length; i++) {
      const owner = this.#owners[i]!;
      if (owner.wheelAt === this.#times[i]) {
        times.push(this.#times[i]!);
        owners.push(owner);
      }
    }
    this.#times = [];
    this.#owners = [];
    this.#stale = 0;
    for (let i = 0; i < times.length; i++) this.#push(times[i]!, owners[i]!);
    if (!this.#firing) this.#arm();
  }

  #push(at: number, owner: DeadlineOwner): void {
    const times = this.#times;
    const owners = this.#owners;
    let i = times.length;
    times.push(at);
    owners.push(owner);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent]! <= at) break;
      times[i] = times[parent]!;
      owners[i] = owners[parent]!;
      i = parent;
    }
    times[i] = at;
    owners[i] = owner;
  }

  #pop(): DeadlineOwner {
    const times = this.#times;
    const owners = this.#owners;
    const top = owners[0]!;
    const lastTime = times.pop()!;
    const lastOwner = owners.pop()!;
    const n = times.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && times[right]! < times[left]! ? right : left;
        if (times[child]! >= lastTime) break;
        times[i] = times[child]!;
        owners[i] = owners[child]!;
        i = child;
      }
      times[i] = lastTime;
      owners[i] = lastOwner;
    }
    return top;
  }
}
