/**
 * The identity file: a portable, versioned JSON encoding of a long-term X25519 key pair,
 * optionally sealed under a passphrase (scrypt, then ChaCha20-Poly1305). Pure codec: the file
 * I/O lives in `storage/identity-store.ts`. Format: docs/protocol-identity.md §1.
 * @module
 */
import {
  chaChaPoly,
  concatBytes,
  constantTimeEqual,
  DecryptError,
  type KeyPair,
  randomBytes,
  type ScryptParams,
  scrypt,
  wipe,
  x25519,
} from '../crypto/index.js';
import { InvalidArgumentError } from '../errors.js';
import { fromBase64, toBase64 } from './base64.js';
import {
  CorruptIdentityError,
  ForeignIdentityFileError,
  IdentityNotSealedError,
  NewerIdentityVersionError,
  PassphraseRequiredError,
  WrongPassphraseError,
} from './errors.js';

/** The `format` field of every identity file. */
export const IDENTITY_FORMAT = 'cryptully-identity';
/** The format version this code writes and the newest it reads. */
export const IDENTITY_FORMAT_VERSION = 1;
/** The `cipher` field of an encrypted identity file. */
export const IDENTITY_CIPHER = 'ChaCha20-Poly1305';

/**
 * scrypt parameters of new identity files: N = 2^17, r = 8, p = 1. Memory is 128·N·r =
 * 128 MiB; measured at about 0.36 s on this project's 2-core build machine (Node 20). Chosen so
 * that unlocking is barely noticeable while each offline passphrase guess costs the same.
 */
export const DEFAULT_IDENTITY_SCRYPT: Readonly<ScryptParams> = Object.freeze({
  N: 2 ** 17,
  r: 8,
  p: 1,
});

/**
 * The scrypt parameters a reader accepts. Bounds protect against a crafted file that would make
 * us allocate gigabytes; the low bound of N lets tests run fast.
 */
export const IDENTITY_SCRYPT_LIMITS = Object.freeze({
  minN: 2 ** 10,
  maxN: 2 ** 20,
  maxR: 32,
  maxP: 16,
  /** 128·N·r may not exceed 1 GiB. */
  maxMemoryBytes: 2 ** 30,
  /**
   * 128·N·r·p (the bytes scrypt's mixing passes over, i.e. its running time) may not exceed
   * 2 GiB, 16 times the default: without it a crafted file could ask for p = 16 passes over
   * 1 GiB, close to a minute of CPU before a wrong passphrase is even reported.
   */
  maxWorkBytes: 2 ** 31,
});

/**
 * What front ends tell a user who chooses no passphrase, in the same words everywhere.
 */
export const UNENCRYPTED_IDENTITY_NOTICE =
  'Your identity key will be stored without a passphrase. Anyone who can read the file ' +
  '(a backup, a shared or stolen computer, another program running as you) can pretend to be ' +
  'you to your friends. Choose a passphrase to protect it; you will need it each time ' +
  'Cryptully starts (or set CRYPTULLY_PASSPHRASE).';

/** Largest identity file we parse; real ones are about 400 bytes. */
export const MAX_IDENTITY_FILE_CHARS = 64 * 1024;

const SALT_BYTES = 32;
const CHECK_BYTES = 16;
const NONCE_BYTES = 12;
const KEY_BYTES = 32;
const TAG_BYTES = 16;
const encoder = new TextEncoder();

/** What {@link inspectIdentityFile} learns without a passphrase. */
export interface IdentityFileInfo {
  /** The identity's public key (32 bytes). */
  publicKey: Uint8Array;
  /** Whether opening the file needs a passphrase. */
  encrypted: boolean;
  /** The scrypt parameters when encrypted. */
  scrypt?: ScryptParams;
}

/** Options of {@link encodeIdentityFile}. */
export interface EncodeIdentityOptions {
  /** Seal the private key under this passphrase; absent or `''` writes it in the clear. */
  passphrase?: string | undefined;
  /** scrypt cost; default {@link DEFAULT_IDENTITY_SCRYPT}. Tests pass a smaller N. */
  scrypt?: ScryptParams | undefined;
}

interface ParsedFile {
  publicKey: Uint8Array;
  sealed?: { params: ScryptParams; salt: Uint8Array; check: Uint8Array; nonce: Uint8Array };
  secret: Uint8Array;
}

/** The associated data that binds the header and the public key to the ciphertext. */
function associatedData(publicKey: Uint8Array): Uint8Array {
  return concatBytes(
    encoder.encode(IDENTITY_FORMAT),
    Uint8Array.of(0, IDENTITY_FORMAT_VERSION),
    publicKey,
  );
}

function passphraseBytes(passphrase: string): Uint8Array {
  // NFC so that the same passphrase typed on macOS and Windows gives the same bytes.
  return encoder.encode(passphrase.normalize('NFC'));
}

