/**
 * The Socialist Millionaires' Protocol of OTR version 3 (the "Socialist Millionaires' Protocol"
 * section of the OTR v3 specification), as a pure state machine: both parties learn whether
 * their secrets are equal and nothing else; each run allows one comparison (one guess).
 *
 * Group: RFC 3526's 1536-bit MODP group, generator 2; hash: SHA-256 over a version byte and
 * OTR MPIs; zero-knowledge proofs with exponents mod `q = (p-1)/2`. Messages are OTR's TLVs
 * (`encoding.ts`), so this machine and an OTR client's SMP interoperate message by message
 * (`test/smp/smp-otr.test.ts` runs it against npm `otr`).
 *
 * Asker (Alice)                          Answerer (Bob)
 *   start(x)          → msg1 (type 2/7)
 *                                           receive → `question`; answer(y) → msg2 (type 3)
 *   receive → msg3 (type 4)
 *                                           receive → msg4 (type 5), result
 *   receive → result
 *
 * Any invalid message (a value outside [2, p-2], a failed proof, a message out of turn) aborts
 * the run: the machine resets and answers with an abort TLV (type 6).
 * @module
 */
import {
  bigintToBytes,
  bytesToBigint,
  constantTimeEqual,
  MODP_1536,
  modInverse1536,
  modPow1536,
  randomBytes,
  sha256,
} from '../crypto/index.js';
import { decodeSmpTlv, encodeMpi, encodeSmpTlv, SMP_TLV, type SmpTlv } from './encoding.js';
import { SmpMalformedError, SmpStateError } from './errors.js';

const { p: P, g: G, q: Q } = MODP_1536;

/** Where a run stands (OTR's SMPSTATE_EXPECT1..4, plus waiting for the local answer). */
export type SmpStateName = 'idle' | 'awaitingAnswer' | 'expectMsg2' | 'expectMsg3' | 'expectMsg4';

/** What one received message produced. */
export interface SmpStep {
  /** A TLV to send to the peer, if any. */
  readonly send?: Uint8Array;
  /**
   * `question`: the peer asked (its question, possibly empty) and waits for {@link Smp.answer};
   * `result`: the run ended, `match` says whether the secrets were equal;
   * `aborted`: the run ended without a result (the peer aborted or sent something invalid).
   */
  readonly event?:
    | { readonly type: 'question'; readonly question: string }
    | { readonly type: 'result'; readonly match: boolean }
    | { readonly type: 'aborted'; readonly reason: string };
}

/** Options of an {@link Smp} machine. */
export interface SmpOptions {
  /** The source of secret exponents; 1536 random bits unless a test fixes them. */
  readonly randomExponent?: () => bigint;
}

/** SHA-256 of `version || MPI(a) [|| MPI(b)]` as an integer: OTR's SMP hash. */
export function smpHash(version: number, a: bigint, b?: bigint): bigint {
  const parts = [Uint8Array.of(version), encodeMpi(a)];
  if (b !== undefined) parts.push(encodeMpi(b));
  return bytesToBigint(sha256.hash(...parts));
}

const mul = (a: bigint, b: bigint) => (a * b) % P;
const div = (a: bigint, b: bigint) => mul(a, modInverse1536(b));
const pow = modPow1536;
/** `D = r - a·c mod q`. */
const proofD = (r: bigint, a: bigint, c: bigint) => (((r - a * c) % Q) + Q) % Q;
const inGroup = (x: bigint) => x >= 2n && x <= P - 2n;
const defaultRandomExponent = () => bytesToBigint(randomBytes(192));
const sameElement = (a: bigint, b: bigint) => constantTimeEqual(padded(a), padded(b));
function padded(x: bigint): Uint8Array {
  const out = new Uint8Array(MODP_1536.byteLength);
  const bytes = bigintToBytes(x);
  out.set(bytes, out.length - bytes.length);
  return out;
}

class Invalid extends Error {}
function check(ok: boolean, what: string): void {
  if (!ok) throw new Invalid(what);
}

/**
 * One party's SMP machine for one peer. Reusable: after a result or an abort it is idle again
 * and a new run can start (a new guess needs a new run).
 */
export class Smp {
  #state: SmpStateName = 'idle';
  readonly #random: () => bigint;
  // Run state (cleared by #reset).
  #secret = 0n;
  #a2 = 0n;
  #a3 = 0n;
  #g2 = 0n;
  #g3 = 0n;
  #g3o = 0n;
  #ownG2a = 0n;
  #ownG3a = 0n;
  #msg1Proofs: bigint[] = [];
  #p = 0n;
  #q = 0n;
  #pop = 0n;
  #qoq = 0n;

  constructor(options: SmpOptions = {}) {
    this.#random = options.randomExponent ?? defaultRandomExponent;
  }

  /** The current state. */
  get state(): SmpStateName {
    return this.#state;
  }

