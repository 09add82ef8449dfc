import {
  type CipherFunction,
  cipherByName,
  type DhFunction,
  dhByName,
  type HashFunction,
  hashByName,
} from '../crypto/index.js';
import { NoiseProtocolError } from './errors.js';
import { type HandshakePattern, isOneWay, PATTERNS, type Token } from './patterns.js';

/** A parsed protocol name (spec §8) with the pattern ready to run. */
export interface NoiseProtocol {
  /** The full name, e.g. `Noise_XXpsk0+psk3_25519_ChaChaPoly_BLAKE2b`. */
  readonly name: string;
  /** The base pattern name without modifiers, e.g. `XX`. */
  readonly basePattern: string;
  /** The modifiers in the order written, e.g. `['psk0', 'psk3']`. */
  readonly modifiers: readonly string[];
  /** The pattern with its modifiers applied and checked (spec §7.3, §9.3). */
  readonly pattern: HandshakePattern;
  /** Number of `psk` tokens, i.e. how many psks the handshake needs. */
  readonly pskCount: number;
  /** The DH function (spec §12.1 `25519`, §12.2 `448`). */
  readonly dh: DhFunction;
  /** The cipher function (spec §12.3 `ChaChaPoly`, §12.4 `AESGCM`). */
  readonly cipher: CipherFunction;
  /** The hash function (spec §12.5-§12.8 `SHA256`, `SHA512`, `BLAKE2s`, `BLAKE2b`). */
  readonly hash: HashFunction;
}

const PSK_MODIFIER = /^psk(0|[1-9][0-9]*)$/;

/**
 * Parses `Noise_<pattern><modifiers>_<dh>_<cipher>_<hash>` (spec §8): pattern from
 * {@link PATTERNS}, modifiers `pskN` joined by `+` (spec §9.4: `psk0` at the start of the
 * first message, `pskN` at the end of message N), DH `25519`/`448`, cipher
 * `ChaChaPoly`/`AESGCM`, hash `SHA256`/`SHA512`/`BLAKE2s`/`BLAKE2b`. The resulting pattern is
 * checked against the validity rules of §7.3 and §9.3.
 * @throws {NoiseProtocolError} for an unknown pattern, modifier or algorithm, a psk modifier out
 *   of range or repeated, or a pattern that breaks a validity rule.
 * @example parseProtocolName('Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b').pattern.messages[2]
 *   // ['s', 'se', 'psk']
 */
export function parseProtocolName(name: string): NoiseProtocol {
  if (typeof name !== 'string') throw new NoiseProtocolError('protocol name must be a string');
  // Parsed once per name: every handshake names its protocol, and the result is frozen data.
  const cached = parsed.get(name);
  if (cached !== undefined) return cached;
  const protocol = parse(name);
  if (parsed.size < MAX_PARSED) parsed.set(name, protocol);
  return protocol;
}

/** Protocols parsed so far, by name (valid names only; a handful in practice). */
const parsed = new Map<string, NoiseProtocol>();
const MAX_PARSED = 64;

function parse(name: string): NoiseProtocol {
  const parts = name.split('_');
  if (parts.length !== 5 || parts[0] !== 'Noise') {
    throw new NoiseProtocolError(
      `"${name}" is not a Noise protocol name (Noise_<pattern>_<dh>_<cipher>_<hash>)`,
    );
  }
  const [, patternPart, dhName, cipherName, hashName] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  const match = /^([A-Z][A-Z0-9]*)(.*)$/.exec(patternPart);
  const basePattern = match?.[1] ?? '';
  const base = PATTERNS[basePattern];
  if (match === null || base === undefined || !Object.hasOwn(PATTERNS, basePattern)) {
    throw new NoiseProtocolError(`unknown handshake pattern "${patternPart}"`);
  }
  const modifierText = match[2] ?? '';
  const modifiers = modifierText === '' ? [] : modifierText.split('+');
  const dh = dhByName(dhName);
  if (dh === undefined) throw new NoiseProtocolError(`unsupported DH function "${dhName}"`);
  const cipher = cipherByName(cipherName);
  if (cipher === undefined) throw new NoiseProtocolError(`unsupported cipher "${cipherName}"`);
  const hash = Object.hasOwn(HASH_NAMES, hashName) ? hashByName(hashName) : undefined;
  if (hash === undefined) throw new NoiseProtocolError(`unsupported hash "${hashName}"`);
  const pattern = applyModifiers(base, patternPart, modifiers);
  validatePattern(pattern);
  const pskCount = pattern.messages.flat().filter((t) => t === 'psk').length;
  return Object.freeze({
    name,
    basePattern,
    modifiers: Object.freeze(modifiers),
    pattern,
    pskCount,
    dh,
    cipher,
    hash,
  });
}

const HASH_NAMES = { SHA256: 1, SHA512: 1, BLAKE2s: 1, BLAKE2b: 1 } as const;

