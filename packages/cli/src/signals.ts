/**
 * Ctrl+C and its cousins: the signals after which a long-running command (a chat, a relay)
 * ends cleanly instead of being killed.
 * @module
 */

/** SIGINT (Ctrl+C), SIGTERM (kill, service managers) and SIGHUP (the terminal went away). */
const QUIT_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Calls `quit` on any of the quit signals until the returned function is called.
 * @returns a function that stops listening.
 */
export function onSignals(quit: () => void): () => void {
  for (const signal of QUIT_SIGNALS) process.on(signal, quit);
  return () => {
    for (const signal of QUIT_SIGNALS) process.off(signal, quit);
  };
}
