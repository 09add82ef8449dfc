/**
 * The Noise Protocol Framework, revision 34 (https://noiseprotocol.org/noise.html): every
 * handshake pattern of the spec as data, psk modifiers, DH 25519/448, ChaChaPoly/AESGCM,
 * SHA256/SHA512/BLAKE2s/BLAKE2b, all on `../crypto` (node:crypto). Pure: no I/O, no timers.
 *
 * The test-only accessors (`*ForTesting`) live in the module files and are deliberately not
 * exported here, so that the package's `./noise` entry point never hands out secret buffers.
 * @example
 * import { HandshakeState } from '@cryptully/core/noise';
 * const hs = new HandshakeState({ protocolName: 'Noise_NN_25519_ChaChaPoly_BLAKE2b', initiator: true });
 * @module
 */
export { CipherState, KEY_LENGTH, MAX_NONCE } from './cipher-state.js';
export {
  NoiseDecryptError,
  NoiseDhError,
  NoiseError,
  NoiseMessageError,
  NoiseNonceExhaustedError,
  NoiseProtocolError,
  NoiseStateError,
} from './errors.js';
export {
  type CheckedHandshakeOptions,
  checkHandshakeOptions,
  type HandshakeOptions,
  PSK_LENGTH,
} from './handshake-options.js';
export {
  HandshakeState,
  type HandshakeStateExtras,
  MAX_MESSAGE_LENGTH,
} from './handshake-state.js';
export { hkdf } from './hkdf.js';
export {
  type HandshakePattern,
  isOneWay,
  PATTERNS,
  type PreMessageToken,
  type Token,
} from './patterns.js';
export {
  applyModifiers,
  type NoiseProtocol,
  parseProtocolName,
  validatePattern,
} from './protocol-name.js';
export { SymmetricState } from './symmetric-state.js';
