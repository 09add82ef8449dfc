import { CommandError, parseCommand } from '@cryptully/core/protocol';
import type { AppCommand } from './app-protocol.js';

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

/**
 * Validates an untrusted value as an {@link AppCommand}: the app's own `setup` and `unlock`,
 * or any core chat command (through the core's `parseCommand`). Unknown fields are dropped.
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
  }
  return parseCommand(value);
}
