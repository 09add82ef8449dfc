/**
 * The disk side of folder transfer, for Node (docs/protocol-session.md §8, capability
 * `folder`): listing and hashing a folder we send (regular files only: symbolic links and
 * special files are neither followed nor sent), reading it as one stream (its files one after
 * the other, in the listed order), and writing a received folder into a temporary folder that
 * gets its final name only once the hash of everything matched. Used through `FileDisk`.
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { clashName } from '../files/file-name.js';
import type { SafeEntry } from '../files/folder-manifest.js';
import type { FolderEntry } from '../session/messages.js';
import {
  diskError,
  FileDiskError,
  type HashProgress,
  type PartFile,
  type SourceFile,
} from './file-disk.js';

/** A folder listed and hashed for sending. */
export interface FolderListing {
  /** Total bytes of all entries. */
  size: number;
  /** SHA-256 of the entries' contents one after the other. */
  sha256: string;
  /** The entries in sending order (paths relative, `/`-separated). */
  entries: FolderEntry[];
  /** Symbolic links and special files left out. */
  skipped: number;
}

const READ_BYTES = 1024 * 1024;

async function walk(root: string, dir: string, out: string[], skipped: { n: number }) {
  let items: Dirent[];
  try {
    items = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw diskError(error, dir);
  }
  items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const item of items) {
    const path = join(dir, item.name);
    if (item.isDirectory()) await walk(root, path, out, skipped);
    else if (item.isFile()) out.push(relative(root, path));
    else skipped.n += 1; // symbolic links, sockets, devices: not followed, not sent
  }
}

/**
 * Lists and hashes the regular files below `root`; `onProgress` (if given) after each read, with
 * the bytes read so far and the files' total size (from `stat`, before reading). Once `signal`
 * aborts, reading stops and the promise rejects with `signal.reason`.
 * @throws {FileDiskError}
 */
export async function listFolder(
  root: string,
  onProgress?: HashProgress,
  signal?: AbortSignal,
): Promise<FolderListing> {
  const files: string[] = [];
  const skipped = { n: 0 };
  await walk(root, root, files, skipped);
  let total = 0;
  if (onProgress) {
    for (const file of files) {
      const path = join(root, file);
      total += await stat(path).then(
        (info) => info.size,
        (error) => {
          throw diskError(error, path);
        },
      );
    }
  }
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  const entries: FolderEntry[] = [];
  let size = 0;
  for (const file of files) {
    const path = join(root, file);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      throw diskError(error, path);
    }
    let length = 0;
    try {
      for (;;) {
        signal?.throwIfAborted();
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, length);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
        length += bytesRead;
        onProgress?.(size + length, Math.max(total, size + length));
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw diskError(error, path);
    } finally {
      await handle.close().catch(() => {});
    }
    entries.push({ path: file.split(sep).join('/'), size: length });
    size += length;
  }
  return { size, sha256: hash.digest('hex'), entries, skipped: skipped.n };
}

/** Reads the entries below `root` as one stream (see {@link SourceFile}). */
export function openFolderSource(root: string, entries: readonly FolderEntry[]): SourceFile {
  const starts: number[] = [];
  let total = 0;
  for (const entry of entries) {
    starts.push(total);
    total += entry.size;
  }
  let current: { index: number; handle: FileHandle } | undefined;
  const handleFor = async (index: number): Promise<FileHandle> => {
    if (current?.index === index) return current.handle;
    await current?.handle.close().catch(() => {});
    current = undefined;
    const path = join(root, ...entries[index]!.path.split('/'));
    try {
      current = { index, handle: await open(path, 'r') };
    } catch (error) {
      throw diskError(error, path);
    }
    return current.handle;
  };
  /** Fills `target` from stream position `position`; returns the bytes read. */
  const fill = async (target: Uint8Array, position: number): Promise<number> => {
    let filled = 0;
    let index = 0;
    while (index + 1 < entries.length && starts[index + 1]! <= position) index += 1;
    while (filled < target.length && position + filled < total && index < entries.length) {
      const entry = entries[index]!;
      const inEntry = position + filled - starts[index]!;
      if (inEntry >= entry.size) {
        index += 1;
        continue;
      }
      const want = Math.min(target.length - filled, entry.size - inEntry);
      const handle = await handleFor(index);
      let got: number;
      try {
        ({ bytesRead: got } = await handle.read(target, filled, want, inEntry));
      } catch (error) {
        throw diskError(error, entry.path);
      }
      if (got === 0) break; // the file shrank: the caller sees a short read
      filled += got;
    }
    return filled;
  };
  return {
    async read(offset, length) {
      const buffer = new Uint8Array(length);
      const got = await fill(buffer, offset);
      return got === length ? buffer : buffer.subarray(0, got);
    },
    async readInto(offset, targets) {
      let total = 0;
      for (const target of targets) {
        const got = await fill(target, offset + total);
        total += got;
        if (got < target.length) break;
      }
      return total;
    },
    async close() {
      await current?.handle.close().catch(() => {});
      current = undefined;
    },
  };
}

