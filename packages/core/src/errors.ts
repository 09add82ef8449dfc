import type { ErrorCode } from './protocol/error-codes.js';

/**
 * The base of every error Cryptully throws on purpose. Errors cross IPC, WebSockets and JSON,
 * so each carries a stable `code` string that callers switch on; `message` is for people and
 * never contains key material.
 */
export class CryptullyError<Code extends string = ErrorCode> extends Error {
  /**
   * A stable, machine-readable identifier such as `ERR_DECRYPT`. Core's errors carry an
   * {@link ErrorCode}; a front end's own errors extend `CryptullyError<string>`.
   */
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Thrown when an argument has the wrong type or size (a programming error, not a peer's). */
export class InvalidArgumentError extends CryptullyError {
  constructor(message: string) {
    super('ERR_INVALID_ARGUMENT', message);
  }
}
