/**
 * The host's join code: the code it shows, the one attempt at a time it allows, and the new
 * code it makes after each use or wrong guess. The host listener asks it to answer a prelude
 * of mode `code` and tells it how the attempt ended. docs/protocol-verification.md §1.
 * @module
 */

import type { PreludeDecision } from '../channel/channel-handshake.js';
import { encodeHandshakeStatus } from '../channel/handshake-status.js';
import type { Prelude } from '../channel/prelude.js';
import { randomBytes } from '../crypto/index.js';
import { generateJoinCode, type JoinCode } from '../identity/join-code.js';
import { answerCodeExchange } from '../pake/code-exchange.js';

/** How a join-code attempt ended, as the listener saw it. */
export type CodeAttemptEnd =
  /** msg3 authenticated: the joiner had the code. */
  | 'joined'
  /** msg3 (or msg1) failed to authenticate: a wrong code, the one guess is spent. */
  | 'wrong'
  /** The attempt ended before a guess could be checked (closed, timed out, malformed). */
  | 'aborted';

/** What {@link JoinCodeDoor.answer} gives the listener. */
export interface CodeAnswer {
  reply: PreludeDecision;
  /** Called once with how the attempt ended; absent when the attempt was refused at once. */
  settle?: (end: CodeAttemptEnd) => void;
}

/** Options of {@link JoinCodeDoor}. */
export interface JoinCodeDoorOptions {
  /** Told of every code after the first: the new code and why the last one went. */
  onChange(code: JoinCode, reason: 'used' | 'burnt'): void;
  log(line: string): void;
  /** The random source (a test may fix it). */
  random?: (length: number) => Uint8Array;
}

/** See the module documentation. */
export class JoinCodeDoor {
  readonly #o: JoinCodeDoorOptions;
  #code: JoinCode;
  /** An attempt is in progress: a second one is refused, so each code gets one guess at a time. */
  #busy = false;

  constructor(options: JoinCodeDoorOptions) {
    this.#o = options;
    this.#code = this.#fresh();
  }

  /** The code to show now. */
  get code(): JoinCode {
    return this.#code;
  }

  /** Whether a joiner with this number could be trying the current code (DHT firewall). */
  accepts(number: number): boolean {
    return number === this.#code.number;
  }

  /**
   * Answers a prelude of mode `code`: with the host's CPace share and the psk of the current
   * code, or `code-unavailable` while another attempt is in progress.
   * @param commit the host's commitment for msg2's `ok` (docs/protocol.md §5).
   */
  answer(prelude: Prelude, where: string, commit: Uint8Array): CodeAnswer {
    const random = this.#o.random ?? randomBytes;
    if (this.#busy || prelude.code === undefined) {
      this.#o.log(`refused ${where}: another join-code attempt is in progress`);
      return {
        reply: {
          psk: random(32),
          payload: encodeHandshakeStatus('code-unavailable'),
          close: true,
        },
      };
    }
    // A share that is not a valid element throws: the handshake fails before msg2 (no guess).
    const code = this.#code;
    const exchange = answerCodeExchange(code.text, prelude.code, random);
    this.#busy = true;
    let settled = false;
    return {
      reply: { psk: exchange.psk, payload: encodeHandshakeStatus('ok', commit, exchange.share) },
      settle: (end) => {
        if (settled) return;
        settled = true;
        this.#busy = false;
        // A code made meanwhile (it cannot be: one attempt at a time) is left alone.
        if (end === 'aborted' || this.#code !== code) return;
        this.#code = this.#fresh();
        if (end === 'wrong') {
          this.#o.log('someone tried a wrong join code: it is burnt, and a new one was made');
        }
        this.#o.onChange(this.#code, end === 'joined' ? 'used' : 'burnt');
      },
    };
  }

  #fresh(): JoinCode {
    return generateJoinCode(2, this.#o.random ?? randomBytes);
  }
}
