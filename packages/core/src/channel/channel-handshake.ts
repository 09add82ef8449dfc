import {
  abytes,
  constantTimeEqual,
  type KeyPair,
  type PreparedPrivateKey,
  randomBytes,
  wipe,
} from '../crypto/index.js';
import { CryptullyError, InvalidArgumentError } from '../errors.js';
import { type CipherState, HandshakeState } from '../noise/index.js';
import { commitmentOpens, handshakeCommitment } from './commitment.js';
import {
  CODE_DATA_BYTES,
  COMMITMENT_BYTES,
  COMMITMENT_NONCE_BYTES,
  INVITE_ID_BYTES,
  MAX_FRAME_BYTES,
  MIN_TRANSPORT_FRAME_BYTES,
  PSK_BYTES,
} from './constants.js';
import {
  ChannelClosedError,
  ChannelProtocolError,
  HandshakeError,
  HandshakeRejectedError,
} from './errors.js';
import { FrameDecoder, type FrameLimits } from './frame-decoder.js';
import { encodeFrame } from './frame-encoder.js';
import { decodeHandshakeStatus } from './handshake-status.js';
import {
  buildPrologue,
  channelModeSpec,
  decodePrelude,
  encodePrelude,
  MAX_PRELUDE_BYTES,
  MIN_PRELUDE_BYTES,
  type Prelude,
} from './prelude.js';

const EMPTY = new Uint8Array(0);
/** DHLEN of X25519 and the AEAD tag: the sizes the handshake messages are made of. */
const DH_BYTES = 32;
const TAG = 16;

/** Options common to both roles of {@link InitiatorHandshake} and {@link ResponderHandshake}. */
export interface HandshakeRoleOptions {
  /** This end's long-term X25519 key pair (its identity). */
  staticKeyPair: KeyPair;
  /**
   * `staticKeyPair.privateKey` already imported (`x25519.preparePrivateKey`) and shared by this
   * end's handshakes: saves a key import and a DH per handshake. Must belong to
   * `staticKeyPair` (its public key is checked).
   */
  preparedStaticKey?: PreparedPrivateKey;
  /** Fixed ephemeral private key: ONLY for reproducible examples and tests. */
  ephemeralPrivateKey?: Uint8Array;
}

/** The static key as HandshakeState's `s`, unless it comes prepared. */
function staticKey(options: HandshakeRoleOptions): { s?: Uint8Array } {
  return options.preparedStaticKey ? {} : { s: options.staticKeyPair.privateKey };
}

/**
 * The prepared static key for HandshakeState, checked against `staticKeyPair`.
 * @throws {InvalidArgumentError} when it belongs to another key.
 */
function preparedStatic(options: HandshakeRoleOptions): { preparedS?: PreparedPrivateKey } {
  const prepared = options.preparedStaticKey;
  if (!prepared) return {};
  if (!constantTimeEqual(prepared.publicKey, options.staticKeyPair.publicKey)) {
    throw new InvalidArgumentError('preparedStaticKey does not belong to staticKeyPair');
  }
  return { preparedS: prepared };
}

/** Options of {@link InitiatorHandshake}. */
export interface InitiatorHandshakeOptions extends HandshakeRoleOptions {
  /** The invite's 32-byte secret; with `inviteId`, selects mode XXpsk3. */
  psk?: Uint8Array;
  /** The invite's 16-byte id, sent in the prelude; with `psk`, selects mode XXpsk3. */
  inviteId?: Uint8Array;
  /**
   * Called with the responder's authenticated static public key and the msg2 payload, before
   * msg3 (which reveals our own static key) is written. Throw (preferably a
   * {@link CryptullyError}) to abort: the handshake fails with that error and msg3 is never sent.
   */
  checkResponder?(remoteStatic: Uint8Array, payload: Uint8Array): void;
  /**
   * Mode `code` (a join code): the prelude's CPace data (`sid | Ya`, 48 bytes), and the
   * function that turns msg2's payload (which carries the host's share `Yb`) into the psk of
   * msg3. Excludes `psk`/`inviteId`. docs/protocol-verification.md §1.5.
   */
  code?: { data: Uint8Array; psk(payload: Uint8Array): Uint8Array };
  /**
   * Fixed 32-byte commitment nonce: ONLY for reproducible examples and tests. By default every
   * handshake draws a fresh random one, which is what makes the verification code sound.
   */
  commitmentNonce?: Uint8Array;
}

