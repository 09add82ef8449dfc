// Protects spec-exactness: every cacophony vector (all patterns, psk modifiers, curves,
// ciphers and hashes) must reproduce byte for byte, both sides, handshake and transport, on
// the provider the process chose (libsodium where sodium-native loads, as here and in CI).
import { describeCacophony } from './cacophony-suite.js';

describeCacophony(process.env.CRYPTULLY_CRYPTO === 'node' ? 'node' : 'sodium');
