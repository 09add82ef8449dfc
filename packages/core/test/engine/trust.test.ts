// Trust: a changed key is never accepted silently, and bad invites are refused with distinct
// errors on the joiner and a log line on the host, without disturbing other sessions.
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes, x25519 } from '../../src/crypto/index.js';
import { joinHandshake, joinPlan } from '../../src/engine/joiner.js';
import { decodeInvite, encodeInvite, parseJoinTarget } from '../../src/identity/invite.js';
import { SETUPS, until } from './fixtures.js';
import { cleanup, connectPair, host, openNode, pairWhoseHostLeft } from './helpers.js';

afterEach(cleanup);

for (const setup of SETUPS) {
  describe(`trust (${setup.name})`, () => {
    it('catches a known name coming back with a new key, on the host, and needs confirmation', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', make);
      const { port } = await connectPair(alice, bob);
      await bob.node.close();
      await alice.next('disconnected');
      // Someone else calls themselves Bob: a new home, so a new key.
      const mallory = await openNode('Bob', make);
      await mallory.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      const changed = await alice.next('key-changed');
      expect(changed).toMatchObject({
        peer: mallory.node.peerId,
        name: 'Bob',
        old: bob.node.fingerprint,
        new: mallory.node.fingerprint,
      });
      const request = await alice.next('request', (e) => e.peer === mallory.node.peerId);
      expect(request).toMatchObject({ keyChanged: true, known: false });
      await alice.node.dispatch({ cmd: 'accept', peer: request.peer });
      expect(alice.of('error').at(-1)?.code).toBe('ERR_CONFIRM_KEY_CHANGE');
      expect(alice.of('connected')).toHaveLength(1);
      await alice.node.dispatch({ cmd: 'accept', peer: request.peer, confirmKeyChange: true });
      const connected = await alice.next('connected', (e) => e.peer === mallory.node.peerId);
      expect(connected.verification).toBe('unverified');
      await alice.node.dispatch({ cmd: 'peers' });
      const { peers } = await alice.next('peers');
      expect(peers.map((p) => p.fingerprint)).toEqual([mallory.node.fingerprint]);
    });

    it("does not let a known peer pass as another known peer by taking that peer's name", async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', make);
      const { port } = await connectPair(alice, bob);
      const mallory = await openNode('Mallory', make);
      await mallory.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      const first = await alice.next('request', (e) => e.name === 'Mallory');
      await alice.node.dispatch({ cmd: 'accept', peer: first.peer });
      await alice.next('connected', (e) => e.peer === first.peer);
      await mallory.node.close();
      await alice.next('disconnected', (e) => e.peer === first.peer);
      // Mallory's key comes back calling itself Bob.
      const disguised = await openNode('Bob', make, mallory.home);
      await disguised.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      const request = await alice.next(
        'request',
        (e) => e.peer === mallory.node.peerId && e !== first,
      );
      expect(request).toMatchObject({ name: 'Mallory', known: true });
      await alice.node.dispatch({ cmd: 'accept', peer: request.peer });
      await until(() => alice.of('connected').length === 3, 'the second connection of Mallory');
      const connected = alice.of('connected')[2]!;
      expect(connected.peer).toBe(mallory.node.peerId);
      expect(connected.name).toBe('Mallory');
      await alice.node.dispatch({ cmd: 'peers' });
      const { peers } = await alice.next('peers');
      expect(peers.filter((p) => p.name === 'Bob').map((p) => p.peer)).toEqual([bob.node.peerId]);
      expect(alice.logs.some((l) => /calls itself "Bob"/.test(l))).toBe(true);
    });

    it('catches a host whose key changed, on the joiner, and shows nothing before confirmation', async () => {
      const make = await setup.make();
      const { alice, bob } = await pairWhoseHostLeft(make);
      const impostor = await openNode('Alice', make);
      const { port } = await host(impostor);
      await bob.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      const changed = await bob.next('key-changed');
      expect(changed).toMatchObject({
        name: 'Alice',
        old: alice.node.fingerprint,
        new: impostor.node.fingerprint,
      });
      const request = await bob.next('request');
      expect(request).toMatchObject({ peer: impostor.node.peerId, keyChanged: true });
      expect(bob.of('waiting').filter((e) => e.peer === impostor.node.peerId)).toEqual([]);
      // The impostor accepts and talks at once; Bob sees nothing until he confirms.
      const hostRequest = await impostor.next('request');
      await impostor.node.dispatch({ cmd: 'accept', peer: hostRequest.peer });
      await impostor.next('connected');
      await impostor.node.dispatch({ cmd: 'send', text: 'trust me' });
      const sent = await impostor.next('sent');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(bob.of('message')).toEqual([]);
      // Not acknowledged either: Bob has not seen it.
      expect(impostor.of('delivered')).toEqual([]);
      expect(bob.of('connected')).toHaveLength(1); // only the first, real Alice
      await bob.node.dispatch({ cmd: 'send', peer: impostor.node.peerId, text: 'secret' });
      expect(bob.of('error').at(-1)?.code).toBe('ERR_CONFIRM_KEY_CHANGE');
      await bob.node.dispatch({ cmd: 'reject', peer: request.peer });
      await bob.next('disconnected', (e) => e.peer === impostor.node.peerId);
      expect(bob.of('message')).toEqual([]);
      // The sender learns its message was never delivered.
      expect(await impostor.next('undelivered')).toMatchObject({ ids: [sent.id] });
    });

    it('delivers held messages once a changed host key is confirmed', async () => {
      const make = await setup.make();
      const { bob } = await pairWhoseHostLeft(make);
      const newAlice = await openNode('Alice', make);
      const { port } = await host(newAlice);
      await bob.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      const request = await bob.next('request');
      const hostRequest = await newAlice.next('request');
      await newAlice.node.dispatch({ cmd: 'accept', peer: hostRequest.peer });
      await newAlice.node.dispatch({ cmd: 'send', text: 'I reinstalled' });
      await newAlice.next('sent');
      await bob.node.dispatch({ cmd: 'accept', peer: request.peer, confirmKeyChange: true });
      await bob.next('connected', (e) => e.peer === newAlice.node.peerId);
      expect((await bob.next('message')).text).toBe('I reinstalled');
      await newAlice.next('delivered');
    });

    it('refuses a reused invite with a distinct error, logs it, and leaves the session alone', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', make);
      const { invite } = await connectPair(alice, bob);
      const carol = await openNode('Carol', make);
      await carol.node.dispatch({ cmd: 'join', target: invite });
      const refused = await carol.next('disconnected');
      expect(refused).toMatchObject({ peer: alice.node.peerId, reason: 'invite-used' });
      expect(refused.message).toMatch(/already been used/);
      expect(alice.logs.some((l) => /refused .*already used/.test(l))).toBe(true);
      expect(alice.of('request')).toHaveLength(1);
      await bob.node.dispatch({ cmd: 'send', text: 'still here' });
      await alice.next('message', (e) => e.text === 'still here');
    });

    it('refuses a forged invite (unknown secret) and one pinning another key', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', make);
      const { invite } = await connectPair(alice, bob);
      const real = decodeInvite(invite);
      const forged = encodeInvite({ ...real, secret: randomBytes(32) });
      const carol = await openNode('Carol', make);
      await carol.node.dispatch({ cmd: 'join', target: forged });
      expect(await carol.next('disconnected')).toMatchObject({ reason: 'invite-unknown' });
      expect(alice.logs.some((l) => /refused .*unknown invite/.test(l))).toBe(true);

      await alice.node.dispatch({ cmd: 'invite' });
      const fresh = decodeInvite((await alice.next('invite')).invite);
      const wrongKey = encodeInvite({
        ...fresh,
        hostPublicKey: x25519.generateKeyPair().publicKey,
      });
      const dave = await openNode('Dave', make);
      await dave.node.dispatch({ cmd: 'join', target: wrongKey });
      const mismatch = await dave.next('disconnected');
      expect(mismatch.reason).toBe('key-mismatch');
      expect(alice.of('request').map((r) => r.name)).toEqual(['Bob']);
      await alice.node.dispatch({ cmd: 'send', text: 'unaffected' });
      await bob.next('message', (e) => e.text === 'unaffected');
    });

    it('refuses an expired invite: locally on the joiner, and on the host if the joiner tries anyway', async () => {
      const make = await setup.make();
      // One clock for both nodes, moved on instead of waited for.
      let time = Date.now();
      const now = () => time;
      const alice = await openNode('Alice', { ...make, inviteTtlMs: 1, now });
      const { invite } = await host(alice);
      time += 1100; // invite expiry has 1 s resolution
      const bob = await openNode('Bob', { ...make, now });
      await bob.node.dispatch({ cmd: 'join', target: invite });
      expect(bob.of('error').at(-1)?.code).toBe('ERR_INVITE_EXPIRED');
      expect(bob.of('connecting')).toEqual([]);
      // A joiner with a slow clock would dial anyway: the host refuses too.
      const outcome = await joinHandshake(
        // Read without the expiry check, as a joiner with a slow clock would.
        joinPlan(parseJoinTarget(invite)),
        {
          ...make,
          keyPair: x25519.generateKeyPair(),
          dialTimeoutMs: 2000,
          handshakeTimeoutMs: 2000,
        },
      );
      expect(outcome.ok === false && outcome.failure.reason).toBe('invite-expired');
      expect(alice.logs.some((l) => /refused .*expired invite/.test(l))).toBe(true);
    });
  });
}
