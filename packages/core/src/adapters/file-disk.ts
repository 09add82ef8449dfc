/**
 * The disk side of file transfer, for Node: hashing and reading what we send, and writing what
 * we receive to a temporary name that becomes the final name only once the hash matched (never
 * replacing an existing file). The transfer logic (`engine/file-transfers.ts`) sees only the
 * {@link FileDisk} interface, so tests can give it a disk that fails.
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import {
  copyFile,
  type FileHandle,
  link,
  mkdir,
  open,
  stat,
  statfs,
  unlink,
} from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CryptullyError } from '../errors.js';
import { clashName } from '../files/file-name.js';
import type { SafeEntry } from '../files/folder-manifest.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import type { FolderEntry } from '../session/messages.js';
import {
  createFolderPart,
  type FolderListing,
  isFolder,
  listFolder,
  openFolderSource,
  publishFolder,
} from './folder-disk.js';

/** A file we send, opened for reading. */
export interface SourceFile {
  /** Reads up to `length` bytes at `offset` into a fresh buffer; shorter only at the end. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Fills `targets` one after the other with the bytes from `offset` on (one vectored read
   * where the platform has it); resolves with the bytes read, fewer only at the end.
   */
  readInto(offset: number, targets: readonly Uint8Array[]): Promise<number>;
  close(): Promise<void>;
}

/** A file being received, under its temporary name. */
export interface PartFile {
  /** The temporary path (in the destination folder). */
  readonly path: string;
  /** True for a received folder (a temporary folder rather than a file). */
  readonly folder?: boolean;
  /** Appends data; the SHA-256 of everything appended is kept as it goes. */
  append(data: Uint8Array): Promise<void>;
  /** SHA-256 of what was appended, 64 hex digits (call once, at the end). */
  digest(): string;
  /** Closes the handle; the file stays. */
  close(): Promise<void>;
  /** Closes and deletes the temporary file (ignores a file already gone). */
  remove(): Promise<void>;
}

/** Called while a file or folder is read for its hash: `bytes` read so far of `size`. */
export type HashProgress = (bytes: number, size: number) => void;

/** What the transfer logic needs from a disk. */
export interface FileDisk {
  /**
   * Size and SHA-256 of a regular file; `onProgress` (if given) after each read, with the bytes
   * read so far and the size from `stat`. Once `signal` aborts, reading stops and the promise
   * rejects with `signal.reason`. @throws {FileDiskError}
   */
  hash(
    path: string,
    onProgress?: HashProgress,
    signal?: AbortSignal,
  ): Promise<{ size: number; sha256: string }>;
  /** @throws {FileDiskError} */
  openSource(path: string): Promise<SourceFile>;
  /** Creates the folder if needed and a fresh temporary file in it. @throws {FileDiskError} */
  createPart(dir: string, id: string): Promise<PartFile>;
  /**
   * Lists and hashes a folder to send (regular files only); `onProgress` and `signal` as for
   * {@link FileDisk.hash}, with the listed files' total size. @throws {FileDiskError}
   */
  listFolder(path: string, onProgress?: HashProgress, signal?: AbortSignal): Promise<FolderListing>;
  /** Reads a listed folder's entries as one stream. */
  openFolderSource(path: string, entries: readonly FolderEntry[]): Promise<SourceFile>;
  /** Creates a fresh temporary folder in `dir` for a folder offer. @throws {FileDiskError} */
  createFolderPart(dir: string, id: string, entries: readonly SafeEntry[]): Promise<PartFile>;
  /** Whether `path` is a folder. @throws {FileDiskError} */
  isFolder(path: string): Promise<boolean>;
  /** Free bytes for us in `dir` (or its nearest existing parent); undefined if unknown. */
  freeBytes(dir: string): Promise<number | undefined>;
  /**
   * Gives the finished temporary file its final name in `dir`: `name`, or `name (1)`… when
   * taken (an existing file is never replaced). Returns the final path. @throws {FileDiskError}
   */
  publish(part: PartFile, dir: string, name: string): Promise<string>;
}

/** Why the disk failed, in terms a person can act on. */
export type FileDiskProblem = 'disk-full' | 'permission' | 'not-found' | 'not-a-file' | 'io-error';

const PROBLEM_CODES = {
  'disk-full': 'ERR_FILE_DISK_FULL',
  permission: 'ERR_FILE_PERMISSION',
  'not-found': 'ERR_FILE_NOT_FOUND',
  'not-a-file': 'ERR_FILE_NOT_A_FILE',
  'io-error': 'ERR_FILE_IO_ERROR',
} as const satisfies Record<FileDiskProblem, ErrorCode>;

/** A disk operation failed (`ERR_FILE_DISK_FULL`, `ERR_FILE_PERMISSION`, …). */
export class FileDiskError extends CryptullyError {
  readonly problem: FileDiskProblem;
  constructor(problem: FileDiskProblem, message: string) {
    super(PROBLEM_CODES[problem], message);
    this.problem = problem;
  }
}

/** Translates a Node error into a {@link FileDiskError} naming the path. */
export function diskError(error: unknown, what: string): FileDiskError {
  if (error instanceof FileDiskError) return error;
  const code = (error as { code?: string })?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new FileDiskError('disk-full', `The disk is full: cannot write ${what}.`);
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new FileDiskError('permission', `No permission to write ${what}.`);
  }
  if (code === 'ENOENT') return new FileDiskError('not-found', `${what} does not exist.`);
  if (code === 'EISDIR') return new FileDiskError('not-a-file', `${what} is a folder.`);
  return new FileDiskError('io-error', `Could not access ${what} (${code ?? 'error'}).`);
}