/** What a responder decides once it has read the prelude. */
export interface PreludeDecision {
  /** The psk of the invite named by `prelude.inviteId` (mode XXpsk3); a random one if absent. */
  psk?: Uint8Array;
  /** The msg2 payload: the status JSON (see `encodeHandshakeStatus`). */
  payload: Uint8Array;
  /** When true, the responder sends msg2 and then closes instead of waiting for msg3. */
  close?: boolean;
}

/** Options of {@link ResponderHandshake}. */
export interface ResponderHandshakeOptions extends HandshakeRoleOptions {
  /** Chooses the psk and the msg2 payload from the prelude. May throw to abort. */
  onPrelude(prelude: Prelude): PreludeDecision;
}

/** What a finished handshake hands to the transport phase (`new SecureChannel(result)`). */
export interface HandshakeResult {
  /** Encrypts what this end sends. */
  readonly sendCipher: CipherState;
  /** Decrypts what this end receives. */
  readonly receiveCipher: CipherState;
  /** The Noise handshake hash h, identical on both ends (for verification codes). */
  readonly handshakeHash: Uint8Array;
  /** The peer's authenticated static public key. */
  readonly remoteStaticPublicKey: Uint8Array;
  /** The prelude the initiator sent. */
  readonly prelude: Prelude;
  /** The responder's msg2 payload (its status). */
  readonly responderPayload: Uint8Array;
  /** The frame decoder, holding any transport bytes that arrived with the last handshake message. */
  readonly decoder: FrameDecoder;
}

/** What one call of `receive` produced. */
export interface HandshakeStep {
  /** Bytes to write to the peer, in order (already framed). */
  readonly frames: Uint8Array[];
  /** Set once the handshake is complete. */
  readonly result?: HandshakeResult;
  /** Responder only: it refused (`PreludeDecision.close`); write `frames`, then close. */
  readonly closeAfterSending?: boolean;
}

type Phase = 'prelude' | 'msg1' | 'msg2' | 'msg3' | 'done' | 'failed';

const TRANSPORT_LIMITS = {
  minFrameBytes: MIN_TRANSPORT_FRAME_BYTES,
  maxFrameBytes: MAX_FRAME_BYTES,
};

/** Bounds of a frame of exactly `bytes` bytes. */
const exactly = (bytes: number): FrameLimits => ({ minFrameBytes: bytes, maxFrameBytes: bytes });

/**
 * Frame size bounds of the message expected in each phase (XX over 25519/ChaChaPoly), given
 * the 16 extra bytes psk mode adds to msg1 (its `e` is mixed into the key, so the commitment
 * is encrypted and gets a tag; in mode XX msg1 has no key yet and the commitment is clear).
 */
const MESSAGE_LIMITS: Readonly<Record<Phase, (pskTag: number) => FrameLimits>> = {
  prelude: () => ({ minFrameBytes: MIN_PRELUDE_BYTES, maxFrameBytes: MAX_PRELUDE_BYTES }),
  // e, commitment [+ tag]: 64 (XX) or 80 (XXpsk3)
  msg1: (pskTag) => exactly(DH_BYTES + COMMITMENT_BYTES + pskTag),
  // e, s + tag, payload + tag
  msg2: () => ({ minFrameBytes: 2 * DH_BYTES + 2 * TAG, maxFrameBytes: MAX_FRAME_BYTES }),
  // s + tag, nonce + tag: 96
  msg3: () => exactly(DH_BYTES + TAG + COMMITMENT_NONCE_BYTES + TAG),
  done: () => TRANSPORT_LIMITS,
  failed: () => TRANSPORT_LIMITS,
};

