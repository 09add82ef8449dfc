/**
 * Log lines carry text peers choose (names, close reasons): before a line reaches a terminal
 * or a log file, every character that could hide, reorder or restyle text is written as a
 * visible escape instead.
 * @module
 */

// C0 and C1 controls, DEL, bidi marks, embeddings, overrides and isolates, zero-width and
// other invisible format characters, line and paragraph separators.
const UNSAFE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/**
 * `line` with each control, bidi or invisible formatting character written as `\u{XXXX}`
 * (so "Bob\u202Eevil" shows what it is), and nothing else changed.
 */
export function logSafe(line: string): string {
  return line.replace(
    UNSAFE,
    (char) => `\\u{${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`,
  );
}
