/**
 * One line of a conversation, as the renderer keeps it: a module of its own so that the
 * reducer (state.ts) and the formatting helpers (format.ts) both use it without importing
 * each other.
 * @module
 */

/** Where one of our messages is: on its way, waiting for the friend, confirmed, or not. */
export type DeliveryState = 'sending' | 'queued' | 'delivered' | 'undelivered';

/** One line of a conversation. */
export interface ChatMessage {
  id: string;
  from: 'me' | 'them';
  text: string;
  at: number;
  /** Ours only. */
  delivery?: DeliveryState;
  /** Ours only: it was not delivered at first and went out again after a reconnect. */
  resent?: boolean;
}
