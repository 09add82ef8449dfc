/**
 * Words and marks both front ends use to describe the view-model, so the TUI and the plain
 * mode say the same thing the same way.
 * @module
 */
import type { TypingState, Verification } from '@cryptully/core/protocol';
import type { ChatLine, ConnectionState, Conversation, Delivery } from './ui-state.js';

/** `HH:MM` in local time. */
export function formatTime(at: number): string {
  const date = new Date(at);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

/** The mark after one of our own messages. */
export const DELIVERY_MARKS: Record<Delivery, string> = {
  sent: '✓',
  queued: '✓',
  delivered: '✓✓',
  undelivered: '✗',
};

/** How the status bar names a verification state. */
export const VERIFICATION_LABELS: Record<Verification, string> = {
  invite: 'verified by invite',
  code: 'code compared',
  question: 'verified by question',
  'join-code': 'verified by join code',
  unverified: 'unverified — type /verify or /ask',
  'key-changed': 'KEY CHANGED',
};

/** How the status bar names a connection state. */
export const CONNECTION_LABELS: Record<ConnectionState, string> = {
  connecting: 'connecting…',
  waiting: 'waiting to be accepted',
  request: 'wants to chat: /accept or /reject',
  connected: 'connected',
  disconnected: 'offline',
};

/** The typing indicator, or an empty string. */
export function typingLabel(name: string, state: TypingState): string {
  const labels: Record<TypingState, string> = {
    typing: `${name} is typing…`,
    paused: `${name} stopped typing`,
    idle: '',
  };
  return labels[state];
}

/** The parts of the status bar for a conversation. */
export function statusParts(conversation: Conversation): {
  name: string;
  connection: string;
  verification: string;
  typing: string;
} {
  return {
    name: conversation.name,
    connection:
      conversation.state === 'connected' && conversation.path
        ? `connected ${conversation.path}`
        : CONNECTION_LABELS[conversation.state],
    verification: VERIFICATION_LABELS[conversation.verification],
    typing: typingLabel(conversation.name, conversation.typing),
  };
}

/** Indents the continuation lines of a multi-line text under its first line. */
export function indentContinuation(text: string, indent: number): string {
  return text.split('\n').join(`\n${' '.repeat(indent)}`);
}

/**
 * A line as plain text, e.g. `[12:03] Alice: hi`, `[12:03] You: hi ✓✓`, `[12:03] * info`.
 * @param speaker the peer's name, for `in` lines
 * @param marks whether to show delivery marks (the plain mode prints a line once, before
 *   delivery is known, so it leaves them out)
 */
export function plainLine(line: ChatLine, speaker: string, marks = true): string {
  // An invite stands alone on its line, so that selecting the line copies exactly the invite.
  if (line.kind === 'invite') return line.text;
  const time = `[${formatTime(line.at)}]`;
  const prefixes: Record<ChatLine['kind'], string> = {
    in: `${speaker}: `,
    out: 'You: ',
    info: '',
    warning: '',
    invite: '',
    request: '',
  };
  const prefix = `${time} ${prefixes[line.kind]}`;
  const mark = marks && line.delivery ? ` ${DELIVERY_MARKS[line.delivery]}` : '';
  return `${prefix}${indentContinuation(line.text, prefix.length)}${mark}`;
}
