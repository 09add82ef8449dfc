/**
 * What the engine needs from the encrypted channel (`adapters/secure-connection.ts`): the two
 * handshake entry points and the connection they yield. Kept as an interface so the engine
 * depends on the shape, not on the module's internals.
 * @module
 */
import type { Duplex } from 'node:stream';
import type { Prelude } from '../channel/prelude.js';
import type { KeyPair, PreparedPrivateKey } from '../crypto/index.js';
import type { CryptullyError } from '../errors.js';

/** An established channel to one peer. */
export interface ChannelConnection {
  readonly remoteStaticPublicKey: Uint8Array;
  readonly handshakeHash: Uint8Array;
  /** Sends one application message; false means backpressure. */
  send(message: Uint8Array): boolean;
  on(event: 'message', listener: (message: Uint8Array) => void): unknown;
  on(event: 'drain', listener: () => void): unknown;
  on(event: 'close', listener: (error?: CryptullyError) => void): unknown;
  /** Graceful close after flushing. */
  end(): void;
  destroy(error?: CryptullyError): void;
}

/** Options of {@link SecureChannelFactory.initiate}. */
export interface InitiateOptions {
  staticKeyPair: KeyPair;
  /** `staticKeyPair.privateKey` prepared once for all handshakes (saves CPU per handshake). */
  preparedStaticKey?: PreparedPrivateKey;
  handshakeTimeoutMs?: number;
  /** Largest message sent or accepted (the engine passes the session's limit). */
  maxMessageBytes?: number;
  psk?: Uint8Array;
  inviteId?: Uint8Array;
  /** Throw to abort before msg3, so our identity is not revealed. */
  checkResponder?(remoteStatic: Uint8Array, payload: Uint8Array): void;
}

/** Options of {@link SecureChannelFactory.respond}. */
export interface RespondOptions {
  staticKeyPair: KeyPair;
  /** `staticKeyPair.privateKey` prepared once for all handshakes (saves CPU per handshake). */
  preparedStaticKey?: PreparedPrivateKey;
  handshakeTimeoutMs?: number;
  /** Largest message sent or accepted (the engine passes the session's limit). */
  maxMessageBytes?: number;
  onPrelude(prelude: Prelude): { psk?: Uint8Array; payload: Uint8Array; close?: boolean };
}

/** The two handshake entry points. */
export interface SecureChannelFactory {
  initiate(stream: Duplex, options: InitiateOptions): Promise<ChannelConnection>;
  respond(stream: Duplex, options: RespondOptions): Promise<ChannelConnection>;
}
