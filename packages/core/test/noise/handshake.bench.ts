// Benchmarks (not run by `pnpm test`): `pnpm exec vitest bench test/noise` in packages/core.
// One full XX handshake in-process (both sides) and CipherState on 64 KiB-class frames.
import { bench, describe } from 'vitest';
import { chaChaPoly, randomBytes, x25519 } from '../../src/crypto/index.js';
import { CipherState, HandshakeState } from '../../src/noise/index.js';

const XX = 'Noise_XX_25519_ChaChaPoly_BLAKE2b';
const alice = x25519.generateKeyPair();
const bob = x25519.generateKeyPair();
const empty = new Uint8Array(0);

describe('noise', () => {
  bench('XX handshake, both sides, 25519/ChaChaPoly/BLAKE2b', () => {
    const i = new HandshakeState({ protocolName: XX, initiator: true, s: alice.privateKey });
    const r = new HandshakeState({ protocolName: XX, initiator: false, s: bob.privateKey });
    r.readMessage(i.writeMessage(empty));
    i.readMessage(r.writeMessage(empty));
    r.readMessage(i.writeMessage(empty));
    i.split();
    r.split();
  });

  const key = randomBytes(32);
  const plaintext = randomBytes(65535 - 16);
  const send = new CipherState(chaChaPoly, key);
  const frame = new Uint8Array(2 + 65535);
  bench('encryptWithAdInto, 65519-byte plaintext', () => {
    send.encryptWithAdInto(empty, plaintext, frame, 2);
  });
  const receive = new CipherState(chaChaPoly, key);
  const sealed = new CipherState(chaChaPoly, key).encryptWithAd(empty, plaintext);
  bench('decryptWithAd, 65519-byte plaintext', () => {
    receive.nonce = 0n;
    receive.decryptWithAd(empty, sealed);
  });
});
