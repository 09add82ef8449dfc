// Protects docs/protocol-identity.md: every worked example in it is what the code produces or
// accepts, so another client can be written from the document alone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, x25519 } from '../../src/crypto/index.js';
import {
  decodeIdentityFile,
  decodeInvite,
  dhtHostSeed,
  dhtInviteSeed,
  dhtPeerSeed,
  encodeIdentityFile,
  encodeInvite,
  fingerprint,
  inviteIdFromSecret,
  parseKnownPeers,
  peerIdFromPublicKey,
  verificationCode,
} from '../../src/identity/index.js';

const doc = readFileSync(
  join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'protocol-identity.md'),
  'utf8',
);

/** The text of the example after `<!-- example: name -->` (a code block or a bullet list). */
function example(name: string): string {
  const start = doc.indexOf(`<!-- example: ${name} -->`);
  expect(start, `example ${name} is in the document`).toBeGreaterThan(0);
  const rest = doc.slice(start).split('\n').slice(1).join('\n');
  const block = /^```\w*\n([\s\S]*?)\n```/.exec(rest);
  return block ? block[1]! : rest.slice(0, rest.indexOf('\n\n'));
}

const alice = {
  privateKey: fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'),
  publicKey: fromHex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'),
};
const bytes = (n: number, start = 0) => new Uint8Array(n).map((_, i) => (start + i) & 0xff);

describe('docs/protocol-identity.md worked examples', () => {
  it('§1 the unencrypted identity file is byte for byte what Cryptully writes', async () => {
    expect(`${example('identity-clear')}\n`).toBe(await encodeIdentityFile(alice));
  });

  it('§1 the sealed identity file opens with the documented passphrase (full-cost scrypt)', async () => {
    const text = example('identity-sealed');
    expect(await decodeIdentityFile(text, 'correct horse battery staple')).toEqual(alice);
  });

  it('§2 fingerprint and peer id', () => {
    const text = example('fingerprint');
    expect(text).toContain(`fingerprint \`${fingerprint(alice.publicKey)}\``);
    expect(text).toContain(`peer id \`${peerIdFromPublicKey(alice.publicKey)}\``);
  });

  it('§3 verification code', () => {
    expect(example('verification-code')).toBe(`\`${verificationCode(bytes(64))}\``);
  });

  it('§4 invite and invite id', () => {
    const line = encodeInvite({
      version: 1,
      addresses: ['192.0.2.7', '2001:db8::7', 'alice.example.org'],
      port: 7677,
      hostPublicKey: bytes(32, 0x40),
      secret: bytes(32),
      expiresAt: 1_800_000_000,
    });
    const text = example('invite');
    expect(text).toContain(`invite \`${line}\``);
    expect(text).toContain(`invite id \`${toHex(inviteIdFromSecret(bytes(32)))}\``);
    expect(decodeInvite(line).addresses).toEqual(['192.0.2.7', '2001:db8::7', 'alice.example.org']);
  });

  it('§4 invite with a DHT key', () => {
    const line = encodeInvite({
      version: 1,
      addresses: ['203.0.113.9'],
      port: 7677,
      hostPublicKey: bytes(32, 0x40),
      secret: bytes(32),
      expiresAt: 1_800_000_000,
      dhtKey: bytes(32, 0x80),
    });
    expect(example('invite-dht')).toContain(`invite \`${line}\``);
    expect(toHex(decodeInvite(line).dhtKey!)).toBe(toHex(bytes(32, 0x80)));
  });

  it('§8 DHT key seeds and their Ed25519 public keys (libsodium, via hyperdht)', async () => {
    const { default: HyperDHT } = (await import('hyperdht')) as unknown as {
      default: { keyPair(seed: Uint8Array): { publicKey: Uint8Array } };
    };
    const pub = (seed: Uint8Array) => toHex(HyperDHT.keyPair(seed).publicKey);
    const dialer = bytes(32, 0x01);
    const host = bytes(32, 0x21);
    const hostSeed = dhtHostSeed(dialer);
    const inviteSeed = dhtInviteSeed(bytes(32));
    const peerSeed = dhtPeerSeed(dialer, x25519.publicKeyFromPrivate(host), 'dialer');
    expect(toHex(dhtPeerSeed(host, x25519.publicKeyFromPrivate(dialer), 'host'))).toBe(
      toHex(peerSeed),
    );
    const text = example('dht-keys');
    expect(text).toContain(`\`${toHex(hostSeed)}\`, public key \`${pub(hostSeed)}\``);
    expect(text).toContain(`\`${toHex(inviteSeed)}\`, public key \`${pub(inviteSeed)}\``);
    expect(text).toContain(`\`${toHex(peerSeed)}\`, public key \`${pub(peerSeed)}\``);
  });

  it('§5 the known-peers example parses', () => {
    const block = /```json\n(\{\n {2}"format": "cryptully-known-peers"[\s\S]*?)\n```/.exec(doc);
    const book = parseKnownPeers(block![1]!);
    expect(book.peers.get(peerIdFromPublicKey(alice.publicKey))).toMatchObject({
      name: 'Alice',
      verification: 'code',
    });
  });
});
