/**
 * The desktop app's vocabulary: the core's chat events and commands, plus the few messages
 * the app needs before a chat node exists (first run, unlocking a passphrase-protected
 * identity). Browser-safe: shared by the back end, the preload bridge and the renderer.
 * @module
 */
import type { ChatCommand, ChatEvent, ErrorCode } from '@cryptully/core/protocol';

/** Where the app is before it can chat. */
export type AppPhase = 'setup' | 'locked' | 'ready';

/**
 * The back end's state, sent first to every client and whenever it changes.
 * `setup`: first run, no profile yet; `locked`: the identity needs its passphrase;
 * `ready`: the chat node is open (`name` and `fingerprint` are set).
 */
export interface AppStateEvent {
  event: 'app-state';
  state: AppPhase;
  name?: string;
  fingerprint?: string;
}

/**
 * The codes of the app's own errors, besides core's {@link ErrorCode}s: `ERR_NOT_READY` (a
 * chat command before setup or unlock), `ERR_ALREADY_SET_UP`, `ERR_BAD_EVENT` (an event that
 * failed validation).
 */
export const APP_ERROR_CODES = Object.freeze([
  'ERR_NOT_READY',
  'ERR_ALREADY_SET_UP',
  'ERR_BAD_EVENT',
] as const);

/** One of {@link APP_ERROR_CODES}. */
export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

/** Core's `error` event, which the app also uses for its own errors. */
export interface AppErrorEvent {
  event: 'error';
  code: ErrorCode | AppErrorCode;
  message: string;
  peer?: string;
}

/** Everything the back end sends to a front end. */
export type AppEvent = Exclude<ChatEvent, { event: 'error' }> | AppErrorEvent | AppStateEvent;

/** First run: choose a display name and, optionally, a passphrase for the identity file. */
export interface SetupCommand {
  cmd: 'setup';
  name: string;
  passphrase?: string;
}

/** Opens an identity that is protected by a passphrase. */
export interface UnlockCommand {
  cmd: 'unlock';
  passphrase: string;
}

/** Everything a front end may send to the back end. */
export type AppCommand = ChatCommand | SetupCommand | UnlockCommand;
