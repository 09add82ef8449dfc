// What a hostile peer can try against a host once it holds a valid key, and what must hold.
import { afterEach, describe, expect, it } from 'vitest';
import { x25519 } from '../../src/crypto/index.js';
import { rawPeer, SETUPS, until } from './fixtures.js';
import { cleanup, host, openNode } from './helpers.js';

afterEach(cleanup);

const hello = (name: string) => ({ t: 'hello', v: 1, name, client: 'raw', version: '1', caps: [] });

for (const setup of SETUPS) {
  describe.skipIf(!setup.available)(`hostile peers (${setup.name})`, () => {
    it('keeps one connection per key: reconnecting again and again leaves no hidden session behind', async () => {
      const make = await setup.make();
      // A long hello deadline: only the replacement itself may end the earlier connections.
      const alice = await openNode('Alice', {
        ...make,
        handshakeTimeoutMs: 30_000,
        limits: { maxSessions: 2 },
      });
      const { port } = await host(alice);
      const key = x25519.generateKeyPair();
      const address = { host: '127.0.0.1', port };
      const first = await rawPeer(make, address, key);
      const second = await rawPeer(make, address, key);
      await until(() => first.closed(), 'the first connection to be replaced', 1500);
      second.sendJson(hello('Mallory'));
      await alice.next('request');
      const third = await rawPeer(make, address, key);
      // Each newcomer replaces the one before: none may live on unseen, outside the counts.
      await until(() => second.closed(), 'the second connection to be replaced', 1500);
      third.sendJson(hello('Mallory'));
      await until(() => alice.of('request').length === 2, 'the second request');
      const request = alice.of('request')[1]!;
      await alice.node.dispatch({ cmd: 'accept', peer: request.peer });
      await alice.next('connected', (e) => e.peer === request.peer);
      expect(third.closed()).toBe(false);
      // Room is left for a real friend.
      const bob = await openNode('Bob', make);
      await bob.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      await alice.next('request', (e) => e.name === 'Bob');
    });
  });
}
