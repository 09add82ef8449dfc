/**
 * The user's profile on disk: `<home>/profile.json`, `{ "name": "…" }`, written atomically
 * with mode 0600.
 * @module
 */
import { CryptullyError } from '../errors.js';
import { readFileIfExists, writeFileAtomic } from './atomic-file.js';
import { cryptullyHome, profilePath } from './paths.js';

/** Longest display name, in UTF-16 code units. */
export const MAX_PROFILE_NAME_LENGTH = 64;

/** What Cryptully remembers about its user. */
export interface Profile {
  /** The display name sent to peers in hello. */
  name: string;
}

/** `ERR_PROFILE_CORRUPT`: `profile.json` is not a valid profile; it is left as it is. */
export class ProfileCorruptError extends CryptullyError {
  constructor(path: string) {
    super('ERR_PROFILE_CORRUPT', `${path} is not a valid profile ({ "name": "..." }).`);
  }
}

/** `ERR_BAD_NAME`: a display name that is empty, too long or has control characters. */
export class BadNameError extends CryptullyError {
  constructor() {
    super(
      'ERR_BAD_NAME',
      `A name must be 1 to ${MAX_PROFILE_NAME_LENGTH} characters, without control characters.`,
    );
  }
}

/**
 * A display name as stored: NFC, trimmed.
 * @throws {BadNameError} `ERR_BAD_NAME` when empty, too long, or with control characters.
 */
export function normalizeProfileName(name: string): string {
  const clean = name.normalize('NFC').trim();
  if (
    clean.length === 0 ||
    clean.length > MAX_PROFILE_NAME_LENGTH ||
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(clean)
  ) {
    throw new BadNameError();
  }
  return clean;
}

/** Loads and saves `profile.json` of one home folder. */
export class ProfileStore {
  /** `<home>/profile.json`. */
  readonly path: string;

  constructor(home: string = cryptullyHome()) {
    this.path = profilePath(home);
  }

  /**
   * The profile, or `undefined` when there is none yet.
   * @throws {ProfileCorruptError} `ERR_PROFILE_CORRUPT`.
   */
  async load(): Promise<Profile | undefined> {
    const text = await readFileIfExists(this.path);
    if (text === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ProfileCorruptError(this.path);
    }
    const name = (json as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') throw new ProfileCorruptError(this.path);
    try {
      return { name: normalizeProfileName(name) };
    } catch {
      throw new ProfileCorruptError(this.path);
    }
  }

  /**
   * Saves the profile atomically.
   * @throws {BadNameError} `ERR_BAD_NAME`.
   */
  async save(profile: Profile): Promise<void> {
    const name = normalizeProfileName(profile.name);
    await writeFileAtomic(this.path, `${JSON.stringify({ name }, null, 2)}\n`);
  }
}
