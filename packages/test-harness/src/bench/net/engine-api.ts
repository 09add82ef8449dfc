import type { ChatEvent, ChatNodeApi } from '@cryptully/core/protocol';
import { tryImport } from './secure-api.js';

/**
 * Finds the chat engine (`ChatNode` of `@cryptully/core/engine`), loaded dynamically so the
 * benchmarks build and run before it exists; and a small event queue to await its events.
 * @module
 */

/** What the benchmarks use of a ChatNode. */
export type ChatNodeLike = ChatNodeApi;

interface EngineModule {
  ChatNode?: { open(options: Record<string, unknown>): Promise<ChatNodeLike> };
  memoryStorage?: () => unknown;
}

/** Opens ChatNodes that keep nothing on disk. */
export interface Engine {
  open(name: string, extra?: Record<string, unknown>): Promise<ChatNodeLike>;
}

/**
 * The engine, or a sentence saying why it cannot be used: it needs `ChatNode`,
 * `memoryStorage` and the channel adapter its default secure channel loads.
 */
export async function loadEngine(): Promise<Engine | string> {
  const engine = await tryImport<EngineModule>('@cryptully/core/engine');
  const transport = await tryImport<{ secureInitiate?: unknown }>('@cryptully/core/transport');
  if (!engine?.ChatNode || !engine.memoryStorage) {
    return '@cryptully/core/engine (ChatNode, memoryStorage) is not built yet';
  }
  if (!transport?.secureInitiate) {
    return 'the engine exists but the channel adapter (secureInitiate) is not exported yet';
  }
  const { ChatNode, memoryStorage } = engine;
  return {
    open: (name, extra = {}) =>
      ChatNode.open({
        name,
        clientName: 'cryptully-bench',
        clientVersion: '1',
        storage: memoryStorage(),
        ...extra,
      }),
  };
}

/** Buffers a node's events so a benchmark can await the next one it cares about. */
export class EventQueue {
  readonly #events: ChatEvent[] = [];
  #waiter:
    | { match: (event: ChatEvent) => boolean; resolve: (event: ChatEvent) => void }
    | undefined;
  readonly unsubscribe: () => void;

  constructor(node: ChatNodeLike) {
    this.unsubscribe = node.on((event) => {
      if (this.#waiter?.match(event)) {
        const { resolve } = this.#waiter;
        this.#waiter = undefined;
        resolve(event);
      } else if (this.#events.length < 10_000) {
        this.#events.push(event);
      }
    });
  }

  /**
   * Resolves with the next event whose name is in `names` (and that matches `where`), already
   * buffered or not. One wait at a time. Rejects on an `error` event or after `timeoutMs`.
   */
  next<N extends ChatEvent['event']>(
    names: N | readonly N[],
    where: (event: Extract<ChatEvent, { event: N }>) => boolean = () => true,
    timeoutMs = 30_000,
  ): Promise<Extract<ChatEvent, { event: N }>> {
    type E = Extract<ChatEvent, { event: N }>;
    const wanted: readonly string[] = typeof names === 'string' ? [names] : names;
    const match = (event: ChatEvent): boolean => {
      if (event.event === 'error') throw new Error(`engine error ${event.code}: ${event.message}`);
      return wanted.includes(event.event) && where(event as E);
    };
    const index = this.#events.findIndex(match);
    if (index >= 0) return Promise.resolve(this.#events.splice(index, 1)[0] as E);
    return new Promise<E>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new Error(`no ${wanted.join('/')} event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiter = {
        match: (event) => {
          try {
            return match(event);
          } catch (error) {
            clearTimeout(timer);
            this.#waiter = undefined;
            reject(error);
            return false;
          }
        },
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event as E);
        },
      };
    });
  }

  /** Drops buffered events (e.g. after a warm-up). */
  clear(): void {
    this.#events.length = 0;
  }
}
