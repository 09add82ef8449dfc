/**
 * The exit status of `cryptully`, as a table so that help, README and code agree.
 * @module
 */

/** Exit statuses: 0 everything went well, 1 something failed at run time, 2 a usage error. */
export const EXIT = {
  /** The command did what was asked (a chat that ended with /quit or Ctrl-C included). */
  ok: 0,
  /** Something failed at run time: port in use, host unreachable, wrong passphrase, bad invite… */
  failure: 1,
  /** The command line was wrong: unknown command or option, missing or malformed argument. */
  usage: 2,
} as const;

/** One of the values of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit statuses explained for people, used by `--help` and the README. */
export const EXIT_CODE_HELP: ReadonlyArray<readonly [ExitCode, string]> = [
  [EXIT.ok, 'success (a chat you ended with /quit or Ctrl-C counts as success)'],
  [EXIT.failure, 'something failed: port in use, unreachable host, wrong passphrase…'],
  [EXIT.usage, 'the command line was wrong: unknown command or option, missing argument'],
];
