/**
 * The editing model of the chat input: text as Unicode code points (so an emoji or a CJK
 * character is one step of the cursor), a cursor, and a history walked with up/down. Pure:
 * the blessed widget in `input-line.ts` only draws it.
 * @module
 */
import { stringWidth } from './text-width.js';

/** How many sent lines the history keeps. */
export const MAX_HISTORY = 100;

/** An editable line with history. */
export class InputModel {
  private chars: string[] = [];
  /** Cursor position, in code points from the start. */
  cursor = 0;
  private readonly history: string[] = [];
  /** Position in history while walking it; `history.length` means "the line being typed". */
  private historyIndex = 0;
  private draft = '';
  private pendingHighSurrogate = '';

  /** The current text. */
  get text(): string {
    return this.chars.join('');
  }

  /** Replaces the text and puts the cursor at its end. */
  set text(value: string) {
    this.chars = Array.from(value);
    this.cursor = this.chars.length;
  }

  /**
   * Inserts typed or pasted text at the cursor. Terminal key decoders may deliver an emoji as
   * two UTF-16 halves in two calls: a lone high surrogate waits for its partner.
   */
  insert(typed: string): void {
    let value = this.pendingHighSurrogate + typed;
    this.pendingHighSurrogate = '';
    const last = value.charCodeAt(value.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.pendingHighSurrogate = value.slice(-1);
      value = value.slice(0, -1);
    }
    // Newlines and other controls in a paste become spaces: Enter is what sends.
    const clean = Array.from(value.replace(/[\u0000-\u001f\u007f]/g, ' '));
    this.chars.splice(this.cursor, 0, ...clean);
    this.cursor += clean.length;
  }

  /** Deletes the code point before the cursor. */
  backspace(): void {
    if (this.cursor === 0) return;
    this.chars.splice(this.cursor - 1, 1);
    this.cursor--;
  }

  /** Deletes the code point under the cursor. */
  deleteForward(): void {
    this.chars.splice(this.cursor, 1);
  }

  /** Deletes the word before the cursor (Ctrl-W). */
  deleteWord(): void {
    let start = this.cursor;
    while (start > 0 && this.chars[start - 1] === ' ') start--;
    while (start > 0 && this.chars[start - 1] !== ' ') start--;
    this.chars.splice(start, this.cursor - start);
    this.cursor = start;
  }

  /** Deletes everything before the cursor (Ctrl-U). */
  deleteToStart(): void {
    this.chars.splice(0, this.cursor);
    this.cursor = 0;
  }

  /** Moves the cursor by `step` code points, within the text. */
  move(step: number): void {
    this.cursor = Math.max(0, Math.min(this.chars.length, this.cursor + step));
  }

  /** Moves the cursor to the start. */
  home(): void {
    this.cursor = 0;
  }

  /** Moves the cursor to the end. */
  end(): void {
    this.cursor = this.chars.length;
  }

  /** Shows the previous line of history (up arrow); the line being typed is kept as a draft. */
  previous(): void {
    if (this.historyIndex === 0) return;
    if (this.historyIndex === this.history.length) this.draft = this.text;
    this.historyIndex--;
    this.text = this.history[this.historyIndex]!;
  }

  /** Shows the next line of history (down arrow), ending at the draft. */
  next(): void {
    if (this.historyIndex >= this.history.length) return;
    this.historyIndex++;
    this.text =
      this.historyIndex === this.history.length ? this.draft : this.history[this.historyIndex]!;
  }

  /** Takes the line out for sending: records it in history and empties the input. */
  submit(): string {
    const line = this.text;
    if (line.trim() !== '' && this.history.at(-1) !== line) {
      this.history.push(line);
      if (this.history.length > MAX_HISTORY) this.history.shift();
    }
    this.historyIndex = this.history.length;
    this.draft = '';
    this.text = '';
    return line;
  }

  /**
   * The part of the text to show in `width` terminal columns so that the cursor is visible,
   * and the cursor's column within it. Wide characters count as two columns.
   */
  view(width: number): { text: string; cursorColumn: number } {
    const room = Math.max(1, width - 1); // keep a column for the cursor at the end
    let start = 0;
    while (stringWidth(this.chars.slice(start, this.cursor).join('')) > room) start++;
    let end = this.cursor;
    while (
      end < this.chars.length &&
      stringWidth(this.chars.slice(start, end + 1).join('')) <= room
    )
      end++;
    return {
      text: this.chars.slice(start, end).join(''),
      cursorColumn: stringWidth(this.chars.slice(start, this.cursor).join('')),
    };
  }
}
