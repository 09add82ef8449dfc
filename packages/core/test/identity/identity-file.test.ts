// Protects the user's long-term key: the identity file round-trips with and without a
// passphrase, and every kind of damage (truncation, flipped bytes, bad JSON, foreign or newer
// files, wrong passphrase, fields swapped between files) gives its own typed error instead of a
// wrong key or a crash.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type KeyPair, x25519 } from '../../src/crypto/index.js';
import {
  CorruptIdentityError,
  DEFAULT_IDENTITY_SCRYPT,
  decodeIdentityFile,
  encodeIdentityFile,
  ForeignIdentityFileError,
  IdentityError,
  IdentityLockedError,
  inspectIdentityFile,
  NewerIdentityVersionError,
  PassphraseRequiredError,
  WrongPassphraseError,
} from '../../src/identity/index.js';

/** A small scrypt cost so that tests stay fast; the default is tested once below. */
const FAST = { N: 2 ** 10, r: 8, p: 1 };
const PASS = 'correct horse battery staple';

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

const edit = (text: string, change: (file: Record<string, unknown>) => void): string => {
  const file = JSON.parse(text) as Record<string, unknown>;
  change(file);
  return JSON.stringify(file);
};

describe('identity file round trips', () => {
  const keyPair: KeyPair = x25519.generateKeyPair();

  it('without a passphrase: the secret is in the clear, and it decodes back', async () => {
    const text = await encodeIdentityFile(keyPair);
    const file = JSON.parse(text);
    expect(file).toMatchObject({ format: 'cryptully-identity', version: 1, kdf: null });
    expect(inspectIdentityFile(text)).toEqual({ publicKey: keyPair.publicKey, encrypted: false });
    expect(await decodeIdentityFile(text)).toEqual(keyPair);
    // A passphrase given for a clear file is refused: a sealed file may have been swapped.
    await expect(decodeIdentityFile(text, 'anything')).rejects.toMatchObject({
      code: 'ERR_IDENTITY_NOT_SEALED',
    });
    expect(await decodeIdentityFile(text, '')).toEqual(keyPair);
  });

  it('with a passphrase: sealed, decodes only with it', async () => {
    const text = await encodeIdentityFile(keyPair, { passphrase: PASS, scrypt: FAST });
    const file = JSON.parse(text);
    expect(file.kdf).toMatchObject({ name: 'scrypt', N: 1024, r: 8, p: 1 });
    expect(file.cipher).toBe('ChaCha20-Poly1305');
    expect(text).not.toContain(Buffer.from(keyPair.privateKey).toString('base64'));
    expect(inspectIdentityFile(text)).toEqual({
      publicKey: keyPair.publicKey,
      encrypted: true,
      scrypt: FAST,
    });
    expect(await decodeIdentityFile(text, PASS)).toEqual(keyPair);
  });

  it('round-trips any key under any passphrase, and no other passphrase opens it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
        async (privateKey, passphrase, other) => {
          const pair = { privateKey, publicKey: x25519.publicKeyFromPrivate(privateKey) };
          const text = await encodeIdentityFile(pair, { passphrase, scrypt: FAST });
          expect(await decodeIdentityFile(text, passphrase)).toEqual(pair);
          if (other.normalize('NFC') !== passphrase.normalize('NFC')) {
            const error = await decodeIdentityFile(text, other).catch((e: unknown) => e);
            expect(error).toBeInstanceOf(WrongPassphraseError);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('normalizes the passphrase (NFC), so a composed and a decomposed é both work', async () => {
    const text = await encodeIdentityFile(keyPair, { passphrase: 'caf\u00e9', scrypt: FAST });
    expect(await decodeIdentityFile(text, 'cafe\u0301')).toEqual(keyPair);
  });

  it('uses N=2^17, r=8, p=1 by default (one full-cost scrypt each way)', async () => {
    expect(DEFAULT_IDENTITY_SCRYPT).toEqual({ N: 131072, r: 8, p: 1 });
    const text = await encodeIdentityFile(keyPair, { passphrase: PASS });
    expect(JSON.parse(text).kdf).toMatchObject({ N: 131072, r: 8, p: 1 });
    expect(await decodeIdentityFile(text, PASS)).toEqual(keyPair);
  });

  it('fresh salt and nonce on every write', async () => {
    const a = JSON.parse(await encodeIdentityFile(keyPair, { passphrase: PASS, scrypt: FAST }));
    const b = JSON.parse(await encodeIdentityFile(keyPair, { passphrase: PASS, scrypt: FAST }));
    expect(a.kdf.salt).not.toBe(b.kdf.salt);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.secret).not.toBe(b.secret);
  });

  it('refuses to encode a key pair whose halves do not match', async () => {
    const other = x25519.generateKeyPair();
    await expect(
      encodeIdentityFile({ publicKey: other.publicKey, privateKey: keyPair.privateKey }),
    ).rejects.toThrow(/does not belong/);
  });

  it('refuses out-of-range scrypt parameters when encoding', async () => {
    await expect(
      encodeIdentityFile(keyPair, { passphrase: PASS, scrypt: { N: 1000, r: 8, p: 1 } }),
    ).rejects.toThrow(/scrypt N/);
  });
});

describe('identity file errors', () => {
  const keyPair = x25519.generateKeyPair();
  const other = x25519.generateKeyPair();
  let clear: string;
  let sealed: string;
  let otherSealed: string;

  beforeAll(async () => {
    clear = await encodeIdentityFile(keyPair);
    sealed = await encodeIdentityFile(keyPair, { passphrase: PASS, scrypt: FAST });
    otherSealed = await encodeIdentityFile(other, { passphrase: PASS, scrypt: FAST });
  });

  it('ERR_IDENTITY_PASSPHRASE_REQUIRED without a passphrase (also for an empty one)', async () => {
    await expect(decodeIdentityFile(sealed)).rejects.toBeInstanceOf(PassphraseRequiredError);
    await expect(decodeIdentityFile(sealed, '')).rejects.toBeInstanceOf(IdentityLockedError);
    expect(await codeOf(decodeIdentityFile(sealed))).toBe('ERR_IDENTITY_PASSPHRASE_REQUIRED');
  });

  it('ERR_IDENTITY_WRONG_PASSPHRASE for a wrong passphrase, and the message leaks nothing', async () => {
    const error = await decodeIdentityFile(sealed, 'Correct horse battery staple').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WrongPassphraseError);
    expect((error as WrongPassphraseError).code).toBe('ERR_IDENTITY_WRONG_PASSPHRASE');
    expect((error as Error).message).not.toMatch(/horse/i);
  });

  it('ERR_IDENTITY_CORRUPT when truncated at every length (clear and sealed files)', async () => {
    for (const text of [clear, sealed]) {
      const full = text.trimEnd(); // dropping only the final newline leaves a complete file
      for (let n = 0; n < full.length; n++) {
        expect(await codeOf(decodeIdentityFile(text.slice(0, n), PASS)), `length ${n}`).toBe(
          'ERR_IDENTITY_CORRUPT',
        );
      }
    }
  });

  it('ERR_IDENTITY_CORRUPT for bad JSON, bad base64 and wrong lengths', async () => {
    const cases = [
      'not json at all',
      '{"format":"cryptully-identity",',
      edit(clear, (f) => {
        f.publicKey = '@@@@';
      }),
      edit(clear, (f) => {
        f.secret = `${f.secret as string}=`;
      }),
      edit(clear, (f) => {
        f.publicKey = Buffer.alloc(31).toString('base64');
      }),
      edit(clear, (f) => {
        f.secret = Buffer.alloc(33).toString('base64');
      }),
      edit(clear, (f) => {
        delete f.secret;
      }),
      edit(clear, (f) => {
        f.version = 0;
      }),
      edit(clear, (f) => {
        f.version = '1';
      }),
      edit(clear, (f) => {
        f.cipher = 'ChaCha20-Poly1305';
      }),
      edit(sealed, (f) => {
        f.cipher = 'AES-256-GCM';
      }),
      edit(sealed, (f) => {
        (f.kdf as Record<string, unknown>).name = 'argon2id';
      }),
      edit(sealed, (f) => {
        (f.kdf as Record<string, unknown>).N = 2 ** 30; // a file that would eat 128 GiB
      }),
      edit(sealed, (f) => {
        (f.kdf as Record<string, unknown>).N = 1000;
      }),
      // Within the memory bound but 16 passes over 1 GiB: about a minute of CPU if it ran.
      edit(sealed, (f) => {
        Object.assign(f.kdf as Record<string, unknown>, { N: 2 ** 20, r: 8, p: 16 });
      }),
      edit(sealed, (f) => {
        Object.assign(f.kdf as Record<string, unknown>, { N: 2 ** 17, r: 32, p: 5 });
      }),
      edit(sealed, (f) => {
        f.nonce = Buffer.alloc(8).toString('base64');
      }),
      edit(sealed, (f) => {
        f.nonce = Buffer.alloc(12, 1).toString('base64');
      }),
      'x'.repeat(70_000),
    ];
    for (const [i, text] of cases.entries()) {
      expect(await codeOf(decodeIdentityFile(text, PASS)), `case ${i}`).toBe(
        'ERR_IDENTITY_CORRUPT',
      );
    }
  });

  it('ERR_IDENTITY_CORRUPT when the ciphertext, tag or public key is tampered with', async () => {
    // A whole byte flipped: in a clear file, single bits that X25519 clamps away (RFC 7748
    // §5) change nothing, so they cannot and need not be detected.
    const flipFirst = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0]! ^= 0xff;
      return bytes.toString('base64');
    };
    const flipLast = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[bytes.length - 1]! ^= 0x80;
      return bytes.toString('base64');
    };
    const cases = [
      edit(sealed, (f) => {
        f.secret = flipFirst(f.secret as string); // ciphertext
      }),
      edit(sealed, (f) => {
        f.secret = flipLast(f.secret as string); // tag
      }),
      edit(sealed, (f) => {
        f.publicKey = flipFirst(f.publicKey as string); // associated data
      }),
      edit(sealed, (f) => {
        f.nonce = flipLast(f.nonce as string);
      }),
      // Fields swapped between two files sealed under the same passphrase.
      edit(sealed, (f) => {
        f.publicKey = JSON.parse(otherSealed).publicKey;
      }),
      edit(clear, (f) => {
        f.publicKey = flipFirst(f.publicKey as string); // no longer matches the private key
      }),
      edit(clear, (f) => {
        f.secret = flipFirst(f.secret as string);
      }),
    ];
    for (const [i, text] of cases.entries()) {
      // The clear files (the last two) are opened without a passphrase, as they would be.
      const passphrase = JSON.parse(text).kdf === null ? undefined : PASS;
      const error = await decodeIdentityFile(text, passphrase).catch((e: unknown) => e);
      expect(error, `case ${i}`).toBeInstanceOf(CorruptIdentityError);
    }
  });

  it('every single-character change of a file fails with an identity error or yields an equivalent key', async () => {
    const probe = x25519.generateKeyPair().publicKey;
    const shared = x25519.dh(keyPair.privateKey, probe);
    for (const text of [clear, sealed]) {
      for (let i = 0; i < text.length; i++) {
        const replacement = text[i] === 'A' ? 'B' : 'A';
        const damaged = text.slice(0, i) + replacement + text.slice(i + 1);
        const result = await decodeIdentityFile(damaged, PASS).catch((e: unknown) => e);
        if (result instanceof Error) {
          expect(result, `position ${i}: ${result.message}`).toBeInstanceOf(IdentityError);
        } else {
          // Only bits X25519 ignores (clamping) may change: the key must act the same.
          const decoded = result as KeyPair;
          expect(decoded.publicKey, `position ${i}`).toEqual(keyPair.publicKey);
          expect(x25519.dh(decoded.privateKey, probe), `position ${i}`).toEqual(shared);
        }
      }
    }
  });

  it('ERR_IDENTITY_FOREIGN for valid JSON that is not an identity file', async () => {
    const cases = [
      '{}',
      '[]',
      'null',
      '42',
      '"cryptully-identity"',
      '{"format":"cryptully-known-peers","version":1,"peers":[]}',
      JSON.stringify({ kty: 'OKP', crv: 'X25519', x: 'AAAA' }),
      edit(clear, (f) => {
        f.format = 'Cryptully-Identity';
      }),
    ];
    for (const [i, text] of cases.entries()) {
      const error = await decodeIdentityFile(text, PASS).catch((e: unknown) => e);
      expect(error, `case ${i}`).toBeInstanceOf(ForeignIdentityFileError);
      expect((error as ForeignIdentityFileError).code).toBe('ERR_IDENTITY_FOREIGN');
    }
  });

  it('ERR_IDENTITY_NEWER_VERSION for a newer version, whatever its other fields', async () => {
    const newer = JSON.stringify({ format: 'cryptully-identity', version: 2, anything: 'else' });
    const error = await decodeIdentityFile(newer, PASS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NewerIdentityVersionError);
    expect((error as NewerIdentityVersionError).code).toBe('ERR_IDENTITY_NEWER_VERSION');
    expect((error as NewerIdentityVersionError).version).toBe(2);
    expect(() => inspectIdentityFile(newer)).toThrow(NewerIdentityVersionError);
  });

  it('tampered salt or scrypt parameters look like a wrong passphrase (documented)', async () => {
    const text = edit(sealed, (f) => {
      (f.kdf as Record<string, unknown>).N = 2048;
    });
    expect(await codeOf(decodeIdentityFile(text, PASS))).toBe('ERR_IDENTITY_WRONG_PASSPHRASE');
  });
});
