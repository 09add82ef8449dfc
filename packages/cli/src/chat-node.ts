import type { ChatCommand, ChatEvent } from '@cryptully/core/protocol';

/**
 * The part of core's `ChatNode` the front ends use. The real node satisfies it; unit tests
 * pass a scripted one that emits chosen events and records the commands it receives.
 */
export interface ChatNodeLike {
  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: (event: ChatEvent) => void): () => void;
  /** Runs a command; user mistakes come back as `error` events, not as rejections. */
  dispatch(command: ChatCommand): Promise<void>;
  /** Says goodbye to every peer and stops listening. */
  close(): Promise<void>;
}
