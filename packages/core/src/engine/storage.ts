/**
 * Where a chat node keeps what outlives it: its identity, its display name and its known
 * peers. The default keeps files under `<home>` (see `file-storage.ts`); {@link memoryStorage}
 * keeps nothing, for tests and embedded bots.
 * @module
 */
import { type KeyPair, x25519 } from '../crypto/index.js';
import { emptyKnownPeers, type KnownPeerBook } from '../identity/known-peers.js';

/** What a chat node reads and writes. */
export interface NodeStorage {
  /** The identity key pair, created (and saved) on first use. */
  loadIdentity(passphrase: string | undefined): Promise<KeyPair>;
  /** The saved display name, if any. */
  loadName(): Promise<string | undefined>;
  saveName(name: string): Promise<void>;
  loadKnownPeers(): Promise<KnownPeerBook>;
  /**
   * Applies `change` to the book as stored now (re-read, so that changes made meanwhile by
   * another process, such as `cryptully peers forget`, are kept), saves, and returns the result.
   * `change` is pure: it may be applied more than once.
   */
  updateKnownPeers(change: (book: KnownPeerBook) => KnownPeerBook): Promise<KnownPeerBook>;
}

/**
 * Storage that keeps everything in memory: nothing survives the process.
 * @param keyPair the identity to use; default a fresh one.
 */
export function memoryStorage(keyPair: KeyPair = x25519.generateKeyPair()): NodeStorage {
  let name: string | undefined;
  let book = emptyKnownPeers();
  return {
    loadIdentity: async () => keyPair,
    loadName: async () => name,
    saveName: async (value) => {
      name = value;
    },
    loadKnownPeers: async () => book,
    updateKnownPeers: async (change) => {
      book = change(book);
      return book;
    },
  };
}
