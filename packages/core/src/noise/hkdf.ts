import { type HashFunction, wipe } from '../crypto/index.js';

const BYTE_1 = Uint8Array.of(1);
const BYTE_2 = Uint8Array.of(2);
const BYTE_3 = Uint8Array.of(3);

/**
 * HKDF(chaining_key, input_key_material, num_outputs) of Noise spec §4.3, on HMAC-HASH
 * (RFC 2104) of the given hash:
 *
 * ```
 * temp_key = HMAC(chaining_key, input_key_material)
 * output1  = HMAC(temp_key, 0x01)
 * output2  = HMAC(temp_key, output1 || 0x02)
 * output3  = HMAC(temp_key, output2 || 0x03)   (only when num_outputs = 3)
 * ```
 * Each output is HASHLEN bytes; `temp_key` is wiped before returning.
 * @example const [ck, k] = hkdf(blake2b, ck, dhOutput, 2);
 */
export function hkdf(
  hash: HashFunction,
  chainingKey: Uint8Array,
  inputKeyMaterial: Uint8Array,
  numOutputs: 2,
): [Uint8Array, Uint8Array];
export function hkdf(
  hash: HashFunction,
  chainingKey: Uint8Array,
  inputKeyMaterial: Uint8Array,
  numOutputs: 3,
): [Uint8Array, Uint8Array, Uint8Array];
export function hkdf(
  hash: HashFunction,
  chainingKey: Uint8Array,
  inputKeyMaterial: Uint8Array,
  numOutputs: 2 | 3,
): Uint8Array[] {
  const tempKey = hash.hmac(chainingKey, inputKeyMaterial);
  const output1 = hash.hmac(tempKey, BYTE_1);
  const output2 = hash.hmac(tempKey, output1, BYTE_2);
  if (numOutputs === 2) {
    wipe(tempKey);
    return [output1, output2];
  }
  const output3 = hash.hmac(tempKey, output2, BYTE_3);
  wipe(tempKey);
  return [output1, output2, output3];
}
