import {
  concatBytes,
  DhError,
  type DhFunction,
  type PreparedPrivateKey,
  randomBytes,
  wipe,
} from '../crypto/index.js';
import { type CipherState, cipherKeyForTesting } from './cipher-state.js';
import {
  NoiseDhError,
  NoiseError,
  NoiseMessageError,
  NoiseProtocolError,
  NoiseStateError,
} from './errors.js';
import { checkHandshakeOptions, type HandshakeOptions } from './handshake-options.js';
import { isOneWay, type PreMessageToken, type Token } from './patterns.js';
import type { NoiseProtocol } from './protocol-name.js';
import { SymmetricState, symmetricSecretsForTesting } from './symmetric-state.js';

/** Noise messages never exceed 65535 bytes (spec §3). */
export const MAX_MESSAGE_LENGTH = 65535;

const TAG = 16;

type Party = 'initiator' | 'responder';

// Whose key each DH token uses: [initiator's key, responder's key] (spec §7.1).
const DH_KEYS: Readonly<Record<'ee' | 'es' | 'se' | 'ss', readonly ['e' | 's', 'e' | 's']>> = {
  ee: ['e', 'e'],
  es: ['e', 's'],
  se: ['s', 'e'],
  ss: ['s', 's'],
};

/**
 * What a {@link HandshakeState} can take besides the spec's Initialize options: for callers
 * that run many handshakes with one static key.
 */
export interface HandshakeStateExtras {
  /**
   * The local static key, already imported with the protocol's `dh.preparePrivateKey(s)` and
   * shared by the caller's handshakes: saves a key import and a DH (its public key) per
   * handshake. Give it INSTEAD of `options.s` (both at once is an error). The state only
   * borrows it: `split()` and failures drop the state's reference; freeing it (dropping the
   * last reference) is the caller's.
   */
  preparedS?: PreparedPrivateKey;
}

// Reads private fields for handshakeSecretsForTesting; assigned in the static block.
let secretsOf: (hs: HandshakeState) => Uint8Array[];

/**
 * Noise spec §5.3 HandshakeState: runs any pattern of {@link PATTERNS} (with psk modifiers) as
 * data, one message at a time. No I/O: {@link writeMessage} returns bytes to send,
 * {@link readMessage} takes received bytes and returns the payload.
 *
 * Any failure while processing a message (bad tag, truncated message, invalid DH) is fatal:
 * the state wipes its secrets and every later call throws {@link NoiseStateError}. A call made
 * out of turn throws {@link NoiseStateError} and changes nothing.
 *
 * After {@link isComplete}, {@link split} returns the transport CipherStates and wipes `ck`,
 * `k` and the psk copies held by this state, and drops the OpenSSL key objects of the static
 * and ephemeral private keys (OpenSSL cleanses them when they are freed). A generated
 * ephemeral private key exists as bytes only until it is imported, then is wiped.
 * @example
 * const alice = new HandshakeState({ protocolName: 'Noise_XX_25519_ChaChaPoly_BLAKE2b',
 *   initiator: true, s: aliceStatic.privateKey });
 * const bob = new HandshakeState({ protocolName: 'Noise_XX_25519_ChaChaPoly_BLAKE2b',
 *   initiator: false, s: bobStatic.privateKey });
 * bob.readMessage(alice.writeMessage(new Uint8Array(0)));
 * alice.readMessage(bob.writeMessage(new Uint8Array(0)));
 * bob.readMessage(alice.writeMessage(new Uint8Array(0)));
 * const [aliceSend, aliceReceive] = alice.split();
 */
