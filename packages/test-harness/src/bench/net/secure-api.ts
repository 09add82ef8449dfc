import type { Duplex } from 'node:stream';
import { type KeyPair, type PreparedPrivateKey, x25519 } from '@cryptully/core/crypto';
import { noiseInitiate, noiseRespond } from './noise-link.js';

/**
 * Finds the secure channel to benchmark: the real one (`secureInitiate`/`secureRespond` of
 * `@cryptully/core/transport`) when core exports it, else the bench-local Noise frame stream
 * of `noise-link.ts`. Loaded dynamically so the benchmarks build and run while the channel
 * adapter is still being written; every figure says which one it measured.
 * @module
 */

/** What the benchmarks use of a secure connection (the real one has more). */
export interface SecureLink {
  send(message: Uint8Array): boolean;
  on(event: 'message', fn: (message: Uint8Array) => void): unknown;
  on(event: 'drain', fn: () => void): unknown;
  on(event: 'close', fn: (error?: Error) => void): unknown;
  end(): void;
  destroy(): void;
}

/** The two handshake entry points of a secure channel. */
export interface SecureApi {
  /** `channel` for the real secure connection, `noise-frames` for the stand-in. */
  kind: 'channel' | 'noise-frames';
  /** Says in words what is measured. */
  description: string;
  initiate(stream: Duplex, keyPair: KeyPair): Promise<SecureLink>;
  respond(stream: Duplex, keyPair: KeyPair): Promise<SecureLink>;
}

interface ChannelAdapterModule {
  secureInitiate?: (
    stream: Duplex,
    options: { staticKeyPair: KeyPair; preparedStaticKey?: PreparedPrivateKey },
  ) => Promise<SecureLink>;
  secureRespond?: (
    stream: Duplex,
    options: {
      staticKeyPair: KeyPair;
      preparedStaticKey?: PreparedPrivateKey;
      onPrelude(prelude: unknown): { payload: Uint8Array; psk?: Uint8Array; close?: boolean };
    },
  ) => Promise<SecureLink>;
}

interface ChannelModule {
  encodeHandshakeStatus?: (status: 'ok') => Uint8Array;
}

const preparedKeys = new WeakMap<KeyPair, PreparedPrivateKey>();

/**
 * A key pair's private key prepared once (`x25519.preparePrivateKey`) for all its handshakes,
 * as a ChatNode prepares its identity key: not a base-point multiplication per handshake.
 */
function prepared(keyPair: KeyPair): PreparedPrivateKey {
  let key = preparedKeys.get(keyPair);
  if (key === undefined) {
    key = x25519.preparePrivateKey(keyPair.privateKey);
    preparedKeys.set(keyPair, key);
  }
  return key;
}

/** Loads a module by name, or undefined when it or its build is missing. */
export async function tryImport<T>(specifier: string): Promise<T | undefined> {
  try {
    return (await import(specifier)) as T;
  } catch {
    return undefined;
  }
}

/** The real channel when available (unless `forceFallback`), else the Noise frame stream. */
export async function loadSecureApi(forceFallback = false): Promise<SecureApi> {
  const adapter = forceFallback
    ? undefined
    : await tryImport<ChannelAdapterModule>('@cryptully/core/transport');
  const { secureInitiate, secureRespond } = adapter ?? {};
  if (secureInitiate && secureRespond) {
    const channel = await tryImport<ChannelModule>('@cryptully/core/channel');
    const ok =
      channel?.encodeHandshakeStatus?.('ok') ?? new TextEncoder().encode('{"status":"ok"}');
    return {
      kind: 'channel',
      description: 'Cryptully channel (secureInitiate/secureRespond: prelude, XX, framed records)',
      initiate: (stream, keyPair) =>
        secureInitiate(stream, { staticKeyPair: keyPair, preparedStaticKey: prepared(keyPair) }),
      respond: (stream, keyPair) =>
        secureRespond(stream, {
          staticKeyPair: keyPair,
          preparedStaticKey: prepared(keyPair),
          onPrelude: () => ({ payload: ok }),
        }),
    };
  }
  return {
    kind: 'noise-frames',
    description:
      'bench stand-in: Noise XX (@cryptully/core/noise) + one ChaCha20-Poly1305 frame per message ' +
      '(secureInitiate/secureRespond not exported by @cryptully/core/transport yet)',
    initiate: noiseInitiate,
    respond: noiseRespond,
  };
}