/**
 * Applies pattern modifiers (spec §9.4): `psk0` puts a `psk` token at the beginning of the first
 * message, `pskN` (N ≥ 1) at the end of message N. Only psk modifiers are supported.
 * @throws {NoiseProtocolError} for an unsupported, repeated or out-of-range modifier.
 */
export function applyModifiers(
  base: HandshakePattern,
  name: string,
  modifiers: readonly string[],
): HandshakePattern {
  const messages: Token[][] = base.messages.map((m) => [...m]);
  const seen = new Set<number>();
  for (const modifier of modifiers) {
    const match = PSK_MODIFIER.exec(modifier);
    if (match === null) throw new NoiseProtocolError(`unsupported pattern modifier "${modifier}"`);
    const position = Number(match[1]);
    if (seen.has(position)) throw new NoiseProtocolError(`modifier "${modifier}" repeated`);
    seen.add(position);
    if (position > messages.length) {
      throw new NoiseProtocolError(
        `modifier "${modifier}" is out of range: ${base.name} has ${messages.length} message(s)`,
      );
    }
    if (position === 0) messages[0]!.unshift('psk');
    else messages[position - 1]!.push('psk');
  }
  return Object.freeze({
    name,
    initiatorPreMessage: base.initiatorPreMessage,
    responderPreMessage: base.responderPreMessage,
    messages: Object.freeze(messages.map((m) => Object.freeze(m))),
  });
}

type Party = 'initiator' | 'responder';

/**
 * Checks a pattern against the validity rules of spec §7.3 and §9.3:
 * 1. parties only compute DH with keys they have (their own private key, the peer's public key
 *    sent earlier or in a pre-message);
 * 2. no party sends `e` or `s` twice (pre-messages included);
 * 3. no DH token appears twice;
 * 4. after a DH between the local static key and a remote key, a party does not encrypt before
 *    it has done the DH between its local ephemeral and that remote key (`se` needs `ee` and
 *    `ss` needs `es` for the initiator; `es` needs `ee` and `ss` needs `se` for the responder);
 * 5. (§9.3) after a `psk`, a party does not send encrypted data before it has sent `e`.
 *
 * Encryption happens for every payload once a key is set, for `s` once a key is set, and for
 * transport messages after the handshake (both parties, except the responder of a one-way
 * pattern).
 * @throws {NoiseProtocolError} naming the rule that failed.
 */
export function validatePattern(pattern: HandshakePattern): void {
  const fail = (why: string): never => {
    throw new NoiseProtocolError(`pattern ${pattern.name} is invalid: ${why}`);
  };
  const sent = {
    initiator: { e: false, s: false },
    responder: { e: false, s: false },
  };
  for (const [party, tokens] of [
    ['initiator', pattern.initiatorPreMessage],
    ['responder', pattern.responderPreMessage],
  ] as const) {
    for (const token of tokens) {
      if (sent[party][token]) fail(`the ${party} sends "${token}" twice`);
      sent[party][token] = true;
    }
  }
  const done = new Set<Token>();
  let keyed = false;
  let pskSeen = false;
  // Key owners of each DH token: [initiator's key, responder's key] (spec §7.1).
  const dhKeys: Record<string, ['e' | 's', 'e' | 's']> = {
    ee: ['e', 'e'],
    es: ['e', 's'],
    se: ['s', 'e'],
    ss: ['s', 's'],
  };
  const checkEncrypt = (party: Party): void => {
    if (!keyed) return;
    const rule4 =
      party === 'initiator'
        ? (done.has('se') && !done.has('ee')) || (done.has('ss') && !done.has('es'))
        : (done.has('es') && !done.has('ee')) || (done.has('ss') && !done.has('se'));
    if (rule4) fail(`the ${party} encrypts before its ephemeral DH with the peer (§7.3)`);
    if (pskSeen && !sent[party].e) fail(`the ${party} encrypts after psk before sending e (§9.3)`);
  };
  pattern.messages.forEach((tokens, index) => {
    const party: Party = index % 2 === 0 ? 'initiator' : 'responder';
    for (const token of tokens) {
      if (token === 'e' || token === 's') {
        if (sent[party][token]) fail(`the ${party} sends "${token}" twice`);
        if (token === 's') checkEncrypt(party);
        sent[party][token] = true;
      } else if (token === 'psk') {
        pskSeen = true;
        keyed = true;
      } else {
        if (done.has(token)) fail(`"${token}" appears twice`);
        const [initiatorKey, responderKey] = dhKeys[token]!;
        if (!sent.initiator[initiatorKey] || !sent.responder[responderKey]) {
          fail(`"${token}" uses a key that has not been sent`);
        }
        done.add(token);
        keyed = true;
      }
    }
    checkEncrypt(party);
  });
  checkEncrypt('initiator');
  if (!isOneWay(pattern)) checkEncrypt('responder');
}
