import { NoiseProtocolError } from './errors.js';

/** A token of a message pattern (spec §7.1, §9.2). */
export type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss' | 'psk';

/** A token allowed in a pre-message pattern (spec §7.1: "e", "s", "e, s" or empty). */
export type PreMessageToken = 'e' | 's';

/**
 * A handshake pattern as data (spec §7): the pre-messages of each side, then the message
 * patterns in order; message `i` is sent by the initiator when `i` is even, by the responder
 * when odd (every pattern here is Alice-initiated, spec §7.2). Frozen.
 */
export interface HandshakePattern {
  /** The pattern name with its modifiers, e.g. `XXpsk3` or `XXpsk0+psk3`. */
  readonly name: string;
  /** Keys the responder knows from the initiator before the handshake (`-> s` above `...`). */
  readonly initiatorPreMessage: readonly PreMessageToken[];
  /** Keys the initiator knows from the responder before the handshake (`<- s` above `...`). */
  readonly responderPreMessage: readonly PreMessageToken[];
  /** The message patterns, in order. */
  readonly messages: readonly (readonly Token[])[];
}

// The patterns exactly as spec §7.4 (one-way), §7.5 (fundamental interactive) and §7.6
// (deferred) write them. Lines above `...` are pre-messages.
const PATTERN_TEXT: Readonly<Record<string, string>> = {
  // §7.4 One-way handshake patterns
  N: '<- s | ... | -> e, es',
  K: '-> s | <- s | ... | -> e, es, ss',
  X: '<- s | ... | -> e, es, s, ss',
  // §7.5 Interactive handshake patterns (fundamental)
  NN: '-> e | <- e, ee',
  NK: '<- s | ... | -> e, es | <- e, ee',
  NX: '-> e | <- e, ee, s, es',
  XN: '-> e | <- e, ee | -> s, se',
  XK: '<- s | ... | -> e, es | <- e, ee | -> s, se',
  XX: '-> e | <- e, ee, s, es | -> s, se',
  KN: '-> s | ... | -> e | <- e, ee, se',
  KK: '-> s | <- s | ... | -> e, es, ss | <- e, ee, se',
  KX: '-> s | ... | -> e | <- e, ee, se, s, es',
  IN: '-> e, s | <- e, ee, se',
  IK: '<- s | ... | -> e, es, s, ss | <- e, ee, se',
  IX: '-> e, s | <- e, ee, se, s, es',
  // §7.6 Interactive handshake patterns (deferred)
  NK1: '<- s | ... | -> e | <- e, ee, es',
  NX1: '-> e | <- e, ee, s | -> es',
  X1N: '-> e | <- e, ee | -> s | <- se',
  X1K: '<- s | ... | -> e, es | <- e, ee | -> s | <- se',
  XK1: '<- s | ... | -> e | <- e, ee, es | -> s, se',
  X1K1: '<- s | ... | -> e | <- e, ee, es | -> s | <- se',
  X1X: '-> e | <- e, ee, s, es | -> s | <- se',
  XX1: '-> e | <- e, ee, s | -> es, s, se',
  X1X1: '-> e | <- e, ee, s | -> es, s | <- se',
  K1N: '-> s | ... | -> e | <- e, ee | -> se',
  K1K: '-> s | <- s | ... | -> e, es | <- e, ee | -> se',
  KK1: '-> s | <- s | ... | -> e | <- e, ee, se, es',
  K1K1: '-> s | <- s | ... | -> e | <- e, ee, es | -> se',
  K1X: '-> s | ... | -> e | <- e, ee, s, es | -> se',
  KX1: '-> s | ... | -> e | <- e, ee, se, s | -> es',
  K1X1: '-> s | ... | -> e | <- e, ee, s | -> se, es',
  I1N: '-> e, s | <- e, ee | -> se',
  I1K: '<- s | ... | -> e, es, s | <- e, ee | -> se',
  IK1: '<- s | ... | -> e, s | <- e, ee, se, es',
  I1K1: '<- s | ... | -> e, s | <- e, ee, es | -> se',
  I1X: '-> e, s | <- e, ee, s, es | -> se',
  IX1: '-> e, s | <- e, ee, se, s | -> es',
  I1X1: '-> e, s | <- e, ee, s | -> se, es',
};

const TOKENS: ReadonlySet<string> = new Set<Token>(['e', 's', 'ee', 'es', 'se', 'ss', 'psk']);

function parseTokens(text: string): Token[] {
  const tokens = text.split(',').map((t) => t.trim());
  for (const token of tokens) {
    if (!TOKENS.has(token)) throw new NoiseProtocolError(`unknown token "${token}"`);
  }
  return tokens as Token[];
}

/** Parses the arrow notation above (`->`/`<-` lines separated by `|`, `...` after pre-messages). */
function parsePattern(name: string, text: string): HandshakePattern {
  const lines = text.split('|').map((line) => line.trim());
  const dots = lines.indexOf('...');
  const pre = dots < 0 ? [] : lines.slice(0, dots);
  const body = dots < 0 ? lines : lines.slice(dots + 1);
  let initiatorPreMessage: PreMessageToken[] = [];
  let responderPreMessage: PreMessageToken[] = [];
  for (const line of pre) {
    const tokens = parseTokens(line.slice(2)) as PreMessageToken[];
    if (line.startsWith('->')) initiatorPreMessage = tokens;
    else responderPreMessage = tokens;
  }
  const messages = body.map((line, i) => {
    const expected = i % 2 === 0 ? '->' : '<-';
    if (!line.startsWith(expected)) throw new NoiseProtocolError(`pattern ${name}: bad direction`);
    return Object.freeze(parseTokens(line.slice(2)));
  });
  return Object.freeze({
    name,
    initiatorPreMessage: Object.freeze(initiatorPreMessage),
    responderPreMessage: Object.freeze(responderPreMessage),
    messages: Object.freeze(messages),
  });
}

/**
 * Every handshake pattern of Noise spec revision 34 by name: the one-way patterns N, K, X
 * (§7.4), the twelve fundamental interactive patterns (§7.5) and the 23 deferred patterns
 * (§7.6). Modifiers (e.g. `psk0`) are applied by {@link parseProtocolName}. Frozen data; the
 * one interpreter is {@link HandshakeState}.
 * @example PATTERNS.XX.messages // [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']]
 */
export const PATTERNS: Readonly<Record<string, HandshakePattern>> = Object.freeze(
  Object.fromEntries(
    Object.entries(PATTERN_TEXT).map(([name, text]) => [name, parsePattern(name, text)]),
  ),
);

/** Whether a pattern is one-way (spec §7.4: a single message, initiator to responder). */
export function isOneWay(pattern: HandshakePattern): boolean {
  return pattern.messages.length === 1;
}
