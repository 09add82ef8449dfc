/**
 * Text from peers is untrusted and goes to a terminal: these functions remove what could
 * move the cursor, change colours, retitle the window or reorder text on screen.
 * @module
 */

// C0 controls except newline and tab, DEL, C1 controls, bidi overrides and isolates,
// zero-width and line/paragraph separators that can hide or reorder text.
const UNSAFE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

/**
 * Makes a peer's chat text safe to print: control and formatting characters removed, tabs
 * turned into spaces, newlines kept (the renderers indent continuation lines).
 */
export function safeText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/\t/g, '    ').replace(UNSAFE, '');
}

/** Makes a peer's display name safe and short: one line, no controls, at most 40 characters. */
export function safeName(name: string): string {
  const clean = safeText(name).replace(/\s+/g, ' ').trim();
  const chars = Array.from(clean);
  const short = chars.length > 40 ? `${chars.slice(0, 39).join('')}…` : clean;
  return short.length > 0 ? short : 'someone';
}
