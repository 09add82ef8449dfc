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
export const confusableKey: (name: string) => string = memoizeByString((name) => {
  const folded = name.normalize('NFKC').replace(/\s+/gu, ' ').trim();
  return skeleton(skeleton(folded).toLowerCase());
});

/** Whether two names look alike (same {@link confusableKey}); empty names never do. */
export function namesConfusable(a: string, b: string): boolean {
  const key = confusableKey(a);
  return key !== '' && key === confusableKey(b);
}

/** Results kept by {@link memoizeByString} before it starts afresh. */
const MEMO_ENTRIES = 16_384;

/**
 * `fn` (a pure function of a string) with its results kept, at most {@link MEMO_ENTRIES} of
 * them (then the memory starts afresh). A peer's hello is compared with every known peer's
 * name: without it each hello recomputed the keys of the whole book (Unicode normalization
 * and two skeletons per entry), which made a host with thousands of known peers slower with
 * every join.
 */
export function memoizeByString(fn: (text: string) => string): (text: string) => string {
  let memo = new Map<string, string>();
  return (text) => {
    let result = memo.get(text);
    if (result === undefined) {
      result = fn(text);
      if (memo.size >= MEMO_ENTRIES) memo = new Map();
      memo.set(text, result);
    }
    return result;
  };
}
