/**
 * Colours for text output, switched off by `NO_COLOR` (https://no-color.org) or when the
 * output is not a terminal. Every function returns its text unchanged when colours are off.
 * @module
 */

/** Text styling functions. */
export interface Palette {
  readonly enabled: boolean;
  red(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

const style = (open: number, close: number) => (text: string) =>
  `\u001b[${open}m${text}\u001b[${close}m`;
const same = (text: string) => text;

/** Whether colours are wanted: not when `NO_COLOR` is set to anything non-empty. */
export function colorWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.NO_COLOR;
}

/** A palette that colours when `enabled`, and returns text unchanged otherwise. */
export function createPalette(enabled: boolean): Palette {
  return enabled
    ? { enabled, red: style(31, 39), bold: style(1, 22), dim: style(2, 22) }
    : { enabled, red: same, bold: same, dim: same };
}
