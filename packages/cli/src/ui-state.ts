/**
 * The view-model every front end of the CLI shares: a pure reducer from {@link ChatEvent}s to
 * conversations, their lines and their status. The TUI draws it, the plain mode prints the
 * lines it adds. No I/O, no timers: time comes in as `now`.
 * @module
 */
import type {
  ChatEvent,
  KnownPeerSummary,
  PeerId,
  TypingState,
  Verification,
} from '@cryptully/core/protocol';
import { describePath, formatBytes, withProgress } from '@cryptully/core/protocol';
import { safeName, safeText } from './sanitize.js';

/** Where one of our own messages is: sent (✓), queued while offline (✓), delivered (✓✓), not delivered (✗). */
export type Delivery = 'sent' | 'queued' | 'delivered' | 'undelivered';

/** The state of the link with a peer. */
export type ConnectionState = 'connecting' | 'waiting' | 'request' | 'connected' | 'disconnected';

/**
 * What a line is: a message in or out, information, a warning (drawn red), an invite (drawn
 * on a line of its own so it can be copied), or a request that needs an answer.
 */
export type LineKind = 'in' | 'out' | 'info' | 'warning' | 'invite' | 'request';

/** One line of a conversation's log (or of the home log). */
export interface ChatLine {
  /** Increasing over the whole state: the plain mode prints lines it has not printed yet. */
  readonly seq: number;
  readonly kind: LineKind;
  readonly at: number;
  readonly text: string;
  /** Message id, for `in` and `out` lines. */
  readonly id?: string;
  readonly delivery?: Delivery;
}

/** A request from a peer that waits for accept or reject. */
export interface PendingRequest {
  readonly known: boolean;
  readonly invited: boolean;
  readonly keyChanged: boolean;
  /** A known peer's name this new key's name looks like (UTS #39). */
  readonly looksLike?: string;
}

/** One conversation: a peer, its status and its log. */
export interface Conversation {
  readonly peer: PeerId;
  readonly name: string;
  readonly fingerprint: string;
  readonly code: string;
  readonly state: ConnectionState;
  readonly verification: Verification;
  readonly typing: TypingState;
  readonly unread: number;
  readonly lines: readonly ChatLine[];
  readonly request?: PendingRequest;
  /**
   * A question whose answer the person types next in this conversation (never sent: SMP
   * compares it). `theirs`: the peer asked it; `mine`: we are about to ask it (`/ask`).
   */
  readonly question?: { readonly from: 'theirs' | 'mine'; readonly text: string };
  /** How the connection runs, in words (`connected`'s `path`), e.g. `on your network`. */
  readonly path?: string;
}

/** A file transfer in progress (or offered), as the front ends show it. */
export interface FileTransferView {
  readonly peer: PeerId;
  readonly id: string;
  /** `in`: the peer sends it to us; `out`: we send it. */
  readonly direction: 'in' | 'out';
  /** Already sanitised by core (incoming) or chosen by us (outgoing). */
  readonly name: string;
  readonly size: number;
  readonly bytes: number;
  /**
   * `preparing`: ours, being read before it is offered (`bytes` read so far); `offered`:
   * waiting for an answer; `moving`: data flows.
   */
  readonly state: 'preparing' | 'offered' | 'moving';
  /** When the first progress came, and with how many bytes (for the rate). */
  readonly since?: { readonly at: number; readonly bytes: number };
  /** The latest progress time. */
  readonly at: number;
}

/** Everything the CLI shows. */
export interface UiState {
  /** File transfers not finished yet, oldest first. */
  readonly transfers?: readonly FileTransferView[];
  readonly me?: { readonly name: string; readonly fingerprint: string };
  readonly listening?: {
    readonly host: string;
    readonly port: number;
    readonly addresses: readonly string[];
  };
  /** The latest invite, if hosting. */
  readonly invite?: string;
  /** The join code to read out, if hosting (it works once; a new one follows). */
  readonly joinCode?: string;
  /** The home log: what belongs to no conversation (hosting, invites, errors, /help…). */
  readonly home: readonly ChatLine[];
  readonly conversations: readonly Conversation[];
  /** The conversation shown; `null` shows the home log. */
  readonly current: PeerId | null;
  readonly knownPeers?: readonly KnownPeerSummary[];
  /**
   * How our latest join was asked for: by invite or by address. The invite pins the host's
   * key, so a joiner by invite is verified from the start (the `waiting` event carries no
   * verification of its own).
   */
  readonly joiningBy?: 'invite' | 'address';
  readonly nextSeq: number;
}

