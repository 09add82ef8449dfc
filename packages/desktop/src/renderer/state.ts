/**
 * The renderer's view model and its reducer: events from the back end and the person's own
 * actions in, the state every view reads out. Pure (no DOM), so it is tested in Node.
 * @module
 */
import {
  describePath,
  endsJoin,
  type PathDescription,
  type PeerId,
  type TypingState,
  type Verification,
  withProgress,
} from '@cryptully/core/protocol';
import type { AppEvent, AppPhase, SettingsEvent } from '../bridge/app-protocol.js';
import { disconnectNote } from './format.js';
import type { ChatMessage, DeliveryState } from './message.js';

export type { ChatMessage, DeliveryState } from './message.js';

/** A conversation with one friend, kept across reconnects (keyed by their peer id). */
export interface Conversation {
  peer: PeerId;
  name: string;
  fingerprint: string;
  code: string;
  verification: Verification;
  online: boolean;
  messages: ChatMessage[];
  unread: number;
  typing: TypingState;
  /** Why the friend went offline, in one sentence. */
  note: string | null;
  lastActivity: number;
  /** A question the friend asked us (SMP), waiting for our answer in the Verify dialog. */
  question?: string;
  /** How the connection runs, in words (from `connected`'s `path`). */
  path?: PathDescription;
}

/** Someone who wants to chat with us and is waiting for Accept or Reject. */
export interface IncomingRequest {
  peer: PeerId;
  name: string;
  fingerprint: string;
  code: string;
  known: boolean;
  invited: boolean;
  keyChanged: boolean;
  /** A known friend's name this new key's name looks like ("Bоb" beside "Bob"). */
  looksLike?: string;
}

/** A remembered friend came back with a different key: needs a decision. */
export interface KeyWarning {
  /** The connection with the new key (its peer id comes from the new key). */
  peer: PeerId;
  name: string;
  oldFingerprint: string;
  newFingerprint: string;
  /** Our conversation with the old key, if we have one: it shows "Key changed" meanwhile. */
  conversation: PeerId | null;
}

/** Our attempt to join someone else's chat. */
export interface JoinAttempt {
  target: string;
  status: 'connecting' | 'waiting' | 'failed';
  peer?: PeerId;
  name?: string;
  code?: string;
  message?: string;
}

/** What we are hosting: the invite to send and where we listen. */
export interface Hosting {
  host: string;
  port: number;
  invite: string;
  addresses: string[];
  expiresAt: number | null;
  /** The join code to read out (works once; the back end sends the next one). */
  joinCode?: string;
  /** The last code was burnt by a wrong try (the one shown is its replacement). */
  joinCodeBurnt?: boolean;
}

/** A short message for the person (an error from the back end, mostly). */
export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

/** The screen in the main pane. */
export type Screen = 'start' | 'host' | 'join' | 'chat';

/** Everything the views show. */
export interface ViewState {
  bridge: 'connecting' | 'open' | 'closed' | 'refused';
  phase: AppPhase | 'loading';
  me: { name: string; fingerprint: string } | null;
  busy: boolean;
  screen: Screen;
  hosting: Hosting | null;
  join: JoinAttempt | null;
  requests: IncomingRequest[];
  keyWarnings: KeyWarning[];
  conversations: Record<PeerId, Conversation>;
  selected: PeerId | null;
  verifyOpen: boolean;
  /** The last error while choosing a name or unlocking, shown in the form itself. */
  setupError: string | null;
  focused: boolean;
  notices: Notice[];
  nextNoticeId: number;
  /** File transfers, oldest first; finished and failed ones stay until dismissed. */
  transfers: FileTransfer[];
  /** The saved reach settings (DHT, relay, bootstrap, port mapping), once the back end has sent them. */
  settings: Omit<SettingsEvent, 'event'> | null;
}

