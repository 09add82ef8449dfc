import type { ChatCommand, ChatEvent } from '@cryptully/core/protocol';

/** What the back end needs from core's `ChatNode` (so tests can name the seam plainly). */
export interface ChatEngine {
  /** Subscribes to the node's events; returns the unsubscribe function. */
  on(listener: (event: ChatEvent) => void): () => void;
  /** Runs one command; user mistakes come back as `error` events, never as throws. */
  dispatch(command: ChatCommand): Promise<void>;
  /** Says goodbye to every peer and stops listening. */
  close(): Promise<void>;
  /** Our own key's fingerprint, for people to compare. */
  readonly fingerprint: string;
  /** Our display name. */
  readonly name: string;
}

/** Options the back end passes when it opens a chat node. */
export interface OpenEngineOptions {
  home: string;
  name?: string;
  passphrase?: string;
}

/** Opens a chat node; rejects with a coded error (e.g. a wrong passphrase). */
export type OpenEngine = (options: OpenEngineOptions) => Promise<ChatEngine>;
