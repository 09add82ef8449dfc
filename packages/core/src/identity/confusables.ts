/**
 * Confusable names: the skeletons of Unicode Technical Standard #39 §4, so a peer calling
 * itself "Bоb" (Cyrillic о) or "B0b" beside a known "Bob" is flagged instead of passing for
 * a new, unrelated person. Pure; the data is a subset of Unicode's confusables.txt 14.0.0
 * (`confusables-data.ts`, packages/core/unicode/). docs/protocol-identity.md §5.
 * @module
 */
import { CONFUSABLE_LINES } from './confusables-data.js';

let table: Map<number, string> | undefined;

/** The mapping, read once on first use (6,311 entries). */
function prototypes(): Map<number, string> {
  if (table) return table;
  table = new Map();
  for (const line of CONFUSABLE_LINES) {
    const [source, ...target] = line.split(' ').map((hex) => Number.parseInt(hex, 16));
    table.set(source!, String.fromCodePoint(...target));
  }
  return table;
}

// Default-ignorable code points (zero-width joiners, variation selectors, bidi controls...):
// UTS #39 removes them before mapping, since nobody can see them.
const IGNORABLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}]/gu;

/**
 * The UTS #39 skeleton of `text`: NFD, invisible characters removed, each character replaced
 * by its prototype, NFD again. Two strings with the same skeleton look alike.
 */
export function skeleton(text: string): string {
  const map = prototypes();
  let out = '';
  for (const char of text.normalize('NFD').replace(IGNORABLE, '')) {
    out += map.get(char.codePointAt(0)!) ?? char;
  }
  return out.normalize('NFD');
}

/**
 * The key two names are compared by: the skeleton of the skeleton in lower case, after NFKC
 * and with runs of white space folded. UTS #39 skeletons keep case ("B0b" becomes "BOb");
 * names are matched without it, so "B0b", "BOB", "Bоb" and "bob" all share one key.
 */
export function confusableKey(name: string): string {
  const folded = name.normalize('NFKC').replace(/\s+/gu, ' ').trim();
  return skeleton(skeleton(folded).toLowerCase());
}

/** Whether two names look alike (same {@link confusableKey}); empty names never do. */
export function namesConfusable(a: string, b: string): boolean {
  const key = confusableKey(a);
  return key !== '' && key === confusableKey(b);
}
