// Protects man-in-the-middle detection: both ends of one real Noise XX handshake show the same
// code; a man in the middle (two handshakes) makes the two ends show different codes.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { randomBytes, x25519 } from '../../src/crypto/index.js';
import { verificationCode, verificationCodesMatch } from '../../src/identity/index.js';
import { HandshakeState } from '../../src/noise/index.js';

// noise-handshake (holepunch) is an independent Noise implementation on libsodium; using it
// here also keeps this test independent of our own Noise code.
const require = createRequire(import.meta.url);
const Noise = require('noise-handshake') as new (
  pattern: string,
  initiator: boolean,
) => {
  initialise(prologue: Uint8Array): void;
  send(payload?: Uint8Array): Uint8Array;
  recv(message: Uint8Array): Uint8Array;
  complete: boolean;
  hash: Uint8Array;
};

/** Runs Noise_XX_25519_ChaChaPoly_BLAKE2b between two fresh parties; returns both hashes. */
function handshake(): [Uint8Array, Uint8Array] {
  const initiator = new Noise('XX', true);
  const responder = new Noise('XX', false);
  const prologue = new TextEncoder().encode('Cryptully/1');
  initiator.initialise(prologue);
  responder.initialise(prologue);
  responder.recv(initiator.send());
  initiator.recv(responder.send());
  responder.recv(initiator.send());
  expect(initiator.complete && responder.complete).toBe(true);
  return [new Uint8Array(initiator.hash), new Uint8Array(responder.hash)];
}

const XX = 'Noise_XX_25519_ChaChaPoly_BLAKE2b';
const empty = new Uint8Array(0);

/** Our own HandshakeState: XX between two static keys; returns both sides' states. */
function ourHandshake(a: Uint8Array, b: Uint8Array): [HandshakeState, HandshakeState] {
  const prologue = new TextEncoder().encode('Cryptully/1');
  const initiator = new HandshakeState({ protocolName: XX, initiator: true, prologue, s: a });
  const responder = new HandshakeState({ protocolName: XX, initiator: false, prologue, s: b });
  responder.readMessage(initiator.writeMessage(empty));
  initiator.readMessage(responder.writeMessage(empty));
  responder.readMessage(initiator.writeMessage(empty));
  return [initiator, responder];
}

describe('verificationCode over @cryptully/core/noise', () => {
  const alice = x25519.generateKeyPair().privateKey;
  const bob = x25519.generateKeyPair().privateKey;
  const mallory = x25519.generateKeyPair().privateKey;

  it('both ends of a real XX handshake show the same code', () => {
    const [a, b] = ourHandshake(alice, bob);
    expect(verificationCode(a.handshakeHash)).toBe(verificationCode(b.handshakeHash));
  });

  it('a man in the middle relaying between two handshakes makes the codes differ', () => {
    // Alice talks to Mallory thinking it is Bob; Mallory talks to Bob pretending to be Alice.
    const [aliceSide] = ourHandshake(alice, mallory);
    const [, bobSide] = ourHandshake(mallory, bob);
    expect(verificationCode(aliceSide.handshakeHash)).not.toBe(
      verificationCode(bobSide.handshakeHash),
    );
  });

  it('even the same two keys get a fresh code each session (fresh ephemerals)', () => {
    const [first] = ourHandshake(alice, bob);
    const [second] = ourHandshake(alice, bob);
    expect(verificationCode(first.handshakeHash)).not.toBe(verificationCode(second.handshakeHash));
  });
});

describe('verificationCode', () => {
  it('is identical on both sides of a real XX handshake', () => {
    const [a, b] = handshake();
    expect(a.length).toBe(64);
    expect(verificationCode(a)).toBe(verificationCode(b));
    expect(verificationCode(a)).toMatch(/^\d{3} \d{3}$/);
  });

  it('differs between the two ends under a man in the middle', () => {
    // Mallory completes one handshake with Alice and another with Bob.
    const [alice] = handshake();
    const [, bob] = handshake();
    expect(verificationCode(alice)).not.toBe(verificationCode(bob));
  });

  it('is pinned for a fixed hash (vector of docs/protocol-identity.md, checked with Python hashlib)', () => {
    const h = new Uint8Array(64).map((_, i) => i);
    expect(verificationCode(h)).toBe('506 535');
  });

  it('is spread over all six digits (no bias toward low codes)', () => {
    const firstDigits = new Array<number>(10).fill(0);
    for (let i = 0; i < 2000; i++) firstDigits[Number(verificationCode(randomBytes(64))[0])]! += 1;
    // Each first digit expected 200 times; 100-300 is > 7 standard deviations either side.
    for (const count of firstDigits) expect(count).toBeGreaterThan(100);
    for (const count of firstDigits) expect(count).toBeLessThan(300);
  });

  it('gives 12- and 18-digit codes that start with the 6-digit one (vector checked with Python hashlib)', () => {
    const h = new Uint8Array(64).map((_, i) => i);
    expect(verificationCode(h, 12)).toBe('506 535 807 743');
    expect(verificationCode(h, 18)).toBe('506 535 807 743 874 676');
    const [a, b] = handshake();
    expect(verificationCode(a, 12)).toBe(verificationCode(b, 12));
    expect(verificationCode(a, 12)).toMatch(/^\d{3}( \d{3}){3}$/);
    expect(verificationCode(a, 12).startsWith(verificationCode(a))).toBe(true);
    expect(() => verificationCode(a, 8 as 6)).toThrow(RangeError);
    expect(verificationCodesMatch('506535807743', '506 535 807 743')).toBe(true);
    expect(verificationCodesMatch('506 535 807 744', '506 535 807 743')).toBe(false);
    expect(verificationCodesMatch('506 535', '506 535 807 743')).toBe(false);
  });

  it('rejects a hash shorter than 32 bytes', () => {
    expect(() => verificationCode(new Uint8Array(16))).toThrow(RangeError);
  });

  it('matches typed codes ignoring spaces and dashes', () => {
    expect(verificationCodesMatch('482913', '482 913')).toBe(true);
    expect(verificationCodesMatch('482-913', '482 913')).toBe(true);
    expect(verificationCodesMatch('482 914', '482 913')).toBe(false);
    expect(verificationCodesMatch('', '')).toBe(false);
  });
});
