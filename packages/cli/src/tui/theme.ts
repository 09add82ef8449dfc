/**
 * Colours of the TUI as blessed tags, with every piece of text escaped (a friend's message
 * containing `{red-fg}` stays text). With `NO_COLOR`, colours become bold/inverse or nothing.
 * @module
 */
import blessed from 'blessed';

/** The colours the TUI uses. */
export type Colour = 'red' | 'green' | 'yellow' | 'cyan' | 'magenta' | 'blue' | 'gray';

/** Tag helpers bound to a colour setting. */
export interface Theme {
  readonly colour: boolean;
  /** Escaped text in a colour (bold instead when colours are off and `emphasis` is set). */
  paint(colour: Colour, text: string, emphasis?: boolean): string;
  /** Escaped bold text. */
  bold(text: string): string;
  /** Escaped text, no styling. */
  text(text: string): string;
  /** The colour of a speaker: "You" in green, each friend in a stable colour of their own. */
  nameColour(peer: string | null): Colour;
  /** blessed style objects for widgets. */
  style(kind: 'border' | 'status' | 'warning' | 'dialog'): Record<string, unknown>;
}

const FRIEND_COLOURS: readonly Colour[] = ['cyan', 'magenta', 'yellow', 'blue'];

/** Escapes text for a blessed widget with `tags: true`. */
export function escapeTags(text: string): string {
  return blessed.escape(text);
}

/** Creates the theme; `colour: false` honours NO_COLOR. */
export function createTheme(colour: boolean): Theme {
  const paint = (name: Colour, text: string, emphasis = false): string => {
    const escaped = escapeTags(text);
    if (colour) return `{${name}-fg}${escaped}{/${name}-fg}`;
    return emphasis ? `{bold}${escaped}{/bold}` : escaped;
  };
  // blessed reads style.border when it draws a border: every style carries one.
  const styles = {
    border: colour ? { border: { fg: 'gray' } } : { border: {} },
    status: colour ? { bg: 'blue', fg: 'white', border: {} } : { inverse: true, border: {} },
    warning: colour
      ? { bg: 'red', fg: 'white', bold: true, border: { bg: 'red', fg: 'white' } }
      : { inverse: true, bold: true, border: {} },
    dialog: colour ? { border: { fg: 'yellow' } } : { border: {} },
  };
  return {
    colour,
    paint,
    bold: (text) => `{bold}${escapeTags(text)}{/bold}`,
    text: escapeTags,
    nameColour(peer) {
      if (peer === null) return 'green';
      let hash = 0;
      for (const char of peer) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
      return FRIEND_COLOURS[hash % FRIEND_COLOURS.length]!;
    },
    style: (kind) => styles[kind],
  };
}
