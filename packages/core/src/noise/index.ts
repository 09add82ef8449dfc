/**
 * The Noise Protocol Framework, revision 34 (https://noiseprotocol.org/noise.html): every
 * handshake pattern of the spec as data, psk modifiers, DH 25519/448, ChaChaPoly/AESGCM,
 * SHA256/SHA512/BLAKE2s/BLAKE2b, all on `../crypto` (node:crypto). Pure: no I/O, no timers.
 * @example
 * import { HandshakeState } from '@cryptully/core/noise';
 * const hs = new HandshakeState({ protocolName: 'Noise_NN_25519_ChaChaPoly_BLAKE2b', initiator: true });
 * @module
 */
export * from './cipher-state.js';
export * from './errors.js';
export * from './handshake-state.js';
export * from './hkdf.js';
export * from './patterns.js';
export * from './protocol-name.js';
export * from './symmetric-state.js';
