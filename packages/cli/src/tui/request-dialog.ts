/**
 * The dialog for a friend who wants to chat: their name, the verification code, and the
 * choice. A normal request is answered with `a` (accept) or `r` (reject). A changed key is a
 * red warning in plain language that is accepted only by typing `yes` and Enter.
 * `Esc` closes the dialog without deciding (`/accept` or `/reject` later).
 * @module
 */

import type { ChatCommand } from '@cryptully/core/protocol';
import type blessed from 'blessed';
import type { Conversation } from '../ui-state.js';
import type { Theme } from './theme.js';
import { wrappedRows } from './wrap.js';

/**
 * Keys pressed this soon after the dialog appears are ignored, so that someone typing a
 * message does not accept or reject by accident with the next letter.
 */
export const ARMING_DELAY_MS = 700;

/** What a key press in the dialog decided. */
export type DialogOutcome =
  | { kind: 'command'; command: ChatCommand }
  | { kind: 'later' }
  | { kind: 'none' };

/** The text of the dialog (without tags) for a request, line by line. */
export function dialogLines(request: Conversation, typed: string): string[] {
  const { name, code, fingerprint } = request;
  if (request.request?.keyChanged) {
    return [
      `WARNING: ${name}'s key has changed.`,
      '',
      `This happens when ${name} reinstalled cryptully or uses another computer, but it can also mean someone is pretending to be ${name}. Call ${name} or ask in person before you accept.`,
      '',
      `Code: ${code}      New fingerprint: ${fingerprint}`,
      '',
      `To accept anyway, type yes and press Enter: ${typed}_`,
      'r: reject      Esc: decide later',
    ];
  }
  const lookalike = request.request?.looksLike;
  const how = lookalike
    ? `WARNING: this name looks like ${lookalike}, whom you know, but the key is new. Ask ${lookalike} which code they see; if it is not ${code}, reject.`
    : request.request?.invited
      ? // An invite says who held it, not who they are: a leaked invite works for anyone.
        `${name} joined with your invite (not verified: anyone who saw it can use it). Ask ${name} which code they see. If it is not ${code}, reject.`
      : request.request?.known
        ? `You have chatted with ${name} before (same key as last time).`
        : `Ask ${name} which code they see. If it is not ${code}, reject.`;
  return [
    `${name} wants to chat with you.`,
    '',
    `Verification code: ${code}`,
    how,
    '',
    'a: accept      r: reject      Esc: decide later',
  ];
}

/** The request dialog widget and its key handling. */
export class RequestDialog {
  readonly box: blessed.Widgets.BoxElement;
  /** The request shown, or undefined when the dialog is hidden. */
  request: Conversation | undefined;
  private openedAt = 0;
  private typed = '';

  constructor(
    parent: blessed.Widgets.Screen,
    private readonly theme: Theme,
    blessedModule: typeof blessed,
    private readonly armingDelayMs = ARMING_DELAY_MS,
  ) {
    this.box = blessedModule.box({
      parent,
      top: 'center',
      left: 'center',
      width: 78,
      height: 14,
      tags: true,
      border: { type: 'line' },
      padding: { left: 1, right: 1 },
      hidden: true,
    });
  }

  /** Shows `request` (or hides the dialog with undefined). */
  show(request: Conversation | undefined, now: number): void {
    if (request?.peer !== this.request?.peer) {
      this.openedAt = now;
      this.typed = '';
    }
    this.request = request;
    if (request === undefined) {
      this.box.hide();
      return;
    }
    const alarm = request.request?.keyChanged === true;
    const lines = dialogLines(request, this.typed);
    this.box.setLabel(alarm ? ' KEY CHANGED ' : ' Someone wants to chat ');
    this.box.style = this.theme.style(alarm ? 'warning' : 'dialog');
    const width = Math.min(78, (this.box.screen.width as number) - 2);
    this.box.width = width;
    // Rows of the wrapped text (inside border and padding), plus the border's two rows.
    this.box.height = wrappedRows(lines, width - 4) + 2;
    this.box.setContent(
      lines.map((line, i) => (i === 0 ? this.theme.bold(line) : this.theme.text(line))).join('\n'),
    );
    this.box.show();
    this.box.setFront();
  }

  /** Handles a key while the dialog is open. */
  key(ch: string | undefined, name: string | undefined, now: number): DialogOutcome {
    const request = this.request;
    if (request === undefined) return { kind: 'none' };
    if (name === 'escape') return { kind: 'later' };
    if (now - this.openedAt < this.armingDelayMs) return { kind: 'none' };
    const peer = request.peer;
    if (request.request?.keyChanged) {
      if (name === 'enter' || name === 'return') {
        if (this.typed.trim().toLowerCase() === 'yes') {
          return { kind: 'command', command: { cmd: 'accept', peer, confirmKeyChange: true } };
        }
        this.typed = '';
      } else if (name === 'backspace') {
        this.typed = this.typed.slice(0, -1);
      } else if (ch === 'r' && this.typed === '') {
        return { kind: 'command', command: { cmd: 'reject', peer } };
      } else if (ch !== undefined && /^[a-zA-Z]$/.test(ch) && this.typed.length < 3) {
        this.typed += ch;
      }
      this.show(request, now);
      return { kind: 'none' };
    }
    if (ch === 'a' || ch === 'A') return { kind: 'command', command: { cmd: 'accept', peer } };
    if (ch === 'r' || ch === 'R') return { kind: 'command', command: { cmd: 'reject', peer } };
    return { kind: 'none' };
  }
}
