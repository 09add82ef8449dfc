/**
 * CPace (draft-irtf-cfrg-cpace, the cipher suite CPACE-RISTR255-SHA512): a balanced password
 * authenticated key exchange. Both parties derive a generator from the password (the whole join
 * code) and a channel identifier, exchange one group element each, and get the same
 * intermediate session key `ISK` only if both used the same password; an active attacker gets
 * one password guess per run and an eavesdropper none. Pure: the caller supplies the random
 * scalar (or lets {@link randomCpaceScalar} draw one), and the wire format around the shares is
 * the channel's business (docs/protocol-verification.md §1).
 *
 * Names follow the draft: `prepend_len`, `lv_cat`, `generator_string`, `calculate_generator`,
 * `scalar_mult_vfy`, `transcript_ir`. The draft's published ristretto255 test vectors run in
 * `test/pake/cpace.test.ts`.
 * @module
 */
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { abytes, concatBytes, randomBytes, sha512 } from '../crypto/index.js';
import { PakeError } from './errors.js';

const encoder = new TextEncoder();

/** `G.DSI` of the ristretto255 group: `"CPaceRistretto255"`. */
export const CPACE_DSI: Uint8Array = encoder.encode('CPaceRistretto255');
/** `G.DSI_ISK`: `"CPaceRistretto255_ISK"`, the domain of the session key hash. */
export const CPACE_DSI_ISK: Uint8Array = encoder.encode('CPaceRistretto255_ISK');
/** `H.s_in_bytes` of SHA-512: its input block size. */
export const CPACE_S_IN_BYTES = 128;
/** Bytes of an encoded ristretto255 element (a share `Y`, the point `K`). */
export const CPACE_SHARE_BYTES = 32;
/** Bytes of the intermediate session key (SHA-512 output). */
export const CPACE_ISK_BYTES = 64;

/** Order of the ristretto255 group: 2^252 + 27742317777372353535851937790883648493. */
const GROUP_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;

/** `prepend_len(data)`: the LEB128 encoding of `data.length`, then `data`. */
export function prependLen(data: Uint8Array): Uint8Array {
  const length: number[] = [];
  let n = data.length;
  do {
    const low = n & 0x7f;
    n = Math.floor(n / 128);
    length.push(n > 0 ? low | 0x80 : low);
  } while (n > 0);
  return concatBytes(Uint8Array.from(length), data);
}

/** `lv_cat(a, b, ...)`: the concatenation of `prepend_len` of each argument. */
export function lvCat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(...parts.map(prependLen));
}

/**
 * `generator_string(DSI, PRS, CI, sid, s_in_bytes)`: `lv_cat(DSI, PRS, zero_bytes(len_zpad),
 * CI, sid)` where `len_zpad = max(0, s_in_bytes - 1 - len(prepend_len(PRS)) -
 * len(prepend_len(DSI)))`, so that the password fills the first hash block.
 */
export function generatorString(
  dsi: Uint8Array,
  prs: Uint8Array,
  ci: Uint8Array,
  sid: Uint8Array,
  sInBytes: number = CPACE_S_IN_BYTES,
): Uint8Array {
  const zpad = Math.max(0, sInBytes - 1 - prependLen(prs).length - prependLen(dsi).length);
  return lvCat(dsi, prs, new Uint8Array(zpad), ci, sid);
}

/**
 * `calculate_generator(H, PRS, CI, sid)` for ristretto255: SHA-512 of the generator string,
 * mapped to the group with the element derivation of RFC 9496 §4.3.4 (its 64-byte one-way map).
 * Returns the encoded generator `g` (32 bytes).
 */
export function calculateGenerator(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  const hash = sha512.hash(generatorString(CPACE_DSI, prs, ci, sid));
  return ristretto255_hasher.deriveToCurve!(hash).toBytes();
}

/** A fresh secret scalar: 64 random bytes read little-endian, reduced mod the group order. */
export function randomCpaceScalar(): bigint {
  return reduceScalar(randomBytes(64));
}

/** Reads little-endian bytes as an integer mod the group order (never zero: zero becomes 1). */
export function reduceScalar(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  const s = n % GROUP_ORDER;
  return s === 0n ? 1n : s;
}

/** One party's state: its secret scalar `y` and its public share `Y = y·g`. */
export interface CpaceShare {
  /** The secret scalar `y`; keep it in memory only for this run. */
  readonly scalar: bigint;
  /** `Y = scalar_mult(y, g)`, 32 bytes, sent to the peer. */
  readonly share: Uint8Array;
}

/**
 * A party's first step: derive `g` from the password and the channel, and compute its share.
 * @param prs the password (the whole join code, UTF-8).
 * @param ci the channel identifier (both parties must use the same bytes).
 * @param sid the session id (both parties must use the same bytes; may be empty).
 * @param scalar the secret scalar; random unless a test fixes it.
 */
export function cpaceShare(
  prs: Uint8Array,
  ci: Uint8Array,
  sid: Uint8Array,
  scalar: bigint = randomCpaceScalar(),
): CpaceShare {
  const g = ristretto255.Point.fromBytes(calculateGenerator(prs, ci, sid));
  return { scalar, share: g.multiply(scalar).toBytes() };
}

/**
 * `scalar_mult_vfy(y, X)`: decodes the peer's share and multiplies it by our scalar.
 * @throws {PakeError} when `X` is not a canonical ristretto255 encoding or the result is the
 *   identity element.
 */
export function scalarMultVfy(scalar: bigint, peerShare: Uint8Array): Uint8Array {
  abytes(peerShare, CPACE_SHARE_BYTES, 'CPace share');
  let point: ReturnType<typeof ristretto255.Point.fromBytes>;
  try {
    point = ristretto255.Point.fromBytes(peerShare);
  } catch {
    throw new PakeError();
  }
  const k = point.multiply(scalar);
  if (k.is0()) throw new PakeError();
  return k.toBytes();
}

/** `transcript_ir(Ya, ADa, Yb, ADb)`: `lv_cat(Ya, ADa) || lv_cat(Yb, ADb)`. */
export function transcriptIr(
  ya: Uint8Array,
  ada: Uint8Array,
  yb: Uint8Array,
  adb: Uint8Array,
): Uint8Array {
  return concatBytes(lvCat(ya, ada), lvCat(yb, adb));
}

/**
 * The intermediate session key of the initiator-responder setting:
 * `ISK = SHA-512(lv_cat(DSI_ISK, sid, K) || transcript_ir(Ya, ADa, Yb, ADb))`. Equal on both
 * ends only if both used the same password (and saw the same shares).
 * @param own our share state.
 * @param peerShare the peer's share.
 * @param role `initiator` if we sent `Ya` (the first share), else `responder`.
 * @throws {PakeError} on an invalid peer share.
 */
export function cpaceIsk(
  own: CpaceShare,
  peerShare: Uint8Array,
  role: 'initiator' | 'responder',
  sid: Uint8Array,
  ownAd: Uint8Array = new Uint8Array(0),
  peerAd: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const k = scalarMultVfy(own.scalar, peerShare);
  const transcript =
    role === 'initiator'
      ? transcriptIr(own.share, ownAd, peerShare, peerAd)
      : transcriptIr(peerShare, peerAd, own.share, ownAd);
  return sha512.hash(lvCat(CPACE_DSI_ISK, sid, k), transcript);
}
