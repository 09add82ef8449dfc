// Protects what people compare by voice: fingerprints and peer ids are stable (pinned vectors),
// well-formed, differ between keys, and comparisons ignore only spacing.
import { describe, expect, it } from 'vitest';
import { fromHex, x25519 } from '../../src/crypto/index.js';
import {
  fingerprint,
  fingerprintsMatch,
  normalizeFingerprint,
  peerIdFromPublicKey,
} from '../../src/identity/index.js';

// RFC 7748 §6.1 Alice's public key: a fixed, published input.
const ALICE = fromHex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');

describe('fingerprint', () => {
  it('renders 60 digits in 12 groups of 5', () => {
    expect(fingerprint(ALICE)).toMatch(/^\d{5}( \d{5}){11}$/);
  });

  it('is stable across releases (vector of docs/protocol-identity.md, checked with Python hashlib)', () => {
    expect(fingerprint(ALICE)).toBe(
      '96941 89783 41141 99044 41324 48686 00745 56528 04399 13305 53625 49098',
    );
    expect(peerIdFromPublicKey(ALICE)).toBe('af55a2bc313732b2');
  });

  it('differs between keys, including keys one bit apart', () => {
    const flipped = ALICE.slice();
    flipped[31]! ^= 1;
    expect(fingerprint(flipped)).not.toBe(fingerprint(ALICE));
    expect(peerIdFromPublicKey(flipped)).not.toBe(peerIdFromPublicKey(ALICE));
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(fingerprint(x25519.generateKeyPair().publicKey));
    expect(seen.size).toBe(200);
  });

  it('rejects keys that are not 32 bytes', () => {
    expect(() => fingerprint(new Uint8Array(31))).toThrow(/32 bytes/);
    expect(() => peerIdFromPublicKey(new Uint8Array(33))).toThrow(/32 bytes/);
  });

  it('compares ignoring spaces, dashes and line breaks, nothing else', () => {
    const f = fingerprint(ALICE);
    expect(fingerprintsMatch(f, f.replace(/ /g, '-'))).toBe(true);
    expect(fingerprintsMatch(f, f.replace(/ /g, '\n'))).toBe(true);
    const digits = normalizeFingerprint(f)!;
    const wrong = `${digits.slice(0, 59)}${(Number(digits[59]) + 1) % 10}`;
    expect(fingerprintsMatch(f, wrong)).toBe(false);
    expect(normalizeFingerprint('12345')).toBeUndefined();
    expect(fingerprintsMatch('', '')).toBe(false);
  });
});

describe('peerIdFromPublicKey', () => {
  it('is 16 lower-case hex characters and deterministic', () => {
    const { publicKey } = x25519.generateKeyPair();
    expect(peerIdFromPublicKey(publicKey)).toMatch(/^[0-9a-f]{16}$/);
    expect(peerIdFromPublicKey(publicKey.slice())).toBe(peerIdFromPublicKey(publicKey));
  });
});
