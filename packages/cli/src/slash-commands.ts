/**
 * What a line typed in a chat means: text for the current peer, or a slash command. The
 * commands are a table read by one interpreter, shared by the TUI and the plain mode.
 * @module
 */

import { homedir } from 'node:os';
import type { ChatCommand, PeerId } from '@cryptully/core/protocol';
import {
  type Conversation,
  currentConversation,
  type FileTransferView,
  pendingRequests,
  type UiState,
} from './ui-state.js';

/** What the front end should do with a typed line. */
export interface LineOutcome {
  /** Commands for the chat node, in order. */
  readonly commands?: readonly ChatCommand[];
  /** A note for the person (shown in the current log, not sent anywhere). */
  readonly note?: string;
  /** Whether the note is a warning (drawn red). */
  readonly warning?: boolean;
  /** Show this conversation (`null`: the home log). */
  readonly switchTo?: PeerId | null;
  /** End the program after a goodbye to every peer. */
  readonly quit?: boolean;
  /** Wait for the person's own answer to this question, to ask it (`/ask`). */
  readonly awaitAnswer?: { readonly peer: PeerId; readonly question: string };
  /** The line was the answer to this conversation's question: it waits no more. */
  readonly answered?: PeerId;
}

/** One slash command. */
export interface SlashCommand {
  readonly name: string;
  /** How its arguments are shown in /help, e.g. `[name]`. */
  readonly args: string;
  readonly summary: string;
  /** Whether its first argument is a peer (for Tab completion). */
  readonly takesPeer?: boolean;
  run(args: string, state: UiState): LineOutcome;
}

/**
 * Finds a conversation from what a person typed: its number in the list, a name (exact, then
 * prefix, case-insensitive) or the start of a peer id.
 */
export function findConversation(state: UiState, word: string): Conversation | undefined {
  const wanted = word.trim().toLowerCase();
  if (wanted === '') return undefined;
  if (/^\d+$/.test(wanted)) return state.conversations[Number(wanted) - 1];
  const list = state.conversations;
  return (
    list.find((c) => c.name.toLowerCase() === wanted) ??
    list.find((c) => c.name.toLowerCase().startsWith(wanted)) ??
    list.find((c) => c.peer.toLowerCase().startsWith(wanted))
  );
}

function splitYes(args: string): { target: string; yes: boolean } {
  const words = args.trim().split(/\s+/).filter(Boolean);
  const yes = words.at(-1)?.toLowerCase() === 'yes';
  return { target: (yes ? words.slice(0, -1) : words).join(' '), yes };
}

function requestTarget(state: UiState, target: string): Conversation | LineOutcome {
  if (target !== '') {
    const found = findConversation(state, target);
    if (found?.request === undefined) {
      return { note: `Nobody called "${target}" is waiting for an answer.`, warning: true };
    }
    return found;
  }
  const current = currentConversation(state);
  if (current?.request !== undefined) return current;
  const [oldest] = pendingRequests(state);
  return oldest ?? { note: 'Nobody is waiting for an answer right now.' };
}

function chatTarget(state: UiState): Conversation | LineOutcome {
  return currentConversation(state) ?? { note: 'Open a conversation first (/switch or Ctrl-N).' };
}

const isOutcome = (value: Conversation | LineOutcome): value is LineOutcome => !('peer' in value);

/** The file offer /accept or /decline means: the current conversation's oldest, else any. */
function fileOffer(state: UiState): FileTransferView | undefined {
  const offers = (state.transfers ?? []).filter(
    (t) => t.direction === 'in' && t.state === 'offered',
  );
  return offers.find((t) => t.peer === state.current) ?? offers[0];
}

/** `~/x` → the home folder's `x` (the shell is not there to do it). */
function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}

