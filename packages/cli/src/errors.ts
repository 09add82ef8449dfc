import { CryptullyError } from '@cryptully/core/protocol';
import { EXIT, type ExitCode } from './exit-codes.js';

/**
 * An error meant for the person at the terminal: `main` prints its message as one sentence on
 * stderr (never a stack trace) and exits with {@link CliError.exitCode}. A
 * {@link CryptullyError}, so its stable `code` (such as `ERR_USAGE`) is read like core's.
 */
export class CliError extends CryptullyError {
  /** The process exit status this error leads to. */
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, exitCode: ExitCode = EXIT.failure) {
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
