/**
 * The chat node as front ends see it, types only: what `ChatNode` of `@cryptully/core/engine`
 * implements, named here (browser-safe) so that front ends, their test doubles and the test
 * harness depend on one declaration instead of copies of it.
 * @module
 */
import type { ChatCommand, ChatEvent, PeerId } from './events.js';

/** Receives a chat node's events, in order. */
export type ChatEventListener = (event: ChatEvent) => void;

/** The interface of a chat node; see `ChatNode` for the behaviour. */
export interface ChatNodeApi {
  /** Our own key's fingerprint (digits in groups), for people to compare. */
  readonly fingerprint: string;
  /** Our own peer id. */
  readonly peerId: PeerId;
  /** The display name sent to peers. */
  readonly name: string;
  /**
   * Subscribes to events; the first subscriber also gets those emitted before it (such as
   * `ready`). Returns the function that unsubscribes.
   */
  on(listener: ChatEventListener): () => void;
  /**
   * Carries out a command, validated first. User mistakes and network failures come back as
   * `error` (or `disconnected`) events, never as rejections.
   */
  dispatch(command: ChatCommand): Promise<void>;
  /** Says goodbye to every peer, stops listening, and waits briefly for goodbyes to flush. */
  close(): Promise<void>;
}