/** Every slash command, in the order /help lists them. */
export const SLASH_COMMANDS: readonly SlashCommand[] = [
  {
    name: 'help',
    args: '',
    summary: 'list these commands',
    run: () => ({ note: helpText() }),
  },
  {
    name: 'accept',
    args: '[name]',
    summary: 'accept a friend who wants to chat',
    takesPeer: true,
    run(args, state) {
      const { target, yes } = splitYes(args);
      // A friend asking to chat comes first; otherwise /accept takes a file offered to you.
      const offer = fileOffer(state);
      const waiting = currentConversation(state)?.request ?? pendingRequests(state)[0];
      if (target === '' && offer !== undefined && waiting === undefined) {
        return { commands: [{ cmd: 'accept-file', peer: offer.peer, id: offer.id }] };
      }
      const request = requestTarget(state, target);
      if (isOutcome(request)) return request;
      if (request.request?.keyChanged && !yes) {
        return {
          warning: true,
          note: `${request.name}'s key has changed: check with ${request.name} by phone or in person first. To accept anyway, type /accept ${request.name} yes. Otherwise type /reject.`,
        };
      }
      const command: ChatCommand = request.request?.keyChanged
        ? { cmd: 'accept', peer: request.peer, confirmKeyChange: true }
        : { cmd: 'accept', peer: request.peer };
      return { commands: [command], switchTo: request.peer };
    },
  },
  {
    name: 'reject',
    args: '[name]',
    summary: 'turn down a friend who wants to chat',
    takesPeer: true,
    run(args, state) {
      const request = requestTarget(state, args.trim());
      if (isOutcome(request)) return request;
      return { commands: [{ cmd: 'reject', peer: request.peer }] };
    },
  },
  {
    name: 'send',
    args: '<path>',
    summary: 'send a file or folder to the friend you are talking to',
    run(args, state) {
      const path = args.trim();
      if (path === '')
        return { note: 'Type /send followed by the path of the file or folder to send.' };
      const conversation = chatTarget(state);
      if (isOutcome(conversation)) return conversation;
      // The node reads the whole file for its SHA-256 before the offer goes out (seconds for a
      // big file): say so at once, so that the wait is not silence.
      return {
        commands: [{ cmd: 'send-file', peer: conversation.peer, path: expandHome(path) }],
        note: `Getting ready to send ${path} (a big file takes a few seconds)…`,
      };
    },
  },
  {
    name: 'decline',
    args: '',
    summary: 'turn down a file offered to you',
    run(_args, state) {
      const offer = fileOffer(state);
      if (offer === undefined) return { note: 'Nobody is offering you a file right now.' };
      return { commands: [{ cmd: 'decline-file', peer: offer.peer, id: offer.id }] };
    },
  },
  {
    name: 'cancel',
    args: '',
    summary: 'stop the latest file transfer in this conversation (or a file still being got ready)',
    run(_args, state) {
      const list = (state.transfers ?? []).filter((t) => t.peer === state.current);
      const latest = list.at(-1);
      if (latest === undefined) return { note: 'No file transfer in this conversation.' };
      return { commands: [{ cmd: 'cancel-file', peer: latest.peer, id: latest.id }] };
    },
  },
  {
    name: 'verify',
    args: '[yes]',
    summary: 'show the code to compare with your friend; /verify yes when it matches',
    run(args, state) {
      const conversation = chatTarget(state);
      if (isOutcome(conversation)) return conversation;
      const { name, code, peer } = conversation;
      if (splitYes(args).yes) return { commands: [{ cmd: 'verify', peer }] };
      return {
        note: `Your code with ${name} is ${code}. Ask ${name} (by phone or in person) which code they see. If it is the same, type /verify yes. If not, someone may be in the middle: stop chatting.`,
      };
    },
  },
  {
    name: 'ask',
    args: '<question>',
    summary: 'ask your friend a question only they can answer; you type your answer next',
    run(args, state) {
      const conversation = chatTarget(state);
      if (isOutcome(conversation)) return conversation;
      const question = args.trim();
      if (question === '') {
        return {
          note: `Type /ask followed by a question only ${conversation.name} can answer, e.g. /ask Where did we first meet?`,
        };
      }
      if (conversation.state !== 'connected') {
        return { note: `Ask ${conversation.name} while you are connected.`, warning: true };
      }
      return {
        awaitAnswer: { peer: conversation.peer, question },
        note: `Now type your own answer to "${question}" and press Enter. It is never sent: you both learn only whether your answers match.`,
      };
    },
  },
  {
    name: 'invite',
    args: '',
    summary: 'make a new invite for one more friend (while hosting)',
    run: () => ({ commands: [{ cmd: 'invite' }] }),
  },
  {
    name: 'invites',
    args: '',
    summary: 'list your open invites, with their ids (while hosting)',
    run: () => ({ commands: [{ cmd: 'invites' }] }),
  },
  {
    name: 'revoke',
    args: '<invite id>',
    summary: 'withdraw an open invite (its id from /invites; the first 6+ digits will do)',
    run(args) {
      const id = args.trim();
      if (id === '') return { note: 'Say which invite: /revoke ID (see /invites).', warning: true };
      return { commands: [{ cmd: 'revoke', invite: id }] };
    },
  },
  {
    name: 'join',
    args: '<invite|host:port|name>',
    summary: "join a friend's chat (another one, or again after one ended)",
    run(args) {
      const target = args.trim();
      if (target === '') {
        return {
          note: 'Type /join followed by the invite your friend sent you (cryptully://join/…) or their address (host:port), or the name of a friend you joined before.',
        };
      }
      // An invite copied from a narrow window may have picked up line breaks or spaces.
      const cleaned = target.startsWith('cryptully://') ? target.replace(/\s+/g, '') : target;
      return { commands: [{ cmd: 'join', target: cleaned }], switchTo: null };
    },
  },
  {
    name: 'switch',
    args: '<number|name>',
    summary: 'show another conversation (also Ctrl-N / Ctrl-P, Alt-1…9)',
    takesPeer: true,
    run(args, state) {
      if (args.trim() === '0' || args.trim() === 'home') return { switchTo: null };
      const found = findConversation(state, args);
      if (found === undefined) {
        return {
          note: `No conversation "${args.trim()}". /peers lists your friends.`,
          warning: true,
        };
      }
      return { switchTo: found.peer };
    },
  },
  {
    name: 'peers',
    args: '',
    summary: 'list the friends you have chatted with',
    run: () => ({ commands: [{ cmd: 'peers' }] }),
  },
  {
    name: 'name',
    args: '<new name>',
    summary: 'change the name your friends see',
    run(args) {
      const name = args.trim();
      if (name === '') return { note: 'Type /name followed by the name your friends should see.' };
      return { commands: [{ cmd: 'name', name }] };
    },
  },
  {
    name: 'close',
    args: '',
    summary: 'end the current conversation (the others stay open)',
    run(_args, state) {
      const conversation = chatTarget(state);
      if (isOutcome(conversation)) return conversation;
      return { commands: [{ cmd: 'disconnect', peer: conversation.peer }] };
    },
  },
  {
    name: 'quit',
    args: '',
    summary: 'say goodbye to everyone and leave (also Ctrl-C)',
    run: () => ({ quit: true }),
  },
];

