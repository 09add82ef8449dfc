import { describe, expect, it } from 'vitest';
import { InputModel } from '../src/tui/input-model.js';
import { TYPING_PAUSE_MS, TypingTracker } from '../src/typing-tracker.js';

describe('the input line model', () => {
  it('edits by code point, so an emoji or a CJK character is one step', () => {
    const input = new InputModel();
    input.insert('a');
    input.insert('\ud83d'); // blessed delivers an emoji as two UTF-16 halves
    input.insert('\ude00');
    input.insert('日本');
    expect(input.text).toBe('a😀日本');
    input.move(-2);
    input.backspace();
    expect(input.text).toBe('a日本');
    input.end();
    input.deleteWord();
    expect(input.text).toBe('');
  });

  it('walks history with up and down and keeps the line being typed', () => {
    const input = new InputModel();
    input.insert('first');
    expect(input.submit()).toBe('first');
    input.insert('second');
    input.submit();
    input.insert('draft');
    input.previous();
    expect(input.text).toBe('second');
    input.previous();
    input.previous();
    expect(input.text).toBe('first');
    input.next();
    input.next();
    expect(input.text).toBe('draft');
  });

  it('turns pasted newlines into spaces', () => {
    const input = new InputModel();
    input.insert('one\ntwo\r');
    expect(input.text).toBe('one two ');
  });

  it('shows the part of a long line around the cursor, counting wide characters as two columns', () => {
    const input = new InputModel();
    input.insert('日本語のテキスト');
    const view = input.view(8);
    expect(view.cursorColumn).toBeLessThanOrEqual(7);
    expect(view.text.endsWith('ト')).toBe(true);
    input.home();
    expect(input.view(8)).toEqual({ text: '日本語', cursorColumn: 0 });
  });
});

describe('the typing tracker', () => {
  it('says typing, then paused after a pause with text left, then idle when emptied', () => {
    const tracker = new TypingTracker();
    expect(tracker.input('h', 0)).toBe('typing');
    expect(tracker.input('he', 100)).toBeUndefined();
    expect(tracker.tick(100 + TYPING_PAUSE_MS - 1)).toBeUndefined();
    expect(tracker.tick(100 + TYPING_PAUSE_MS)).toBe('paused');
    expect(tracker.input('', 5000)).toBe('idle');
  });
});
