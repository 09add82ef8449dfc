/**
 * The event log every driver keeps: events in arrival order and waiters that resolve on the
 * first match, so tests wait for events instead of sleeping.
 * @module
 */
import type { ChatEvent } from '@cryptully/core/protocol';
import { DriverTimeoutError } from './driver.js';

interface Waiter {
  predicate: (event: ChatEvent) => boolean;
  from: number;
  resolve: (event: ChatEvent) => void;
}

/** An append-only list of events with `waitFor`. */
export class EventLog {
  readonly events: ChatEvent[] = [];
  private readonly waiters = new Set<Waiter>();
  private endedWith: string | undefined;

  constructor(private readonly label: () => string) {}

  /** Records one event and wakes the waiters it matches. */
  push(event: ChatEvent): void {
    this.events.push(event);
    for (const waiter of this.waiters) {
      if (waiter.predicate(event)) {
        this.waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  }

  /** Marks the source as gone (process exited): pending waits fail at once, saying why. */
  end(why: string): void {
    this.endedWith = why;
  }

  /** See {@link ClientDriver.waitFor}. */
  waitFor<E extends ChatEvent = ChatEvent>(
    predicate: (event: ChatEvent) => boolean,
    options: { timeoutMs?: number; from?: number; what?: string } = {},
  ): Promise<E> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const from = options.from ?? 0;
    const what = options.what ?? 'matching event';
    const seen = this.events.slice(from).find(predicate);
    if (seen) return Promise.resolve(seen as E);
    return new Promise<E>((resolve, reject) => {
      let poll: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        predicate,
        from,
        resolve: (event) => {
          clearTimeout(timer);
          clearInterval(poll);
          resolve(event as E);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        clearInterval(poll);
        const ended = this.endedWith ? ` (client ended: ${this.endedWith})` : '';
        reject(new DriverTimeoutError(`${this.label()}${ended}`, what, timeoutMs, this.events));
      }, timeoutMs);
      this.waiters.add(waiter);
      // A client that exited will never send the event: fail soon rather than at the timeout.
      poll = setInterval(() => {
        if (this.endedWith === undefined || !this.waiters.has(waiter)) return;
        this.waiters.delete(waiter);
        clearTimeout(timer);
        clearInterval(poll);
        reject(
          new DriverTimeoutError(
            `${this.label()} (client ended: ${this.endedWith})`,
            what,
            0,
            this.events,
          ),
        );
      }, 200);
    });
  }
}