/** A file transfer as the views show it. */
export interface FileTransfer {
  peer: PeerId;
  /** Core's transfer id, or (state `uploading`) the tab's upload id. */
  id: string;
  direction: 'in' | 'out';
  /** Sanitised by core (incoming) or chosen by us (outgoing). */
  name: string;
  size: number;
  bytes: number;
  /**
   * `uploading`: the browser is handing the file to the back end; `preparing`: ours is being
   * read before it is offered (`file-preparing`); `offered`: waiting for an answer; `moving`:
   * data flows; `done`: the hash checked; `failed`: see `message`.
   */
  state: 'uploading' | 'preparing' | 'offered' | 'moving' | 'done' | 'failed';
  /** When the first progress came, and with how many bytes (for the rate). */
  since?: { at: number; bytes: number };
  /** The latest progress time. */
  at?: number;
  /** `done`: the saved file (incoming) or the file sent (outgoing). */
  path?: string;
  /** `failed`: one sentence saying why. */
  message?: string;
  /** A folder (one offer of many files): how many files it holds. */
  entries?: number;
}

/** Everything that changes the view model. */
export type Action =
  | { type: 'event'; event: AppEvent; now?: number }
  | { type: 'bridge'; status: ViewState['bridge'] }
  | { type: 'show'; screen: Exclude<Screen, 'chat'> }
  | { type: 'select'; peer: PeerId }
  | { type: 'busy' }
  | { type: 'open-verify' }
  | { type: 'close-dialog' }
  | { type: 'focus'; focused: boolean }
  | { type: 'dismiss'; id: number }
  /** The browser started uploading a file for `peer` (see `upload.ts`). */
  | { type: 'upload'; peer: PeerId; upload: string; name: string; size: number }
  /** Removes a finished or failed transfer from view. */
  | { type: 'dismiss-transfer'; peer: PeerId; id: string };

/** Transfers with one peer, oldest first. */
export function transfersWith(state: ViewState, peer: PeerId): FileTransfer[] {
  return state.transfers.filter((t) => t.peer === peer);
}

/** The most notices kept on screen at once. */
export const MAX_NOTICES = 3;

/** The state before the back end has said anything. */
export function initialState(focused = true): ViewState {
  return {
    bridge: 'connecting',
    phase: 'loading',
    me: null,
    busy: false,
    screen: 'start',
    hosting: null,
    join: null,
    requests: [],
    keyWarnings: [],
    conversations: {},
    selected: null,
    verifyOpen: false,
    setupError: null,
    focused,
    notices: [],
    transfers: [],
    nextNoticeId: 1,
    settings: null,
  };
}

/** Conversations, most recent first. */
export function conversationList(state: ViewState): Conversation[] {
  return Object.values(state.conversations).sort((a, b) => b.lastActivity - a.lastActivity);
}

/** The conversation on screen, if any. */
export function currentConversation(state: ViewState): Conversation | null {
  return state.screen === 'chat' && state.selected
    ? (state.conversations[state.selected] ?? null)
    : null;
}

function isReading(state: ViewState, peer: PeerId): boolean {
  return state.screen === 'chat' && state.selected === peer && state.focused;
}

function updateConversation(
  state: ViewState,
  peer: PeerId,
  change: (c: Conversation) => Conversation,
): ViewState {
  const existing = state.conversations[peer] ?? blankConversation(peer);
  return { ...state, conversations: { ...state.conversations, [peer]: change(existing) } };
}

function blankConversation(peer: PeerId): Conversation {
  return {
    peer,
    name: 'Unknown friend',
    fingerprint: '',
    code: '',
    verification: 'unverified',
    online: false,
    messages: [],
    unread: 0,
    typing: 'idle',
    note: null,
    lastActivity: 0,
  };
}

function notice(state: ViewState, kind: Notice['kind'], text: string): ViewState {
  const notices = [...state.notices, { id: state.nextNoticeId, kind, text }].slice(-MAX_NOTICES);
  return { ...state, notices, nextNoticeId: state.nextNoticeId + 1 };
}

/**
 * A notice about a transfer with `peer`, unless that conversation is on screen: its row
 * already says it there (and a notice would cover the row's buttons).
 */
function noticeElsewhere(
  peer: PeerId,
  state: ViewState,
  kind: Notice['kind'],
  text: string,
): ViewState {
  return state.screen === 'chat' && state.selected === peer ? state : notice(state, kind, text);
}

