/**
 * The known-peers file on disk: `<home>/known-peers.json`, written atomically with mode 0600.
 * A damaged file is reported (`ERR_KNOWN_PEERS_CORRUPT`) and left alone, never replaced by an
 * empty table behind the user's back.
 * @module
 */
import { mkdir, open, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CryptullyError } from '../errors.js';
import {
  emptyKnownPeers,
  type KnownPeerBook,
  parseKnownPeers,
  serializeKnownPeers,
} from '../identity/known-peers.js';
import { readFileIfExists, writeFileAtomic } from './atomic-file.js';
import { cryptullyHome, knownPeersPath } from './paths.js';

/** How long {@link KnownPeersStore.update} waits for another process's lock. */
export const KNOWN_PEERS_LOCK_TIMEOUT_MS = 5000;
/** A lock file older than this is taken to be left by a process that died holding it. */
const LOCK_STALE_MS = 10_000;

/** `ERR_KNOWN_PEERS_BUSY`: another process kept the known-peers file locked too long. */
export class KnownPeersBusyError extends CryptullyError {
  constructor(path: string) {
    super(
      'ERR_KNOWN_PEERS_BUSY',
      `Another Cryptully process is updating ${path}; try again in a moment.`,
    );
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Loads and saves the known-peers table of one home folder. {@link KnownPeersStore.update}
 * serializes changes, also against other processes using the same home (a running chat node
 * and a `cryptully peers` command): it holds `<file>.lock` while it reads, changes and writes.
 */
export class KnownPeersStore {
  /** `<home>/known-peers.json`. */
  readonly path: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(home: string = cryptullyHome()) {
    this.path = knownPeersPath(home);
  }

  /**
   * The table; empty when the file does not exist yet.
   * @throws {KnownPeersCorruptError | KnownPeersNewerVersionError} for a damaged or newer file.
   */
  async load(): Promise<KnownPeerBook> {
    const text = await readFileIfExists(this.path);
    return text === undefined ? emptyKnownPeers() : parseKnownPeers(text);
  }

  /** Writes the table atomically. */
  async save(book: KnownPeerBook): Promise<void> {
    await writeFileAtomic(this.path, serializeKnownPeers(book));
  }

  /**
   * Loads, applies `change`, saves, one change at a time (in this process, and across processes
   * through a lock file); returns the new table. A damaged file makes it throw without writing.
   * @throws {KnownPeersBusyError} when another process holds the lock for longer than
   *   {@link KNOWN_PEERS_LOCK_TIMEOUT_MS}.
   */
  update(change: (book: KnownPeerBook) => KnownPeerBook): Promise<KnownPeerBook> {
    const run = this.#queue.then(() =>
      this.#locked(async () => {
        const next = change(await this.load());
        await this.save(next);
        return next;
      }),
    );
    this.#queue = run.catch(() => {});
    return run;
  }

  // `open(..., 'wx')` creates the lock file only if it does not exist, atomically, on every
  // platform; the holder removes it when done. A lock left by a crashed process is broken once
  // it is older than LOCK_STALE_MS.
  async #locked<T>(step: () => Promise<T>): Promise<T> {
    const lock = `${this.path}.lock`;
    const deadline = Date.now() + KNOWN_PEERS_LOCK_TIMEOUT_MS;
    for (;;) {
      try {
        await (await open(lock, 'wx', 0o600)).close();
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          await mkdir(dirname(lock), { recursive: true, mode: 0o700 });
          continue;
        }
        if (code !== 'EEXIST') throw error;
      }
      const held = await stat(lock).catch(() => undefined);
      if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS) {
        await unlink(lock).catch(() => {});
        continue;
      }
      if (Date.now() > deadline) throw new KnownPeersBusyError(this.path);
      await sleep(5 + Math.floor(Math.random() * 20));
    }
    try {
      return await step();
    } finally {
      await unlink(lock).catch(() => {});
    }
  }
}
