// Pinning by where we dialled (issue 12 item 4): an address we joined maps to the key we met
// there, a join by a known peer's name checks its key before msg3, a changed key there is the
// hard warning, and a name that only looks like a known peer's is flagged.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { noiseChannel } from '../../src/adapters/secure-connection.js';
import { tcpTransport } from '../../src/adapters/tcp-transport.js';
import { x25519 } from '../../src/crypto/index.js';
import { joinHandshake } from '../../src/engine/joiner.js';
import { SETUPS } from './fixtures.js';
import { cleanup, connectPair, openNode, type TestNode } from './helpers.js';

afterEach(cleanup);

/** Hosts on loopback at `port` (0: any). */
async function hostAt(t: TestNode, port: number): Promise<number> {
  await t.node.dispatch({ cmd: 'host', port, bind: '127.0.0.1' });
  return (await t.next('listening')).port;
}

for (const setup of SETUPS) {
  describe(`pinning by dialled address (${setup.name})`, () => {
    it('catches a man in the middle calling himself "Bоb" at the address where Alice met Bob, before msg3', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', make);
      const { port } = await connectPair(bob, alice);
      await bob.node.close();
      await alice.next('disconnected');
      // Mallory takes Bob's address and a name with a Cyrillic о.
      const mallory = await openNode('B\u043eb', make);
      await hostAt(mallory, port);
      for (const target of [`127.0.0.1:${port}`, 'bob']) {
        const before = alice.events.length;
        await alice.node.dispatch({ cmd: 'join', target });
        const changed = await alice.next('key-changed', (e) => alice.events.indexOf(e) >= before);
        expect(changed).toEqual({
          event: 'key-changed',
          peer: mallory.node.peerId,
          name: 'Bob',
          old: bob.node.fingerprint,
          new: mallory.node.fingerprint,
        });
        const ended = await alice.next(
          'disconnected',
          (e) => alice.events.indexOf(e) >= before && e.peer === mallory.node.peerId,
        );
        expect(ended.reason).toBe('key-changed');
        expect(ended.message).toMatch(/different key/);
      }
      // Alice stopped before msg3: Mallory never learnt her key, so never saw a request.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(mallory.of('request')).toEqual([]);
      expect(alice.of('waiting').filter((e) => e.peer === mallory.node.peerId)).toEqual([]);
      expect(alice.of('connected')).toHaveLength(1);
    });

    it('joins a known peer by name at its pinned address, and says the peer is known', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', make);
      const { port } = await connectPair(bob, alice);
      await bob.node.close();
      await alice.next('disconnected');
      const back = await openNode('Bob', make, bob.home);
      await hostAt(back, port);
      await alice.node.dispatch({ cmd: 'join', target: ' BOB ' });
      const connecting = alice.of('connecting').at(-1)!;
      expect(connecting.target).toBe(`Bob (127.0.0.1:${port})`);
      const request = await back.next('request');
      expect(request).toMatchObject({ known: true, keyChanged: false });
      const waiting = await alice.next('waiting', (e) => alice.of('waiting').indexOf(e) === 1);
      expect(waiting).toMatchObject({ peer: bob.node.peerId, known: true });
      await back.node.dispatch({ cmd: 'accept', peer: request.peer });
      await alice.next('connected', (e) => alice.of('connected').indexOf(e) === 1);
    });

    it('says a new peer is not known in its waiting event', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', make);
      const port = await hostAt(bob, 0);
      await alice.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      expect(await alice.next('waiting')).toMatchObject({ known: false });
    });

    it('refuses to join by name a known peer never dialled, with one sentence', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', make);
      // Alice joined Bob: Bob knows Alice, but has no address of hers to dial.
      await connectPair(bob, alice);
      await bob.node.dispatch({ cmd: 'join', target: 'alice' });
      const error = await bob.next('error');
      expect(error.code).toBe('ERR_NO_ADDRESS');
      expect(error.message).toMatch(/^You have never joined Alice at an address/);
    });

    it('flags a new key whose name looks like a known peer, on the joiner (held) and on the host', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', make);
      await connectPair(bob, alice);
      // Joiner side: "Bоb" hosts at a new address; Alice has to decide before anything shows.
      const mallory = await openNode('B\u043eb', make);
      const port = await hostAt(mallory, 0);
      await alice.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      const flagged = await alice.next('request', (e) => e.peer === mallory.node.peerId);
      expect(flagged).toMatchObject({ known: false, keyChanged: false, looksLike: 'Bob' });
      expect(alice.of('waiting').filter((e) => e.peer === mallory.node.peerId)).toEqual([]);
      expect(alice.logs.some((l) => /looks like the known peer "Bob"/.test(l))).toBe(true);
      // Host side: Alice knows Bob (she joined him); a "B0b" joining her is flagged too.
      const carol = await openNode('Carol', make);
      const alicePort = await hostAt(alice, 0);
      const zero = await openNode('B0B', make);
      await zero.node.dispatch({ cmd: 'join', target: `127.0.0.1:${alicePort}` });
      const request = await alice.next('request', (e) => e.peer === zero.node.peerId);
      expect(request).toMatchObject({ known: false, looksLike: 'Bob' });
      await carol.node.dispatch({ cmd: 'join', target: `127.0.0.1:${alicePort}` });
      const plain = await alice.next('request', (e) => e.peer === carol.node.peerId);
      expect(plain.looksLike).toBeUndefined();
    });
  });
}

describe('a join tries the next address when the handshake at one fails', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  it('passes a port that accepts TCP and breaks the handshake, and joins at the next', async () => {
    const bob = await openNode('Bob');
    const port = await hostAt(bob, 0);
    // Accepts, answers garbage, hangs up: as a middlebox or another service would.
    const junk = createServer((socket) => socket.end(Buffer.alloc(64, 0x41)));
    servers.push(junk);
    await new Promise<void>((resolve) => junk.listen(0, '127.0.0.1', resolve));
    const junkPort = (junk.address() as { port: number }).port;
    const outcome = await joinHandshake(
      {
        addresses: [
          { host: '127.0.0.1', port: junkPort },
          { host: '127.0.0.1', port },
        ],
        label: 'test',
      },
      {
        transport: tcpTransport(),
        secure: noiseChannel,
        keyPair: x25519.generateKeyPair(),
        dialTimeoutMs: 2000,
        handshakeTimeoutMs: 2000,
      },
    );
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.remote).toBe(`127.0.0.1:${port}`);
    expect(outcome.dialled).toBe(`127.0.0.1:${port}`);
    outcome.channel.destroy();
  });
});