function withTransfer(state: ViewState, transfer: FileTransfer): ViewState {
  const known = state.transfers.some((t) => t.peer === transfer.peer && t.id === transfer.id);
  return {
    ...state,
    transfers: known
      ? state.transfers.map((t) =>
          t.peer === transfer.peer && t.id === transfer.id ? transfer : t,
        )
      : [...state.transfers, transfer],
  };
}

/** The row of a browser upload (its id is the tab's own). */
function uploadOf(state: ViewState, upload: string): FileTransfer | undefined {
  return state.transfers.find((t) => t.id === upload && t.state === 'uploading');
}

function withoutTransfer(state: ViewState, peer: PeerId, id: string): ViewState {
  return { ...state, transfers: state.transfers.filter((t) => !(t.peer === peer && t.id === id)) };
}

function setDelivery(
  messages: ChatMessage[],
  ids: ReadonlySet<string>,
  delivery: DeliveryState,
): ChatMessage[] {
  return messages.map((m) => {
    if (m.from !== 'me' || !ids.has(m.id)) return m;
    // Delivered after it waited (friend offline) or failed: it went out again on a reconnect.
    const waited = m.delivery === 'undelivered' || m.delivery === 'queued';
    const resent = m.resent || (waited && delivery === 'delivered');
    return { ...m, delivery, ...(resent ? { resent: true } : {}) };
  });
}

/**
 * The new key of a friend was trusted (`connected` after a key-change warning): the
 * conversation kept under the old key's peer id moves to the new one, so the history stays in
 * one place; its verification is then whatever `connected` says for the new key.
 */
function carryOverTrustedKey(state: ViewState, peer: PeerId): ViewState {
  const old = state.keyWarnings.find((w) => w.peer === peer)?.conversation;
  const conversation = old && old !== peer ? state.conversations[old] : undefined;
  if (!old || !conversation || state.conversations[peer]) return state;
  const { [old]: _moved, ...others } = state.conversations;
  return {
    ...state,
    conversations: { ...others, [peer]: { ...conversation, peer } },
    selected: state.selected === old ? peer : state.selected,
  };
}

/**
 * The verification a conversation's badge shows: `key-changed` while a key-change warning
 * about it waits for a decision, else what the engine last said.
 */
export function shownVerification(state: ViewState, conversation: Conversation): Verification {
  const pending = state.keyWarnings.some(
    (w) => w.peer === conversation.peer || w.conversation === conversation.peer,
  );
  return pending ? 'key-changed' : conversation.verification;
}

type Handler<E extends AppEvent['event']> = (
  state: ViewState,
  event: Extract<AppEvent, { event: E }>,
  now: number,
) => ViewState;