/**
 * A fresh temporary folder in `dir` (never one already there) receiving `entries` in order:
 * each file is created (never replacing anything) when its first byte arrives, or at once if
 * empty. Its `path` is the temporary folder.
 */
export async function createFolderPart(
  dir: string,
  id: string,
  entries: readonly SafeEntry[],
): Promise<PartFile> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw diskError(error, `the folder ${dir}`);
  }
  const path = join(dir, `.cryptully-${id}.part`);
  try {
    await mkdir(path, { mode: 0o700 }); // not recursive: fails if something is there
  } catch (error) {
    throw diskError(error, `a folder in ${dir}`);
  }
  const hash: Hash = createHash('sha256');
  let index = 0;
  let written = 0; // in the current entry
  let handle: FileHandle | undefined;
  const openEntry = async (): Promise<FileHandle> => {
    const entry = entries[index]!;
    const target = join(path, ...entry.segments);
    try {
      if (entry.segments.length > 1) {
        await mkdir(join(path, ...entry.segments.slice(0, -1)), { recursive: true, mode: 0o700 });
      }
      return await open(target, 'wx', 0o600);
    } catch (error) {
      throw diskError(error, `the file ${entry.segments.join('/')} in ${dir}`);
    }
  };
  /** Creates the empty entries at the current position and moves past them. */
  const skipEmpty = async (): Promise<void> => {
    while (index < entries.length && entries[index]!.size === 0) {
      await (await openEntry()).close();
      index += 1;
    }
  };
  await skipEmpty().catch(async (error) => {
    await rm(path, { recursive: true, force: true }).catch(() => {});
    throw error;
  });
  const closeHandle = async () => {
    const h = handle;
    handle = undefined;
    await h?.close().catch(() => {});
  };
  return {
    path,
    folder: true,
    async append(data) {
      hash.update(data);
      let at = 0;
      while (at < data.length) {
        const entry = entries[index];
        if (!entry) throw new FileDiskError('io-error', 'More data than the folder entries hold.');
        handle ??= await openEntry();
        const length = Math.min(data.length - at, entry.size - written);
        let done = 0;
        try {
          while (done < length) {
            const { bytesWritten } = await handle.write(data, at + done, length - done);
            done += bytesWritten;
          }
        } catch (error) {
          throw diskError(error, `the file ${entry.segments.join('/')} in ${dir}`);
        }
        at += length;
        written += length;
        if (written === entry.size) {
          await closeHandle();
          index += 1;
          written = 0;
          await skipEmpty();
        }
      }
    },
    digest: () => hash.digest('hex'),
    async close() {
      await closeHandle();
    },
    async remove() {
      await closeHandle();
      await rm(path, { recursive: true, force: true }).catch(() => {});
    },
  };
}

/**
 * Gives a finished temporary folder its final name in `dir`: `name`, or `name (1)`… when taken
 * (nothing existing is ever replaced: the final folder is created empty first, exclusively,
 * then the temporary one renamed onto it). Returns the final path. @throws {FileDiskError}
 */
export async function publishFolder(part: PartFile, dir: string, name: string): Promise<string> {
  await part.close();
  for (let attempt = 0; attempt < 1000; attempt += 1) {
    const target = join(dir, clashName(name, attempt));
    try {
      await mkdir(target);
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST') continue;
      throw diskError(error, `the folder ${target}`);
    }
    try {
      // POSIX replaces the empty folder we just made; Windows refuses, so make room first.
      await rename(part.path, target).catch(async (error) => {
        if ((error as { code?: string }).code !== 'EPERM') throw error;
        await rmdir(target);
        await rename(part.path, target);
      });
    } catch (error) {
      await rmdir(target).catch(() => {});
      throw diskError(error, `the folder ${target}`);
    }
    return target;
  }
  throw new FileDiskError('io-error', `Too many folders named like ${name} in ${dir}.`);
}

/** Whether `path` is a folder (false for a file; throws what `stat` throws, translated). */
export async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    throw diskError(error, path);
  }
}
