// Both crypto providers must agree byte for byte on every primitive Cryptully uses (libsodium
// vs node:crypto, random inputs of many sizes), fail alike on forgeries and low-order keys,
// and the choice between them must follow CRYPTULLY_CRYPTO and fall back cleanly when
// sodium-native cannot load.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  type CryptoProvider,
  cryptoProviderInfo,
  DecryptError,
  DhError,
  fromHex,
  nodeCryptoProvider,
  randomBytes,
  sodiumCryptoProvider,
  toHex,
} from '../../src/crypto/index.js';
import { X25519_LOW_ORDER_POINTS } from '../support/low-order.js';

const run = promisify(execFile);
const sodium = sodiumCryptoProvider();
const node = nodeCryptoProvider;
const sizes = [0, 1, 15, 16, 17, 63, 64, 65, 100, 127, 128, 129, 1000, 16384, 65535];
const MAX_NONCE = 2n ** 64n - 1n;

const LOW_ORDER = X25519_LOW_ORDER_POINTS;

describe('crypto providers', () => {
  it('loads libsodium here (sodium-native is a dependency of core) and uses it by default', () => {
    expect(sodium?.name).toBe('sodium');
    expect(sodium?.description).toMatch(/^libsodium \(sodium-native \d+\.\d+\.\d+\)$/);
    if (process.env.CRYPTULLY_CRYPTO === undefined) {
      expect(cryptoProviderInfo).toMatchObject({ name: 'sodium', requested: 'auto' });
    }
  });

  describe.each([
    ['sodium', 'node'],
    ['node', 'sodium'],
  ] as const)('%s checked against %s', (a, b) => {
    const pick = (name: 'sodium' | 'node'): CryptoProvider => (name === 'node' ? node : sodium!);
    const p = pick(a);
    const q = pick(b);

    it('X25519: same public keys and shared secrets, prepared or not', () => {
      for (let i = 0; i < 200; i++) {
        const alice = p.x25519.generateKeyPair();
        const bob = q.x25519.generateKeyPair();
        expect(toHex(q.x25519.publicKeyFromPrivate(alice.privateKey))).toBe(toHex(alice.publicKey));
        const ab = p.x25519.dh(alice.privateKey, bob.publicKey);
        expect(toHex(q.x25519.dh(bob.privateKey, alice.publicKey))).toBe(toHex(ab));
        expect(toHex(q.x25519.dh(alice.privateKey, bob.publicKey))).toBe(toHex(ab));
        const prepared = p.x25519.preparePrivateKey(alice.privateKey);
        expect(toHex(prepared.publicKey)).toBe(toHex(alice.publicKey));
        expect(toHex(prepared.dh(bob.publicKey))).toBe(toHex(ab));
      }
    });

    it('X25519: RFC 7748 §6.1 test vector', () => {
      const alicePrivate = fromHex(
        '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
      );
      const bobPublic = fromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
      expect(toHex(p.x25519.publicKeyFromPrivate(alicePrivate))).toBe(
        '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
      );
      expect(toHex(p.x25519.dh(alicePrivate, bobPublic))).toBe(
        '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
      );
    });

    it('X25519: both refuse every low-order public key (all-zero result) with DhError', () => {
      const key = p.x25519.generateKeyPair();
      const prepared = p.x25519.preparePrivateKey(key.privateKey);
      for (const point of LOW_ORDER) {
        expect(() => p.x25519.dh(key.privateKey, fromHex(point)), point).toThrow(DhError);
        expect(() => prepared.dh(fromHex(point)), point).toThrow(DhError);
      }
    });

    it('ChaCha20-Poly1305: same ciphertexts, each opens the other, in place or not', () => {
      for (const size of sizes) {
        for (const nonce of [0n, 1n, 0x0102030405060708n, MAX_NONCE]) {
          const key = randomBytes(32);
          const ad = randomBytes(size % 70);
          const plaintext = randomBytes(size);
          const sealed = p.chaChaPoly.encrypt(key, nonce, ad, plaintext);
          expect(toHex(q.chaChaPoly.encrypt(key, nonce, ad, plaintext))).toBe(toHex(sealed));
          const into = new Uint8Array(size + 16 + 5);
          into.set(plaintext, 3); // in place, as the channel seals
          expect(
            p.chaChaPoly.encryptInto(key, nonce, ad, into.subarray(3, 3 + size), into, 3),
          ).toBe(size + 16);
          expect(toHex(into.subarray(3, 3 + size + 16))).toBe(toHex(sealed));
          expect(toHex(q.chaChaPoly.decrypt(key, nonce, ad, sealed))).toBe(toHex(plaintext));
          const copy = Uint8Array.from(sealed);
          expect(toHex(q.chaChaPoly.decryptInPlace(key, nonce, ad, copy))).toBe(toHex(plaintext));
        }
      }
    });

    it('ChaCha20-Poly1305: both refuse any flipped bit, wrong nonce, ad or key, and short input', () => {
      const key = randomBytes(32);
      const ad = randomBytes(12);
      const sealed = p.chaChaPoly.encrypt(key, 7n, ad, randomBytes(64));
      for (let bit = 0; bit < sealed.length * 8; bit += 13) {
        const bad = Uint8Array.from(sealed);
        bad[bit >> 3]! ^= 1 << (bit & 7);
        expect(() => q.chaChaPoly.decrypt(key, 7n, ad, bad)).toThrow(DecryptError);
        const inPlace = Uint8Array.from(bad);
        expect(() => q.chaChaPoly.decryptInPlace(key, 7n, ad, inPlace)).toThrow(DecryptError);
      }
      expect(() => q.chaChaPoly.decrypt(key, 8n, ad, sealed)).toThrow(DecryptError);
      expect(() => q.chaChaPoly.decrypt(key, 7n, randomBytes(12), sealed)).toThrow(DecryptError);
      expect(() => q.chaChaPoly.decrypt(randomBytes(32), 7n, ad, sealed)).toThrow(DecryptError);
      expect(() => q.chaChaPoly.decrypt(key, 7n, ad, sealed.subarray(0, 15))).toThrow(DecryptError);
    });

    it('BLAKE2b: same hashes of one or several parts', () => {
      for (const size of sizes) {
        const a = randomBytes(size);
        const b = randomBytes(size % 33);
        expect(toHex(q.blake2b.hash(a))).toBe(toHex(p.blake2b.hash(a)));
        expect(toHex(q.blake2b.hash(a, b, a))).toBe(toHex(p.blake2b.hash(a, b, a)));
      }
      expect(toHex(p.blake2b.hash())).toBe(toHex(q.blake2b.hash(new Uint8Array(0))));
    });

    it('HMAC-BLAKE2b: same MACs for keys of 0 to 200 bytes and any parts', () => {
      for (const keyLength of [0, 1, 32, 64, 127, 128, 129, 200]) {
        for (const size of sizes) {
          const key = randomBytes(keyLength);
          const a = randomBytes(size);
          const b = randomBytes(1);
          expect(toHex(q.blake2b.hmac(key, a)), `key ${keyLength}, data ${size}`).toBe(
            toHex(p.blake2b.hmac(key, a)),
          );
          expect(toHex(q.blake2b.hmac(key, a, b))).toBe(toHex(p.blake2b.hmac(key, a, b)));
        }
      }
    });
  });

  it('prepares 5000 ephemeral keys and a long-lived one without running out of memory maps', () => {
    // Ephemeral keys must not take libsodium's guarded pages (several maps each): a busy host
    // prepares one per handshake.
    const peer = sodium!.x25519.generateKeyPair().publicKey;
    for (let i = 0; i < 5000; i++) {
      const prepared = sodium!.x25519.preparePrivateKey(randomBytes(32));
      prepared.dh(peer);
    }
    const identity = sodium!.x25519.generateKeyPair();
    const longLived = sodium!.x25519.preparePrivateKey(identity.privateKey, { longLived: true });
    expect(toHex(longLived.dh(peer))).toBe(toHex(node.x25519.dh(identity.privateKey, peer)));
  });

  it('holds 20,000 long-lived keys at once without the process aborting (kernel map limit)', async () => {
    // Each guarded libsodium allocation takes several memory maps; past vm.max_map_count
    // (65,530) sodium_malloc returns NULL and sodium-native aborts the process (16,000 ChatNodes
    // in the bench's dialer did). A fresh process, so an abort fails this test and nothing else.
    const built = join(import.meta.dirname, '..', '..', 'dist', 'crypto', 'index.js');
    const script = `import(${JSON.stringify(built)}).then(({ sodiumCryptoProvider, randomBytes }) => {
      const x = sodiumCryptoProvider().x25519;
      const peer = x.generateKeyPair().publicKey;
      const held = [];
      for (let i = 0; i < 20000; i++) held.push(x.preparePrivateKey(randomBytes(32), { longLived: true }));
      const first = held[0].dh(peer), last = held[held.length - 1].dh(peer);
      console.log(held.length, first.length, last.length);
    })`;
    const { stdout } = await run(process.execPath, ['-e', script], { timeout: 60_000 });
    expect(stdout.trim()).toBe('20000 32 32');
  }, 70_000);

  it('wipes a prepared libsodium key on dispose, after which it refuses to compute', () => {
    const key = sodium!.x25519.generateKeyPair();
    const prepared = sodium!.x25519.preparePrivateKey(key.privateKey);
    prepared.dispose?.();
    expect(() => prepared.dh(node.x25519.generateKeyPair().publicKey)).toThrow(DhError);
  });
});