/** The downloads folder: `CRYPTULLY_DOWNLOADS`, else `~/Downloads`. */
export function defaultDownloadsDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CRYPTULLY_DOWNLOADS;
  return configured && configured.length > 0 ? configured : join(homedir(), 'Downloads');
}

const HASH_READ_BYTES = 1024 * 1024;

async function openPart(dir: string, id: string): Promise<PartFile> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw diskError(error, `the folder ${dir}`);
  }
  const path = join(dir, `.cryptully-${id}.part`);
  let handle: FileHandle;
  try {
    // 'wx': never reuse (or follow a planted link to) something already there.
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    throw diskError(error, `a file in ${dir}`);
  }
  const hash: Hash = createHash('sha256');
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close().catch(() => {});
  };
  return {
    path,
    async append(data) {
      hash.update(data);
      let written = 0;
      try {
        while (written < data.length) {
          const { bytesWritten } = await handle.write(data, written, data.length - written);
          written += bytesWritten;
        }
      } catch (error) {
        throw diskError(error, `the file in ${dir}`);
      }
    },
    digest: () => hash.digest('hex'),
    close,
    async remove() {
      await close();
      await unlink(path).catch(() => {});
    },
  };
}

/** The Node {@link FileDisk}. */
export function nodeFileDisk(): FileDisk {
  return {
    async hash(path, onProgress, signal) {
      let handle: FileHandle;
      let info: Awaited<ReturnType<typeof stat>>;
      try {
        info = await stat(path);
        if (!info.isFile()) throw new FileDiskError('not-a-file', `${path} is not a file.`);
        handle = await open(path, 'r');
      } catch (error) {
        throw diskError(error, path);
      }
      try {
        const hash = createHash('sha256');
        const buffer = Buffer.allocUnsafe(HASH_READ_BYTES);
        let size = 0;
        for (;;) {
          signal?.throwIfAborted();
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, size);
          if (bytesRead === 0) break;
          hash.update(buffer.subarray(0, bytesRead));
          size += bytesRead;
          onProgress?.(size, Math.max(size, Number(info.size)));
        }
        return { size, sha256: hash.digest('hex') };
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw diskError(error, path);
      } finally {
        await handle.close().catch(() => {});
      }
    },
    async openSource(path) {
      let handle: FileHandle;
      try {
        handle = await open(path, 'r');
      } catch (error) {
        throw diskError(error, path);
      }
      return {
        async read(offset, length) {
          const buffer = Buffer.allocUnsafe(length);
          let filled = 0;
          try {
            while (filled < length) {
              const { bytesRead } = await handle.read(
                buffer,
                filled,
                length - filled,
                offset + filled,
              );
              if (bytesRead === 0) break;
              filled += bytesRead;
            }
          } catch (error) {
            throw diskError(error, path);
          }
          return filled === length ? buffer : buffer.subarray(0, filled);
        },
        async readInto(offset, targets) {
          let total = 0;
          try {
            let rest = targets.filter((target) => target.length > 0);
            while (rest.length > 0) {
              const { bytesRead } = await handle.readv(rest, offset + total);
              if (bytesRead === 0) break;
              total += bytesRead;
              // A short read (rare for a regular file): go on after what was filled.
              let skip = bytesRead;
              while (rest.length > 0 && skip >= rest[0]!.length) skip -= rest.shift()!.length;
              if (skip > 0) rest = [rest[0]!.subarray(skip), ...rest.slice(1)];
            }
          } catch (error) {
            throw diskError(error, path);
          }
          return total;
        },
        close: () => handle.close().catch(() => {}),
      };
    },
    createPart: openPart,
    listFolder,
    openFolderSource: async (path, entries) => openFolderSource(path, entries),
    createFolderPart,
    isFolder,
    async freeBytes(dir) {
      let probe = dir;
      for (let i = 0; i < 64; i += 1) {
        try {
          const info = await statfs(probe);
          return info.bavail * info.bsize;
        } catch {
          const parent = join(probe, '..');
          if (parent === probe) return undefined;
          probe = parent;
        }
      }
      return undefined;
    },
    async publish(part, dir, name) {
      if (part.folder) return publishFolder(part, dir, name);
      await part.close();
      for (let attempt = 0; attempt < 1000; attempt += 1) {
        const target = join(dir, clashName(name, attempt));
        try {
          // A hard link never replaces an existing file (EEXIST), unlike rename.
          await link(part.path, target);
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (code === 'EEXIST') continue;
          if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') {
            throw diskError(error, `the file ${target}`);
          }
          // No hard links here (e.g. FAT, some network shares): copy without replacing.
          try {
            await copyFile(part.path, target, fsConstants.COPYFILE_EXCL);
          } catch (copyError) {
            if ((copyError as { code?: string }).code === 'EEXIST') continue;
            await unlink(target).catch(() => {});
            throw diskError(copyError, `the file ${target}`);
          }
        }
        await unlink(part.path).catch(() => {});
        return target;
      }
      throw new FileDiskError('io-error', `Too many files named like ${name} in ${dir}.`);
    },
  };
}
