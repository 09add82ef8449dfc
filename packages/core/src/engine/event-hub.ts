/**
 * The chat node's event fan-out: listeners get every event in order; events emitted before
 * anyone listens (such as `ready`) are kept for the first listener; a listener that throws is
 * logged and does not stop the others.
 * @module
 */
import type { ChatEventListener } from '../protocol/chat-node-api.js';
import type { ChatEvent } from '../protocol/events.js';
import { MAX_BUFFERED_EVENTS } from './limits.js';

/** See the module documentation. */
export class EventHub {
  readonly #listeners = new Set<ChatEventListener>();
  readonly #buffered: ChatEvent[] = [];
  readonly #log: (line: string) => void;

  constructor(log: (line: string) => void) {
    this.#log = log;
  }

  /** Adds a listener; the first one receives the kept events at once. Returns the remover. */
  on(listener: ChatEventListener): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) {
      for (const event of this.#buffered.splice(0)) this.#deliver(listener, event);
    }
    return () => this.#listeners.delete(listener);
  }

  /** Sends an event to every listener (or keeps it, up to a bound, while there is none). */
  emit(event: ChatEvent): void {
    if (this.#listeners.size === 0) {
      if (this.#buffered.length < MAX_BUFFERED_EVENTS) this.#buffered.push(event);
      return;
    }
    for (const listener of [...this.#listeners]) this.#deliver(listener, event);
  }

  #deliver(listener: ChatEventListener, event: ChatEvent): void {
    try {
      listener(event);
    } catch (error) {
      this.#log(`an event listener failed on ${event.event}: ${(error as Error)?.message}`);
    }
  }
}