describe('choosing the provider (built crypto module, fresh processes)', () => {
  const built = join(import.meta.dirname, '..', '..', 'dist', 'crypto', 'index.js');
  const script = `import(${JSON.stringify(built)}).then((c) => console.log(JSON.stringify(c.cryptoProviderInfo)))`;
  const probe = async (crypto: string | undefined, execArgv: string[] = []) => {
    const env = { ...process.env };
    delete env.CRYPTULLY_CRYPTO;
    if (crypto !== undefined) env.CRYPTULLY_CRYPTO = crypto;
    const { stdout } = await run(process.execPath, [...execArgv, '-e', script], { env });
    return JSON.parse(stdout) as Record<string, unknown>;
  };
  const blockSodium = ['--require', join(import.meta.dirname, 'block-sodium.cjs')];

  it('uses libsodium when nothing is asked, or when sodium is asked', async () => {
    expect(await probe(undefined)).toEqual({
      name: 'sodium',
      description: sodium!.description,
      requested: 'auto',
    });
    expect(await probe('sodium')).toMatchObject({ name: 'sodium', requested: 'sodium' });
  });

  it('uses node:crypto when CRYPTULLY_CRYPTO=node', async () => {
    expect(await probe('node')).toEqual({
      name: 'node',
      description: `node:crypto (OpenSSL ${process.versions.openssl})`,
      requested: 'node',
    });
  });

  it('falls back to node:crypto, saying why, when sodium-native cannot load', async () => {
    const info = await probe(undefined, blockSodium);
    expect(info).toMatchObject({ name: 'node', requested: 'auto' });
    expect(info.fallbackReason).toMatch(/^sodium-native could not load \(No native build/);
    expect(await probe('sodium', blockSodium)).toMatchObject({ name: 'node' });
  });

  it('names a CRYPTULLY_CRYPTO value it does not know', async () => {
    expect(await probe('openssl', blockSodium)).toMatchObject({
      name: 'node',
      fallbackReason: expect.stringMatching(/^sodium-native could not load/),
    });
    expect(await probe('openssl')).toMatchObject({ name: 'sodium', requested: 'auto' });
  });
});
