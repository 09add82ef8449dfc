/**
 * Word wrapping by terminal columns, so that the chat log can indent continuation lines under
 * the message instead of under the time (blessed's own wrapping starts them at the margin).
 * @module
 */
import { stringWidth } from './text-width.js';

/**
 * Splits `text` into lines of at most `first` columns for the first line and `rest` columns
 * for the others, breaking at spaces when it can and inside a word when it must. Newlines in
 * the text start new lines.
 */
export function wrapColumns(text: string, first: number, rest: number): string[] {
  const lines: string[] = [];
  const limit = () => Math.max(1, lines.length === 0 ? first : rest);
  for (const paragraph of text.split('\n')) {
    let line = '';
    let width = 0;
    const push = () => {
      lines.push(line.replace(/ +$/, ''));
      line = '';
      width = 0;
    };
    // Break after spaces, but not inside digit groups ("482 913"), so a code stays on one row.
    for (const word of paragraph.split(/(?<=(?<!\d) )|(?<= )(?!\d)/)) {
      const wordWidth = stringWidth(word.replace(/ +$/, ''));
      if (width > 0 && width + wordWidth > limit()) push();
      if (wordWidth <= limit() - width) {
        line += word;
        width += stringWidth(word);
        continue;
      }
      for (const char of word) {
        const charWidth = stringWidth(char);
        if (width + charWidth > limit() && width > 0) push();
        if (char === ' ' && width === 0) continue;
        line += char;
        width += charWidth;
      }
    }
    push();
  }
  return lines;
}

/** How many rows `lines` take once wrapped to `width` columns. */
export function wrappedRows(lines: readonly string[], width: number): number {
  return lines.reduce((sum, line) => sum + wrapColumns(line, width, width).length, 0);
}
