/**
 * Unpacks files embedded in the single executable into a per-version cache folder, once, and
 * checks each against the SHA-256 recorded at build time before anyone uses it. A file that
 * is missing or whose content differs (truncated, tampered with, from another build) is
 * written again atomically; one that still does not match is refused.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What the build records about each embedded file. */
export interface AssetEntry {
  /** SHA-256 of the content, hex. */
  readonly sha256: string;
  readonly size: number;
}

/** The build's list of embedded files, itself embedded as `manifest.json`. */
export interface AssetManifest {
  /** The cryptully version the binary was built from. */
  readonly version: string;
  /** `<os>-<arch>` of the binary, e.g. `linux-x64`, `win-x64`. */
  readonly target: string;
  /** Keys are slash-separated paths, e.g. `blessed/usr/xterm`, `addons/sodium-native/sodium-native.node`. */
  readonly assets: Readonly<Record<string, AssetEntry>>;
}

/** Where embedded files come from (the executable's SEA assets, or a folder in tests). */
export interface AssetSource {
  readonly manifest: AssetManifest;
  /** The bytes of an embedded file. */
  read(key: string): Buffer;
}

/** A problem with an embedded file, with a stable `code`. */
export class AssetError extends Error {
  readonly code: 'ERR_ASSET_MISSING' | 'ERR_ASSET_MISMATCH' | 'ERR_ASSET_UNWRITABLE';
  constructor(code: AssetError['code'], message: string) {
    super(message);
    this.name = 'AssetError';
    this.code = code;
  }
}

/** SHA-256 of `data`, hex. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A folder name unique to a build: its version and a digest of its manifest. */
export function buildFolderName(manifest: AssetManifest): string {
  const digest = sha256Hex(Buffer.from(JSON.stringify(manifest))).slice(0, 12);
  return `${manifest.version}-${manifest.target}-${digest}`;
}

function readIfPresent(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/** The unpacked files of one build under `<base>/<version>-<target>-<digest>/`. */
export class AssetCache {
  /** The folder of this build's files. */
  readonly root: string;
  readonly #source: AssetSource;

  constructor(source: AssetSource, base: string) {
    this.#source = source;
    this.root = join(base, buildFolderName(source.manifest));
  }

  /** The keys of the embedded files under `prefix` (a folder, without the trailing slash). */
  keys(prefix: string): string[] {
    return Object.keys(this.#source.manifest.assets).filter((key) => key.startsWith(`${prefix}/`));
  }

  /**
   * The path of the embedded file `key` on disk, unpacked now if missing or different.
   * @throws {AssetError} when the binary has no such file, the folder cannot be written, or
   *   the file on disk still differs from the recorded hash after rewriting it.
   */
  file(key: string): string {
    const entry = this.#source.manifest.assets[key];
    if (entry === undefined) {
      throw new AssetError('ERR_ASSET_MISSING', `this build of cryptully has no ${key}`);
    }
    const target = join(this.root, ...key.split('/'));
    const present = readIfPresent(target);
    if (present !== null && sha256Hex(present) === entry.sha256) return target;
    const data = this.#source.read(key);
    if (sha256Hex(data) !== entry.sha256) {
      throw new AssetError('ERR_ASSET_MISMATCH', `the copy of ${key} inside cryptully is damaged`);
    }
    const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      writeFileSync(temporary, data, { mode: 0o600 });
      renameSync(temporary, target);
    } catch (error) {
      try {
        rmSync(temporary, { force: true });
      } catch {
        // nothing was written there
      }
      throw new AssetError(
        'ERR_ASSET_UNWRITABLE',
        `cannot write ${key} to ${dirname(target)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    const written = readIfPresent(target);
    if (written === null || sha256Hex(written) !== entry.sha256) {
      throw new AssetError('ERR_ASSET_MISMATCH', `${target} changed right after it was written`);
    }
    return target;
  }

  /** Unpacks every file under `prefix` and returns that folder's path on disk. */
  folder(prefix: string): string {
    for (const key of this.keys(prefix)) this.file(key);
    return join(this.root, ...prefix.split('/'));
  }
}
