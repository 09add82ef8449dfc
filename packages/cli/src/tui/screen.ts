/**
 * Creates the blessed screen the TUI draws on, with the settings this machine's terminals
 * need: full Unicode (wide characters), no mouse capture (so the terminal's own selection
 * still copies an invite), and Ctrl-C left to the app (for a clean goodbye).
 * @module
 */
import type { Readable, Writable } from 'node:stream';
import blessed from 'blessed';
import './wide-chars.js';

/** Where the screen reads keys and draws; defaults to the process's terminal. */
export interface ScreenStreams {
  readonly input?: Readable;
  readonly output?: Writable;
  /** Terminal type; default `$TERM`, falling back to blessed's bundled `xterm`. */
  readonly terminal?: string;
}

/** Creates a full-screen blessed screen. */
export function createScreen(streams: ScreenStreams = {}): blessed.Widgets.Screen {
  // Draw borders with Unicode box characters rather than the terminal's alternate character
  // set, which tmux and screen often show as "lqqk" (the ncurses variable, unless the user set it).
  process.env.NCURSES_NO_UTF8_ACS ??= '1';
  return blessed.screen({
    input: streams.input as never,
    output: streams.output as never,
    terminal: streams.terminal,
    fullUnicode: true,
    smartCSR: true,
    autoPadding: false,
    dockBorders: false,
    warnings: false,
    title: 'cryptully',
    // Windows' console and some terminals send Ctrl-C as a key, others as SIGINT: we handle both.
    ignoreLocked: ['C-c'],
  });
}

/** The text of the screen's model row by row (what a person would see), for tests. */
export function screenText(screen: blessed.Widgets.Screen): string[] {
  const lines = (screen as unknown as { lines: Array<Array<[number, string]>> }).lines;
  return lines.map((row) =>
    row
      // blessed follows a wide character with a filler cell (\x03) that the terminal never shows.
      .map((cell) => (cell[1] === '\u0003' ? '' : cell[1]))
      .join('')
      .replace(/\s+$/, ''),
  );
}
