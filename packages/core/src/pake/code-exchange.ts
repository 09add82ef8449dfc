/**
 * The CPace run of a join-code handshake (channel mode `code`), pure: the joiner's share and
 * session id travel in the prelude, the host's share in msg2's status, and the first 32 bytes
 * of CPace's `ISK` become the psk of the XXpsk3 handshake, so msg3 authenticates only if both
 * used the same code. docs/protocol-verification.md §1.5.
 * @module
 */
import { CODE_DATA_BYTES, CODE_SID_BYTES, PSK_BYTES } from '../channel/constants.js';
import { abytes, concatBytes, randomBytes, wipe } from '../crypto/index.js';
import { CPACE_SHARE_BYTES, cpaceIsk, cpaceShare, reduceScalar } from './cpace.js';
import { PakeError } from './errors.js';

const encoder = new TextEncoder();

/** CPace's channel identifier `CI` for join codes: ASCII `Cryptully/2 join code`. */
export const CODE_CPACE_CI: Uint8Array = encoder.encode('Cryptully/2 join code');

/** The psk of a run: the first 32 bytes of `ISK` (64 bytes). */
function pskOf(isk: Uint8Array): Uint8Array {
  const psk = isk.slice(0, PSK_BYTES);
  wipe(isk);
  return psk;
}

/** The joiner's side, after {@link startCodeExchange}. */
export interface CodeExchangeStart {
  /** The prelude's data: `sid (16) | Ya (32)`. */
  readonly data: Uint8Array;
  /**
   * The psk, from the host's share `Yb`. Call once.
   * @throws {PakeError} when `Yb` is not a valid ristretto255 element.
   */
  psk(hostShare: Uint8Array): Uint8Array;
}

/**
 * The joiner's first step: a fresh session id and CPace share for the code.
 * @param code the canonical join code (`parseJoinCode(...).text`), the password.
 * @param random the random source (a test may fix it).
 */
export function startCodeExchange(
  code: string,
  random: (length: number) => Uint8Array = randomBytes,
): CodeExchangeStart {
  const sid = random(CODE_SID_BYTES);
  const own = cpaceShare(encoder.encode(code), CODE_CPACE_CI, sid, reduceScalar(random(64)));
  return {
    data: concatBytes(sid, own.share),
    psk: (hostShare) => pskOf(cpaceIsk(own, hostShare, 'initiator', sid)),
  };
}

/**
 * The host's step: reads the joiner's data, makes its own share and the psk. Both are only
 * right if the joiner used the same code; the host learns that on msg3.
 * @throws {PakeError} when the joiner's share is not a valid ristretto255 element.
 */
export function answerCodeExchange(
  code: string,
  data: Uint8Array,
  random: (length: number) => Uint8Array = randomBytes,
): { share: Uint8Array; psk: Uint8Array } {
  abytes(data, CODE_DATA_BYTES, 'code data');
  const sid = data.subarray(0, CODE_SID_BYTES);
  const joinerShare = data.subarray(CODE_SID_BYTES, CODE_SID_BYTES + CPACE_SHARE_BYTES);
  const own = cpaceShare(encoder.encode(code), CODE_CPACE_CI, sid, reduceScalar(random(64)));
  try {
    return { share: own.share, psk: pskOf(cpaceIsk(own, joinerShare, 'responder', sid)) };
  } catch (error) {
    if (error instanceof PakeError) throw error;
    throw new PakeError();
  }
}
