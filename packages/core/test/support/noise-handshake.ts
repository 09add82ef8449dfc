// Typed access to holepunch's noise-handshake (libsodium), the independent Noise
// implementation our cross-checks run against. It ships no types of its own.
//
// Conventions: `new Noise(pattern, initiator, {publicKey, secretKey}, {psk})` (psk only for
// psk0 patterns), `initialise(prologue, remoteStatic)`, `send(payload)` / `recv(message)`;
// when `complete`, `tx` is its sending key and `rx` its receiving key, `hash` the handshake
// hash, `rs` the peer's static key. It always uses 25519/ChaChaPoly/BLAKE2b.
import { createRequire } from 'node:module';

export interface TheirKeyPair {
  publicKey: Buffer;
  secretKey: Buffer;
}

export interface TheirNoise {
  s: TheirKeyPair;
  complete: boolean;
  tx: Buffer;
  rx: Buffer;
  hash: Buffer;
  rs: Buffer | null;
  initialise(prologue: Uint8Array, remoteStatic?: Uint8Array): void;
  send(payload?: Uint8Array): Buffer;
  recv(message: Uint8Array): Buffer;
}

export interface TheirCipher {
  encrypt(plaintext: Uint8Array, ad?: Uint8Array): Buffer;
  decrypt(ciphertext: Uint8Array, ad?: Uint8Array): Buffer;
}

const require = createRequire(import.meta.url);

/** noise-handshake's HandshakeState. */
export const Noise = require('noise-handshake') as new (
  pattern: string,
  initiator: boolean,
  staticKeyPair?: TheirKeyPair,
  opts?: { psk?: Uint8Array },
) => TheirNoise;

/** noise-handshake's CipherState for transport messages. */
export const Cipher = require('noise-handshake/cipher.js') as new (key: Uint8Array) => TheirCipher;
