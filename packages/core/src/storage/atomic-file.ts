/**
 * Crash-safe file writes: the new content goes to a temporary file in the same folder, is
 * flushed to disk, then renamed over the target, and the folder is flushed, so a reader sees
 * either the old file or the new one, never a mix, whatever moment the process dies.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Mode of files Cryptully writes: owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of folders Cryptully creates: owner only. */
export const PRIVATE_DIR_MODE = 0o700;

/** The temporary-file name pattern, so stale ones can be recognised: `.<name>.<hex>.tmp`. */
export function isTempFileFor(target: string, candidate: string): boolean {
  const prefix = `.${basename(target)}.`;
  return candidate.startsWith(prefix) && /^[0-9a-f]{16}\.tmp$/.test(candidate.slice(prefix.length));
}

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** File mode; default {@link PRIVATE_FILE_MODE}. */
  mode?: number;
  /** Refuse (an error with code `EEXIST`) when the target already exists. Default false. */
  exclusive?: boolean;
}

/**
 * Writes `data` to `path` atomically: temp file (mode 0600) in the same folder, fsync, rename,
 * fsync of the folder. Creates missing folders with mode 0700. On failure the target is left
 * as it was and the temp file is removed.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  const mode = options.mode ?? PRIVATE_FILE_MODE;
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const temp = join(dir, `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  let renamed = false;
  try {
    try {
      // The umask cannot widen a mode, but a pre-existing ACL default could: set it explicitly.
      await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.exclusive) {
      await linkExclusive(temp, path);
    } else {
      await rename(temp, path);
      renamed = true;
    }
    await syncDir(dir);
  } finally {
    if (!renamed) await unlink(temp).catch(() => {});
  }
}

/**
 * Publishes `temp` at `path` only if `path` does not exist: `link` fails atomically with
 * `EEXIST`, unlike a check followed by a rename. Where hard links are not supported, falls back
 * to check-then-rename. The temp file is removed by the caller.
 */
async function linkExclusive(temp: string, path: string): Promise<void> {
  try {
    await link(temp, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw error;
    if (await pathExists(path)) {
      throw Object.assign(new Error(`${path} already exists`), { code: 'EEXIST' });
    }
    await rename(temp, path);
  }
}

/** Flushes a folder's entries (the rename) to disk; a no-op where folders cannot be opened. */
async function syncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Windows cannot open or fsync a folder; the rename is still atomic there.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close();
  }
}

/** Whether a path exists (any kind of entry, symlinks not followed). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Options of {@link readFileIfExists}. */
export interface ReadFileOptions {
  /**
   * Read at most this many bytes: a longer file throws an error with code `EFBIG`, and anything
   * that is not a regular file (a FIFO that would block for ever, `/dev/zero` that never ends)
   * an error with code `EFTYPE`, both before reading more than `maxBytes + 1` bytes.
   */
  maxBytes?: number;
}

/**
 * Reads a UTF-8 file, or `undefined` if it does not exist.
 * @throws an error with code `EFBIG` or `EFTYPE` when `options.maxBytes` is set (see there).
 */
export async function readFileIfExists(
  path: string,
  options: ReadFileOptions = {},
): Promise<string | undefined> {
  try {
    if (options.maxBytes === undefined) return await readFile(path, 'utf8');
    return await readBounded(path, options.maxBytes);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function readBounded(path: string, maxBytes: number): Promise<string> {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (no effect on regular files).
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    if (!(await handle.stat()).isFile()) {
      throw Object.assign(new Error(`${path} is not a regular file`), { code: 'EFTYPE' });
    }
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) {
        throw Object.assign(new Error(`${path} is larger than ${maxBytes} bytes`), {
          code: 'EFBIG',
        });
      }
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}
