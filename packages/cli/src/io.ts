import type { Readable, Writable } from 'node:stream';
import { takeEnvPassphrase } from '@cryptully/core/storage';

/** The process's streams and environment, passed in so tests can run commands in-process. */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  /** Whether stdin and stdout are both terminals (the TUI and questions need both). */
  readonly interactive: boolean;
}

/**
 * The real process's streams, and a copy of its environment: `CRYPTULLY_PASSPHRASE` stays in
 * the copy (the CLI reads it there) and leaves `process.env`, so no child process inherits it.
 */
export function processIo(): CliIo {
  const env = { ...process.env };
  takeEnvPassphrase(process.env);
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  };
}
