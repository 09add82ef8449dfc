/**
 * The status bar above the input: who you talk to, the connection, how they were verified
 * (a red KEY CHANGED when it matters), whether they are typing, and unread messages elsewhere.
 * @module
 */

import { formatClock, transferSpeed } from '@cryptully/core/protocol';
import type blessed from 'blessed';
import { statusParts } from '../format.js';
import {
  currentConversation,
  type FileTransferView,
  formatBytes,
  type UiState,
} from '../ui-state.js';
import type { Theme } from './theme.js';

/** The status bar's text (without tags) and whether it carries a key-change warning. */
export function statusText(state: UiState): { text: string; alarm: boolean } {
  const conversation = currentConversation(state);
  const unreadElsewhere = state.conversations
    .filter((c) => c.peer !== state.current)
    .reduce((sum, c) => sum + c.unread, 0);
  const elsewhere = unreadElsewhere > 0 ? `${unreadElsewhere} unread elsewhere (Ctrl-N)` : '';
  if (conversation === undefined) {
    const me = state.me ? state.me.name : 'cryptully';
    const where = state.listening ? `hosting on port ${state.listening.port}` : '';
    const count = state.conversations.filter((c) => c.state === 'connected').length;
    const people =
      count === 0
        ? 'nobody connected yet'
        : count === 1
          ? '1 friend connected'
          : `${count} friends connected`;
    const parts = [me, where, people, elsewhere];
    return { text: parts.filter(Boolean).join(' │ '), alarm: false };
  }
  const { name, connection, verification, typing } = statusParts(conversation);
  const moving = (state.transfers ?? []).find(
    (t) => t.peer === conversation.peer && (t.state === 'moving' || t.state === 'preparing'),
  );
  // During a transfer its progress takes the place of the (longer) verification hint.
  const parts = moving
    ? [name, progressBar(moving), elsewhere]
    : [name, connection, verification, typing, elsewhere];
  return {
    text: parts.filter(Boolean).join(' │ '),
    alarm: conversation.verification === 'key-changed',
  };
}

/**
 * A transfer's progress for one line: name, bar, bytes, rate and time left, e.g.
 * `↓ photo.jpg [######----] 60% 3.0/5.0 MiB 1.2 MiB/s 0:02 left`; for a file still being got
 * ready to send, `Getting video.mp4 ready [####------] 45% 0.9/2.0 GiB 0:01 left`.
 */
export function progressBar(t: FileTransferView, width = 10): string {
  const fraction = t.size === 0 ? 1 : Math.min(1, t.bytes / t.size);
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const speed = transferSpeed(t);
  const rate = speed?.perSecond ?? 0;
  const left = speed ? formatClock(speed.secondsLeft) : '?';
  const shown = [...t.name].length > 24 ? `${[...t.name].slice(0, 23).join('')}…` : t.name;
  if (t.state === 'preparing') {
    return `Getting ${shown} ready ${bar} ${Math.floor(fraction * 100)}% ${formatBytes(t.bytes)}/${formatBytes(t.size)}${speed ? ` ${left} left` : ''}`;
  }
  return `${t.direction === 'in' ? '↓' : '↑'} ${shown} ${bar} ${Math.floor(fraction * 100)}% ${formatBytes(t.bytes)}/${formatBytes(t.size)} ${formatBytes(Math.round(rate))}/s ${left} left`;
}

/** The status bar widget. */
export class StatusBar {
  readonly box: blessed.Widgets.BoxElement;

  constructor(
    parent: blessed.Widgets.Screen,
    private readonly theme: Theme,
    blessedModule: typeof blessed,
  ) {
    this.box = blessedModule.box({
      parent,
      bottom: 1,
      left: 0,
      right: 0,
      height: 1,
      tags: false,
      style: theme.style('status'),
    });
  }

  /** Draws the status of `state`; `scrolledBack` adds a hint that newer lines are below. */
  update(state: UiState, scrolledBack = false): void {
    const status = statusText(state);
    const text = scrolledBack ? `${status.text} │ more below: PageDown` : status.text;
    const { alarm } = status;
    this.box.style = this.theme.style(alarm ? 'warning' : 'status');
    this.box.setContent(` ${text}`);
  }
}