function scryptParamsProblem(params: ScryptParams): string | undefined {
  const { N, r, p } = params;
  const L = IDENTITY_SCRYPT_LIMITS;
  if (!Number.isSafeInteger(N) || N < L.minN || N > L.maxN || (N & (N - 1)) !== 0) {
    return 'scrypt N out of range';
  }
  if (!Number.isSafeInteger(r) || r < 1 || r > L.maxR) return 'scrypt r out of range';
  if (!Number.isSafeInteger(p) || p < 1 || p > L.maxP) return 'scrypt p out of range';
  if (128 * N * r > L.maxMemoryBytes) return 'scrypt memory out of range';
  if (128 * N * r * p > L.maxWorkBytes) return 'scrypt cost out of range';
  return undefined;
}

/** scrypt → 48 bytes: a 32-byte AEAD key, then a 16-byte passphrase check value. */
async function deriveKey(
  passphrase: string,
  salt: Uint8Array,
  params: ScryptParams,
): Promise<{ key: Uint8Array; check: Uint8Array }> {
  const secret = passphraseBytes(passphrase);
  try {
    const out = await scrypt(secret, salt, params, KEY_BYTES + CHECK_BYTES);
    return { key: out.subarray(0, KEY_BYTES), check: out.subarray(KEY_BYTES) };
  } finally {
    wipe(secret);
  }
}

function nonceCounter(nonce: Uint8Array): bigint {
  let n = 0n;
  for (let i = NONCE_BYTES - 1; i >= 4; i--) n = (n << 8n) | BigInt(nonce[i]!);
  return n;
}

/**
 * Encodes a key pair as identity-file text (JSON with a trailing newline).
 * @throws {InvalidArgumentError} on a malformed key pair or out-of-range scrypt parameters.
 * @example
 * const text = await encodeIdentityFile(x25519.generateKeyPair(), { passphrase: 'hunter2' });
 */
export async function encodeIdentityFile(
  keyPair: KeyPair,
  options: EncodeIdentityOptions = {},
): Promise<string> {
  const publicKey = x25519.publicKeyFromPrivate(keyPair.privateKey);
  if (!constantTimeEqual(publicKey, keyPair.publicKey)) {
    throw new InvalidArgumentError('the public key does not belong to the private key');
  }
  const passphrase = options.passphrase;
  if (passphrase === undefined || passphrase === '') {
    return serialize({
      format: IDENTITY_FORMAT,
      version: IDENTITY_FORMAT_VERSION,
      publicKey: toBase64(publicKey),
      kdf: null,
      cipher: null,
      nonce: null,
      secret: toBase64(keyPair.privateKey),
    });
  }
  const params = { ...(options.scrypt ?? DEFAULT_IDENTITY_SCRYPT) };
  const problem = scryptParamsProblem(params);
  if (problem) throw new InvalidArgumentError(problem);
  const salt = randomBytes(SALT_BYTES);
  // Each write draws a fresh salt, hence a fresh key; the random nonce is belt and braces.
  // Bytes 0-3 are zero: Noise's ChaChaPoly nonce layout, which is what the crypto module offers.
  const nonce = concatBytes(new Uint8Array(4), randomBytes(8));
  const { key, check } = await deriveKey(passphrase, salt, params);
  try {
    const sealed = chaChaPoly.encrypt(
      key,
      nonceCounter(nonce),
      associatedData(publicKey),
      keyPair.privateKey,
    );
    return serialize({
      format: IDENTITY_FORMAT,
      version: IDENTITY_FORMAT_VERSION,
      publicKey: toBase64(publicKey),
      kdf: {
        name: 'scrypt',
        N: params.N,
        r: params.r,
        p: params.p,
        salt: toBase64(salt),
        check: toBase64(check),
      },
      cipher: IDENTITY_CIPHER,
      nonce: toBase64(nonce),
      secret: toBase64(sealed),
    });
  } finally {
    wipe(key, check);
  }
}

function serialize(file: Record<string, unknown>): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bytesField(
  record: Record<string, unknown>,
  name: string,
  length: number | ((n: number) => boolean),
): Uint8Array {
  const value = record[name];
  if (typeof value !== 'string') throw new CorruptIdentityError(`${name} is missing`);
  const bytes = fromBase64(value);
  if (!bytes) throw new CorruptIdentityError(`${name} is not valid base64`);
  const ok = typeof length === 'number' ? bytes.length === length : length(bytes.length);
  if (!ok) throw new CorruptIdentityError(`${name} has the wrong length`);
  return bytes;
}