// Data, not branches: one small handler per event name.
const ON_EVENT: { [E in AppEvent['event']]: Handler<E> } = {
  'app-state': (state, e) => ({
    ...state,
    phase: e.state,
    busy: false,
    me: e.name !== undefined ? { name: e.name, fingerprint: e.fingerprint ?? '' } : state.me,
  }),
  ready: (state, e) => ({ ...state, me: { name: e.name, fingerprint: e.fingerprint } }),
  settings: (state, e) => ({
    ...state,
    settings: { dht: e.dht, relay: e.relay, bootstrap: e.bootstrap, portMapping: e.portMapping },
  }),
  listening: (state, e) => ({
    ...state,
    hosting: {
      host: e.host,
      port: e.port,
      invite: e.invite,
      addresses: e.addresses,
      expiresAt: state.hosting?.expiresAt ?? null,
      ...(e.code ? { joinCode: e.code } : {}),
    },
  }),
  // A used code is replaced quietly (the new conversation says enough); a burnt one is told
  // both in a notice and on the Host screen, next to the new code.
  code: (state, e) => {
    const burnt = e.reason === 'burnt';
    const next = state.hosting
      ? { ...state, hosting: { ...state.hosting, joinCode: e.code, joinCodeBurnt: burnt } }
      : state;
    return burnt ? notice(next, 'error', e.message) : next;
  },
  invite: (state, e) =>
    state.hosting
      ? { ...state, hosting: { ...state.hosting, invite: e.invite, expiresAt: e.expiresAt } }
      : state,
  connecting: (state, e) => ({ ...state, join: { target: e.target, status: 'connecting' } }),
  // Shown like an error: the host's user must read it (a possible attack, said once).
  warning: (state, e) => notice(state, 'error', e.message),
  // The desktop app has no invites panel yet: the count, as a notice.
  invites: (state, e) =>
    notice(state, 'info', `${e.invites.length} open invite${e.invites.length === 1 ? '' : 's'}.`),
  request: (state, e) => {
    const { event: _event, ...request } = e;
    return {
      ...state,
      requests: [...state.requests.filter((r) => r.peer !== e.peer), request],
    };
  },
  waiting: (state, e) => ({
    ...state,
    join: {
      target: state.join?.target ?? '',
      status: 'waiting',
      peer: e.peer,
      name: e.name,
      code: e.code,
    },
  }),
  connected: (state0, e, now) => {
    const state = carryOverTrustedKey(state0, e.peer);
    const next = updateConversation(state, e.peer, (c) => ({
      ...c,
      name: e.name,
      fingerprint: e.fingerprint,
      code: e.code,
      verification: e.verification,
      online: true,
      note: null,
      ...(e.path ? { path: describePath(e.path, e.name, e.remoteAddress) } : {}),
      lastActivity: Math.max(c.lastActivity, now),
    }));
    // Our own join attempt succeeded (as opposed to a request we accepted while joining).
    const fromRequest = state.requests.some((r) => r.peer === e.peer);
    const join = state.join;
    const ourJoin =
      join !== null &&
      join.status !== 'failed' &&
      (join.peer === e.peer || (join.peer === undefined && !fromRequest));
    const focusIt = ourJoin || state.screen !== 'chat' || state.selected === null;
    return {
      ...next,
      requests: next.requests.filter((r) => r.peer !== e.peer),
      keyWarnings: next.keyWarnings.filter((w) => w.peer !== e.peer),
      join: ourJoin ? null : join,
      ...(focusIt ? { screen: 'chat' as const, selected: e.peer, verifyOpen: false } : {}),
    };
  },
  message: (state, e) =>
    updateConversation(state, e.peer, (c) =>
      c.messages.some((m) => m.id === e.id && m.from === 'them')
        ? c
        : {
            ...c,
            typing: 'idle',
            messages: [...c.messages, { id: e.id, from: 'them', text: e.text, at: e.at }],
            unread: isReading(state, e.peer) ? 0 : c.unread + 1,
            lastActivity: Math.max(c.lastActivity, e.at),
          },
    ),
  sent: (state, e) =>
    updateConversation(state, e.peer, (c) => {
      const delivery: DeliveryState = e.queued ? 'queued' : 'sending';
      if (c.messages.some((m) => m.from === 'me' && m.id === e.id)) {
        return { ...c, messages: setDelivery(c.messages, new Set([e.id]), delivery) };
      }
      return {
        ...c,
        messages: [...c.messages, { id: e.id, from: 'me', text: e.text, at: e.at, delivery }],
        lastActivity: Math.max(c.lastActivity, e.at),
      };
    }),
  delivered: (state, e) =>
    updateConversation(state, e.peer, (c) => ({
      ...c,
      messages: setDelivery(c.messages, new Set([e.id]), 'delivered'),
    })),
  undelivered: (state, e) =>
    updateConversation(state, e.peer, (c) => ({
      ...c,
      messages: setDelivery(c.messages, new Set(e.ids), 'undelivered'),
    })),
  typing: (state, e) =>
    state.conversations[e.peer]
      ? updateConversation(state, e.peer, (c) => ({ ...c, typing: e.state }))
      : state,
  verified: (state, e) =>
    updateConversation(state, e.peer, (c) => ({ ...c, verification: e.verification })),
  asked: (state, e) => {
    const next = updateConversation(state, e.peer, (c) => ({ ...c, question: e.question }));
    const name = next.conversations[e.peer]?.name || 'Your friend';
    return notice(next, 'info', `${name} asks you a question: open Verify to answer it.`);
  },
  verification: (state, e) => {
    const next = updateConversation(state, e.peer, (c) => ({ ...c, question: undefined }));
    const name = next.conversations[e.peer]?.name || 'your friend';
    const texts = {
      match: `Your answers match: ${name} is verified.`,
      mismatch: `Your answers did not match. One of you mistyped, or someone is in the middle: check again before trusting this chat.`,
      aborted: `The question with ${name} was cancelled.`,
    };
    return notice(next, e.result === 'match' ? 'info' : 'error', texts[e.result]);
  },
  'key-changed': (state, e) => {
    const previous =
      Object.values(state.conversations).find((c) => c.fingerprint === e.old) ??
      state.conversations[e.peer];
    const warning: KeyWarning = {
      peer: e.peer,
      name: e.name,
      oldFingerprint: e.old,
      newFingerprint: e.new,
      conversation: previous?.peer ?? null,
    };
    // The badge says "Key changed" while the warning stands (see shownVerification); the
    // conversation keeps its old verification for when the new key is rejected.
    return {
      ...state,
      keyWarnings: [...state.keyWarnings.filter((w) => w.peer !== e.peer), warning],
    };
  },
  disconnected: (state, e) => {
    const joinEnded =
      state.join !== null &&
      state.join.status !== 'failed' &&
      (state.join.peer === e.peer || !state.conversations[e.peer]?.online);
    const next = state.conversations[e.peer]
      ? updateConversation(state, e.peer, (c) => ({
          ...c,
          online: false,
          typing: 'idle',
          note: disconnectNote(e.reason, c.name),
        }))
      : state;
    return {
      ...next,
      requests: next.requests.filter((r) => r.peer !== e.peer),
      keyWarnings: next.keyWarnings.filter((w) => w.peer !== e.peer),
      join:
        joinEnded && state.join
          ? { ...state.join, status: 'failed', message: e.message }
          : next.join,
    };
  },
  peers: (state, e) => {
    let next = state;
    for (const p of e.peers) {
      if (!next.conversations[p.peer]) continue;
      next = updateConversation(next, p.peer, (c) => ({
        ...c,
        name: p.name,
        verification: p.verification,
        online: p.online,
      }));
    }
    return next;
  },
  'file-offer': (state, e) =>
    noticeElsewhere(
      e.peer,
      withTransfer(state, {
        peer: e.peer,
        id: e.id,
        direction: 'in',
        name: e.name,
        size: e.size,
        bytes: 0,
        state: 'offered',
        ...(e.kind === 'folder' ? { entries: e.entries ?? 0 } : {}),
      }),
      'info',
      `${state.conversations[e.peer]?.name ?? 'A friend'} offers the ${e.kind === 'folder' ? 'folder' : 'file'} "${e.name}".`,
    ),
  'file-preparing': (state, e, now) => {
    const t = state.transfers.find((x) => x.peer === e.peer && x.id === e.id) ?? {
      peer: e.peer,
      id: e.id,
      direction: 'out' as const,
      name: e.name,
      size: e.size,
      bytes: 0,
      state: 'preparing' as const,
    };
    if (t.state !== 'preparing') return state;
    return withTransfer(state, withProgress({ ...t, size: e.size }, e.bytes, now));
  },
  // Replaces the `preparing` row of the same id, if any.
  'file-offered': (state, e) =>
    withTransfer(state, {
      peer: e.peer,
      id: e.id,
      direction: 'out',
      name: e.name,
      size: e.size,
      bytes: 0,
      state: 'offered',
      ...(e.kind === 'folder' ? { entries: e.entries ?? 0 } : {}),
    }),
  'file-progress': (state, e, now) => {
    const t = state.transfers.find((x) => x.peer === e.peer && x.id === e.id);
    if (!t || t.state === 'done' || t.state === 'failed') return state;
    return withTransfer(state, withProgress({ ...t, state: 'moving' }, e.bytes, now));
  },
  'file-done': (state, e, now) => {
    const t = state.transfers.find((x) => x.peer === e.peer && x.id === e.id);
    if (!t) return state;
    const next = withTransfer(state, { ...t, bytes: t.size, state: 'done', path: e.path, at: now });
    return noticeElsewhere(
      e.peer,
      next,
      'info',
      t.direction === 'out' ? `"${t.name}" was received.` : `Saved "${t.name}" to ${e.path}.`,
    );
  },
  'file-failed': (state, e) => {
    const t = state.transfers.find((x) => x.peer === e.peer && x.id === e.id);
    const message = `"${t?.name ?? 'A file'}" was not transferred: ${e.message}`;
    const next = t ? withTransfer(state, { ...t, state: 'failed', message }) : state;
    return t ? noticeElsewhere(e.peer, next, 'error', message) : notice(next, 'error', message);
  },
  'upload-ack': (state, e, now) => {
    const t = uploadOf(state, e.upload);
    return t ? withTransfer(state, withProgress(t, e.bytes, now)) : state;
  },
  'upload-done': (state, e) => {
    const t = uploadOf(state, e.upload);
    return t ? withoutTransfer(state, t.peer, t.id) : state;
  },
  'upload-failed': (state, e) => {
    const t = uploadOf(state, e.upload);
    state = withoutPreparing(state);
    if (!t) return state;
    const message = `"${t.name}" was not sent: ${e.message}`;
    return noticeElsewhere(
      t.peer,
      withTransfer(state, { ...t, state: 'failed', message }),
      'error',
      message,
    );
  },
  error: (state, e) => {
    // A send that failed while its file was read: the error names no transfer, so rows still
    // being got ready go (a live one comes back with its next `file-preparing`).
    state = withoutPreparing(state);
    if (state.phase === 'setup' || state.phase === 'locked') {
      return { ...state, busy: false, setupError: e.message };
    }
    const next = notice({ ...state, busy: false }, 'error', e.message);
    if (state.join?.status === 'connecting' && endsJoin(e.code)) {
      return { ...next, join: { ...state.join, status: 'failed', message: e.message } };
    }
    return next;
  },
};