  /**
   * Starts a run as the asker with our secret `x` (see `smpSecret`), optionally with a question.
   * An unfinished run is abandoned (the peer sees a new message 1, or an abort).
   * @returns SMP message 1 (TLV type 2, or 7 with a question).
   */
  start(secret: bigint, question?: string): Uint8Array {
    this.#reset();
    this.#secret = secret;
    const [g2a, c2, d2, g3a, c3, d3] = this.#makeExponents(1, 2);
    this.#state = 'expectMsg2';
    const mpis = [g2a, c2, d2, g3a, c3, d3];
    return question === undefined
      ? encodeSmpTlv(SMP_TLV.msg1, mpis)
      : encodeSmpTlv(SMP_TLV.msg1Question, mpis, question);
  }

  /**
   * Answers the peer's question with our secret `y` (state `awaitingAnswer`).
   * @returns SMP message 2 (TLV type 3).
   * @throws {SmpStateError} when no question is waiting.
   */
  answer(secret: bigint): Uint8Array {
    if (this.#state !== 'awaitingAnswer') throw new SmpStateError('No SMP question is waiting.');
    this.#secret = secret;
    const [r4, r5, r6] = [this.#random(), this.#random(), this.#random()];
    this.#p = pow(this.#g3, r4);
    this.#q = mul(pow(G, r4), pow(this.#g2, secret));
    const cP = smpHash(5, pow(this.#g3, r5), mul(pow(G, r5), pow(this.#g2, r6)));
    const d5 = proofD(r5, r4, cP);
    const d6 = proofD(r6, secret, cP);
    this.#state = 'expectMsg3';
    return encodeSmpTlv(SMP_TLV.msg2, [
      this.#ownG2a,
      ...this.#msg1Proofs.slice(0, 2),
      this.#ownG3a,
      ...this.#msg1Proofs.slice(2, 4),
      this.#p,
      this.#q,
      cP,
      d5,
      d6,
    ]);
  }

  /** Abandons the run. @returns the abort TLV (type 6) to send. */
  abort(): Uint8Array {
    this.#reset();
    return encodeSmpTlv(SMP_TLV.abort, []);
  }

  /**
   * Handles one SMP TLV from the peer.
   * @returns what to send and what happened; never throws for the peer's bytes (a malformed or
   *   invalid message aborts the run).
   */
  receive(bytes: Uint8Array): SmpStep {
    let tlv: SmpTlv;
    try {
      tlv = decodeSmpTlv(bytes);
    } catch (error) {
      return this.#fail(error instanceof SmpMalformedError ? error.message : 'malformed');
    }
    if (tlv.type === SMP_TLV.abort) {
      this.#reset();
      return { event: { type: 'aborted', reason: 'the peer aborted' } };
    }
    try {
      switch (tlv.type) {
        case SMP_TLV.msg1:
        case SMP_TLV.msg1Question:
          // A new message 1 restarts the protocol from any state but a run of our own in
          // progress, which OTR treats as out of turn.
          if (this.#state !== 'idle' && this.#state !== 'awaitingAnswer') break;
          return this.#onMsg1(tlv);
        case SMP_TLV.msg2:
          if (this.#state === 'expectMsg2') return this.#onMsg2(tlv.mpis);
          break;
        case SMP_TLV.msg3:
          if (this.#state === 'expectMsg3') return this.#onMsg3(tlv.mpis);
          break;
        case SMP_TLV.msg4:
          if (this.#state === 'expectMsg4') return this.#onMsg4(tlv.mpis);
          break;
      }
    } catch (error) {
      if (error instanceof Invalid) return this.#fail(`invalid message: ${error.message}`);
      throw error;
    }
    return this.#fail('a message out of turn');
  }

  #fail(reason: string): SmpStep {
    return { send: this.abort(), event: { type: 'aborted', reason } };
  }

  /** a2, a3 (or b2, b3), their powers and the proofs of knowledge with hash versions v2, v3. */
  #makeExponents(v2: number, v3: number): [bigint, bigint, bigint, bigint, bigint, bigint] {
    this.#a2 = this.#random();
    this.#a3 = this.#random();
    const g2a = pow(G, this.#a2);
    const g3a = pow(G, this.#a3);
    const r2 = this.#random();
    const r3 = this.#random();
    const c2 = smpHash(v2, pow(G, r2));
    const c3 = smpHash(v3, pow(G, r3));
    const d2 = proofD(r2, this.#a2, c2);
    const d3 = proofD(r3, this.#a3, c3);
    this.#ownG2a = g2a;
    this.#ownG3a = g3a;
    this.#msg1Proofs = [c2, d2, c3, d3];
    return [g2a, c2, d2, g3a, c3, d3];
  }

  #verifyKnowledge(v: number, c: bigint, d: bigint, gx: bigint, what: string): void {
    check(c === smpHash(v, mul(pow(G, d), pow(gx, c))), what);
  }

  #onMsg1(tlv: SmpTlv): SmpStep {
    this.#reset();
    const [g2a, c2, d2, g3a, c3, d3] = tlv.mpis as bigint[];
    check(inGroup(g2a!) && inGroup(g3a!), 'g2a or g3a out of range');
    this.#verifyKnowledge(1, c2!, d2!, g2a!, 'proof of a2');
    this.#verifyKnowledge(2, c3!, d3!, g3a!, 'proof of a3');
    this.#g3o = g3a!;
    this.#makeExponents(3, 4);
    this.#g2 = pow(g2a!, this.#a2);
    this.#g3 = pow(g3a!, this.#a3);
    this.#state = 'awaitingAnswer';
    return { event: { type: 'question', question: tlv.question ?? '' } };
  }

  #onMsg2(m: readonly bigint[]): SmpStep {
    const [g2b, c2, d2, g3b, c3, d3, pb, qb, cP, d5, d6] = m as bigint[];
    check(inGroup(g2b!) && inGroup(g3b!) && inGroup(pb!) && inGroup(qb!), 'value out of range');
    this.#verifyKnowledge(3, c2!, d2!, g2b!, 'proof of b2');
    this.#verifyKnowledge(4, c3!, d3!, g3b!, 'proof of b3');
    this.#g3o = g3b!;
    this.#g2 = pow(g2b!, this.#a2);
    this.#g3 = pow(g3b!, this.#a3);
    const t1 = mul(pow(this.#g3, d5!), pow(pb!, cP!));
    const t2 = mul(mul(pow(G, d5!), pow(this.#g2, d6!)), pow(qb!, cP!));
    check(cP === smpHash(5, t1, t2), 'proof of Pb, Qb');
    const [r4, r5, r6, r7] = [this.#random(), this.#random(), this.#random(), this.#random()];
    const pa = pow(this.#g3, r4);
    const qa = mul(pow(G, r4), pow(this.#g2, this.#secret));
    const cPa = smpHash(6, pow(this.#g3, r5), mul(pow(G, r5), pow(this.#g2, r6)));
    const d5a = proofD(r5, r4, cPa);
    const d6a = proofD(r6, this.#secret, cPa);
    this.#qoq = div(qa, qb!);
    this.#pop = div(pa, pb!);
    const ra = pow(this.#qoq, this.#a3);
    const cR = smpHash(7, pow(G, r7), pow(this.#qoq, r7));
    const d7 = proofD(r7, this.#a3, cR);
    this.#state = 'expectMsg4';
    return { send: encodeSmpTlv(SMP_TLV.msg3, [pa, qa, cPa, d5a, d6a, ra, cR, d7]) };
  }

  #onMsg3(m: readonly bigint[]): SmpStep {
    const [pa, qa, cP, d5, d6, ra, cR, d7] = m as bigint[];
    check(inGroup(pa!) && inGroup(qa!) && inGroup(ra!), 'value out of range');
    const t1 = mul(pow(this.#g3, d5!), pow(pa!, cP!));
    const t2 = mul(mul(pow(G, d5!), pow(this.#g2, d6!)), pow(qa!, cP!));
    check(cP === smpHash(6, t1, t2), 'proof of Pa, Qa');
    const qoq = div(qa!, this.#q);
    const t3 = mul(pow(G, d7!), pow(this.#g3o, cR!));
    const t4 = mul(pow(qoq, d7!), pow(ra!, cR!));
    check(cR === smpHash(7, t3, t4), 'proof of Ra');
    const r7 = this.#random();
    const rb = pow(qoq, this.#a3);
    const cRb = smpHash(8, pow(G, r7), pow(qoq, r7));
    const d7b = proofD(r7, this.#a3, cRb);
    const rab = pow(ra!, this.#a3);
    const match = sameElement(rab, div(pa!, this.#p));
    this.#reset();
    return {
      send: encodeSmpTlv(SMP_TLV.msg4, [rb, cRb, d7b]),
      event: { type: 'result', match },
    };
  }

  #onMsg4(m: readonly bigint[]): SmpStep {
    const [rb, cR, d7] = m as bigint[];
    check(inGroup(rb!), 'Rb out of range');
    const t3 = mul(pow(G, d7!), pow(this.#g3o, cR!));
    const t4 = mul(pow(this.#qoq, d7!), pow(rb!, cR!));
    check(cR === smpHash(8, t3, t4), 'proof of Rb');
    const match = sameElement(pow(rb!, this.#a3), this.#pop);
    this.#reset();
    return { event: { type: 'result', match } };
  }

  #reset(): void {
    this.#state = 'idle';
    this.#secret = 0n;
    this.#a2 = this.#a3 = this.#g2 = this.#g3 = this.#g3o = 0n;
    this.#ownG2a = this.#ownG3a = this.#p = this.#q = this.#pop = this.#qoq = 0n;
    this.#msg1Proofs = [];
  }
}
