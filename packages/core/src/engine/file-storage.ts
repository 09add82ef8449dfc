/**
 * The default {@link NodeStorage}: the identity, profile and known-peers files of one home
 * folder, through the adapters' stores (atomic writes, mode 0600).
 * @module
 */
import { IdentityStore } from '../storage/identity-store.js';
import { KnownPeersStore } from '../storage/known-peers-store.js';
import { cryptullyHome } from '../storage/paths.js';
import { ProfileStore } from '../storage/profile-store.js';
import type { NodeStorage } from './storage.js';

/**
 * Storage in `home` (default: `CRYPTULLY_HOME` or the OS data folder). The identity is
 * created on first use; `passphrase` undefined falls back to `CRYPTULLY_PASSPHRASE`, and
 * without either the key is stored unencrypted.
 */
export function fileStorage(home: string = cryptullyHome()): NodeStorage {
  const identity = new IdentityStore(home);
  const profile = new ProfileStore(home);
  const knownPeers = new KnownPeersStore(home);
  return {
    async loadIdentity(passphrase) {
      if (await identity.exists()) return identity.load(passphrase);
      return identity.create(passphrase === undefined ? {} : { passphrase });
    },
    loadName: async () => (await profile.load())?.name,
    saveName: (name) => profile.save({ name }),
    loadKnownPeers: () => knownPeers.load(),
    // Under the store's lock file: a concurrent `cryptully peers …` is neither lost nor undone.
    updateKnownPeers: (change) => knownPeers.update(change),
  };
}
