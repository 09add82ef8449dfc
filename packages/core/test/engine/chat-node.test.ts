// Two chat nodes talking: the flows front ends rely on, over TCP loopback and over the memory
// transport, always through the real Noise channel.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatCommand } from '../../src/protocol/events.js';
import { MAX_TEXT_BYTES } from '../../src/session/messages.js';
import { SETUPS } from './fixtures.js';
import { cleanup, connectPair, host, openNode } from './helpers.js';

afterEach(cleanup);

for (const setup of SETUPS) {
  describe(`ChatNode (${setup.name})`, () => {
    it('hosts, joins by invite, and both sides see the same verification code', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', make);
      const { request, hostSide, joinerSide } = await connectPair(alice, bob);
      expect(request).toMatchObject({
        peer: bob.node.peerId,
        name: 'Bob',
        fingerprint: bob.node.fingerprint,
        invited: true,
        known: false,
        keyChanged: false,
      });
      expect(request.code).toMatch(/^\d{3} \d{3}$/);
      expect(hostSide.code).toBe(joinerSide.code);
      expect(bob.of('waiting')[0]).toMatchObject({ name: 'Alice', code: joinerSide.code });
      // The invite pinned the host's key: verified on the joiner's side. On the host's side it
      // only says who held the invite (a leaked invite works for anyone): joined with the
      // invite, not verified, so the code comparison is still offered.
      expect(joinerSide).toMatchObject({
        peer: alice.node.peerId,
        verification: 'invite',
        verified: true,
      });
      expect(hostSide).toMatchObject({
        peer: bob.node.peerId,
        verification: 'unverified',
        verified: false,
      });
    });

    it('never writes an invite (its secret) into logs or events other than the invite itself', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', make);
      const { invite } = await connectPair(alice, bob);
      const payload = invite.slice('cryptully://join/'.length);
      const carol = await openNode('Carol', make);
      await carol.node.dispatch({ cmd: 'join', target: invite }); // reused: refused
      await carol.next('disconnected');
      for (const t of [alice, bob, carol]) {
        expect(t.logs.join('\n')).not.toContain(payload);
        const events = t.events.filter((e) => e.event !== 'listening' && e.event !== 'invite');
        expect(JSON.stringify(events)).not.toContain(payload);
      }
    });

    it('chats both ways with receipts and typing', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', make);
      await connectPair(alice, bob);
      await bob.node.dispatch({ cmd: 'typing', state: 'typing' });
      await alice.next('typing', (e) => e.state === 'typing' && e.peer === bob.node.peerId);
      await bob.node.dispatch({ cmd: 'send', text: 'hello Alice ✓' });
      const sent = bob.of('sent')[0]!;
      expect(sent).toMatchObject({ peer: alice.node.peerId, queued: false, text: 'hello Alice ✓' });
      const got = await alice.next('message');
      expect(got).toMatchObject({
        peer: bob.node.peerId,
        id: sent.id,
        text: 'hello Alice ✓',
        at: sent.at,
      });
      await bob.next('delivered', (e) => e.id === sent.id);
      await alice.node.dispatch({ cmd: 'typing', peer: bob.node.peerId, state: 'paused' });
      await bob.next('typing', (e) => e.state === 'paused');
      await alice.node.dispatch({
        cmd: 'send',
        peer: bob.node.peerId,
        text: 'hi Bob\nsecond line',
      });
      await bob.next('message', (e) => e.text === 'hi Bob\nsecond line');
      await alice.next('delivered');
      expect(alice.of('message')).toHaveLength(1);
      expect(bob.of('message')).toHaveLength(1);
    });

    it('joins by address (trust on first use), then verifies by code on both sides', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', make);
      const { port } = await host(alice);
      await bob.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      const request = await alice.next('request');
      expect(request).toMatchObject({ invited: false, known: false });
      await alice.node.dispatch({ cmd: 'accept', peer: request.peer });
      const joined = await bob.next('connected');
      const accepted = await alice.next('connected');
      expect(joined).toMatchObject({ verification: 'unverified', verified: false });
      expect(joined.code).toBe(accepted.code);
      // The two people read the code to each other; it matches; each side marks it.
      await alice.node.dispatch({ cmd: 'verify', peer: bob.node.peerId });
      await bob.node.dispatch({ cmd: 'verify', peer: alice.node.peerId });
      expect(await alice.next('verified')).toEqual({
        event: 'verified',
        peer: bob.node.peerId,
        verification: 'code',
      });
      await bob.next('verified');
      await alice.node.dispatch({ cmd: 'peers' });
      const peers = await alice.next('peers');
      expect(peers.peers).toMatchObject([
        { peer: bob.node.peerId, name: 'Bob', verification: 'code', online: true },
      ]);
      await alice.node.close();
      const file = JSON.parse(await readFile(join(alice.home, 'known-peers.json'), 'utf8'));
      expect(file.peers).toMatchObject([{ name: 'Bob', verification: 'code' }]);
    });

    it('tells a rejected joiner plainly', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', make);
      const { invite } = await host(alice);
      await bob.node.dispatch({ cmd: 'join', target: invite });
      const request = await alice.next('request');
      await bob.next('waiting');
      await alice.node.dispatch({ cmd: 'reject', peer: request.peer });
      const gone = await bob.next('disconnected');
      expect(gone).toMatchObject({ peer: alice.node.peerId, reason: 'rejected' });
      expect(gone.message).toMatch(/declined/);
      expect(bob.of('connected')).toEqual([]);
      await alice.next('disconnected', (e) => e.reason === 'rejected');
    });

    it('says goodbye on quit, and the other side reports it', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', make);
      await connectPair(alice, bob);
      await bob.node.dispatch({ cmd: 'quit' });
      const gone = await alice.next('disconnected');
      expect(gone).toMatchObject({ peer: bob.node.peerId, reason: 'goodbye' });
    });

    it('turns user mistakes into error events, never exceptions', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const cases: Array<[unknown, string]> = [
        [{ cmd: 'send', text: 'nobody there' }, 'ERR_NO_SUCH_PEER'],
        [{ cmd: 'send', peer: 'ffffffffffffffff', text: 'x' }, 'ERR_NO_SUCH_PEER'],
        [{ cmd: 'accept', peer: 'ffffffffffffffff' }, 'ERR_NO_SUCH_PEER'],
        [{ cmd: 'verify', peer: 'ffffffffffffffff' }, 'ERR_NO_SUCH_PEER'],
        [{ cmd: 'invite' }, 'ERR_NOT_HOSTING'],
        [{ cmd: 'join', target: 'cryptully://join/AAAA' }, 'ERR_BAD_INVITE'],
        [{ cmd: 'join', target: 'not an address:99999' }, 'ERR_BAD_ADDRESS'],
        [{ cmd: 'join', target: '127.0.0.1:1' }, 'ERR_UNREACHABLE'],
        [{ cmd: 'dance' }, 'ERR_BAD_COMMAND'],
        [{ cmd: 'name', name: 'bad\u0007name' }, 'ERR_BAD_NAME'],
      ];
      // Typing with nobody there is not a mistake worth an error.
      await alice.node.dispatch({ cmd: 'typing', state: 'typing' });
      await alice.node.dispatch({ cmd: 'typing', peer: 'ffffffffffffffff', state: 'idle' });
      expect(alice.of('error')).toEqual([]);
      for (const [command, code] of cases) {
        const before = alice.of('error').length;
        await expect(alice.node.dispatch(command as ChatCommand)).resolves.toBeUndefined();
        const error = alice.of('error')[before];
        expect(error?.code, JSON.stringify(command)).toBe(code);
        expect(error?.message).not.toMatch(/\n\s+at /);
      }
      const { invite, port } = await host(alice);
      await alice.node.dispatch({ cmd: 'host', port: 0, bind: '127.0.0.1' });
      expect(alice.of('error').at(-1)?.code).toBe('ERR_ALREADY_HOSTING');
      await alice.node.dispatch({ cmd: 'join', target: invite });
      expect(alice.of('error').at(-1)?.code).toBe('ERR_SELF');
      await alice.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      expect(alice.of('error').at(-1)?.code).toBe('ERR_SELF');
      expect(alice.of('request')).toEqual([]);
      await alice.node.dispatch({ cmd: 'accept', peer: 'ffffffffffffffff' });
      expect(alice.of('error').at(-1)).toMatchObject({
        code: 'ERR_NO_SUCH_PEER',
        peer: 'ffffffffffffffff',
      });
      if (setup.name.startsWith('TCP')) {
        const carol = await openNode('Carol', make);
        await carol.node.dispatch({
          cmd: 'host',
          port: alice.node.address!.port,
          bind: '127.0.0.1',
        });
        expect(carol.of('error').at(-1)?.code).toBe('ERR_ADDRESS_IN_USE');
      }
    });

    it('refuses a too-long text with ERR_TEXT_TOO_LONG, to a connected peer and to an offline one', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', make);
      await connectPair(alice, bob);
      const tooLong = 'é'.repeat(MAX_TEXT_BYTES / 2 + 1); // within 16 KiB characters, over in bytes
      const longest = 'x'.repeat(MAX_TEXT_BYTES);
      await alice.node.dispatch({ cmd: 'send', peer: bob.node.peerId, text: tooLong });
      expect(alice.of('error').at(-1)).toMatchObject({ code: 'ERR_TEXT_TOO_LONG' });
      await alice.node.dispatch({ cmd: 'send', peer: bob.node.peerId, text: longest });
      expect((await bob.next('message')).text).toBe(longest);
      await bob.node.close();
      await alice.next('disconnected');
      // Bob is known and offline: the message would be queued, and is refused the same way.
      await alice.node.dispatch({ cmd: 'send', peer: bob.node.peerId, text: tooLong });
      expect(alice.of('error').map((e) => e.code)).toEqual([
        'ERR_TEXT_TOO_LONG',
        'ERR_TEXT_TOO_LONG',
      ]);
      expect(alice.of('sent').map((e) => e.text.length)).toEqual([MAX_TEXT_BYTES]);
    });

    it('makes a fresh invite on request, each good for one join', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      await host(alice);
      await alice.node.dispatch({ cmd: 'invite' });
      const fresh = await alice.next('invite');
      expect(fresh.invite).toMatch(/^cryptully:\/\/join\//);
      expect(fresh.expiresAt).toBeGreaterThan(Date.now());
      const carol = await openNode('Carol', make);
      await carol.node.dispatch({ cmd: 'join', target: fresh.invite });
      await alice.next('request', (e) => e.name === 'Carol' && e.invited);
    });
  });
}
