import { describe, expect, it } from 'vitest';
import { stringWidth } from '../src/tui/text-width.js';
import { wrapColumns } from '../src/tui/wrap.js';

describe('wrapColumns', () => {
  it('breaks at spaces, with a different width for the first line', () => {
    expect(wrapColumns('the quick brown fox jumps', 9, 12)).toEqual([
      'the quick',
      'brown fox',
      'jumps',
    ]);
    expect(wrapColumns('one two three four', 3, 20)).toEqual(['one', 'two three four']);
  });

  it('splits words longer than a line, and counts wide characters as two columns', () => {
    expect(wrapColumns('abcdefghij', 4, 4)).toEqual(['abcd', 'efgh', 'ij']);
    const lines = wrapColumns('日本語のテキストです 😀😀😀', 6, 6);
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(6);
    expect(lines.join('')).toBe('日本語のテキストです😀😀😀');
  });

  it('keeps a verification code on one row', () => {
    expect(wrapColumns('the code is 482 913 now', 14, 14)).toEqual(['the code is', '482 913 now']);
  });

  it('keeps the lines of a multi-line message and empty lines', () => {
    expect(wrapColumns('a\n\nb', 10, 10)).toEqual(['a', '', 'b']);
  });
});
