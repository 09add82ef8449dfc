// Log lines carry names and reasons peers choose: nothing in them may hide, reorder or restyle
// what a terminal shows.
import { describe, expect, it } from 'vitest';
import { logSafe } from '../../src/engine/log-safe.js';

describe('logSafe', () => {
  it('writes bidi overrides, controls and invisible characters as visible escapes', () => {
    expect(logSafe('Bob\u202eevil\u202c')).toBe('Bob\\u{202E}evil\\u{202C}');
    expect(logSafe('a\u001b[31mred\u0007')).toBe('a\\u{001B}[31mred\\u{0007}');
    expect(logSafe('line\nbreak\u2028x')).toBe('line\\u{000A}break\\u{2028}x');
    expect(logSafe('zero\u200bwidth\u2066iso\u2069')).toBe(
      'zero\\u{200B}width\\u{2066}iso\\u{2069}',
    );
  });

  it('leaves ordinary text, accents, other scripts and emoji alone', () => {
    for (const text of ['connected with 127.0.0.1:7677', 'Zoë', 'Bоb', '名前', '👋🏽']) {
      expect(logSafe(text)).toBe(text);
    }
  });
});
