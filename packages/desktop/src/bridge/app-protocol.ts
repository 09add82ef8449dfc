/**
 * The desktop app's vocabulary: the core's chat events and commands, plus the few messages
 * the app needs before a chat node exists (first run, unlocking a passphrase-protected
 * identity). Browser-safe: shared by the back end, the preload bridge and the renderer.
 * @module
 */
import type { ChatCommand, ChatEvent, ErrorCode, PeerId } from '@cryptully/core/protocol';

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

/**
 * The app's reach settings (the CLI's `--no-dht`, `--relay`, `--bootstrap`, `--no-port-mapping`),
 * sent first to every client and whenever they are saved. Empty strings: none (the public
 * bootstrap nodes).
 */
export interface SettingsEvent {
  event: 'settings';
  /** Hole punching through the DHT. */
  dht: boolean;
  /** A blind relay's key (64 hex digits), or empty. */
  relay: string;
  /** `host:port,…` bootstrap nodes, or empty. */
  bootstrap: string;
  /** Ask the router to forward the host's TCP port (UPnP, NAT-PMP). */
  portMapping: boolean;
}

/**
 * Browser mode only, to the one tab that uploads: the server wrote `bytes` of upload
 * `upload` to its private temporary file (the tab sends more only as these come back).
 */
export interface UploadAckEvent {
  event: 'upload-ack';
  upload: string;
  bytes: number;
}

/**
 * Browser mode only: the upload is complete and was handed to `send-file` (its offer follows
 * as `file-offered`, or an `error` says why it could not go out).
 */
export interface UploadDoneEvent {
  event: 'upload-done';
  upload: string;
}

/** Browser mode only: the upload stopped; `message` is one sentence for people. */
export interface UploadFailedEvent {
  event: 'upload-failed';
  upload: string;
  message: string;
}

/** The browser mode's upload events, sent only to the tab that uploads. */
export type UploadEvent = UploadAckEvent | UploadDoneEvent | UploadFailedEvent;

/** Everything the back end sends to a front end. */
export type AppEvent =
  | Exclude<ChatEvent, { event: 'error' }>
  | AppErrorEvent
  | AppStateEvent
  | UploadEvent
  | SettingsEvent;

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

/**
 * Saves the reach settings (validated as the CLI validates its options: `ERR_BAD_RELAY`,
 * `ERR_BAD_BOOTSTRAP`); they apply to the next host and join.
 */
export interface SettingsCommand {
  cmd: 'settings';
  dht: boolean;
  relay: string;
  bootstrap: string;
  /** Port mapping (UPnP, NAT-PMP) for the next host; absent: left as it is. */
  portMapping?: boolean;
}

/**
 * Browser mode only: starts uploading a file the person picked or dropped (a browser gives
 * its contents, never its path) so that it can be offered to `peer` under `name`. `upload`
 * is the tab's own id for it (1 to 64 of `A-Z a-z 0-9 _ -`), `size` its length in bytes.
 */
export interface UploadStartCommand {
  cmd: 'upload-start';
  upload: string;
  peer: PeerId;
  name: string;
  size: number;
}

/** Browser mode only: the bytes at `offset` of an upload, in standard base64. */
export interface UploadChunkCommand {
  cmd: 'upload-chunk';
  upload: string;
  offset: number;
  data: string;
}

/** Browser mode only: every byte was sent; offer the file. */
export interface UploadEndCommand {
  cmd: 'upload-end';
  upload: string;
}

/** Browser mode only: stop an upload and remove what was written of it. */
export interface UploadCancelCommand {
  cmd: 'upload-cancel';
  upload: string;
}

/** The browser mode's upload commands (handled by the web server, never by the chat node). */
export type UploadCommand =
  | UploadStartCommand
  | UploadChunkCommand
  | UploadEndCommand
  | UploadCancelCommand;

/** Everything a front end may send to the back end. */
export type AppCommand =
  | ChatCommand
  | SetupCommand
  | UnlockCommand
  | UploadCommand
  | SettingsCommand;
