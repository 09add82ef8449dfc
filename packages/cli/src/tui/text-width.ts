/**
 * Terminal column widths, with blessed's own table so that what we measure is what blessed
 * draws (wide CJK and emoji take two columns, combining marks none).
 * @module
 */
import { createRequire } from 'node:module';
import './wide-chars.js';

const require = createRequire(import.meta.url);
const unicode = require('blessed/lib/unicode.js') as { strWidth(text: string): number };

/** The number of terminal columns `text` takes. */
export function stringWidth(text: string): number {
  return unicode.strWidth(text);
}
