import { CryptullyError, type ErrorCode } from '@cryptully/core/protocol';
import { EXIT, type ExitCode } from './exit-codes.js';

/**
 * The CLI's own error codes, besides core's {@link ErrorCode}s (which the CLI passes on as they
 * are). A test checks that every code the CLI's sources name is one of the two.
 */
export const CLI_ERROR_CODES = Object.freeze([
  'ERR_USAGE',
  'ERR_CANCELLED',
  'ERR_NO_IDENTITY',
  'ERR_NO_NEW_PASSPHRASE',
  'ERR_AMBIGUOUS_PEER',
  'ERR_NEEDS_TERMINAL',
  'ERR_BAD_ENV',
  'ERR_OPEN',
  'ERR_CHAT',
  'ERR_NO_BROWSER_APP',
] as const);

/** One of {@link CLI_ERROR_CODES}. */
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];

/**
 * An error meant for the person at the terminal: `main` prints its message as one sentence on
 * stderr (never a stack trace) and exits with {@link CliError.exitCode}. A
 * {@link CryptullyError}, so its stable `code` (such as `ERR_USAGE`) is read like core's.
 */
export class CliError extends CryptullyError<ErrorCode | CliErrorCode> {
  /** The process exit status this error leads to. */
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode | CliErrorCode, message: string, exitCode: ExitCode = EXIT.failure) {
    super(code, message);
    this.exitCode = exitCode;
  }
}

/** The command line was wrong (exit status 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super('ERR_USAGE', message, EXIT.usage);
  }
}

/**
 * Turns anything thrown into one sentence for a person: the message of a known error (ours or
 * core's, which carry a `code`), or a generic sentence for an unexpected bug.
 */
export function userMessage(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    if (error.code.startsWith('ERR_')) return sentence(error.message);
  }
  if (error instanceof Error) return sentence(`unexpected error: ${error.message}`);
  return sentence(`unexpected error: ${String(error)}`);
}

/** Makes a message end like a sentence (it follows `cryptully: `, so it starts lower-case). */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) return trimmed;
  return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
