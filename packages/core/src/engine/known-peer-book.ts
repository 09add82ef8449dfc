/**
 * The chat node's known peers: the pure book of `identity/known-peers.ts`, changed in memory
 * at once and saved in order in the background, so the engine never waits on the disk and a
 * failed save is logged, never lost in an unhandled rejection.
 *
 * Another process may change the stored book while the node runs (`cryptully peers forget`,
 * `peers verify`). So the node never writes its whole book back: each change is applied again
 * to the book as stored ({@link NodeStorage.updateKnownPeers}, under the store's lock), and the
 * book in memory becomes what was saved, with the changes still waiting applied on top.
 * @module
 */
import { fingerprint } from '../identity/fingerprint.js';
import type { KnownPeer, KnownPeerBook } from '../identity/known-peers.js';
import type { KnownPeerSummary } from '../protocol/events.js';
import type { NodeStorage } from './storage.js';

/** A pure change of the book (it may be applied more than once). */
export type KnownPeerChange = (book: KnownPeerBook) => KnownPeerBook;

/** See the module documentation. */
export class KnownPeerHolder {
  #book: KnownPeerBook;
  /** Changes applied in memory, not yet saved, oldest first. */
  readonly #unsaved: KnownPeerChange[] = [];
  #writes: Promise<void> = Promise.resolve();
  readonly #storage: Pick<NodeStorage, 'loadKnownPeers' | 'updateKnownPeers'>;
  readonly #log: (line: string) => void;

  constructor(
    book: KnownPeerBook,
    storage: Pick<NodeStorage, 'loadKnownPeers' | 'updateKnownPeers'>,
    log: (line: string) => void,
  ) {
    this.#book = book;
    this.#storage = storage;
    this.#log = log;
  }

  /** The current book. */
  get book(): KnownPeerBook {
    return this.#book;
  }

  /** The entry of a peer id, if known. */
  get(peerId: string): KnownPeer | undefined {
    return this.#book.peers.get(peerId);
  }

  /** Applies a change now; saves it (applied to the stored book) after the earlier saves. */
  update(change: KnownPeerChange): void {
    this.#book = change(this.#book);
    this.#unsaved.push(change);
    this.#writes = this.#writes.then(async () => {
      try {
        const saved = await this.#storage.updateKnownPeers(change);
        this.#unsaved.shift();
        this.#adopt(saved);
      } catch (error) {
        // Kept in memory for this run; the next successful save or refresh forgets it.
        this.#unsaved.shift();
        this.#log(`could not save known peers: ${(error as Error)?.message}`);
      }
    });
  }

  /**
   * Re-reads the stored book (after the saves so far), so that changes made by another
   * process show; changes not saved yet stay applied. A failed read is logged, the book in
   * memory kept.
   */
  refresh(): Promise<void> {
    this.#writes = this.#writes.then(async () => {
      try {
        this.#adopt(await this.#storage.loadKnownPeers());
      } catch (error) {
        this.#log(`could not read known peers: ${(error as Error)?.message}`);
      }
    });
    return this.#writes;
  }

  /** Resolves once every change so far is on disk (or its failure logged). */
  flushed(): Promise<void> {
    return this.#writes;
  }

  /** What front ends show, with `online` from the caller. */
  summaries(online: (peerId: string) => boolean): KnownPeerSummary[] {
    return [...this.#book.peers.values()].map((peer) => ({
      peer: peer.peerId,
      name: peer.name,
      fingerprint: fingerprint(peer.publicKey),
      verification: peer.verification,
      firstSeen: peer.firstSeen,
      lastSeen: peer.lastSeen,
      online: online(peer.peerId),
    }));
  }

  /** The stored book, with the changes still waiting to be saved on top. */
  #adopt(stored: KnownPeerBook): void {
    this.#book = this.#unsaved.reduce((book, change) => change(book), stored);
  }
}