/** How many lines a conversation keeps (older ones are dropped from the view, not from disk). */
export const MAX_LINES = 1000;

/** The state before any event. */
export const initialState: UiState = { home: [], conversations: [], current: null, nextSeq: 0 };

/** A line to add: everything but its sequence number. */
export type NewLine = Omit<ChatLine, 'seq'>;

/** Adds a line to a conversation (or the home log when `peer` is null or unknown). */
export function addLine(state: UiState, peer: PeerId | null, line: NewLine): UiState {
  const withSeq: ChatLine = { ...line, seq: state.nextSeq };
  const next = { ...state, nextSeq: state.nextSeq + 1 };
  const target = peer === null ? undefined : state.conversations.find((c) => c.peer === peer);
  if (target === undefined) return { ...next, home: [...state.home, withSeq].slice(-MAX_LINES) };
  const unread = line.kind === 'in' && state.current !== peer ? target.unread + 1 : target.unread;
  return replace(next, { ...target, unread, lines: [...target.lines, withSeq].slice(-MAX_LINES) });
}

/** Whether a join target is an invite (as opposed to `host:port`). */
export function isInviteTarget(target: string): boolean {
  return target.trim().toLowerCase().startsWith('cryptully:');
}

/** Records that we asked to join `target` (see {@link UiState.joiningBy}). */
export function noteJoin(state: UiState, target: string): UiState {
  return { ...state, joiningBy: isInviteTarget(target) ? 'invite' : 'address' };
}

/** Shows a conversation (or the home log with `null`) and marks it read. */
export function switchTo(state: UiState, peer: PeerId | null): UiState {
  const target = state.conversations.find((c) => c.peer === peer);
  if (target === undefined) return { ...state, current: null };
  return replace({ ...state, current: peer }, { ...target, unread: 0 });
}

/** Waits for the person's own answer to a question they ask the peer with `/ask`. */
export function awaitOwnAnswer(state: UiState, peer: PeerId, question: string): UiState {
  const conversation = conversationOf(state, peer);
  if (conversation === undefined) return state;
  return replace(state, { ...conversation, question: { from: 'mine', text: question } });
}

/** The typed answer was used: no question waits in this conversation any more. */
export function clearQuestion(state: UiState, peer: PeerId): UiState {
  const conversation = conversationOf(state, peer);
  if (conversation?.question === undefined) return state;
  return replace(state, { ...conversation, question: undefined });
}

/** The conversation shown, if any. */
export function currentConversation(state: UiState): Conversation | undefined {
  return state.conversations.find((c) => c.peer === state.current);
}

/** The conversation with a peer, if any. */
export function conversationOf(state: UiState, peer: PeerId): Conversation | undefined {
  return state.conversations.find((c) => c.peer === peer);
}

/** Requests waiting for an answer, oldest first. */
export function pendingRequests(state: UiState): Conversation[] {
  return state.conversations.filter((c) => c.request !== undefined);
}

function replace(state: UiState, conversation: Conversation): UiState {
  return {
    ...state,
    conversations: state.conversations.map((c) =>
      c.peer === conversation.peer ? conversation : c,
    ),
  };
}

function upsert(
  state: UiState,
  peer: PeerId,
  fields: Partial<Omit<Conversation, 'peer' | 'lines' | 'unread'>>,
): UiState {
  const existing = conversationOf(state, peer);
  const conversation: Conversation = existing
    ? { ...existing, ...fields }
    : {
        peer,
        name: 'someone',
        fingerprint: '',
        code: '',
        state: 'connecting',
        verification: 'unverified',
        typing: 'idle',
        unread: 0,
        lines: [],
        ...fields,
      };
  const next = existing
    ? replace(state, conversation)
    : { ...state, conversations: [...state.conversations, conversation] };
  return next.current === null ? switchTo(next, peer) : next;
}

function nameOf(state: UiState, peer: PeerId): string {
  return conversationOf(state, peer)?.name ?? 'your friend';
}

/** One sentence on how a peer was checked, with what to do about it. */
export function verificationSentence(
  name: string,
  verification: Verification,
  code: string,
): string {
  const sentences: Record<Verification, string> = {
    invite: `${name}'s identity was checked through the invite.`,
    code: `You compared codes with ${name} before.`,
    question: `${name} answered your question before (or you theirs): verified.`,
    'join-code': `${name} joined with your join code (or you with theirs): both keys were checked by the code.`,
    unverified: `Not verified yet: ask ${name} which code they see (by phone or in person); if it is ${code}, type /verify.`,
    'key-changed': `${name}'s key has changed since last time: see the warning above.`,
  };
  return sentences[verification];
}

