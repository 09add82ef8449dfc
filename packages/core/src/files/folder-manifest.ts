/**
 * Folder offers (docs/protocol-session.md §8, capability `folder`): the checks a receiver
 * makes on the sender's list of entries before anything is written, and the safe relative path
 * each entry gets. Pure: no disk, no clock.
 *
 * Every entry path is `/`-separated segments below the offered folder. A segment that is empty,
 * `.` or `..`, a path starting with `/`, a backslash (a Windows separator) or a drive prefix
 * (`C:`) makes the whole offer refused: a sender that writes such a path is hostile or broken,
 * and guessing what it meant could write outside the folder. Each remaining segment is
 * sanitised like a file name ({@link sanitizeFileName}: no control or bidi characters, no
 * Windows device names or forbidden characters); two entries that end up with the same path
 * (ignoring case, as Windows and macOS do), or an entry that is also another entry's folder,
 * make the offer refused as well.
 * @module
 */
import { CryptullyError } from '../errors.js';
import type { FolderEntry } from '../session/messages.js';
import { sanitizeFileName } from './file-name.js';

/** A folder offer the receiver refuses (`ERR_SESSION_MALFORMED`: the peer broke the rules). */
export class FolderManifestError extends CryptullyError {
  constructor(message: string) {
    super('ERR_SESSION_MALFORMED', message);
  }
}

/** A checked entry: its safe path segments below the folder and its size. */
export interface SafeEntry {
  segments: string[];
  size: number;
}

/**
 * Checks a folder offer's entries against its total `size` and gives each a safe path.
 * @throws {FolderManifestError} for an unsafe or inconsistent list (nothing may be written).
 * @example safeEntries([{ path: 'a/b.txt', size: 3 }], 3) // => [{ segments: ['a', 'b.txt'], size: 3 }]
 */
export function safeEntries(entries: readonly FolderEntry[], size: number): SafeEntry[] {
  if (entries.length === 0) throw new FolderManifestError('a folder offer lists no entries');
  const files = new Set<string>();
  const folders = new Set<string>();
  const out: SafeEntry[] = [];
  let total = 0;
  for (const [index, entry] of entries.entries()) {
    const where = `entry ${index}`;
    const { path } = entry;
    if (path.includes('\\') || path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
      throw new FolderManifestError(`${where} has an absolute or Windows path`);
    }
    const raw = path.split('/');
    if (raw.some((segment) => segment === '' || segment === '.' || segment === '..')) {
      throw new FolderManifestError(`${where} has an empty, "." or ".." segment`);
    }
    const segments = raw.map((segment) => sanitizeFileName(segment));
    const key = segments.join('/').normalize('NFC').toLowerCase();
    if (files.has(key) || folders.has(key)) {
      throw new FolderManifestError(`${where} clashes with another entry`);
    }
    files.add(key);
    for (let i = 1; i < segments.length; i += 1) {
      const folder = segments.slice(0, i).join('/').normalize('NFC').toLowerCase();
      if (files.has(folder)) throw new FolderManifestError(`${where} is below a file entry`);
      folders.add(folder);
    }
    total += entry.size;
    if (!Number.isSafeInteger(total)) throw new FolderManifestError('the entries are too large');
    out.push({ segments, size: entry.size });
  }
  if (total !== size) {
    throw new FolderManifestError(`the entries add up to ${total} bytes, the offer says ${size}`);
  }
  return out;
}
