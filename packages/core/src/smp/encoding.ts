/**
 * OTR version 3's wire layout of SMP messages, so that Cryptully's SMP is byte-for-byte the
 * one of OTR (docs/protocol-verification.md §2): a TLV `type u16be | length u16be | value`, whose
 * value is `count u32be` then `count` MPIs, each `length u32be | big-endian magnitude` with no
 * leading zero bytes. Type 7 (SMP message 1 with a question) prefixes the value with the
 * question's UTF-8 bytes and a NUL.
 * @module
 */
import { bigintToBytes, bytesToBigint, concatBytes, MODP_1536 } from '../crypto/index.js';
import { SmpMalformedError } from './errors.js';

/** OTR's TLV types of SMP. */
export const SMP_TLV = Object.freeze({
  /** SMP message 1: `g2a, c2, D2, g3a, c3, D3`. */
  msg1: 2,
  /** SMP message 2: `g2b, c2, D2, g3b, c3, D3, Pb, Qb, cP, D5, D6`. */
  msg2: 3,
  /** SMP message 3: `Pa, Qa, cP, D5, D6, Ra, cR, D7`. */
  msg3: 4,
  /** SMP message 4: `Rb, cR, D7`. */
  msg4: 5,
  /** SMP abort: empty value. */
  abort: 6,
  /** SMP message 1 with a question: `question || 0x00 ||` message 1's value. */
  msg1Question: 7,
});

/** How many MPIs each SMP message carries, by TLV type. */
export const SMP_MPI_COUNT: Readonly<Record<number, number>> = Object.freeze({
  2: 6,
  3: 11,
  4: 8,
  5: 3,
  7: 6,
});

/** Largest question, in UTF-8 bytes. */
export const MAX_SMP_QUESTION_BYTES = 1024;

/** One decoded SMP TLV. */
export interface SmpTlv {
  readonly type: number;
  readonly mpis: readonly bigint[];
  /** The question of a type 7 message. */
  readonly question?: string;
}

const u16 = (n: number) => Uint8Array.of(n >>> 8, n & 0xff);
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
const readU32 = (b: Uint8Array, at: number) =>
  b[at]! * 2 ** 24 + b[at + 1]! * 2 ** 16 + b[at + 2]! * 2 ** 8 + b[at + 3]!;

/** An MPI: `length u32be | magnitude` (zero has length 0). */
export function encodeMpi(n: bigint): Uint8Array {
  const magnitude = n === 0n ? new Uint8Array(0) : bigintToBytes(n);
  return concatBytes(u32(magnitude.length), magnitude);
}

/** Encodes an SMP TLV of `type` with `mpis` (and the question for type 7). */
export function encodeSmpTlv(type: number, mpis: readonly bigint[], question?: string): Uint8Array {
  const parts: Uint8Array[] = [];
  if (type === SMP_TLV.msg1Question) {
    parts.push(new TextEncoder().encode(question ?? ''), Uint8Array.of(0));
  }
  if (type !== SMP_TLV.abort) parts.push(u32(mpis.length), ...mpis.map(encodeMpi));
  const value = concatBytes(...parts);
  return concatBytes(u16(type), u16(value.length), value);
}

/**
 * Decodes an SMP TLV, strictly: a known type, a length that matches, the exact count of MPIs
 * for that type, each at most as long as the group (192 bytes), nothing after them.
 * @throws {SmpMalformedError} otherwise.
 */
export function decodeSmpTlv(bytes: Uint8Array): SmpTlv {
  if (bytes.length < 4) throw new SmpMalformedError('shorter than a TLV header');
  const type = (bytes[0]! << 8) | bytes[1]!;
  const length = (bytes[2]! << 8) | bytes[3]!;
  if (length !== bytes.length - 4) throw new SmpMalformedError('the TLV length does not match');
  if (type === SMP_TLV.abort) {
    if (length !== 0) throw new SmpMalformedError('an abort has a value');
    return { type, mpis: [] };
  }
  const count = SMP_MPI_COUNT[type];
  if (count === undefined) throw new SmpMalformedError(`unknown TLV type ${type}`);
  let at = 4;
  let question: string | undefined;
  if (type === SMP_TLV.msg1Question) {
    const nul = bytes.indexOf(0, at);
    if (nul < 0 || nul - at > MAX_SMP_QUESTION_BYTES) {
      throw new SmpMalformedError('the question is not terminated or too long');
    }
    try {
      question = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(at, nul));
    } catch {
      throw new SmpMalformedError('the question is not UTF-8');
    }
    at = nul + 1;
  }
  if (bytes.length - at < 4 || readU32(bytes, at) !== count) {
    throw new SmpMalformedError(`type ${type} must carry ${count} integers`);
  }
  at += 4;
  const mpis: bigint[] = [];
  for (let i = 0; i < count; i++) {
    if (bytes.length - at < 4) throw new SmpMalformedError('truncated integer');
    const n = readU32(bytes, at);
    at += 4;
    if (n > MODP_1536.byteLength || bytes.length - at < n) {
      throw new SmpMalformedError('an integer is too long or truncated');
    }
    mpis.push(bytesToBigint(bytes.subarray(at, at + n)));
    at += n;
  }
  if (at !== bytes.length) throw new SmpMalformedError('trailing bytes');
  return question === undefined ? { type, mpis } : { type, mpis, question };
}
