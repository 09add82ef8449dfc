/**
 * Teaches blessed (2015 tables) that emoji take two terminal columns, as today's terminals
 * and tmux draw them. Without this, the character after an emoji is drawn over its second
 * half ("😀✓✓" instead of "😀 ✓✓"). Applied once, when the TUI is loaded.
 * @module
 */
import { createRequire } from 'node:module';

interface BlessedUnicode {
  charWidth(text: string | number, index?: number): number;
  codePointAt(text: string, index: number): number;
  chars: { all: RegExp };
  cryptullyEmoji?: boolean;
}

/** Emoji blocks drawn two columns wide (Unicode Emoji_Presentation, the astral blocks). */
export const WIDE_EMOJI_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff],
  [0x1f900, 0x1f9ff],
  [0x1fa70, 0x1faff],
];

// The same ranges as UTF-16 surrogate pairs: blessed's regexes work on code units.
const WIDE_EMOJI_PAIRS =
  '\\ud83c[\\udf00-\\udfff]|\\ud83d[\\udc00-\\ude4f]|\\ud83d[\\ude80-\\udeff]|' +
  '\\ud83e[\\udd00-\\uddff]|\\ud83e[\\ude70-\\udeff]';

const isWideEmoji = (point: number) =>
  WIDE_EMOJI_RANGES.some(([low, high]) => point >= low && point <= high);

/** Patches blessed's width functions (idempotent). */
export function teachBlessedEmojiWidths(): void {
  const unicode = createRequire(import.meta.url)('blessed/lib/unicode.js') as BlessedUnicode;
  if (unicode.cryptullyEmoji) return;
  unicode.cryptullyEmoji = true;
  const charWidth = unicode.charWidth.bind(unicode);
  unicode.charWidth = (text, index) => {
    const point = typeof text === 'number' ? text : unicode.codePointAt(text, index ?? 0);
    return isWideEmoji(point) ? 2 : charWidth(text, index);
  };
  // blessed puts a filler cell after every match of chars.all: add the emoji to it.
  unicode.chars.all = new RegExp(
    `(${WIDE_EMOJI_PAIRS}|${unicode.chars.all.source.slice(1, -1)})`,
    'g',
  );
}

teachBlessedEmojiWidths();
