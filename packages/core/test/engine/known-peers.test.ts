// The known-peers file is shared with other processes (`cryptully peers forget`, `peers
// verify`): a running node applies only its own changes to the file, so it never undoes theirs.
import { afterEach, describe, expect, it } from 'vitest';
import { forgetPeer, markVerified } from '../../src/identity/known-peers.js';
import { KnownPeersStore } from '../../src/storage/known-peers-store.js';
import { SETUPS } from './fixtures.js';
import { cleanup, connectPair, openNode } from './helpers.js';

afterEach(cleanup);

const setup = SETUPS.find((s) => s.name === 'memory transport')!;

/** Waits until the node has saved `peerId` to the file. */
async function saved(store: KnownPeersStore, peerId: string): Promise<void> {
  for (let tries = 0; !(await store.load()).peers.has(peerId); tries += 1) {
    if (tries > 400) throw new Error(`${peerId} never saved`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('known peers shared with other processes', () => {
  it('keeps a concurrent forget when the running node saves its next change', async () => {
    const make = await setup.make();
    const alice = await openNode('Alice', make);
    const bob = await openNode('Bob', make);
    const carol = await openNode('Carol', make);
    await connectPair(alice, bob);
    const store = new KnownPeersStore(alice.home);
    await saved(store, bob.node.peerId);
    // Another process forgets Bob while Alice's node runs and still talks to him.
    await store.update((book) => forgetPeer(book, bob.node.peerId));
    // Alice's node saves: Carol joins, and Bob's session ends (it records "last seen").
    await bob.node.close();
    await alice.next('disconnected', (e) => e.peer === bob.node.peerId);
    await carol.node.dispatch({ cmd: 'join', target: `127.0.0.1:${alice.node.address!.port}` });
    const request = await alice.next('request', (e) => e.peer === carol.node.peerId);
    await alice.node.dispatch({ cmd: 'accept', peer: request.peer });
    await alice.next('connected', (e) => e.peer === carol.node.peerId);
    await alice.node.close();
    const stored = await store.load();
    expect(stored.peers.has(carol.node.peerId)).toBe(true);
    expect(stored.peers.has(bob.node.peerId)).toBe(false);
  });

  it("keeps a concurrent verify, and shows it in the node's own later lists", async () => {
    const make = await setup.make();
    const alice = await openNode('Alice', make);
    const bob = await openNode('Bob', make);
    await connectPair(alice, bob);
    const store = new KnownPeersStore(alice.home);
    await saved(store, bob.node.peerId);
    await store.update((book) => markVerified(book, bob.node.peerId, 'code'));
    // A list is answered at once from memory and re-reads the file for the next one.
    const bobIn = async () => {
      const mark = alice.of('peers').length;
      await alice.node.dispatch({ cmd: 'peers' });
      return alice.of('peers')[mark]!.peers.find((p) => p.peer === bob.node.peerId);
    };
    let listed = await bobIn();
    for (let tries = 0; listed?.verification !== 'code' && tries < 200; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      listed = await bobIn();
    }
    expect(listed?.verification).toBe('code');
    // The end of Bob's session is saved ("last seen") without weakening the verification.
    await bob.node.close();
    await alice.next('disconnected', (e) => e.peer === bob.node.peerId);
    await alice.node.close();
    expect((await store.load()).peers.get(bob.node.peerId)?.verification).toBe('code');
  });
});
