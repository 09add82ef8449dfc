// Keyed by the full public key, not the 64-bit peer id (issue 12 item 6): with peer ids made to
// collide, a second key never takes over the first one's connection, queued messages, seen ids
// or known-peers entry.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emptyKnownPeers, markVerified, rememberPeer } from '../../src/identity/known-peers.js';
import { cleanup, connectPair, openNode } from './helpers.js';

// Every key gets the same peer id: what a 2^64 search (or a bug) would produce.
vi.mock('../../src/identity/fingerprint.js', async (original) => {
  const real = await original<typeof import('../../src/identity/fingerprint.js')>();
  return { ...real, peerIdFromPublicKey: () => 'c0111de0c0111de0' };
});

afterEach(cleanup);

describe('colliding peer ids', () => {
  it('never let a second key replace, or inherit from, the first one in the engine', async () => {
    const alice = await openNode('Alice');
    const bob = await openNode('Bob');
    const { invite, port } = await connectPair(alice, bob);
    expect(invite).toBeDefined();
    const mallory = await openNode('Mallory');
    await mallory.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
    // Alice's node refuses the session at once; Mallory only sees it end.
    await mallory.next('disconnected');
    expect(mallory.of('connected')).toEqual([]);
    expect(alice.logs.some((l) => l.includes('collides with another peer'))).toBe(true);
    // Bob's session was not replaced and still carries chat.
    expect(alice.of('disconnected')).toEqual([]);
    await bob.node.dispatch({ cmd: 'send', text: 'still me' });
    expect((await alice.next('message')).text).toBe('still me');
    expect(alice.of('request')).toHaveLength(1);
  });

  it('never let a write for one key change the known-peers entry of another', () => {
    const bobKey = new Uint8Array(32).fill(1);
    const malloryKey = new Uint8Array(32).fill(2);
    const book = rememberPeer(emptyKnownPeers(), { publicKey: bobKey, name: 'Bob', now: 1 });
    const id = [...book.peers.keys()][0]!;
    expect(rememberPeer(book, { publicKey: malloryKey, name: 'Mallory', now: 2 })).toBe(book);
    expect(markVerified(book, id, 'code', malloryKey)).toBe(book);
    expect(markVerified(book, id, 'code', bobKey).peers.get(id)!.verification).toBe('code');
  });
});
