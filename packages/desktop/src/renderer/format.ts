/**
 * Words the views show for states, as tables (pure, tested with the reducer).
 * @module
 */
import type { Verification } from '@cryptully/core/protocol';
import type { ChatMessage, DeliveryState } from './message.js';

/** The label of a delivery state under one of our messages. */
export const DELIVERY_LABELS: Record<DeliveryState, string> = {
  sending: 'Sending…',
  queued: 'Waiting for them to come online',
  delivered: 'Delivered',
  undelivered: 'Not delivered yet, will be re-sent when they reconnect',
};

/** A message's delivery label, noting a message that went out again after a reconnect. */
export function deliveryLabel(message: ChatMessage): string {
  if (!message.delivery) return '';
  if (message.delivery === 'delivered' && message.resent) return 'Delivered after re-sending';
  return DELIVERY_LABELS[message.delivery];
}

/** The verification badge: a short label, a longer explanation and a tone for styling. */
export const VERIFICATION_BADGES: Record<
  Verification,
  { label: string; explanation: string; tone: 'good' | 'neutral' | 'danger' }
> = {
  invite: {
    label: 'Verified by invite',
    explanation: 'The invite carried their key, so this is the person you invited.',
    tone: 'good',
  },
  code: {
    label: 'Code compared',
    explanation: 'You compared the verification code with them.',
    tone: 'good',
  },
  question: {
    label: 'Verified by question',
    explanation: 'They answered a question only they could answer (or you answered theirs).',
    tone: 'good',
  },
  'join-code': {
    label: 'Verified by join code',
    explanation:
      'You joined with their join code (or they with yours): the code checked both keys.',
    tone: 'good',
  },
  unverified: {
    label: 'Unverified',
    explanation: 'Compare the verification code with them to be sure nobody is listening in.',
    tone: 'neutral',
  },
  'key-changed': {
    label: 'Key changed',
    explanation: 'Their key is different from last time. Check with them before trusting it.',
    tone: 'danger',
  },
};

/**
 * Why a friend went offline, in the app's own words, by the `disconnected` reason code (the
 * engine's message is generic and not always about this friend).
 */
export const DISCONNECT_NOTES: Readonly<Record<string, (name: string) => string>> = {
  goodbye: (name) => `${name} left the chat.`,
  quit: () => 'You ended the chat.',
  rejected: () => 'The request to chat was turned down.',
  timeout: (name) => `${name} stopped answering, so the chat was closed.`,
  closed: (name) => `The connection to ${name} was lost.`,
  unreachable: (name) => `${name} could not be reached.`,
  'protocol-error': (name) => `${name}'s app sent something unexpected, so the chat was closed.`,
  'decrypt-failed': (name) =>
    `A message from ${name} failed its security check, so the chat was closed to be safe.`,
  'handshake-failed': (name) => `A secure connection with ${name} could not be set up.`,
  'key-mismatch': (name) => `${name}'s key was not the expected one, so the chat was closed.`,
  'invite-used': () => 'That invite was used already. Ask for a new one.',
  'invite-expired': () => 'That invite has expired. Ask for a new one.',
  'invite-unknown': () => 'That invite is not known to the host. Ask for a new one.',
  busy: (name) => `${name} cannot take more chats right now.`,
  replaced: (name) => `${name} connected again, so this connection was replaced.`,
};

/** The status line of an offline friend, from the `disconnected` reason code. */
export function disconnectNote(reason: string, name: string): string {
  return (DISCONNECT_NOTES[reason] ?? ((n: string) => `The chat with ${n} ended.`))(name);
}

/**
 * A message time as the person's clock shows it: hours and minutes today, with the date
 * before that (a conversation kept across days).
 */
export function formatTime(at: number, now: number = Date.now(), locale?: string): string {
  const date = new Date(at);
  const time = date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  if (date.toDateString() === new Date(now).toDateString()) return time;
  return `${date.toLocaleDateString(locale, { day: 'numeric', month: 'short' })}, ${time}`;
}

/** The initials shown in a friend's avatar. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters =
    words.length > 1 ? [words[0]![0], words[1]![0]] : [...(words[0] ?? '?')].slice(0, 2);
  return letters.join('').toUpperCase();
}
