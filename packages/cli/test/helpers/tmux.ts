import { execFileSync, spawnSync } from 'node:child_process';

/** Whether tmux can be run here. */
export const tmuxAvailable = spawnSync('tmux', ['-V']).status === 0;

/** A private tmux server (its own socket), so tests never touch anyone else's sessions. */
export class Tmux {
  private readonly socket =
    `cryptully-cli-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  private run(args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** Starts `command` (a shell command line) in a new detached session of the given size. */
  start(session: string, command: string, columns = 100, rows = 30): void {
    this.run([
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      String(columns),
      '-y',
      String(rows),
      command,
    ]);
  }

  /** Resizes the session's window, as a person dragging the terminal's corner would. */
  resize(session: string, columns: number, rows: number): void {
    this.run(['resize-window', '-t', session, '-x', String(columns), '-y', String(rows)]);
  }

  /** What the pane shows now, row by row. */
  capture(session: string): string {
    return this.run(['capture-pane', '-p', '-t', session]);
  }

  /** Types keys (tmux key names such as `Enter`, `C-c`, or literal text with `literal`). */
  keys(session: string, keys: string[], literal = false): void {
    this.run(['send-keys', '-t', session, ...(literal ? ['-l'] : []), ...keys]);
  }

  /** Types `text` as it is, then Enter: a line of chat or a slash command. */
  line(session: string, text: string): void {
    this.keys(session, [text], true);
    this.keys(session, ['Enter']);
  }

  /** Waits until the pane matches `pattern`; returns the match. Fails with the screen after `ms`. */
  async waitFor(session: string, pattern: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    let screen = '';
    while (Date.now() < deadline) {
      screen = this.capture(session);
      const match = screen.match(pattern);
      if (match) return match;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`screen of ${session} never matched ${pattern}:\n${screen}`);
  }

  /** Stops the private server and everything in it. */
  killServer(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }
}

/**
 * Presses `key` in `session` until `done` shows: the request dialog ignores keys for a moment
 * after it opens (no accidental accept), so one press may not be enough.
 */
export async function pressUntil(tmux: Tmux, session: string, key: string, done: RegExp) {
  for (let attempt = 0; attempt < 20; attempt++) {
    tmux.keys(session, [key]);
    try {
      return await tmux.waitFor(session, done, 300);
    } catch {
      // still arming
    }
  }
  throw new Error(`${session}: never got ${done}`);
}
