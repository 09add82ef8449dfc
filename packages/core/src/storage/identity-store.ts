/**
 * The identity file on disk: `<home>/identity.json`, written atomically with mode 0600. Never
 * overwrites an existing identity unless asked, and never damages the file on failure: every
 * new content is checked by decoding it before it replaces the old file.
 * @module
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyPair, ScryptParams } from '../crypto/index.js';
import { x25519 } from '../crypto/index.js';
import { CryptullyError } from '../errors.js';
import { CorruptIdentityError } from '../identity/errors.js';
import {
  decodeIdentityFile,
  encodeIdentityFile,
  type IdentityFileInfo,
  inspectIdentityFile,
  MAX_IDENTITY_FILE_CHARS,
} from '../identity/identity-file.js';
import { pathExists, readFileIfExists, writeFileAtomic } from './atomic-file.js';
import { cryptullyHome, identityPath } from './paths.js';

/** `ERR_IDENTITY_EXISTS`: refusing to replace an existing identity without `overwrite`. */
export class IdentityExistsError extends CryptullyError {
  /** The file that would have been replaced. */
  readonly path: string;
  constructor(path: string) {
    super(
      'ERR_IDENTITY_EXISTS',
      `An identity already exists at ${path}. Replacing it would lose it; pass overwrite to replace it anyway.`,
    );
    this.path = path;
  }
}

/** `ERR_IDENTITY_NOT_FOUND`: no identity file where one was expected. */
export class IdentityNotFoundError extends CryptullyError {
  /** Where it was looked for. */
  readonly path: string;
  constructor(path: string) {
    super('ERR_IDENTITY_NOT_FOUND', `No identity file at ${path}.`);
    this.path = path;
  }
}

/** `ERR_FILE_EXISTS`: an export would replace an existing file. */
export class FileExistsError extends CryptullyError {
  /** The file that would have been replaced. */
  readonly path: string;
  constructor(path: string) {
    super('ERR_FILE_EXISTS', `${path} already exists; choose another name or allow overwriting.`);
    this.path = path;
  }
}

// UTF-8 needs at most 4 bytes per UTF-16 unit: no valid identity file is longer.
const MAX_IDENTITY_FILE_BYTES = 4 * MAX_IDENTITY_FILE_CHARS;

/**
 * Reads an identity file without trusting its size or kind: an import may point at anything
 * (a huge file, `/dev/zero`, a FIFO that would block for ever).
 */
async function readIdentityText(path: string): Promise<string | undefined> {
  try {
    return await readFileIfExists(path, { maxBytes: MAX_IDENTITY_FILE_BYTES });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EFBIG') throw new CorruptIdentityError('file too large');
    if (code === 'EFTYPE') throw new CorruptIdentityError('not a regular file');
    throw error;
  }
}

/**
 * Reads `CRYPTULLY_PASSPHRASE` and removes it from `env` (default `process.env`), so that no
 * child process started later (a browser, a shell, a helper) inherits the passphrase. Call it
 * once, early; keep what it returns.
 */
export function takeEnvPassphrase(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const passphrase = env.CRYPTULLY_PASSPHRASE;
  delete env.CRYPTULLY_PASSPHRASE;
  return passphrase;
}

/** Options of an {@link IdentityStore}. */
export interface IdentityStoreOptions {
  /** Environment for `CRYPTULLY_PASSPHRASE` (and the default home); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** scrypt cost for files this store writes; default the identity file's documented one. */
  scrypt?: ScryptParams;
}

/**
 * The identity of one Cryptully home folder.
 * @example
 * const store = new IdentityStore();            // CRYPTULLY_HOME or the OS data folder
 * const keys = (await store.exists()) ? await store.load() : await store.create();
 */
export class IdentityStore {
  /** The home folder. */
  readonly home: string;
  /** `<home>/identity.json`. */
  readonly path: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #scrypt: ScryptParams | undefined;