/** Parses and checks the structure; decrypts nothing. */
function parse(text: string): ParsedFile {
  if (typeof text !== 'string')
    throw new InvalidArgumentError('identity file text must be a string');
  if (text.length > MAX_IDENTITY_FILE_CHARS) throw new CorruptIdentityError('file too large');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // A truncated file is invalid JSON; so is most damage. Foreign files are usually valid JSON
    // (or not text at all, which a caller sees as the same damage).
    throw new CorruptIdentityError('not valid JSON');
  }
  if (!isRecord(json) || json.format !== IDENTITY_FORMAT) throw new ForeignIdentityFileError();
  const version = json.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw new CorruptIdentityError('bad version');
  }
  // Checked before anything else: a newer version may have other fields.
  if (version > IDENTITY_FORMAT_VERSION) throw new NewerIdentityVersionError(version);
  const publicKey = bytesField(json, 'publicKey', KEY_BYTES);
  if (json.kdf === null) {
    if (json.cipher !== null || json.nonce !== null) {
      throw new CorruptIdentityError('cipher and nonce must be null without a kdf');
    }
    return { publicKey, secret: bytesField(json, 'secret', KEY_BYTES) };
  }
  const kdf = json.kdf;
  if (!isRecord(kdf) || kdf.name !== 'scrypt') throw new CorruptIdentityError('unknown kdf');
  const params = { N: kdf.N, r: kdf.r, p: kdf.p } as ScryptParams;
  const problem = scryptParamsProblem(params);
  if (problem) throw new CorruptIdentityError(problem);
  if (json.cipher !== IDENTITY_CIPHER) throw new CorruptIdentityError('unknown cipher');
  const salt = bytesField(kdf, 'salt', (n) => n >= 16 && n <= 64);
  const check = bytesField(kdf, 'check', CHECK_BYTES);
  const nonce = bytesField(json, 'nonce', NONCE_BYTES);
  if (nonce[0] !== 0 || nonce[1] !== 0 || nonce[2] !== 0 || nonce[3] !== 0) {
    throw new CorruptIdentityError('nonce bytes 0-3 must be zero');
  }
  const secret = bytesField(json, 'secret', KEY_BYTES + TAG_BYTES);
  return { publicKey, sealed: { params, salt, check, nonce }, secret };
}

/**
 * Reads what an identity file says about itself, without a passphrase and without scrypt.
 * @throws {CorruptIdentityError | ForeignIdentityFileError | NewerIdentityVersionError}
 */
export function inspectIdentityFile(text: string): IdentityFileInfo {
  const parsed = parse(text);
  return parsed.sealed
    ? { publicKey: parsed.publicKey, encrypted: true, scrypt: { ...parsed.sealed.params } }
    : { publicKey: parsed.publicKey, encrypted: false };
}

/**
 * Decodes identity-file text into the key pair, decrypting with `passphrase` when the file is
 * sealed. A passphrase given for a clear file is refused: someone may have swapped a sealed
 * file for a clear one holding a key they know. Checks that the private key belongs to the
 * public key.
 * @throws {PassphraseRequiredError} `ERR_IDENTITY_PASSPHRASE_REQUIRED`: sealed, no passphrase.
 * @throws {IdentityNotSealedError} `ERR_IDENTITY_NOT_SEALED`: clear, yet a passphrase was given.
 * @throws {WrongPassphraseError} `ERR_IDENTITY_WRONG_PASSPHRASE`.
 * @throws {CorruptIdentityError} `ERR_IDENTITY_CORRUPT`: truncated, bad JSON/base64/lengths,
 *   tampered ciphertext, public key or header.
 * @throws {ForeignIdentityFileError} `ERR_IDENTITY_FOREIGN`.
 * @throws {NewerIdentityVersionError} `ERR_IDENTITY_NEWER_VERSION`.
 */
export async function decodeIdentityFile(text: string, passphrase?: string): Promise<KeyPair> {
  const parsed = parse(text);
  let privateKey: Uint8Array;
  if (!parsed.sealed) {
    // A passphrase was expected to open it: refuse a file that needs none (a swapped file).
    if (passphrase !== undefined && passphrase !== '') throw new IdentityNotSealedError();
    privateKey = parsed.secret;
  } else {
    if (passphrase === undefined || passphrase === '') throw new PassphraseRequiredError();
    const { params, salt, check, nonce } = parsed.sealed;
    const derived = await deriveKey(passphrase, salt, params);
    try {
      if (!constantTimeEqual(derived.check, check)) throw new WrongPassphraseError();
      privateKey = chaChaPoly.decrypt(
        derived.key,
        nonceCounter(nonce),
        associatedData(parsed.publicKey),
        parsed.secret,
      );
    } catch (error) {
      // The passphrase was right (the check value matched), so a bad tag means tampering.
      if (error instanceof DecryptError) throw new CorruptIdentityError('authentication failed');
      throw error;
    } finally {
      wipe(derived.key, derived.check);
    }
  }
  let derivedPublic: Uint8Array;
  try {
    derivedPublic = x25519.publicKeyFromPrivate(privateKey);
  } catch {
    wipe(privateKey);
    throw new CorruptIdentityError('unusable private key');
  }
  if (!constantTimeEqual(derivedPublic, parsed.publicKey)) {
    wipe(privateKey);
    throw new CorruptIdentityError('private key does not match the public key');
  }
  return { publicKey: parsed.publicKey, privateKey };
}
