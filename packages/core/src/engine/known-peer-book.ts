/**
 * The chat node's known peers: the pure book of `identity/known-peers.ts`, changed in memory
 * at once and saved in order in the background, so the engine never waits on the disk and a
 * failed save is logged, never lost in an unhandled rejection.
 * @module
 */
import { fingerprint } from '../identity/fingerprint.js';
import type { KnownPeer, KnownPeerBook } from '../identity/known-peers.js';
import type { KnownPeerSummary } from '../protocol/events.js';

/** See the module documentation. */
export class KnownPeerHolder {
  #book: KnownPeerBook;
  #writes: Promise<void> = Promise.resolve();
  readonly #save: (book: KnownPeerBook) => Promise<void>;
  readonly #log: (line: string) => void;

  constructor(
    book: KnownPeerBook,
    save: (book: KnownPeerBook) => Promise<void>,
    log: (line: string) => void,
  ) {
    this.#book = book;
    this.#save = save;
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

  /** Applies a change now; saves it after the earlier saves. */
  update(change: (book: KnownPeerBook) => KnownPeerBook): void {
    this.#book = change(this.#book);
    const book = this.#book;
    this.#writes = this.#writes
      .then(() => this.#save(book))
      .catch((error: unknown) => {
        this.#log(`could not save known peers: ${(error as Error)?.message}`);
      });
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
}
