// Protects joining: invites survive encode/decode exactly (property test), a mistyped or cut-off
// invite is caught as ERR_BAD_INVITE (not a confusing network error later), expiry is enforced,
// and plain addresses parse the way people type them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blake2b, concatBytes, toHex } from '../../src/crypto/index.js';
import {
  BadAddressError,
  BadInviteError,
  DEFAULT_PORT,
  decodeInvite,
  encodeInvite,
  formatAddress,
  formatIPv4,
  formatIPv6,
  INVITE_PREFIX,
  type Invite,
  InviteExpiredError,
  inviteIdFromSecret,
  isExpired,
  isHostname,
  parseAddress,
  parseJoinTarget,
} from '../../src/identity/index.js';

const bytes = (n: number, start = 0) => new Uint8Array(n).map((_, i) => (start + i) & 0xff);

/** The worked example of docs/protocol-identity.md §4. */
const EXAMPLE: Invite = {
  version: 1,
  addresses: ['192.0.2.7', '2001:db8::7', 'alice.example.org'],
  port: 7677,
  hostPublicKey: bytes(32, 0x40),
  secret: bytes(32),
  expiresAt: 1_800_000_000,
};

const addressArb = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map(formatIPv4),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map(formatIPv6),
  fc
    .domain()
    .filter(isHostname)
    .map((d) => d.toLowerCase()),
);
const inviteArb: fc.Arbitrary<Invite> = fc.record(
  {
    version: fc.constant(1),
    addresses: fc.array(addressArb, { minLength: 1, maxLength: 8 }),
    port: fc.integer({ min: 1, max: 65535 }),
    hostPublicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    secret: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    expiresAt: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    dhtKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  },
  { requiredKeys: ['version', 'addresses', 'port', 'hostPublicKey', 'secret', 'expiresAt'] },
);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('invite encoding', () => {
  it('round-trips every invite exactly', () => {
    fc.assert(
      fc.property(inviteArb, (invite) => {
        const decoded = decodeInvite(encodeInvite(invite));
        expect(decoded).toEqual(invite);
      }),
      { numRuns: 300 },
    );
  });

  it('is one line of URL-safe characters starting with the prefix', () => {
    fc.assert(
      fc.property(inviteArb, (invite) => {
        expect(encodeInvite(invite)).toMatch(/^cryptully:\/\/join\/[A-Za-z0-9_-]+$/);
      }),
      { numRuns: 50 },
    );
  });

  it('matches the worked example of the docs (checked with a Python re-implementation)', () => {
    const line = encodeInvite(EXAMPLE);
    expect(line).toBe(
      'cryptully://join/AQAd_QAAAABrSdIAQEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHwMEwAACBwYgAQ24AAAAAAAAAAAAAAAHaBFhbGljZS5leGFtcGxlLm9yZ7ZlKY8',
    );
    expect(toHex(inviteIdFromSecret(EXAMPLE.secret))).toBe('0fa0d4f8c8e4b359be9d315436a4ec7d');
  });

  it('tolerates line wrapping, surrounding spaces and an upper-case prefix', () => {
    const line = encodeInvite(EXAMPLE);
    const wrapped = `  ${line.slice(0, 40)}\n${line.slice(40, 90)}\r\n ${line.slice(90)}  `;
    expect(decodeInvite(wrapped)).toEqual(EXAMPLE);
    expect(decodeInvite(`CRYPTULLY://JOIN/${line.slice(INVITE_PREFIX.length)}`)).toEqual(EXAMPLE);
  });

  it('catches every single mistyped character as ERR_BAD_INVITE', () => {
    const line = encodeInvite(EXAMPLE);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < line.length; i++) {
      // Two substitutions per position: the next letter of the alphabet and a digit.
      for (const shift of [1, 37]) {
        const old = line[i]!;
        let replacement = alphabet[(alphabet.indexOf(old) + shift) % alphabet.length]!;
        if (replacement.toLowerCase() === old.toLowerCase()) replacement = '9';
        if (replacement === old) continue;
        const typo = line.slice(0, i) + replacement + line.slice(i + 1);
        expect(
          codeOf(() => decodeInvite(typo)),
          `position ${i}`,
        ).toBe('ERR_BAD_INVITE');
      }
    }
  });

  it('catches an invite cut off at any length as ERR_BAD_INVITE', () => {
    const line = encodeInvite(EXAMPLE);
    for (let n = 0; n < line.length; n++) {
      expect(
        codeOf(() => decodeInvite(line.slice(0, n))),
        `length ${n}`,
      ).toBe('ERR_BAD_INVITE');
    }
  });

  it('refuses oversized text without processing it', () => {
    expect(codeOf(() => decodeInvite(`cryptully://join/${'A'.repeat(100_000)}`))).toBe(
      'ERR_BAD_INVITE',
    );
  });

  it('catches swapped neighbouring characters', () => {
    const line = encodeInvite(EXAMPLE);
    for (let i = INVITE_PREFIX.length; i + 1 < line.length; i++) {
      if (line[i] === line[i + 1]) continue;
      const swapped = line.slice(0, i) + line[i + 1] + line[i] + line.slice(i + 2);
      expect(
        codeOf(() => decodeInvite(swapped)),
        `position ${i}`,
      ).toBe('ERR_BAD_INVITE');
    }
  });

  it('says when an invite comes from a newer version (valid checksum, version 2)', () => {
    // Re-encode the example's payload with version 2 and a correct checksum.
    const line = encodeInvite(EXAMPLE);
    const raw = Buffer.from(line.slice(INVITE_PREFIX.length), 'base64url');
    const body = new Uint8Array(raw.subarray(0, raw.length - 4));
    body[0] = 2;
    const sum = blake2b.hash(new TextEncoder().encode('Cryptully invite checksum v1'), body);
    const v2 =
      INVITE_PREFIX + Buffer.from(concatBytes(body, sum.subarray(0, 4))).toString('base64url');
    const error = (() => {
      try {
        decodeInvite(v2);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(BadInviteError);
    expect((error as BadInviteError).reason).toBe('version');
    expect((error as BadInviteError).message).toMatch(/newer version/);
  });

  it('reads a DHT key only under flag 0x01, and refuses unknown flags as a newer version', () => {
    const withKey = encodeInvite({ ...EXAMPLE, dhtKey: bytes(32, 0x80) });
    expect(toHex(decodeInvite(withKey).dhtKey!)).toBe(toHex(bytes(32, 0x80)));
    expect(decodeInvite(encodeInvite(EXAMPLE)).dhtKey).toBeUndefined();
    const reflag = (line: string, flags: number) => {
      const raw = Buffer.from(line.slice(INVITE_PREFIX.length), 'base64url');
      const body = new Uint8Array(raw.subarray(0, raw.length - 4));
      body[1] = flags;
      const sum = blake2b.hash(new TextEncoder().encode('Cryptully invite checksum v1'), body);
      return (
        INVITE_PREFIX + Buffer.from(concatBytes(body, sum.subarray(0, 4))).toString('base64url')
      );
    };
    expect(codeOf(() => decodeInvite(reflag(withKey, 0x03)))).toBe('ERR_BAD_INVITE');
    expect(() => decodeInvite(reflag(withKey, 0x02))).toThrow(/newer version/);
    // The flag without its 32 bytes (or the bytes without the flag) cannot be read.
    expect(codeOf(() => decodeInvite(reflag(encodeInvite(EXAMPLE), 0x01)))).toBe('ERR_BAD_INVITE');
    expect(codeOf(() => decodeInvite(reflag(withKey, 0x00)))).toBe('ERR_BAD_INVITE');
    expect(() => encodeInvite({ ...EXAMPLE, dhtKey: bytes(31) })).toThrow(/32 bytes/);
  });

  it('refuses to encode malformed invites', () => {
    expect(() => encodeInvite({ ...EXAMPLE, addresses: [] })).toThrow(RangeError);
    expect(() => encodeInvite({ ...EXAMPLE, port: 0 })).toThrow(RangeError);
    expect(() => encodeInvite({ ...EXAMPLE, secret: bytes(31) })).toThrow(/32 bytes/);
    expect(codeOf(() => encodeInvite({ ...EXAMPLE, addresses: ['not an address'] }))).toBe(
      'ERR_BAD_ADDRESS',
    );
  });
});

describe('invite expiry', () => {
  it('expires at expiresAt (Unix seconds) against now in milliseconds', () => {
    expect(isExpired(EXAMPLE, EXAMPLE.expiresAt * 1000 - 1)).toBe(false);
    expect(isExpired(EXAMPLE, EXAMPLE.expiresAt * 1000)).toBe(true);
  });

  it('parseJoinTarget throws ERR_INVITE_EXPIRED when given a later now', () => {
    const line = encodeInvite(EXAMPLE);
    expect(() => parseJoinTarget(line, { now: EXAMPLE.expiresAt * 1000 })).toThrow(
      InviteExpiredError,
    );
    const ok = parseJoinTarget(line, { now: EXAMPLE.expiresAt * 1000 - 1 });
    expect(ok.kind).toBe('invite');
    if (ok.kind === 'invite') expect(toHex(ok.inviteId)).toBe('0fa0d4f8c8e4b359be9d315436a4ec7d');
  });
});

describe('plain join targets', () => {
  const cases: Array<[string, string, number]> = [
    ['192.0.2.7:7000', '192.0.2.7', 7000],
    ['192.0.2.7', '192.0.2.7', DEFAULT_PORT],
    ['[::1]:7000', '::1', 7000],
    ['[2001:DB8:0:0:0:0:0:7]', '2001:db8::7', DEFAULT_PORT],
    ['::1', '::1', DEFAULT_PORT],
    ['::ffff:192.0.2.7', '::ffff:c000:207', DEFAULT_PORT],
    ['Alice.Example.org:1', 'alice.example.org', 1],
    ['localhost', 'localhost', DEFAULT_PORT],
    ['  host-1.lan:65535  ', 'host-1.lan', 65535],
  ];
  for (const [text, host, port] of cases) {
    it(`reads ${JSON.stringify(text)}`, () => {
      expect(parseJoinTarget(text)).toEqual({ kind: 'address', host, port });
    });
  }

  const bad = [
    '',
    'host:0',
    'host:65536',
    'host:',
    'host:abc',
    '192.168.1.300',
    '01.2.3.4',
    '[::1',
    '[::g]:1',
    '1:2:3:4:5:6:7:8:9',
    'bad_name',
    '-leading.example',
    'a b',
    '[192.0.2.1]:7',
  ];
  for (const text of bad) {
    it(`rejects ${JSON.stringify(text)} with ERR_BAD_ADDRESS`, () => {
      expect(() => parseJoinTarget(text)).toThrow(BadAddressError);
    });
  }

  it('never echoes an invite secret when a mangled invite is read as an address', () => {
    // Pasted without its prefix, with a typo in it, or cut before "join/": the text is parsed as
    // an address, and the error message (shown, and logged) used to quote 77 characters of the
    // payload, a third of the secret included.
    const secret = new Uint8Array(32).fill(0xab);
    const payload = encodeInvite({ ...EXAMPLE, secret }).slice(INVITE_PREFIX.length);
    const secretStart = Math.ceil((44 * 8) / 6); // first base64 character touching the secret
    for (const text of [payload, `cryptuly://join/${payload}`, `join/${payload}`, ` ${payload}`]) {
      let message = '';
      try {
        parseJoinTarget(text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, text.slice(0, 20)).not.toBe('');
      let echoed = 0;
      while (echoed < payload.length && message.includes(payload.slice(0, echoed + 1))) echoed++;
      expect(echoed, text.slice(0, 20)).toBeLessThan(secretStart);
    }
  });

  it('treats anything starting with cryptully: as an invite', () => {
    expect(codeOf(() => parseJoinTarget('cryptully:nonsense'))).toBe('ERR_BAD_INVITE');
  });

  it('formats addresses so that they parse back', () => {
    fc.assert(
      fc.property(addressArb, fc.integer({ min: 1, max: 65535 }), (host, port) => {
        expect(parseAddress(formatAddress({ host, port }))).toEqual({ host, port });
      }),
    );
  });
});