/**
 * The reducer: returns the next view model for an action. Never mutates `state`; the time
 * comes in with the action (`now`, for ordering new conversations), never from a clock.
 * @example reduce(initialState(), { type: 'event', event: { event: 'app-state', state: 'setup' } })
 */
export function reduce(state: ViewState, action: Action): ViewState {
  switch (action.type) {
    case 'event': {
      const handler = ON_EVENT[action.event.event] as Handler<AppEvent['event']>;
      return handler(state, action.event, action.now ?? 0);
    }
    case 'bridge':
      // After a lost connection the back end replays everything: start from a clean slate.
      return action.status === 'open' && state.bridge === 'closed'
        ? { ...initialState(state.focused), bridge: 'open' }
        : { ...state, bridge: action.status };
    case 'show':
      return { ...state, screen: action.screen, verifyOpen: false };
    case 'select': {
      if (!state.conversations[action.peer]) return state;
      const next: ViewState = {
        ...state,
        screen: 'chat',
        selected: action.peer,
        verifyOpen: false,
      };
      return updateConversation(next, action.peer, (c) => ({ ...c, unread: 0 }));
    }
    case 'busy':
      return { ...state, busy: true, setupError: null };
    case 'open-verify':
      return currentConversation(state) ? { ...state, verifyOpen: true } : state;
    case 'close-dialog':
      return { ...state, verifyOpen: false };
    case 'focus': {
      const next = { ...state, focused: action.focused };
      const current = currentConversation(next);
      return action.focused && current && current.unread > 0
        ? updateConversation(next, current.peer, (c) => ({ ...c, unread: 0 }))
        : next;
    }
    case 'dismiss':
      return { ...state, notices: state.notices.filter((n) => n.id !== action.id) };
    case 'upload':
      return withTransfer(state, {
        peer: action.peer,
        id: action.upload,
        direction: 'out',
        name: action.name,
        size: action.size,
        bytes: 0,
        state: 'uploading',
      });
    case 'dismiss-transfer':
      return withoutTransfer(state, action.peer, action.id);
  }
}

/**
 * Whether an event deserves a system notification: a friend's message while the window is
 * not focused.
 */
export function shouldNotify(state: ViewState, event: AppEvent): boolean {
  return event.event === 'message' && !state.focused;
}

/** `state` without our rows still being got ready to send (see the `error` handler). */
function withoutPreparing(state: ViewState): ViewState {
  if (!state.transfers.some((t) => t.state === 'preparing')) return state;
  return { ...state, transfers: state.transfers.filter((t) => t.state !== 'preparing') };
}
