// Protects every parser of identity and trust data against hostile input: whatever bytes or
// text arrive (a crafted invite with a valid checksum, a tampered known-peers or identity file,
// junk typed after "join"), the result is a value or the parser's own typed error, never a
// TypeError, RangeError or crash that would escape as an internal error. Bounded fast-check runs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blake2b, concatBytes } from '../../src/crypto/index.js';
import {
  BadAddressError,
  BadInviteError,
  decodeInvite,
  IdentityError,
  INVITE_PREFIX,
  InviteExpiredError,
  inspectIdentityFile,
  KnownPeersCorruptError,
  KnownPeersNewerVersionError,
  parseJoinTarget,
  parseKnownPeers,
} from '../../src/identity/index.js';

const runs = Number(process.env.FAST_CHECK_RUNS ?? 300);
const CHECKSUM_DOMAIN = new TextEncoder().encode('Cryptully invite checksum v1');

/** An invite line around `body` with a correct checksum, so the structural parser runs. */
function withChecksum(body: Uint8Array): string {
  const sum = blake2b.hash(CHECKSUM_DOMAIN, body).subarray(0, 4);
  return INVITE_PREFIX + Buffer.from(concatBytes(body, sum)).toString('base64url');
}

/** One address entry: well-formed (IPv4, IPv6, host name) or junk after a real tag. */
const addressEntry = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => Uint8Array.of(4, ...b)),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Uint8Array.of(6, ...b)),
  fc
    .stringMatching(/^[a-z][a-z0-9-]{0,20}$/)
    .map((name) => Uint8Array.of(0x68, name.length, ...new TextEncoder().encode(name))),
  fc
    .constantFrom(4, 6, 0x68)
    .chain((tag) => fc.uint8Array({ maxLength: 40 }).map((rest) => Uint8Array.of(tag, ...rest))),
  fc.uint8Array({ maxLength: 20 }),
);

/** Version 1, flags 0, a sane expiry, random port and keys, then address entries. */
const plausibleBody = fc
  .record({
    fixed: fc.uint8Array({ minLength: 76, maxLength: 76 }),
    count: fc.integer({ min: 0, max: 10 }),
    entries: fc.array(addressEntry, { maxLength: 9 }),
    exactCount: fc.boolean(),
  })
  .map(({ fixed, count, entries, exactCount }) => {
    const body = concatBytes(fixed, Uint8Array.of(exactCount ? entries.length : count), ...entries);
    body[0] = 1;
    body[1] = 0;
    body[4] = 0; // expiry below 2^53
    return body;
  });

function expectOnly(fn: () => unknown, ...allowed: (abstract new (...args: never[]) => Error)[]) {
  try {
    fn();
  } catch (error) {
    if (!allowed.some((type) => error instanceof type)) throw error;
  }
}

describe('hostile input only ever gives typed errors', () => {
  it('decodeInvite: any body with a valid checksum', () => {
    fc.assert(
      fc.property(fc.oneof(plausibleBody, fc.uint8Array({ maxLength: 400 })), (body) => {
        expectOnly(() => decodeInvite(withChecksum(body)), BadInviteError);
      }),
      { numRuns: runs },
    );
  });

  it('parseJoinTarget: any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.string({ maxLength: 200 }).map((s) => `cryptully://join/${s}`),
          fc.string({ maxLength: 60 }).map((s) => `[${s}]:${s}`),
        ),
        (text) => {
          expectOnly(
            () => parseJoinTarget(text, { now: Date.now() }),
            BadInviteError,
            InviteExpiredError,
            BadAddressError,
          );
        },
      ),
      { numRuns: Math.ceil(runs / 2) },
    );
  });

  it('parseKnownPeers: any JSON, and valid files with any field replaced', () => {
    const valid = {
      format: 'cryptully-known-peers',
      version: 1,
      peers: [
        {
          name: 'Alice',
          publicKey: Buffer.alloc(32, 9).toString('base64'),
          firstSeen: 1,
          lastSeen: 2,
          verification: 'code',
        },
      ],
    };
    const field = fc.constantFrom('name', 'publicKey', 'firstSeen', 'lastSeen', 'verification');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue().map((value) => JSON.stringify(value)),
          fc
            .tuple(field, fc.jsonValue())
            .map(([key, value]) =>
              JSON.stringify({ ...valid, peers: [{ ...valid.peers[0], [key]: value }] }),
            ),
          fc.jsonValue().map((value) => JSON.stringify({ ...valid, peers: value })),
          fc.jsonValue().map((value) => JSON.stringify({ ...valid, version: value })),
        ),
        (text) => {
          expectOnly(
            () => parseKnownPeers(text),
            KnownPeersCorruptError,
            KnownPeersNewerVersionError,
          );
        },
      ),
      { numRuns: runs },
    );
  });

  it('inspectIdentityFile: any JSON, and identity-shaped objects with any field replaced', () => {
    const field = fc.constantFrom('version', 'publicKey', 'kdf', 'cipher', 'nonce', 'secret');
    const base = {
      format: 'cryptully-identity',
      version: 1,
      publicKey: Buffer.alloc(32, 1).toString('base64'),
      kdf: { name: 'scrypt', N: 1024, r: 8, p: 1, salt: Buffer.alloc(32).toString('base64') },
      cipher: 'ChaCha20-Poly1305',
      nonce: Buffer.alloc(12).toString('base64'),
      secret: Buffer.alloc(48).toString('base64'),
    };
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue().map((value) => JSON.stringify(value)),
          fc
            .tuple(field, fc.jsonValue())
            .map(([key, value]) => JSON.stringify({ ...base, [key]: value })),
          fc
            .tuple(fc.constantFrom('N', 'r', 'p', 'salt', 'check', 'name'), fc.jsonValue())
            .map(([key, value]) => JSON.stringify({ ...base, kdf: { ...base.kdf, [key]: value } })),
        ),
        (text) => {
          expectOnly(() => inspectIdentityFile(text), IdentityError);
        },
      ),
      { numRuns: runs },
    );
  });

  it('the structural parser is really reached (not everything dies at the checksum)', () => {
    let decoded = 0;
    fc.assert(
      fc.property(plausibleBody, (body) => {
        try {
          decodeInvite(withChecksum(body));
          decoded++;
        } catch (error) {
          expect(error).toBeInstanceOf(BadInviteError);
        }
      }),
      { numRuns: 2000, seed: 7 },
    );
    expect(decoded).toBeGreaterThan(0);
  });
});