function messageLimits(phase: Phase, psk: boolean): FrameLimits {
  return MESSAGE_LIMITS[phase](psk ? TAG : 0);
}

/** Runs a Noise call, turning its failure into an opaque {@link HandshakeError}. */
function noise<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw new HandshakeError(undefined, { cause: error });
  }
}

abstract class HandshakeDriver {
  protected phase: Phase;
  protected readonly decoder = new FrameDecoder();
  protected failure: CryptullyError | undefined;

  protected constructor(first: Phase, psk: boolean) {
    this.phase = first;
    this.decoder.setLimits(messageLimits(first, psk));
  }

  /** True once the handshake has completed. */
  get isComplete(): boolean {
    return this.phase === 'done';
  }

  /**
   * Feeds bytes from the peer; returns what to send and, once done, the result. Bytes after
   * the last handshake message stay in `result.decoder` for the transport phase.
   * @throws {ChannelError} (or the error of a hook) on any failure; the driver stays failed.
   */
  receive(chunk: Uint8Array): HandshakeStep {
    if (this.failure) throw this.failure;
    if (this.phase === 'done') throw new ChannelClosedError('the handshake is already complete');
    try {
      this.decoder.push(chunk);
      const frames: Uint8Array[] = [];
      for (let frame = this.decoder.next(); frame; frame = this.decoder.next()) {
        const step = this.onFrame(frame);
        frames.push(...step.frames);
        if (step.result || step.closeAfterSending) return { ...step, frames };
      }
      return { frames };
    } catch (error) {
      this.failure =
        error instanceof CryptullyError ? error : new HandshakeError(undefined, { cause: error });
      this.phase = 'failed';
      throw this.failure;
    }
  }

  protected expect(phase: Phase, psk: boolean): void {
    this.phase = phase;
    this.decoder.setLimits(messageLimits(phase, psk));
  }

  protected finish(
    hs: HandshakeState,
    initiator: boolean,
    prelude: Prelude,
    responderPayload: Uint8Array,
  ): HandshakeResult {
    const remote = hs.remoteStaticPublicKey;
    if (!remote) throw new HandshakeError('the peer did not send its static key');
    const handshakeHash = Uint8Array.from(hs.handshakeHash);
    const [initiatorToResponder, responderToInitiator] = hs.split();
    this.expect('done', false);
    return {
      sendCipher: initiator ? initiatorToResponder : responderToInitiator,
      receiveCipher: initiator ? responderToInitiator : initiatorToResponder,
      handshakeHash,
      remoteStaticPublicKey: Uint8Array.from(remote),
      prelude,
      responderPayload,
      decoder: this.decoder,
    };
  }

  protected abstract onFrame(frame: Uint8Array): HandshakeStep;
}

/**
 * The initiator's side of the channel handshake, as a pure state machine: `start()` gives the
 * prelude and msg1; `receive(bytes)` reads msg2, checks the responder (hook, then status) and
 * gives msg3 and the result.
 * @example
 * const hs = new InitiatorHandshake({ staticKeyPair });
 * write(hs.start());
 * const step = hs.receive(bytesFromPeer); write(step.frames);
 * if (step.result) channel = new SecureChannel(step.result);
 */
export class InitiatorHandshake extends HandshakeDriver {
  readonly #options: InitiatorHandshakeOptions;
  readonly #prelude: Prelude;
  readonly #preludeBytes: Uint8Array;
  readonly #hs: HandshakeState;
  /** This handshake's commitment nonce: committed to in msg1, revealed in msg3. */
  readonly #nonce: Uint8Array;
  #started = false;