  constructor(home?: string, options: IdentityStoreOptions = {}) {
    this.#env = options.env ?? process.env;
    this.#scrypt = options.scrypt;
    this.home = home ?? cryptullyHome(this.#env);
    this.path = identityPath(this.home);
  }

  /**
   * The copies of identities this one replaced (`identity.replaced-<time>.json` beside it,
   * written by {@link create} and {@link importFrom} with `overwrite`), oldest first. Each
   * holds an old private key (sealed if it was): `cryptully id` lists them so the user can
   * delete them once they are no longer needed.
   */
  async replacedBackups(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.home);
    } catch {
      return [];
    }
    return names
      .filter((name) => /^identity\.replaced-.+\.json$/.test(name))
      .sort()
      .map((name) => join(this.home, name));
  }

  /** Whether an identity file exists (it may still be unreadable). */
  exists(): Promise<boolean> {
    return pathExists(this.path);
  }

  /**
   * What the file says about itself without unlocking it (is it encrypted? its public key).
   * @throws {IdentityNotFoundError} and the identity file errors of `inspectIdentityFile`.
   */
  async inspect(): Promise<IdentityFileInfo> {
    return inspectIdentityFile(await this.#read());
  }

  /**
   * Generates and saves a new identity. The passphrase defaults to `CRYPTULLY_PASSPHRASE`;
   * pass `''` to store the key unencrypted (anyone who can read the file can then impersonate
   * you).
   * @throws {IdentityExistsError} when an identity exists and `overwrite` is not set.
   */
  async create(options: { passphrase?: string; overwrite?: boolean } = {}): Promise<KeyPair> {
    if (!options.overwrite && (await this.exists())) throw new IdentityExistsError(this.path);
    const keyPair = x25519.generateKeyPair();
    const text = await this.#encode(keyPair, this.#passphrase(options.passphrase));
    await this.#replace(text, options.overwrite ?? false);
    return keyPair;
  }

  /**
   * Loads and unlocks the identity; the passphrase defaults to `CRYPTULLY_PASSPHRASE`.
   * @throws {IdentityNotFoundError} `ERR_IDENTITY_NOT_FOUND`.
   * @throws the identity file errors: `ERR_IDENTITY_PASSPHRASE_REQUIRED`,
   *   `ERR_IDENTITY_WRONG_PASSPHRASE`, `ERR_IDENTITY_CORRUPT`, `ERR_IDENTITY_FOREIGN`,
   *   `ERR_IDENTITY_NEWER_VERSION`. The file is left untouched in every case.
   */
  async load(passphrase?: string): Promise<KeyPair> {
    return decodeIdentityFile(await this.#read(), this.#passphrase(passphrase));
  }

  /**
   * Re-seals the identity under a new passphrase (`''` or undefined: unencrypted). The old file
   * stays in place until the new one is written and checked.
   * @throws as {@link IdentityStore.load} for the old passphrase.
   */
  async changePassphrase(
    oldPassphrase: string | undefined,
    newPassphrase: string | undefined,
  ): Promise<void> {
    const keyPair = await decodeIdentityFile(await this.#read(), oldPassphrase);
    try {
      const text = await this.#encode(keyPair, newPassphrase ?? '');
      await this.#replace(text, true, false);
    } finally {
      keyPair.privateKey.fill(0);
    }
  }

  /**
   * Copies the identity file, as it is (encrypted or not), to `path` (mode 0600).
   * @throws {IdentityNotFoundError} when there is no identity.
   * @throws {FileExistsError} `ERR_FILE_EXISTS` when `path` exists and `overwrite` is not set.
   */
  async exportTo(path: string, options: { overwrite?: boolean } = {}): Promise<void> {
    const text = await this.#read();
    inspectIdentityFile(text); // refuse to export a damaged file
    try {
      await writeFileAtomic(path, text, { exclusive: !options.overwrite });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new FileExistsError(path);
      throw error;
    }
  }

  /**
   * Imports an identity file exported by {@link IdentityStore.exportTo} (or any valid identity
   * file), after checking it fully with `passphrase` (default `CRYPTULLY_PASSPHRASE`). The file
   * keeps its own passphrase. With `overwrite`, a previous identity is first copied to
   * `identity.replaced-<time>.json` in the home folder.
   * @throws {IdentityExistsError} when an identity exists and `overwrite` is not set.
   * @throws the identity file errors for the imported file.
   */
  async importFrom(
    path: string,
    options: { passphrase?: string; overwrite?: boolean } = {},
  ): Promise<KeyPair> {
    if (!options.overwrite && (await this.exists())) throw new IdentityExistsError(this.path);
    const text = await readIdentityText(path);
    if (text === undefined) throw new IdentityNotFoundError(path);
    const keyPair = await decodeIdentityFile(text, this.#passphrase(options.passphrase));
    await this.#replace(text, options.overwrite ?? false);
    return keyPair;
  }

  #passphrase(given: string | undefined): string | undefined {
    return given ?? this.#env.CRYPTULLY_PASSPHRASE;
  }

  async #read(): Promise<string> {
    const text = await readIdentityText(this.path);
    if (text === undefined) throw new IdentityNotFoundError(this.path);
    return text;
  }

  /** Encodes, then decodes the result to prove it opens before anything is written. */
  async #encode(keyPair: KeyPair, passphrase: string | undefined): Promise<string> {
    const text = await encodeIdentityFile(keyPair, { passphrase, scrypt: this.#scrypt });
    const check = await decodeIdentityFile(text, passphrase);
    check.privateKey.fill(0);
    return text;
  }

  async #replace(text: string, overwrite: boolean, backup = true): Promise<void> {
    if (overwrite && backup && (await this.exists())) {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const old = await this.#read();
      await writeFileAtomic(join(this.home, `identity.replaced-${stamp}.json`), old, {
        exclusive: true,
      });
    }
    try {
      await writeFileAtomic(this.path, text, { exclusive: !overwrite });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST')
        throw new IdentityExistsError(this.path);
      throw error;
    }
  }
}
