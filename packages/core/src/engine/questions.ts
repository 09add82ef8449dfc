/**
 * The question (OTR version 3's Socialist Millionaires' Protocol) between the chat node and
 * its connected peers: one {@link Smp} machine per connection, its secret bound to this
 * session (both identity keys and the handshake hash), SMP messages carried as session `smp`
 * messages, and the outcome reported on both sides as a `verification` event. A match marks
 * the peer verified by `question` in the known-peers book (which pins its key); a mismatch is
 * a warning and changes nothing. docs/protocol-verification.md §2.
 * @module
 */
import { markVerified } from '../identity/known-peers.js';
import type { ChatEvent, VerificationResult } from '../protocol/events.js';
import { MAX_SMP_QUESTION_BYTES, normalizeSmpAnswer, Smp, smpSecret } from '../smp/index.js';
import { EngineCommandError } from './errors.js';
import type { KnownPeerHolder } from './known-peer-book.js';
import type { PeerConnection } from './peer-connection.js';

/** What {@link Questions} needs from its chat node. */
export interface QuestionOptions {
  /** Our identity's static public key. */
  ownPublicKey: Uint8Array;
  known: KnownPeerHolder;
  emit: (event: ChatEvent) => void;
  log: (line: string) => void;
}

/** One connection's SMP state. */
interface Run {
  machine: Smp;
  /** Whether the running (or last) run is ours: we asked. */
  asking: boolean;
}

/** See the module documentation. */
export class Questions {
  readonly #o: QuestionOptions;
  readonly #runs = new WeakMap<PeerConnection, Run>();

  constructor(options: QuestionOptions) {
    this.#o = options;
  }

  /**
   * Asks the peer `question`; `answer` is ours, compared with theirs. A run already going on
   * with this peer is abandoned (the peer sees a new question).
   * @throws {EngineCommandError} `ERR_SMP_UNSUPPORTED` (the peer's client does not do SMP),
   *   `ERR_BAD_QUESTION` (empty answer, or a question over 1024 bytes).
   */
  ask(c: PeerConnection, question: string, answer: string): void {
    if (!c.peerCan('smp')) {
      throw new EngineCommandError(
        'ERR_SMP_UNSUPPORTED',
        "This peer's client cannot answer questions; compare the verification code instead.",
      );
    }
    if (new TextEncoder().encode(question).length > MAX_SMP_QUESTION_BYTES) {
      throw new EngineCommandError(
        'ERR_BAD_QUESTION',
        `A question is at most ${MAX_SMP_QUESTION_BYTES} bytes.`,
      );
    }
    checkAnswer(answer);
    const run = this.#run(c);
    run.asking = true;
    const tlv = run.machine.start(this.#secret(c, answer, true), question);
    c.sendSmp(tlv);
    this.#o.log(`${c.remote}: asked a question`);
  }

  /**
   * Answers the question the peer asked (after its `asked` event).
   * @throws {EngineCommandError} `ERR_NOTHING_TO_ANSWER`, `ERR_BAD_QUESTION` (empty answer).
   */
  answer(c: PeerConnection, answer: string): void {
    const run = this.#runs.get(c);
    if (run?.machine.state !== 'awaitingAnswer') {
      throw new EngineCommandError(
        'ERR_NOTHING_TO_ANSWER',
        'This peer has not asked a question, or it was answered already.',
      );
    }
    checkAnswer(answer);
    const tlv = run.machine.answer(this.#secret(c, answer, false));
    c.sendSmp(tlv);
  }

  /** Handles an SMP message from the peer. */
  receive(c: PeerConnection, tlv: Uint8Array): void {
    const run = this.#run(c);
    const step = run.machine.receive(tlv);
    if (step.send) {
      const out = step.send;
      c.sendSmp(out);
    }
    const event = step.event;
    if (event === undefined) return;
    if (event.type === 'question') {
      run.asking = false;
      this.#o.emit({ event: 'asked', peer: c.peerId, question: event.question });
      return;
    }
    if (event.type === 'aborted') {
      this.#o.log(`${c.remote}: question aborted: ${event.reason}`);
      this.#report(c, 'aborted');
      return;
    }
    if (event.match) {
      this.#o.known.update((book) => markVerified(book, c.peerId, 'question', c.publicKey));
      this.#o.emit({ event: 'verified', peer: c.peerId, verification: 'question' });
    }
    this.#report(c, event.match ? 'match' : 'mismatch');
  }

  #report(c: PeerConnection, result: VerificationResult): void {
    this.#o.log(`${c.remote}: question ended: ${result}`);
    this.#o.emit({ event: 'verification', peer: c.peerId, result });
  }

  #run(c: PeerConnection): Run {
    let run = this.#runs.get(c);
    if (!run) {
      run = { machine: new Smp(), asking: false };
      this.#runs.set(c, run);
    }
    return run;
  }

  /** The secret of this session: the asker's key first, then the answerer's. */
  #secret(c: PeerConnection, answer: string, asking: boolean): bigint {
    const own = this.#o.ownPublicKey;
    return smpSecret({
      askerKey: asking ? own : c.publicKey,
      answererKey: asking ? c.publicKey : own,
      sessionId: c.channel.handshakeHash,
      answer,
    });
  }
}

function checkAnswer(answer: string): void {
  if (normalizeSmpAnswer(answer) === '') {
    throw new EngineCommandError('ERR_BAD_QUESTION', 'An answer must not be empty.');
  }
}
