/**
 * A bounded window of the chat message ids already shown, per peer, so that a message
 * re-sent after a reconnect is shown exactly once. It outlives a single session: the engine
 * keeps one per peer key and hands it to each new session with that key.
 * @module
 */

/** How many recent ids a window remembers by default. */
export const DEFAULT_SEEN_WINDOW = 4096;

/** A first-in-first-out set of the most recent ids. */
export class SeenIds {
  readonly #capacity: number;
  readonly #ids = new Set<string>();

  /** @param capacity how many ids to remember; the oldest is forgotten first. */
  constructor(capacity = DEFAULT_SEEN_WINDOW) {
    this.#capacity = Math.max(1, Math.floor(capacity));
  }

  /** Whether `id` is in the window. */
  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /**
   * Records `id`. Returns false when it was already there (a duplicate), true when new.
   */
  add(id: string): boolean {
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    if (this.#ids.size > this.#capacity) {
      // Sets iterate in insertion order: the first is the oldest.
      const oldest = this.#ids.values().next().value as string;
      this.#ids.delete(oldest);
    }
    return true;
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.#ids.size;
  }
}
