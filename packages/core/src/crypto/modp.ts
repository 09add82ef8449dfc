import { createDiffieHellman, getDiffieHellman } from 'node:crypto';

/**
 * The 1536-bit MODP group of RFC 3526 §2 (group 5), the group of OTR version 3's Socialist
 * Millionaires' Protocol: prime `p = 2^1536 - 2^1472 - 1 + 2^64 * (floor(2^1406 pi) + 741804)`,
 * generator 2, and `q = (p - 1) / 2` (prime: `p` is a safe prime), the order of the subgroup
 * of squares that the exponents of SMP's proofs are reduced modulo.
 */
export interface ModpGroup {
  readonly p: bigint;
  readonly g: bigint;
  readonly q: bigint;
  /** Bytes of an element: 192. */
  readonly byteLength: number;
}

const rfc3526 = getDiffieHellman('modp5');
const P = BigInt(`0x${rfc3526.getPrime('hex')}`);

/** RFC 3526 group 5 (1536 bits), generator 2. */
export const MODP_1536: ModpGroup = Object.freeze({
  p: P,
  g: 2n,
  q: (P - 1n) / 2n,
  byteLength: 192,
});

/** Big-endian bytes of a non-negative integer, minimal length (zero is one byte, 0x00). */
export function bigintToBytes(n: bigint): Uint8Array {
  if (n < 0n) throw new RangeError('negative integer');
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** The integer of big-endian bytes (empty bytes are zero). */
export function bytesToBigint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

// One OpenSSL DH object does every exponentiation: `computeSecret(base)` with the exponent as
// the private key is `base^exp mod p` with OpenSSL's constant-time modular exponentiation.
// Created on first use: its prime check costs time that programs not running SMP need not pay.
let engine: ReturnType<typeof createDiffieHellman> | undefined;

/**
 * `base^exponent mod p` in the 1536-bit group, computed by OpenSSL in constant time for the
 * exponent (SMP's exponents are secrets). `base` is reduced mod `p` first.
 * @param exponent a non-negative exponent (of any size).
 */
export function modPow1536(base: bigint, exponent: bigint): bigint {
  if (exponent < 0n) throw new RangeError('negative exponent');
  const b = ((base % P) + P) % P;
  if (exponent === 0n) return 1n;
  // OpenSSL refuses bases outside [2, p-2] as DH public keys; those powers are trivial.
  if (b === 0n || b === 1n) return b;
  if (b === P - 1n) return exponent % 2n === 0n ? 1n : P - 1n;
  engine ??= createDiffieHellman(rfc3526.getPrime(), Buffer.from([2]));
  engine.setPrivateKey(Buffer.from(bigintToBytes(exponent)));
  return bytesToBigint(engine.computeSecret(Buffer.from(bigintToBytes(b))));
}

/** `a^-1 mod m` for a prime `m` (Fermat), for the divisions of SMP. */
export function modInverse1536(a: bigint): bigint {
  return modPow1536(a, P - 2n);
}