export class HandshakeState {
  static {
    secretsOf = (hs) => {
      const found = [...symmetricSecretsForTesting(hs.#symmetric), ...hs.#psks];
      const k = cipherKeyForTesting(hs.#symmetric.cipherState);
      if (k) found.push(k);
      return found;
    };
  }

  /** The parsed protocol (pattern with modifiers, algorithms). */
  readonly protocol: NoiseProtocol;
  /** Whether this side is the initiator. */
  readonly initiator: boolean;
  readonly #party: Party;
  readonly #dh: DhFunction;
  readonly #symmetric: SymmetricState;
  readonly #psks: Uint8Array[];
  readonly #isPsk: boolean;
  // Private keys live only inside the provider's prepared keys (an OpenSSL KeyObject, or a
  // libsodium-side copy), our byte copies wiped at once; disposed at split() or on failure.
  #s: PreparedPrivateKey | undefined;
  #e: PreparedPrivateKey | undefined;
  #rs: Uint8Array | undefined;
  #re: Uint8Array | undefined;
  #messageIndex = 0;
  #pskIndex = 0;
  #state: 'handshake' | 'complete' | 'split' | 'failed' = 'handshake';

  /**
   * Initialize() of spec §5.3: InitializeSymmetric(protocol_name), MixHash(prologue), then
   * MixHash of each pre-message public key (initiator's first; in psk handshakes a pre-message
   * `e` is also MixKey'd, §9.2).
   * @param extras a prepared static key instead of `options.s` (see {@link HandshakeStateExtras}).
   * @throws {NoiseProtocolError} for an invalid protocol name, a missing key the pattern needs
   *   (`s` or `preparedS`, `rs`, psks), a key it does not use, or a key of the wrong size (see
   *   {@link checkHandshakeOptions}), or both `s` and `preparedS`.
   */
  constructor(options: HandshakeOptions, extras?: HandshakeStateExtras) {
    const prepared = extras?.preparedS;
    if (prepared !== undefined && options?.s !== undefined) {
      throw new NoiseProtocolError('give the local static key as s or as preparedS, not both');
    }
    // A prepared key stands in for `s` in the checks by its public key: present exactly when
    // the pattern sends `s`, and DHLEN bytes long, so it belongs to a DH of the protocol's size.
    const checked = checkHandshakeOptions(
      prepared === undefined ? options : { ...options, s: prepared.publicKey },
    );
    const { protocol } = checked;
    this.protocol = protocol;
    this.initiator = options.initiator;
    this.#party = options.initiator ? 'initiator' : 'responder';
    this.#dh = protocol.dh;
    const { pattern } = protocol;
    if (checked.rs !== undefined) this.#rs = Uint8Array.from(checked.rs);
    if (prepared !== undefined) this.#s = borrow(prepared);
    else if (checked.s !== undefined) this.#s = this.#prepare(checked.s, false);
    if (checked.e !== undefined) this.#e = this.#prepare(checked.e, false);
    this.#psks = checked.psks.map((psk) => Uint8Array.from(psk));
    this.#isPsk = protocol.pskCount > 0;

    this.#symmetric = new SymmetricState(protocol.name, protocol.cipher, protocol.hash);
    this.#symmetric.mixHash(checked.prologue);
    for (const [party, tokens] of [
      ['initiator', pattern.initiatorPreMessage],
      ['responder', pattern.responderPreMessage],
    ] as const) {
      for (const token of tokens) {
        const key = party === this.#party ? this.#localPublic(token) : this.#remotePublic(token);
        this.#symmetric.mixHash(key);
        if (token === 'e' && this.#isPsk) this.#symmetric.mixKey(key);
      }
    }
  }

  /** Whether every handshake message has been written or read (spec §5.3). */
  get isComplete(): boolean {
    return this.#state === 'complete' || this.#state === 'split';
  }

  /** Whether the next call must be {@link writeMessage} (true) or {@link readMessage} (false). */
  get isMyTurn(): boolean {
    return this.#state === 'handshake' && this.#messageIndex % 2 === (this.initiator ? 0 : 1);
  }

  /**
   * The handshake hash `h` (spec §5.2 GetHandshakeHash, §11.2 channel binding): identical on
   * both sides after a successful handshake. A copy.
   * @throws {NoiseStateError} before the handshake is complete.
   */
  get handshakeHash(): Uint8Array {
    if (!this.isComplete) throw new NoiseStateError('the handshake is not complete');
    return this.#symmetric.getHandshakeHash();
  }

  /**
   * The peer's static public key once known (from a pre-message or an `s` token), a copy.
   * `undefined` after a failed handshake: a key read from a message that then failed to
   * authenticate (e.g. XX message 2 whose payload tag, bound to `es`, did not verify) was never
   * proven to belong to the peer, so it must not be shown, pinned or remembered.
   */
  get remoteStaticPublicKey(): Uint8Array | undefined {
    if (this.#state === 'failed' || this.#rs === undefined) return undefined;
    return Uint8Array.from(this.#rs);
  }

  /** The local static public key, if this side has one. */
  get localStaticPublicKey(): Uint8Array | undefined {
    return this.#s === undefined ? undefined : Uint8Array.from(this.#s.publicKey);
  }

  /**
   * WriteMessage(payload) of spec §5.3: processes the next message pattern (this side's turn)
   * and returns the message: tokens' output followed by EncryptAndHash(payload).
   * @throws {NoiseStateError} when it is the peer's turn or the handshake is over.
   * @throws {NoiseMessageError} when the message would exceed 65535 bytes (nothing changes).
   */
  writeMessage(payload: Uint8Array): Uint8Array {
    this.#assertTurn(true);
    if (!(payload instanceof Uint8Array))
      throw new NoiseMessageError('payload must be a Uint8Array');
    const tokens = this.protocol.pattern.messages[this.#messageIndex]!;
    const length = this.#overhead(tokens) + payload.length;
    if (length > MAX_MESSAGE_LENGTH) {
      throw new NoiseMessageError(`handshake message would be ${length} bytes (max 65535)`);
    }
    return this.#guard(() => {
      const parts: Uint8Array[] = [];
      const ss = this.#symmetric;
      for (const token of tokens) {
        if (token === 'e') {
          this.#e ??= this.#prepare(randomBytes(this.#dh.dhLen), true);
          parts.push(this.#e.publicKey);
          ss.mixHash(this.#e.publicKey);
          if (this.#isPsk) ss.mixKey(this.#e.publicKey);
        } else if (token === 's') {
          parts.push(ss.encryptAndHash(this.#s!.publicKey));
        } else {
          this.#processKeyToken(token);
        }
      }
      parts.push(ss.encryptAndHash(payload));
      const message = concatBytes(...parts);
      this.#advance();
      return message;
    });
  }

  /**
   * ReadMessage(message) of spec §5.3: processes the peer's next message pattern and returns
   * the decrypted payload.
   * @throws {NoiseStateError} when it is this side's turn to write or the handshake is over.
   * @throws {NoiseMessageError} when the message is truncated or over 65535 bytes.
   * @throws {NoiseDecryptError} when a tag does not verify (wrong psk, prologue, keys, tampering).
   * @throws {NoiseDhError} when the peer's public key gives an invalid DH result.
   * Every error but NoiseStateError is fatal: the state wipes its secrets.
   */
  readMessage(message: Uint8Array): Uint8Array {
    this.#assertTurn(false);
    if (!(message instanceof Uint8Array))
      throw new NoiseMessageError('message must be a Uint8Array');
    return this.#guard(() => {
      const tokens = this.protocol.pattern.messages[this.#messageIndex]!;
      if (message.length > MAX_MESSAGE_LENGTH) {
        throw new NoiseMessageError(`handshake message of ${message.length} bytes (max 65535)`);
      }
      if (message.length < this.#overhead(tokens)) {
        throw new NoiseMessageError('handshake message truncated');
      }
      const ss = this.#symmetric;
      const dhLen = this.#dh.dhLen;
      let offset = 0;
      for (const token of tokens) {
        if (token === 'e') {
          const re = message.slice(offset, offset + dhLen);
          offset += dhLen;
          this.#re = re;
          ss.mixHash(re);
          if (this.#isPsk) ss.mixKey(re);
        } else if (token === 's') {
          const length = dhLen + (ss.cipherState.hasKey ? TAG : 0);
          const rs = ss.decryptAndHash(message.subarray(offset, offset + length));
          offset += length;
          this.#rs = Uint8Array.from(rs);
        } else {
          this.#processKeyToken(token);
        }
      }
      const payload = ss.decryptAndHash(message.subarray(offset));
      this.#advance();
      // Without a key the "plaintext" is a view of the caller's buffer: hand back a copy.
      return payload.buffer === message.buffer ? Uint8Array.from(payload) : payload;
    });
  }

  /**
   * Split() of spec §5.2: the transport CipherStates `[initiator→responder,
   * responder→initiator]`. Then wipes `ck`, the handshake key and the psks, and drops the
   * private key objects. Callable once.
   *
   * For a one-way pattern (N, K, X and their psk variants) the second CipherState comes back
   * already disposed: spec §7.4 says it is discarded and the recipient must not send with it
   * (that would break the §7.3 rules), so any use of it throws {@link NoiseStateError}.
   * @throws {NoiseStateError} before completion, after a failure or when called twice.
   */
  split(): [CipherState, CipherState] {
    if (this.#state !== 'complete') {
      throw new NoiseStateError(
        this.#state === 'split' ? 'split() was already called' : 'the handshake is not complete',
      );
    }
    const result = this.#symmetric.split();
    if (isOneWay(this.protocol.pattern)) result[1].dispose();
    this.#state = 'split';
    this.#wipeSecrets();
    return result;
  }

  /**
   * Abandons the handshake (a timeout, a closed connection, a refusal before it completed):
   * wipes `ck`, the handshake cipher key and the psk copies, drops the private key objects,
   * and makes every later call throw {@link NoiseStateError}. Without it an abandoned state
   * keeps those secrets until garbage collection. Idempotent; after {@link split} it changes
   * nothing (the secrets are already gone and the handshake hash stays readable).
   */
  dispose(): void {
    if (this.#state === 'split' || this.#state === 'failed') return;
    this.#state = 'failed';
    this.#wipeSecrets();
  }

  // Imports a private key into OpenSSL once; wipes `privateKey` when we own it (a fresh e).
  #prepare(privateKey: Uint8Array, owned: boolean): PreparedPrivateKey {
    try {
      return this.#dh.preparePrivateKey(privateKey);
    } catch {
      throw new NoiseProtocolError('invalid private key');
    } finally {
      if (owned) wipe(privateKey);
    }
  }

  #localPublic(token: PreMessageToken): Uint8Array {
    const pair = token === 'e' ? this.#e : this.#s;
    if (pair === undefined) throw new NoiseProtocolError(`missing local key ${token}`);
    return pair.publicKey;
  }

  #remotePublic(token: PreMessageToken): Uint8Array {
    const key = token === 'e' ? this.#re : this.#rs;
    if (key === undefined) throw new NoiseProtocolError(`missing remote key r${token}`);
    return key;
  }

  /**
   * Replaces the psk of the `index`-th `psk` token before that token is processed: for a psk
   * that is only known during the handshake (Cryptully's join codes get it from a CPace run
   * whose last share arrives in message 2). The state was initialised with a placeholder.
   * @throws {NoiseProtocolError} when the token was already processed, the index does not
   *   exist or the psk is not 32 bytes.
   */
  setPsk(index: number, psk: Uint8Array): void {
    if (this.#state !== 'handshake' || index < this.#pskIndex || index >= this.#psks.length) {
      throw new NoiseProtocolError(`psk ${index} can no longer be set`);
    }
    if (psk.length !== 32) throw new NoiseProtocolError('a psk is 32 bytes');
    wipe(this.#psks[index]!);
    this.#psks[index] = Uint8Array.from(psk);
  }

  // ee/es/se/ss: MixKey(DH(local, remote)); psk: MixKeyAndHash(next psk) (spec §5.3, §9.2).
  #processKeyToken(token: Exclude<Token, 'e' | 's'>): void {
    const ss = this.#symmetric;
    if (token === 'psk') {
      const psk = this.#psks[this.#pskIndex++]!;
      ss.mixKeyAndHash(psk);
      return;
    }
    const [initiatorKey, responderKey] = DH_KEYS[token];
    const [localKind, remoteKind] = this.initiator
      ? [initiatorKey, responderKey]
      : [responderKey, initiatorKey];
    const local = localKind === 'e' ? this.#e : this.#s;
    const remote = remoteKind === 'e' ? this.#re : this.#rs;
    if (local === undefined || remote === undefined) {
      throw new NoiseStateError(`missing key for ${token}`);
    }
    let shared: Uint8Array;
    try {
      shared = local.dh(remote);
    } catch (error) {
      if (error instanceof DhError) throw new NoiseDhError();
      throw error;
    }
    ss.mixKey(shared);
    wipe(shared);
  }

  // Bytes a message of these tokens carries besides the payload (spec §5.3: e is DHLEN bytes,
  // s is DHLEN + 16 once a key is set, the payload gets a 16-byte tag once a key is set).
  #overhead(tokens: readonly Token[]): number {
    let keyed = this.#symmetric.cipherState.hasKey;
    let length = 0;
    for (const token of tokens) {
      if (token === 'e') {
        length += this.#dh.dhLen;
        if (this.#isPsk) keyed = true;
      } else if (token === 's') length += this.#dh.dhLen + (keyed ? TAG : 0);
      else keyed = true;
    }
    return length + (keyed ? TAG : 0);
  }

  #assertTurn(writing: boolean): void {
    if (this.#state === 'failed') throw new NoiseStateError('the handshake has failed');
    if (this.#state !== 'handshake') throw new NoiseStateError('the handshake is already complete');
    if (this.isMyTurn !== writing) {
      throw new NoiseStateError(
        writing ? 'it is the peer’s turn to send a message' : 'it is this side’s turn to send',
      );
    }
  }

  #advance(): void {
    this.#messageIndex += 1;
    if (this.#messageIndex === this.protocol.pattern.messages.length) this.#state = 'complete';
  }

  // Runs a message step; on any error the handshake fails closed and wipes its secrets.
  #guard<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      this.#state = 'failed';
      this.#wipeSecrets();
      if (error instanceof NoiseError) throw error;
      throw new NoiseMessageError('handshake message could not be processed');
    }
  }

  #wipeSecrets(): void {
    this.#symmetric.wipeSecrets();
    wipe(...this.#psks);
    // Our own prepared copies (not a borrowed, shared static key: borrow() has no dispose).
    this.#s?.dispose?.();
    this.#e?.dispose?.();
    this.#s = undefined;
    this.#e = undefined;
  }
}

/**
 * A prepared key shared with other handshakes, with a public key of our own: nothing this state
 * does, or the caller later does to its copy, can change what the other sees.
 */
function borrow(prepared: PreparedPrivateKey): PreparedPrivateKey {
  const publicKey = Uint8Array.from(prepared.publicKey);
  return { publicKey, dh: (remote) => prepared.dh(remote) };
}

/**
 * Test-only: references to the secret buffers this state currently holds (chaining key,
 * static and ephemeral private keys, psks), so that tests can assert they are zero after
 * `split()` or a failure. Collect them after each step: replaced keys are wiped at once.
 * Never use it in application code.
 */
export function handshakeSecretsForTesting(hs: HandshakeState): Uint8Array[] {
  return secretsOf(hs);
}
