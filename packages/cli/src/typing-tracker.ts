/**
 * Decides which typing state to tell a friend, from the input's text and the time, as the
 * original Cryptully did: `typing` while keys are pressed, `paused` after a pause with text
 * left, `idle` when the input was emptied. Pure: the caller supplies `now` and a timer.
 * @module
 */
import type { TypingState } from '@cryptully/core/protocol';

/** After this long without a key, `typing` becomes `paused`. */
export const TYPING_PAUSE_MS = 3000;

/** Tracks one input's typing state; each method returns a state to send, or undefined. */
export class TypingTracker {
  state: TypingState = 'idle';
  private lastInputAt = 0;

  /** The input's text changed at `now`. */
  input(text: string, now: number): TypingState | undefined {
    this.lastInputAt = now;
    return this.become(text === '' ? 'idle' : 'typing');
  }

  /** Time passed: call about every second while `state` is `typing`. */
  tick(now: number): TypingState | undefined {
    if (this.state === 'typing' && now - this.lastInputAt >= TYPING_PAUSE_MS)
      return this.become('paused');
    return undefined;
  }

  /** The line was sent: the friend's client clears the indicator when the message arrives. */
  sent(): void {
    this.state = 'idle';
  }

  private become(state: TypingState): TypingState | undefined {
    if (state === this.state) return undefined;
    this.state = state;
    return state;
  }
}