/** The warning shown when a known peer comes back with a different key. */
export function keyChangedWarning(name: string, oldKey: string, newKey: string): string {
  return (
    `WARNING: ${name}'s key has changed. This happens when ${name} reinstalled cryptully or ` +
    `uses another computer, but it can also mean someone is pretending to be ${name}. ` +
    `Check with ${name} by phone or in person before accepting. ` +
    `Old fingerprint: ${oldKey}. New fingerprint: ${newKey}.`
  );
}

function describeTarget(state: UiState, target: string): string {
  if (isInviteTarget(target)) return "your friend's invite";
  // The engine names the invite's addresses, not the invite (it holds a secret).
  return state.joiningBy === 'invite' ? `${target} with your friend's invite` : target;
}

type Handler<E extends ChatEvent['event']> = (
  state: UiState,
  event: Extract<ChatEvent, { event: E }>,
  now: number,
) => UiState;
type Handlers = { [E in ChatEvent['event']]: Handler<E> };

// Data, not branches: one small handler per event.
const HANDLERS: Handlers = {
  ready: (state, e, now) =>
    addLine({ ...state, me: { name: safeName(e.name), fingerprint: e.fingerprint } }, null, {
      kind: 'info',
      at: now,
      text: `You are ${safeName(e.name)}. Your fingerprint: ${e.fingerprint}`,
    }),
  listening: (state, e, now) => {
    const where = e.addresses.length > 0 ? e.addresses.join(', ') : `${e.host}:${e.port}`;
    let next: UiState = {
      ...state,
      listening: { host: e.host, port: e.port, addresses: e.addresses },
      invite: e.invite,
      ...(e.code ? { joinCode: e.code } : {}),
    };
    next = addLine(next, null, { kind: 'info', at: now, text: `Waiting for friends on ${where}.` });
    if (e.mapped) {
      next = addLine(next, null, {
        kind: 'info',
        at: now,
        text: `Your router forwards ${safeText(e.mapped)} to you, so friends elsewhere can reach you directly (the mapping is removed when you quit).`,
      });
    } else if (e.dhtKey) {
      next = addLine(next, null, {
        kind: 'info',
        at: now,
        text: 'Friends on other networks come in through the DHT: no port to forward.',
      });
    }
    next = addLine(next, null, {
      kind: 'info',
      at: now,
      text: 'Send this invite to one friend (it works once; /invite makes another):',
    });
    next = addLine(next, null, { kind: 'invite', at: now, text: e.invite });
    if (!e.code) return next;
    next = addLine(next, null, {
      kind: 'info',
      at: now,
      text: 'Or read out this join code (it works once; they type: cryptully join CODE):',
    });
    return addLine(next, null, { kind: 'invite', at: now, text: e.code });
  },
  code: (state, e, now) => {
    const next = addLine({ ...state, joinCode: e.code }, null, {
      kind: e.reason === 'burnt' ? 'warning' : 'info',
      at: now,
      text: e.message,
    });
    return addLine(next, null, { kind: 'invite', at: now, text: e.code });
  },
  invite: (state, e, now) => {
    const hours = Math.max(1, Math.round((e.expiresAt - now) / 3_600_000));
    const next = addLine({ ...state, invite: e.invite }, null, {
      kind: 'info',
      at: now,
      text: `A new invite for one friend (it works once, for ${hours === 1 ? 'an hour' : `${hours} hours`}):`,
    });
    return addLine(next, null, { kind: 'invite', at: now, text: e.invite });
  },
  connecting: (state, e, now) =>
    addLine(state, null, {
      kind: 'info',
      at: now,
      text: `Connecting to ${describeTarget(state, e.target)}…`,
    }),
  request: (state, e, now) => {
    const name = safeName(e.name);
    // An invite says who held it, not who they are (a leaked invite works for anyone): on the
    // host an invite join is not verified, and the code is still there to compare.
    const verification: Verification = e.keyChanged
      ? 'key-changed'
      : (conversationOf(state, e.peer)?.verification ?? 'unverified');
    const next = upsert(state, e.peer, {
      name,
      fingerprint: e.fingerprint,
      code: e.code,
      state: 'request',
      verification,
      request: {
        known: e.known,
        invited: e.invited,
        keyChanged: e.keyChanged,
        ...(e.looksLike !== undefined ? { looksLike: safeName(e.looksLike) } : {}),
      },
    });
    const how = e.invited ? ' with your invite' : e.known ? ' again' : '';
    const alarm = e.keyChanged || e.looksLike !== undefined;
    const text = e.keyChanged
      ? `${name}'s key has changed since you last talked. Code: ${e.code}. Type /accept yes only if you checked with ${name}, otherwise /reject.`
      : e.looksLike !== undefined
        ? `${name} looks like ${safeName(e.looksLike)}, whom you know, but this is a new key: it may be someone else. Code: ${e.code}. Type /accept only if you checked, otherwise /reject.`
        : e.invited && !e.known
          ? `${name} joined with your invite (not verified: whoever has the invite can use it). Code: ${e.code}; compare it with ${name}, then type /accept or /reject.`
          : `${name} wants to chat${how}. Code: ${e.code}. Type /accept or /reject.`;
    return addLine(next, e.peer, { kind: alarm ? 'warning' : 'request', at: now, text });
  },
  waiting: (state, e, now) => {
    const name = safeName(e.name);
    // The engine checked the host's key against the invite before sending anything.
    const verification: Verification =
      state.joiningBy === 'invite'
        ? 'invite'
        : (conversationOf(state, e.peer)?.verification ?? 'unverified');
    const next = upsert(state, e.peer, {
      name,
      fingerprint: e.fingerprint,
      code: e.code,
      state: 'waiting',
      verification,
    });
    return addLine(next, e.peer, {
      kind: 'info',
      at: now,
      text: `Reached ${name}${e.known ? ' (same key as before)' : ''}. Waiting for ${name} to accept… Code: ${e.code}`,
    });
  },
  connected: (state, e, now) => {
    const name = safeName(e.name);
    const path = e.path
      ? describePath(e.path, name, e.remoteAddress && safeText(e.remoteAddress))
      : undefined;
    let next = upsert(state, e.peer, {
      name,
      fingerprint: e.fingerprint,
      code: e.code,
      state: 'connected',
      verification: e.verification,
      request: undefined,
      ...(path ? { path: path.label } : {}),
    });
    next = addLine(next, e.peer, {
      kind: 'info',
      at: now,
      text: path
        ? `You are now chatting with ${name}, ${path.label}. ${path.exposure}`
        : `You are now chatting with ${name}.`,
    });
    return addLine(next, e.peer, {
      kind: e.verification === 'key-changed' ? 'warning' : 'info',
      at: now,
      text: verificationSentence(name, e.verification, e.code),
    });
  },
  // Said once by the host, so shown where the user is looking (like an error).
  warning: (state, e, now) =>
    addLine(state, state.current, { kind: 'warning', at: now, text: safeText(e.message) }),
  invites: (state, e, now) => {
    const text =
      e.invites.length === 0
        ? 'No open invites.'
        : `Open invites (/revoke ID withdraws one): ${e.invites
            .map((i) => {
              const minutes = Math.max(1, Math.round((i.expiresAt - now) / 60_000));
              return `${i.id.slice(0, 8)} (expires in ${minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 60)} h`})`;
            })
            .join(', ')}`;
    return addLine(state, state.current, { kind: 'info', at: now, text });
  },
  message: (state, e) => {
    const next = upsert(state, e.peer, { typing: 'idle' });
    return addLine(next, e.peer, { kind: 'in', at: e.at, id: e.id, text: safeText(e.text) });
  },
  sent: (state, e) =>
    addLine(upsert(state, e.peer, {}), e.peer, {
      kind: 'out',
      at: e.at,
      id: e.id,
      text: safeText(e.text),
      delivery: e.queued ? 'queued' : 'sent',
    }),
  delivered: (state, e) => setDelivery(state, e.peer, [e.id], 'delivered'),
  undelivered: (state, e, now) => {
    const name = nameOf(state, e.peer);
    const count = e.ids.length === 1 ? '1 message was' : `${e.ids.length} messages were`;
    return addLine(setDelivery(state, e.peer, e.ids, 'undelivered'), e.peer, {
      kind: 'warning',
      at: now,
      text: `${count} not delivered (✗). They will be sent again when ${name} reconnects.`,
    });
  },
  typing: (state, e) =>
    conversationOf(state, e.peer) ? upsert(state, e.peer, { typing: e.state }) : state,
  verified: (state, e, now) =>
    addLine(upsert(state, e.peer, { verification: e.verification }), e.peer, {
      kind: 'info',
      at: now,
      text: `${nameOf(state, e.peer)} is now marked as verified.`,
    }),
  asked: (state, e, now) => {
    const name = nameOf(state, e.peer);
    const conversation = conversationOf(state, e.peer);
    if (conversation === undefined) return state;
    const question = safeText(e.question);
    const next = replace(state, { ...conversation, question: { from: 'theirs', text: question } });
    return addLine(next, e.peer, {
      kind: 'info',
      at: now,
      text: `${name} asks you: "${question}". Type your answer and press Enter. It is never sent: you both learn only whether your answers match.`,
    });
  },
  verification: (state, e, now) => {
    const name = nameOf(state, e.peer);
    const next = clearQuestion(state, e.peer);
    const lines = {
      match: { kind: 'info', text: `Your answers match: ${name} is verified.` },
      mismatch: {
        kind: 'warning',
        text: `Your answers did not match. Either one of you mistyped, or someone is in the middle. Ask again (/ask) or compare codes (/verify) before trusting this chat.`,
      },
      aborted: { kind: 'warning', text: `The question with ${name} was cancelled.` },
    } as const;
    return addLine(next, e.peer, { ...lines[e.result], at: now });
  },
  'key-changed': (state, e, now) => {
    const name = safeName(e.name);
    const next = upsert(state, e.peer, { name, verification: 'key-changed' });
    return addLine(next, e.peer, {
      kind: 'warning',
      at: now,
      text: keyChangedWarning(name, e.old, e.new),
    });
  },
  disconnected: (state, e, now) => {
    const known = conversationOf(state, e.peer) !== undefined;
    const next = known
      ? upsert(state, e.peer, { state: 'disconnected', typing: 'idle', request: undefined })
      : state;
    const name = nameOf(state, e.peer);
    // A goodbye's sentence may come from the peer: say it in our words, with the name.
    const text =
      e.reason === 'goodbye'
        ? `${name} left the chat.`
        : e.message || `${name} disconnected (${e.reason}).`;
    const kind = e.reason === 'goodbye' || e.reason === 'closed' ? 'info' : 'warning';
    const where = known ? e.peer : null;
    const ended = addLine(next, where, { kind, at: now, text: safeText(text) });
    // A joiner whose last conversation ended: say how to start another, or leave.
    const alive = ended.conversations.some((c) => c.state !== 'disconnected');
    if (ended.listening !== undefined || alive) return ended;
    return addLine(ended, where, {
      kind: 'info',
      at: now,
      text: 'Type /join with an invite or address to chat again, or /quit (or press Ctrl-C) to leave.',
    });
  },
  peers: (state, e, now) => {
    let next: UiState = { ...state, knownPeers: e.peers };
    if (e.peers.length === 0) {
      return addLine(next, null, {
        kind: 'info',
        at: now,
        text: 'You have not chatted with anyone yet.',
      });
    }
    next = addLine(next, state.current, {
      kind: 'info',
      at: now,
      text: 'Friends you have chatted with:',
    });
    for (const peer of e.peers) {
      next = addLine(next, state.current, {
        kind: 'info',
        at: now,
        text: `  ${safeName(peer.name)}${peer.online ? ' (online)' : ''}: ${peer.verification}, fingerprint ${peer.fingerprint}`,
      });
    }
    return next;
  },
  'file-offer': (state, e, now) => {
    const next = withTransfer(state, {
      peer: e.peer,
      id: e.id,
      direction: 'in',
      name: e.name,
      size: e.size,
      bytes: 0,
      state: 'offered',
      at: now,
    });
    return addLine(next, e.peer, {
      kind: 'request',
      at: now,
      text:
        e.kind === 'folder'
          ? `${nameOf(state, e.peer)} offers the folder "${safeName(e.name)}" (${e.entries} files, ${formatBytes(e.size)}). Type /accept to save it in your downloads folder, or /decline.`
          : `${nameOf(state, e.peer)} offers the file "${safeName(e.name)}" (${formatBytes(e.size)}). Type /accept to save it in your downloads folder, or /decline.`,
    });
  },
  'file-preparing': (state, e, now) => {
    const t = transferOf(state, e.peer, e.id) ?? {
      peer: e.peer,
      id: e.id,
      direction: 'out' as const,
      name: e.name,
      size: e.size,
      bytes: 0,
      state: 'preparing' as const,
      at: now,
    };
    // A late report does not turn an offer (or a moving transfer) back.
    if (t.state !== 'preparing') return state;
    return withTransfer(state, withProgress({ ...t, size: e.size }, e.bytes, now));
  },
  'file-offered': (state, e, now) => {
    // Replaces the `preparing` view of the same id, if any: the transfer's own bar from here.
    const next = withTransfer(state, {
      peer: e.peer,
      id: e.id,
      direction: 'out',
      name: e.name,
      size: e.size,
      bytes: 0,
      state: 'offered',
      at: now,
    });
    return addLine(next, e.peer, {
      kind: 'info',
      at: now,
      text: `Offering ${e.kind === 'folder' ? `the folder "${safeName(e.name)}" (${e.entries} files${e.skipped ? `; ${e.skipped} links or special files left out` : ''}, ` : `"${safeName(e.name)}" (`}${formatBytes(e.size)}) to ${nameOf(state, e.peer)}… (/cancel to stop)`,
    });
  },
  'file-progress': (state, e, now) => {
    const t = transferOf(state, e.peer, e.id);
    if (t === undefined) return state;
    return withTransfer(state, withProgress({ ...t, state: 'moving' }, e.bytes, now));
  },
  'file-done': (state, e, now) => {
    const t = transferOf(state, e.peer, e.id);
    const next = withoutTransfer(state, e.peer, e.id);
    const name = safeName(t?.name ?? 'the file');
    const text =
      t?.direction === 'out'
        ? `${nameOf(state, e.peer)} received "${name}" (SHA-256 checked).`
        : `Saved "${name}" to ${safeText(e.path)} (SHA-256 checked).`;
    return addLine(next, e.peer, { kind: 'info', at: now, text });
  },
  'file-failed': (state, e, now) => {
    const t = transferOf(state, e.peer, e.id);
    const next = withoutTransfer(state, e.peer, e.id);
    const name = safeName(t?.name ?? 'a file');
    return addLine(next, e.peer, {
      kind: 'warning',
      at: now,
      text: `"${name}" was not transferred: ${safeText(e.message)}`,
    });
  },
  error: (state, e, now) =>
    addLine(state, e.peer ?? state.current, {
      kind: 'warning',
      at: now,
      text: safeText(e.message),
    }),
};

/** A transfer by peer and id. */
export function transferOf(state: UiState, peer: PeerId, id: string): FileTransferView | undefined {
  return state.transfers?.find((t) => t.peer === peer && t.id === id);
}

/** Transfers with one peer (incoming offers first, then oldest first). */
export function transfersWith(state: UiState, peer: PeerId): FileTransferView[] {
  return (state.transfers ?? []).filter((t) => t.peer === peer);
}

function withTransfer(state: UiState, transfer: FileTransferView): UiState {
  const list = state.transfers ?? [];
  const known = list.some((t) => t.peer === transfer.peer && t.id === transfer.id);
  return {
    ...state,
    transfers: known
      ? list.map((t) => (t.peer === transfer.peer && t.id === transfer.id ? transfer : t))
      : [...list, transfer],
  };
}

/**
 * `state` without our files still being got ready for `peer`: a `send-file` that failed
 * while its file was read (the command's error names no transfer id).
 */
export function withoutPreparing(state: UiState, peer: PeerId): UiState {
  const list = state.transfers ?? [];
  if (!list.some((t) => t.peer === peer && t.state === 'preparing')) return state;
  return {
    ...state,
    transfers: list.filter((t) => !(t.peer === peer && t.state === 'preparing')),
  };
}

function withoutTransfer(state: UiState, peer: PeerId, id: string): UiState {
  const list = state.transfers ?? [];
  return { ...state, transfers: list.filter((t) => !(t.peer === peer && t.id === id)) };
}

/** `1.5 MiB`, `512 B`: sizes for people, in binary units (core's, shared with the desktop). */
export { formatBytes };

function setDelivery(
  state: UiState,
  peer: PeerId,
  ids: readonly string[],
  delivery: Delivery,
): UiState {
  const conversation = conversationOf(state, peer);
  if (conversation === undefined) return state;
  const lines = conversation.lines.map((line) =>
    line.kind === 'out' && line.id !== undefined && ids.includes(line.id)
      ? { ...line, delivery }
      : line,
  );
  return replace(state, { ...conversation, lines });
}

/**
 * Applies one event to the view-model. Unknown events (from a newer core) leave it unchanged.
 * @param now the time of the event in ms since the epoch, for lines the event has no time for
 */
export function reduce(state: UiState, event: ChatEvent, now: number): UiState {
  const handler = HANDLERS[event.event] as Handler<ChatEvent['event']> | undefined;
  return handler ? handler(state, event as never, now) : state;
}