/** The /help text. */
export function helpText(): string {
  const width = Math.max(...SLASH_COMMANDS.map((c) => `/${c.name} ${c.args}`.length)) + 2;
  const rows = SLASH_COMMANDS.map((c) => `  ${`/${c.name} ${c.args}`.padEnd(width)}${c.summary}`);
  return ['Type a message and press Enter to send it. Commands:', ...rows].join('\n');
}

/**
 * Interprets a line typed in a chat. A line starting with `/` is a command (`//` sends a text
 * that starts with `/`); anything else is sent to the conversation shown.
 */
export function interpretLine(line: string, state: UiState): LineOutcome {
  if (line.trim() === '') return {};
  if (line.startsWith('/') && !line.startsWith('//')) {
    const match = /^\/(\S*)\s*(.*)$/s.exec(line)!;
    const name = match[1]!.toLowerCase();
    const command =
      SLASH_COMMANDS.find((c) => c.name === name) ??
      (name.length > 0
        ? onlyOne(SLASH_COMMANDS.filter((c) => c.name.startsWith(name)))
        : undefined);
    if (command === undefined) {
      return { note: `Unknown command /${name}. Type /help to see the commands.`, warning: true };
    }
    return command.run(match[2] ?? '', state);
  }
  const text = line.startsWith('//') ? line.slice(1) : line;
  const conversation = currentConversation(state);
  const question = conversation?.question;
  if (conversation !== undefined && question !== undefined) {
    const peer = conversation.peer;
    const command: ChatCommand =
      question.from === 'mine'
        ? { cmd: 'ask', peer, question: question.text, answer: text }
        : { cmd: 'answer', peer, answer: text };
    const note =
      question.from === 'mine'
        ? `Asked ${conversation.name}: "${question.text}". Waiting for their answer…`
        : `Answer given. Comparing with ${conversation.name}'s…`;
    return { commands: [command], answered: peer, note };
  }
  if (conversation === undefined) {
    const hint = state.conversations.length > 0 ? ' Press Ctrl-N to open a conversation.' : '';
    return { note: `Nobody to send this to yet: wait for a friend to join.${hint}` };
  }
  return { commands: [{ cmd: 'send', peer: conversation.peer, text }] };
}

function onlyOne<T>(items: readonly T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}

function commonPrefix(words: readonly string[]): string {
  let prefix = words[0] ?? '';
  for (const word of words) while (!word.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/**
 * Tab completion for the input line: completes a command name after `/`, and a friend's name
 * after a command that takes one. Returns the new text, or the text unchanged.
 */
export function completeLine(text: string, state: UiState): string {
  const command = /^\/(\S*)$/.exec(text);
  if (command) {
    const names = SLASH_COMMANDS.map((c) => c.name).filter((n) => n.startsWith(command[1]!));
    if (names.length === 1) return `/${names[0]} `;
    return names.length > 1 ? `/${commonPrefix(names)}` : text;
  }
  const peer = /^\/(\S+)\s+(\S*)$/.exec(text);
  const spec = peer ? SLASH_COMMANDS.find((c) => c.name === peer[1]) : undefined;
  if (peer && spec?.takesPeer) {
    const typed = peer[2]!.toLowerCase();
    const names = state.conversations
      .map((c) => c.name)
      .filter((n) => n.toLowerCase().startsWith(typed));
    if (names.length === 1) return `/${spec.name} ${names[0]}`;
    if (names.length > 1 && commonPrefix(names).length > typed.length) {
      return `/${spec.name} ${commonPrefix(names)}`;
    }
  }
  return text;
}