  /**
   * @throws {InvalidArgumentError} when only one of `psk`/`inviteId` is given or a size is wrong.
   */
  constructor(options: InitiatorHandshakeOptions) {
    const code = options.code;
    if ((options.psk !== undefined) !== (options.inviteId !== undefined)) {
      throw new InvalidArgumentError('psk and inviteId go together (mode XXpsk3) or not at all');
    }
    if (code && options.psk !== undefined) {
      throw new InvalidArgumentError(
        'a join code (mode code) and an invite psk exclude each other',
      );
    }
    if (code) abytes(code.data, CODE_DATA_BYTES, 'code data');
    const psk = options.psk !== undefined || code !== undefined;
    if (options.psk) abytes(options.psk, PSK_BYTES, 'psk');
    if (options.inviteId) abytes(options.inviteId, INVITE_ID_BYTES, 'inviteId');
    if (options.commitmentNonce) {
      abytes(options.commitmentNonce, COMMITMENT_NONCE_BYTES, 'commitmentNonce');
    }
    super('msg2', psk);
    this.#options = options;
    const mode = code ? 'code' : psk ? 'XXpsk3' : 'XX';
    const preludeBytes = encodePrelude({ mode, inviteId: options.inviteId, code: code?.data });
    this.#prelude = decodePrelude(preludeBytes);
    this.#preludeBytes = preludeBytes;
    this.#hs = new HandshakeState(
      {
        protocolName: channelModeSpec(mode).protocolName,
        initiator: true,
        prologue: buildPrologue(preludeBytes),
        ...staticKey(options),
        ...(options.ephemeralPrivateKey ? { e: options.ephemeralPrivateKey } : {}),
        // Mode code: a placeholder until msg2 brings the host's CPace share.
        psks: options.psk ? [options.psk] : code ? [randomBytes(PSK_BYTES)] : [],
      },
      preparedStatic(options),
    );
    // A copy: it is wiped once revealed, and a caller's fixed nonce stays the caller's.
    this.#nonce = options.commitmentNonce
      ? Uint8Array.from(options.commitmentNonce)
      : randomBytes(COMMITMENT_NONCE_BYTES);
  }

  /** The prelude frame and msg1 (which carries the commitment), to write first. Call once. */
  start(): Uint8Array[] {
    if (this.#started) throw new ChannelClosedError('the handshake has already started');
    this.#started = true;
    // The HandshakeState's own public key: the one msg3 will carry, whatever the caller passed.
    const commitment = handshakeCommitment(this.#hs.localStaticPublicKey!, this.#nonce);
    const msg1 = noise(() => this.#hs.writeMessage(commitment));
    return [encodeFrame(this.#preludeBytes), encodeFrame(msg1)];
  }

  protected onFrame(frame: Uint8Array): HandshakeStep {
    if (!this.#started) throw new ChannelProtocolError('the peer spoke before the handshake began');
    const payload = noise(() => this.#hs.readMessage(frame));
    const remote = this.#hs.remoteStaticPublicKey;
    if (!remote) throw new HandshakeError('the peer did not send its static key');
    // The hook pins the responder's key BEFORE msg3 reveals ours to a possibly wrong host.
    this.#options.checkResponder?.(Uint8Array.from(remote), payload);
    const status = decodeHandshakeStatus(payload);
    if (status !== 'ok') throw new HandshakeRejectedError(status);
    if (this.#options.code) {
      const psk = this.#options.code.psk(payload);
      this.#hs.setPsk(0, psk);
      wipe(psk);
    }
    // msg3 opens the commitment: the nonce, hidden until now, is what makes h unpredictable
    // to a responder that chose msg2.
    const msg3 = noise(() => this.#hs.writeMessage(this.#nonce));
    wipe(this.#nonce);
    const result = this.finish(this.#hs, true, this.#prelude, payload);
    return { frames: [encodeFrame(msg3)], result };
  }
}

/**
 * The responder's side of the channel handshake, as a pure state machine: it reads the
 * prelude (asking `onPrelude` for the psk and the msg2 payload), msg1, writes msg2, and reads
 * msg3, after which the handshake is complete.
 * @example
 * const hs = new ResponderHandshake({ staticKeyPair, onPrelude: () => ({ payload: ok }) });
 * const step = hs.receive(bytesFromPeer); write(step.frames);
 */
export class ResponderHandshake extends HandshakeDriver {
  readonly #options: ResponderHandshakeOptions;
  #hs: HandshakeState | undefined;
  #prelude: Prelude | undefined;
  #payload: Uint8Array = EMPTY;
  /** msg1's payload: the initiator's commitment, checked against msg3. */
  #commitment: Uint8Array = EMPTY;
  #close = false;
  #psk = false;

  constructor(options: ResponderHandshakeOptions) {
    super('prelude', false);
    this.#options = options;
  }

  protected onFrame(frame: Uint8Array): HandshakeStep {
    switch (this.phase) {
      case 'prelude':
        return this.#readPrelude(frame);
      case 'msg1':
        return this.#readMessage1(frame);
      case 'msg3':
        return this.#readMessage3(frame);
      default:
        throw new ChannelProtocolError('the peer sent a message out of turn');
    }
  }

  #readPrelude(frame: Uint8Array): HandshakeStep {
    const preludeBytes = Uint8Array.from(frame);
    const prelude = decodePrelude(preludeBytes);
    const decision = this.#options.onPrelude(prelude);
    const spec = channelModeSpec(prelude.mode);
    this.#psk = spec.psk;
    if (!this.#psk && decision.psk !== undefined) {
      throw new InvalidArgumentError('a psk was given for a handshake in mode XX');
    }
    // An unknown invite still gets a well-formed msg2, keyed with a psk nobody knows, so msg3
    // can never succeed and the initiator learns only the status we chose to send.
    const psk = this.#psk ? (decision.psk ?? randomBytes(PSK_BYTES)) : undefined;
    if (psk) abytes(psk, PSK_BYTES, 'psk');
    this.#hs = new HandshakeState(
      {
        protocolName: spec.protocolName,
        initiator: false,
        prologue: buildPrologue(preludeBytes),
        ...staticKey(this.#options),
        ...(this.#options.ephemeralPrivateKey ? { e: this.#options.ephemeralPrivateKey } : {}),
        psks: psk ? [psk] : [],
      },
      preparedStatic(this.#options),
    );
    if (psk && decision.psk === undefined) wipe(psk);
    this.#prelude = prelude;
    this.#payload = decision.payload;
    this.#close = decision.close === true;
    this.expect('msg1', this.#psk);
    return { frames: [] };
  }

  #readMessage1(frame: Uint8Array): HandshakeStep {
    const hs = this.#hs!;
    const payload = noise(() => hs.readMessage(frame));
    if (payload.length !== COMMITMENT_BYTES) {
      throw new ChannelProtocolError(`msg1 must carry a ${COMMITMENT_BYTES}-byte commitment`);
    }
    this.#commitment = Uint8Array.from(payload);
    const msg2 = noise(() => hs.writeMessage(this.#payload));
    if (this.#close) {
      this.phase = 'failed';
      this.failure = new ChannelClosedError('the handshake was refused');
      return { frames: [encodeFrame(msg2)], closeAfterSending: true };
    }
    this.expect('msg3', this.#psk);
    return { frames: [encodeFrame(msg2)] };
  }

  #readMessage3(frame: Uint8Array): HandshakeStep {
    const hs = this.#hs!;
    const payload = noise(() => hs.readMessage(frame));
    if (payload.length !== COMMITMENT_NONCE_BYTES) {
      throw new ChannelProtocolError(`msg3 must carry a ${COMMITMENT_NONCE_BYTES}-byte nonce`);
    }
    // The initiator committed to its static key and this nonce in msg1, before it saw our
    // ephemeral key: an initiator that did not (a man in the middle varying msg3 until the
    // verification codes match) is refused. Locally the error says why; the peer just sees
    // the connection close, as for any other failed handshake.
    const remote = hs.remoteStaticPublicKey;
    if (!remote || !commitmentOpens(this.#commitment, remote, payload)) {
      throw new HandshakeError('the secure handshake failed (commitment mismatch)');
    }
    return { frames: [], result: this.finish(hs, false, this.#prelude!, this.#payload) };
  }
}
