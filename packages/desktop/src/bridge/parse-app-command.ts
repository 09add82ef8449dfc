import { CommandError, parseCommand } from '@cryptully/core/protocol';
import type { AppCommand, UploadCommand } from './app-protocol.js';

/** The most raw bytes in one `upload-chunk` (its base64 text fits a bridge message). */
export const MAX_UPLOAD_CHUNK_BYTES = 32 * 1024;
/** The largest file the browser mode accepts as an upload (2 GiB). */
export const MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;
/** Chunks a tab may send ahead of the server's `upload-ack`s (its back-pressure window). */
export const UPLOAD_WINDOW_CHUNKS = 16;
/** The longest file name an upload may carry, in characters (core checks its 256 bytes). */
export const MAX_UPLOAD_NAME_CHARS = 256;
/** What an upload id looks like. */
const UPLOAD_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Standard base64, padded (what `btoa` writes). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The longest display name a user may choose, in characters. */
export const MAX_NAME_CHARS = 64;
/** The longest passphrase accepted, in characters (scrypt takes any length; this stops abuse). */
export const MAX_PASSPHRASE_CHARS = 1024;

function requireString(value: unknown, where: string, max: number, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0) || value.length > max) {
    throw new CommandError(`${where} must be a string of 1 to ${max} characters`);
  }
  return value;
}

function requireInteger(value: unknown, where: string, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new CommandError(`${where} must be a whole number from 0 to ${max}`);
  }
  return value;
}

function uploadId(value: unknown, where: string): string {
  if (typeof value !== 'string' || !UPLOAD_ID.test(value)) {
    throw new CommandError(`${where} must be 1 to 64 letters, digits, _ or -`);
  }
  return value;
}

/** Validates the browser mode's upload commands; undefined for any other command name. */
function parseUploadCommand(record: Record<string, unknown>): UploadCommand | undefined {
  switch (record.cmd) {
    case 'upload-start':
      return {
        cmd: 'upload-start',
        upload: uploadId(record.upload, 'upload-start.upload'),
        peer: requireString(record.peer, 'upload-start.peer', 256),
        name: requireString(record.name, 'upload-start.name', MAX_UPLOAD_NAME_CHARS),
        size: requireInteger(record.size, 'upload-start.size', MAX_UPLOAD_BYTES),
      };
    case 'upload-chunk': {
      const data = record.data;
      const maxChars = Math.ceil(MAX_UPLOAD_CHUNK_BYTES / 3) * 4;
      if (typeof data !== 'string' || data.length === 0 || data.length > maxChars) {
        throw new CommandError(`upload-chunk.data must be 1 to ${maxChars} base64 characters`);
      }
      if (!BASE64.test(data)) throw new CommandError('upload-chunk.data must be base64');
      return {
        cmd: 'upload-chunk',
        upload: uploadId(record.upload, 'upload-chunk.upload'),
        offset: requireInteger(record.offset, 'upload-chunk.offset', MAX_UPLOAD_BYTES),
        data,
      };
    }
    case 'upload-end':
      return { cmd: 'upload-end', upload: uploadId(record.upload, 'upload-end.upload') };
    case 'upload-cancel':
      return { cmd: 'upload-cancel', upload: uploadId(record.upload, 'upload-cancel.upload') };
    default:
      return undefined;
  }
}

/** True for the browser mode's upload commands (which only the web server handles). */
export function isUploadCommand(command: AppCommand): command is UploadCommand {
  return command.cmd.startsWith('upload-');
}

/**
 * Validates an untrusted value as an {@link AppCommand}: the app's own `setup` and `unlock`,
 * the browser mode's `upload-start`, `upload-chunk`, `upload-end` and `upload-cancel`, the
 * reach `settings`, or any core chat command (through the core's `parseCommand`). Unknown
 * fields are dropped.
 * @throws {CommandError} when the value is not a valid command.
 * @example parseAppCommand({ cmd: 'setup', name: 'Ada' }) // => { cmd: 'setup', name: 'Ada' }
 */
export function parseAppCommand(value: unknown): AppCommand {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    if (record.cmd === 'setup') {
      const name = requireString(record.name, 'setup.name', MAX_NAME_CHARS).trim();
      if (name.length === 0) throw new CommandError('setup.name must not be blank');
      if (record.passphrase === undefined || record.passphrase === '') {
        return { cmd: 'setup', name };
      }
      const passphrase = requireString(record.passphrase, 'setup.passphrase', MAX_PASSPHRASE_CHARS);
      return { cmd: 'setup', name, passphrase };
    }
    if (record.cmd === 'unlock') {
      return {
        cmd: 'unlock',
        passphrase: requireString(record.passphrase, 'unlock.passphrase', MAX_PASSPHRASE_CHARS),
      };
    }
    const upload = parseUploadCommand(record);
    if (upload) return upload;
    if (record.cmd === 'settings') {
      if (typeof record.dht !== 'boolean') throw new CommandError('settings.dht must be a boolean');
      if (record.portMapping !== undefined && typeof record.portMapping !== 'boolean') {
        throw new CommandError('settings.portMapping must be a boolean');
      }
      return {
        cmd: 'settings',
        dht: record.dht,
        relay: requireString(record.relay ?? '', 'settings.relay', 200, true).trim(),
        bootstrap: requireString(record.bootstrap ?? '', 'settings.bootstrap', 4096, true).trim(),
        ...(record.portMapping !== undefined ? { portMapping: record.portMapping } : {}),
      };
    }
  }
  return parseCommand(value);
}

/**
 * Electron only: what the renderer may ask of the system shell for a finished incoming
 * transfer: `open` it with its default application, or `show` it in its folder. It names the
 * transfer, never a path: the main process looks the path up among the files this app
 * received, so a compromised renderer cannot open anything else.
 */
export interface RevealRequest {
  action: 'open' | 'show';
  peer: string;
  id: string;
}

/**
 * Validates an untrusted value as a {@link RevealRequest}.
 * @throws {CommandError} when it is not one.
 * @example parseRevealRequest({ action: 'show', peer: 'ab12', id: '0f3c' })
 */
export function parseRevealRequest(value: unknown): RevealRequest {
  const record =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  if (record.action !== 'open' && record.action !== 'show') {
    throw new CommandError('reveal.action must be "open" or "show"');
  }
  return {
    action: record.action,
    peer: requireString(record.peer, 'reveal.peer', 256),
    id: requireString(record.id, 'reveal.id', 256),
  };
}
