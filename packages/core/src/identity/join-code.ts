/**
 * Join codes: `7-purple-sausage`, a number and two (or three) words a person reads out on the
 * phone. The number names the host's meeting point (a discovery topic); the whole code is the
 * password of the CPace exchange that yields the psk of the XXpsk3 handshake, so both static
 * keys are authenticated by the code. docs/protocol-verification.md §1.
 * @module
 */
import { blake2b, randomBytes } from '../crypto/index.js';
import { JoinCodeError } from './errors.js';
import { JOIN_CODE_WORDS } from './join-code-words.js';

/** Smallest and largest number of a join code. */
export const JOIN_CODE_MIN_NUMBER = 1;
export const JOIN_CODE_MAX_NUMBER = 999;
/** Words in a new code by default; a code may have 2 or 3. */
export const JOIN_CODE_DEFAULT_WORDS = 2;

const WORD_INDEX = new Map(JOIN_CODE_WORDS.map((word, i) => [word, i]));

/** A parsed join code. */
export interface JoinCode {
  /** The number (1..999): the discovery topic, not secret. */
  readonly number: number;
  /** The words (2 or 3), lower case. */
  readonly words: readonly string[];
  /** The canonical text, `number-word-word`: the CPace password (as UTF-8). */
  readonly text: string;
}

/** A uniform integer in [0, n) from a CSPRNG (rejection sampling, no modulo bias). */
function uniform(n: number, random: (length: number) => Uint8Array): number {
  const limit = Math.floor(2 ** 32 / n) * n;
  for (;;) {
    const b = random(4);
    const word = b[0]! * 2 ** 24 + b[1]! * 2 ** 16 + b[2]! * 2 ** 8 + b[3]!;
    if (word < limit) return word % n;
  }
}

/**
 * A fresh join code: a uniform number in 1..999 and `words` uniform words of the list.
 * @param words 2 (default) or 3.
 * @param random the random source (a test may fix it).
 */
export function generateJoinCode(
  words: 2 | 3 = JOIN_CODE_DEFAULT_WORDS,
  random: (length: number) => Uint8Array = randomBytes,
): JoinCode {
  const number =
    JOIN_CODE_MIN_NUMBER + uniform(JOIN_CODE_MAX_NUMBER - JOIN_CODE_MIN_NUMBER + 1, random);
  const chosen = Array.from(
    { length: words },
    () => JOIN_CODE_WORDS[uniform(JOIN_CODE_WORDS.length, random)]!,
  );
  return { number, words: chosen, text: [number, ...chosen].join('-') };
}

/**
 * Whether text has the shape of a join code (digits, then two or three words, separated by
 * dashes or spaces), so a front end can tell it from an invite or a `host:port`. It may still
 * fail {@link parseJoinCode} (an unknown word).
 */
export function looksLikeJoinCode(text: string): boolean {
  return /^\s*\d{1,4}([\s-]+[A-Za-z]+){2,3}\s*$/.test(text);
}

/**
 * Parses what a person typed: case, surrounding spaces and the separators (dashes or spaces)
 * do not matter. Words are checked against the list here, so a typo fails before it reaches
 * the host (where a wrong code burns the code).
 * @throws {JoinCodeError} with a one-sentence message naming the wrong part.
 */
export function parseJoinCode(input: string): JoinCode {
  const parts = input
    .trim()
    .toLowerCase()
    .split(/[\s-]+/);
  const [first, ...words] = parts;
  if (!first || !/^\d{1,4}$/.test(first) || words.length < 2 || words.length > 3) {
    throw new JoinCodeError(
      'A join code is a number and two or three words, like 7-purple-sausage.',
    );
  }
  const number = Number(first);
  if (number < JOIN_CODE_MIN_NUMBER || number > JOIN_CODE_MAX_NUMBER) {
    throw new JoinCodeError(`The number of a join code is from 1 to 999, not ${first}.`);
  }
  for (const word of words) {
    if (!WORD_INDEX.has(word)) {
      throw new JoinCodeError(`"${word}" is not a join-code word; check the spelling.`);
    }
  }
  return { number, words, text: [number, ...words].join('-') };
}

/**
 * Bits of the secret part of a code with `words` words: `words * log2(1295)` (the number is
 * public: it is the discovery topic). Two words: 20.7 bits, 1 in 1,677,025 per guess.
 */
export function joinCodeStrengthBits(words: number): number {
  return words * Math.log2(JOIN_CODE_WORDS.length);
}

/**
 * The discovery topic of a code's number: the first 32 bytes of
 * BLAKE2b-512("Cryptully join code topic v1" || decimal number). Hosts announce and joiners
 * look for this topic (on the local network today, on the DHT later); it reveals the number,
 * never the words.
 */
export function joinCodeTopic(number: number): Uint8Array {
  const encoder = new TextEncoder();
  return blake2b
    .hash(encoder.encode('Cryptully join code topic v1'), encoder.encode(String(number)))
    .slice(0, 32);
}
