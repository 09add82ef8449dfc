import { CryptullyError } from '../errors.js';
import type { ChatCommand, CommandName } from './events.js';

/** Raised for a command that is not valid JSON, unknown, or has fields of the wrong type. */
export class CommandError extends CryptullyError {
  constructor(message: string) {
    super('ERR_BAD_COMMAND', message);
  }
}

const MAX_FIELD_CHARS = 4096;

type FieldKind = 'string' | 'text' | 'port' | 'boolean' | 'typing';
interface FieldSpec {
  kind: FieldKind;
  optional?: boolean;
}

// Data, not branches: every command's fields, read by one validator below.
const COMMANDS: Record<CommandName, Record<string, FieldSpec>> = {
  host: {
    port: { kind: 'port', optional: true },
    bind: { kind: 'string', optional: true },
    invitesOnly: { kind: 'boolean', optional: true },
  },
  join: { target: { kind: 'string' } },
  accept: { peer: { kind: 'string' }, confirmKeyChange: { kind: 'boolean', optional: true } },
  reject: { peer: { kind: 'string' } },
  send: { peer: { kind: 'string', optional: true }, text: { kind: 'text' } },
  typing: { peer: { kind: 'string', optional: true }, state: { kind: 'typing' } },
  invite: {},
  invites: {},
  revoke: { invite: { kind: 'string' } },
  verify: { peer: { kind: 'string' } },
  ask: { peer: { kind: 'string' }, question: { kind: 'string' }, answer: { kind: 'string' } },
  answer: { peer: { kind: 'string' }, answer: { kind: 'string' } },
  peers: {},
  forget: { peer: { kind: 'string' } },
  name: { name: { kind: 'string' } },
  disconnect: { peer: { kind: 'string' } },
  'send-file': {
    peer: { kind: 'string', optional: true },
    path: { kind: 'string' },
    name: { kind: 'string', optional: true },
  },
  'accept-file': {
    peer: { kind: 'string' },
    id: { kind: 'string' },
    dir: { kind: 'string', optional: true },
  },
  'decline-file': { peer: { kind: 'string' }, id: { kind: 'string' } },
  'cancel-file': { peer: { kind: 'string' }, id: { kind: 'string' } },
  quit: {},
};

/** Every command name, in a stable order (for help and completion). */
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

function checkField(cmd: string, field: string, spec: FieldSpec, value: unknown): void {
  const where = `${cmd}.${field}`;
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string' || value.length === 0 || value.length > MAX_FIELD_CHARS) {
        throw new CommandError(`${where} must be a non-empty string`);
      }
      return;
    case 'text':
      // Only the kind: what a chat text may hold is a session rule, checked (once) by the
      // session, which answers `ERR_TEXT_TOO_LONG` or `ERR_BAD_TEXT`.
      if (typeof value !== 'string') throw new CommandError(`${where} must be a string`);
      return;
    case 'port':
      if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 65535) {
        throw new CommandError(`${where} must be a whole number from 0 to 65535`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw new CommandError(`${where} must be true or false`);
      return;
    case 'typing':
      if (value !== 'typing' && value !== 'paused' && value !== 'idle') {
        throw new CommandError(`${where} must be "typing", "paused" or "idle"`);
      }
      return;
  }
}

/**
 * Validates an untrusted value (already parsed from JSON) as a {@link ChatCommand}. Unknown
 * fields are dropped, so nothing unvalidated passes through.
 * @throws {CommandError} with a message that says what is wrong.
 * @example parseCommand({ cmd: 'send', text: 'hi' }) // => { cmd: 'send', text: 'hi' }
 */
export function parseCommand(value: unknown): ChatCommand {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CommandError('a command must be a JSON object with a "cmd" field');
  }
  const record = value as Record<string, unknown>;
  const cmd = record.cmd;
  if (typeof cmd !== 'string' || !Object.hasOwn(COMMANDS, cmd)) {
    throw new CommandError(
      `unknown command ${JSON.stringify(cmd)}; expected one of ${COMMAND_NAMES.join(', ')}`,
    );
  }
  const fields = COMMANDS[cmd as CommandName];
  const out: Record<string, unknown> = { cmd };
  for (const [field, spec] of Object.entries(fields)) {
    const fieldValue = record[field];
    if (fieldValue === undefined) {
      if (!spec.optional) throw new CommandError(`${cmd} needs a "${field}" field`);
      continue;
    }
    checkField(cmd, field, spec, fieldValue);
    out[field] = fieldValue;
  }
  return out as ChatCommand;
}

/**
 * Parses one line of JSON text into a command.
 * @throws {CommandError} on malformed JSON or an invalid command.
 */
export function parseCommandLine(line: string): ChatCommand {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new CommandError('not valid JSON');
  }
  return parseCommand(value);
}
