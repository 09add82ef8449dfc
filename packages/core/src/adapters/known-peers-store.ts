/**
 * The known-peers file on disk: `<home>/known-peers.json`, written atomically with mode 0600.
 * A damaged file is reported (`ERR_KNOWN_PEERS_CORRUPT`) and left alone, never replaced by an
 * empty table behind the user's back.
 * @module
 */
import {
  emptyKnownPeers,
  type KnownPeerBook,
  parseKnownPeers,
  serializeKnownPeers,
} from '../identity/known-peers.js';
import { readFileIfExists, writeFileAtomic } from './atomic-file.js';
import { cryptullyHome, knownPeersPath } from './paths.js';

/**
 * Loads and saves the known-peers table of one home folder. {@link KnownPeersStore.update}
 * serializes changes made through this object.
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
   * Loads, applies `change`, saves, one change at a time; returns the new table. A damaged file
   * makes it throw without writing.
   */
  update(change: (book: KnownPeerBook) => KnownPeerBook): Promise<KnownPeerBook> {
    const run = this.#queue.then(async () => {
      const next = change(await this.load());
      await this.save(next);
      return next;
    });
    this.#queue = run.catch(() => {});
    return run;
  }
}
