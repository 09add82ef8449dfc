// Nothing lost silently, and hostile or broken peers cannot disturb established sessions.
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, encodePrelude } from '../../src/channel/index.js';
import { memoryStorage } from '../../src/engine/index.js';
import { encodeMessage } from '../../src/session/messages.js';
import { faultyTransport, rawPeer, SETUPS, until } from './fixtures.js';
import { cleanup, connectPair, host, openNode, pairWhoseHostLeft } from './helpers.js';

afterEach(cleanup);

for (const setup of SETUPS) {
  describe(`resilience (${setup.name})`, () => {
    it('reports messages cut off with the connection, and delivers them exactly once after reconnecting', async () => {
      const make = await setup.make();
      const faulty = faultyTransport(make.transport);
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', {
        ...make,
        transport: faulty.transport,
        keepAliveMs: 60_000,
        idleTimeoutMs: 120_000,
      });
      const { port } = await connectPair(alice, bob);
      // Alice's receipts stop reaching Bob: "one" arrives, but Bob cannot know.
      faulty.deafen();
      await bob.node.dispatch({ cmd: 'send', text: 'one' });
      await alice.next('message', (e) => e.text === 'one');
      await bob.node.dispatch({ cmd: 'send', text: 'two' });
      await alice.next('message', (e) => e.text === 'two');
      faulty.cut();
      const undelivered = await bob.next('undelivered');
      const sent = bob.of('sent');
      expect(undelivered).toEqual({
        event: 'undelivered',
        peer: alice.node.peerId,
        ids: sent.map((s) => s.id),
      });
      await bob.next('disconnected');
      await alice.next('disconnected');
      // Written while offline: queued.
      await bob.node.dispatch({ cmd: 'send', peer: alice.node.peerId, text: 'three' });
      expect(bob.of('sent').at(-1)).toMatchObject({ queued: true, text: 'three' });

      faulty.deafen(false);
      await bob.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      const again = await alice.next('request', (e) => e.known);
      expect(again).toMatchObject({ peer: bob.node.peerId, keyChanged: false });
      await alice.node.dispatch({ cmd: 'accept', peer: again.peer });
      await until(() => bob.of('delivered').length === 3, 'three receipts');
      expect(bob.of('delivered').map((d) => d.id)).toEqual(bob.of('sent').map((s) => s.id));
      // A later message marks the end: a duplicate of an earlier one would have come before it.
      await bob.node.dispatch({ cmd: 'send', peer: alice.node.peerId, text: 'four' });
      await alice.next('message', (e) => e.text === 'four');
      expect(alice.of('message').map((m) => m.text)).toEqual(['one', 'two', 'three', 'four']);
    });

    it('reports a replayed frame as a decrypt failure, even when a receipt is due in the same tick', async () => {
      // The genuine frame and its copy arrive together: the genuine message is shown and its
      // receipt is due while the channel has already failed on the copy. The failure that ended
      // the session (decrypt) must be what Alice hears, not the receipt's failed send.
      const make = await setup.make();
      const faulty = faultyTransport(make.transport);
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', { ...make, transport: faulty.transport });
      await connectPair(alice, bob);
      faulty.replayNextFrame();
      await bob.node.dispatch({ cmd: 'send', text: 'once' });
      const ended = await alice.next('disconnected');
      expect(ended).toMatchObject({ peer: bob.node.peerId, reason: 'decrypt-failed' });
      expect(alice.logs).toContainEqual(expect.stringContaining('ERR_CHANNEL_DECRYPT'));
      // The case this protects: the receipt's send failed before the channel said why.
      expect(alice.logs).toContainEqual(expect.stringContaining('failed: ERR_CHANNEL_CLOSED'));
      await bob.next('disconnected');
      expect(alice.of('message').map((m) => m.text)).toEqual(['once']);
    });

    it('reports messages still queued for an offline peer as undelivered when the node closes', async () => {
      const make = await setup.make();
      const { alice, bob } = await pairWhoseHostLeft(make);
      await bob.node.dispatch({ cmd: 'send', peer: alice.node.peerId, text: 'are you there?' });
      const queued = bob.of('sent').at(-1)!;
      expect(queued.queued).toBe(true);
      await bob.node.close();
      expect(bob.of('undelivered')).toEqual([
        { event: 'undelivered', peer: alice.node.peerId, ids: [queued.id] },
      ]);
    });

    it('drops junk bytes and a slow-handshake flood without disturbing an established session', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', {
        ...make,
        handshakeTimeoutMs: 500,
        // The flood and Carol share 127.0.0.1 here; this test is about pending handshakes, so
        // the failed-handshake limit (failure-limit.test.ts) must not refuse Carol.
        limits: {
          maxPendingHandshakes: 40,
          maxPendingPerSource: 60,
          maxPerAddress: 60,
          maxFailuresPerSource: 1000,
        },
      });
      const bob = await openNode('Bob', make);
      const { port } = await connectPair(alice, bob);
      const address = { host: '127.0.0.1', port };
      const streams = [];
      for (let i = 0; i < 100; i++) {
        const stream = await make.transport.dial(address);
        stream.on('error', () => {});
        if (i % 3 === 0) stream.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
        if (i % 3 === 1) stream.write(encodeFrame(encodePrelude({ mode: 'XX' }))); // a prelude, then nothing
        streams.push(stream);
      }
      // Meanwhile the conversation goes on.
      for (let i = 0; i < 5; i++) {
        await bob.node.dispatch({ cmd: 'send', text: `during flood ${i}` });
        await alice.next('message', (e) => e.text === `during flood ${i}`);
      }
      await until(
        () => alice.logs.some((l) => /dropped a pending handshake from .* to make room/.test(l)),
        'a drop',
      );
      // Junk is logged at most 5 lines per kind, source and 10 s, not once per connection.
      await until(
        () => alice.logs.some((l) => /handshake from .* failed/.test(l)),
        'failed handshakes logged',
      );
      expect(
        alice.logs.filter((l) => /handshake from .* failed/.test(l)).length,
      ).toBeLessThanOrEqual(5);
      for (const stream of streams) stream.destroy();
      await alice.node.dispatch({ cmd: 'send', text: 'after the flood' });
      await bob.next('message', (e) => e.text === 'after the flood');
      expect(bob.of('disconnected')).toEqual([]);
      expect(alice.of('request')).toHaveLength(1);
      // And a real joiner still gets in afterwards.
      const carol = await openNode('Carol', make);
      await carol.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      await alice.next('request', (e) => e.name === 'Carol');
    });

    it('lets a real joiner in while silent connections fill every pending-handshake slot', async () => {
      const make = await setup.make();
      // A long handshake timeout: the joiner must get in because the oldest silent connection
      // is dropped to make room, not because the silent ones time out.
      const alice = await openNode('Alice', {
        ...make,
        handshakeTimeoutMs: 30_000,
        // The silent ones share 127.0.0.1 with Carol: their drops are charged to that source.
        limits: {
          maxPendingHandshakes: 8,
          maxPendingPerSource: 100,
          maxPerAddress: 100,
          maxFailuresPerSource: 1000,
        },
      });
      const { port } = await host(alice);
      const silent = [];
      for (let i = 0; i < 30; i++) {
        const stream = await make.transport.dial({ host: '127.0.0.1', port });
        stream.on('error', () => {});
        silent.push(stream);
      }
      const carol = await openNode('Carol', make);
      await carol.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      const request = await alice.next('request', (e) => e.name === 'Carol');
      await alice.node.dispatch({ cmd: 'accept', peer: request.peer });
      await carol.next('connected');
      expect(
        alice.logs.some((l) => /dropped a pending handshake from .* to make room/.test(l)),
      ).toBe(true);
      for (const stream of silent) stream.destroy();
    });

    it('caps connections per address', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', { ...make, limits: { maxPerAddress: 2 } });
      const { port } = await host(alice);
      const streams = await Promise.all(
        [0, 1, 2].map(() => make.transport.dial({ host: '127.0.0.1', port })),
      );
      await until(
        () => alice.logs.some((l) => /connections from 127\.0\.0\.1: 2 already open/.test(l)),
        'per-address drop',
      );
      for (const s of streams) s.destroy();
    });

    it('hosts 50 peers at once', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', {
        ...make,
        // All 50 come from 127.0.0.1 and are strangers: lift the per-source caps.
        limits: {
          maxPerAddress: 64,
          maxPendingHandshakes: 64,
          maxPendingPerSource: 64,
          maxUndecidedPerSource: 64,
          maxUndecidedStrangers: 64,
          maxStrangerRequestsPerWindow: 64,
        },
      });
      const { port } = await host(alice);
      alice.node.on((e) => {
        if (e.event === 'request') void alice.node.dispatch({ cmd: 'accept', peer: e.peer });
      });
      const joiners = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          openNode(`Peer ${i}`, { ...make, storage: memoryStorage() }),
        ),
      );
      await Promise.all(
        joiners.map((j) => j.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` })),
      );
      await Promise.all(joiners.map((j) => j.next('connected')));
      await Promise.all(joiners.map((j, i) => j.node.dispatch({ cmd: 'send', text: `from ${i}` })));
      await until(() => alice.of('message').length === 50, '50 messages');
      for (const j of joiners) {
        await alice.node.dispatch({ cmd: 'send', peer: j.node.peerId, text: `to ${j.node.name}` });
      }
      await Promise.all(
        joiners.map((j) => j.next('message', (e) => e.text === `to ${j.node.name}`)),
      );
      expect(new Set(alice.of('connected').map((c) => c.peer)).size).toBe(50);
    });

    it('ignores an unknown optional message type and closes on an unknown mandatory one', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      alice.node.on((e) => {
        if (e.event === 'request') void alice.node.dispatch({ cmd: 'accept', peer: e.peer });
      });
      const { port } = await host(alice);
      const raw = await rawPeer(make, { host: '127.0.0.1', port });
      raw.sendJson({
        t: 'hello',
        v: 2,
        name: 'Future',
        client: 'future-client',
        version: '9',
        caps: ['smp'],
      });
      await alice.next('connected');
      raw.sendJson({ t: 'reaction', o: true, id: 'x', emoji: '👍' });
      raw.sendJson({ t: 'chat', id: 'm1', at: 1, text: 'still fine', extra: 'ignored field' });
      expect(await alice.next('message')).toMatchObject({ text: 'still fine' });
      raw.sendJson({ t: 'smp-init', question: '?' });
      const gone = await alice.next('disconnected');
      expect(gone.reason).toBe('protocol-error');
      expect(gone.message).toMatch(/does not know/);
      await until(() => raw.closed(), 'the channel to close');
      expect(raw.received().at(-1)).toMatchObject({ t: 'error', code: 'ERR_SESSION_UNKNOWN_TYPE' });
    });

    it('closes the session with a clear reason on a malformed inner message', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const bob = await openNode('Bob', make);
      await connectPair(alice, bob);
      const raw = await rawPeer(make, { host: '127.0.0.1', port: alice.node.address!.port });
      raw.sendBytes(
        encodeMessage({ t: 'hello', v: 1, name: 'Eve', client: 'raw', version: '1', caps: [] }),
      );
      const request = await alice.next('request', (e) => e.name === 'Eve');
      await alice.node.dispatch({ cmd: 'accept', peer: request.peer });
      await alice.next('connected', (e) => e.name === 'Eve');
      raw.sendJson({ t: 'chat', id: 'has spaces', at: 1, text: 'x' });
      const gone = await alice.next('disconnected', (e) => e.peer === request.peer);
      expect(gone).toMatchObject({ reason: 'protocol-error' });
      expect(gone.message).toMatch(/chat\.id/);
      await until(() => raw.closed(), 'the host to close the broken session');
      expect(raw.received().at(-1)).toMatchObject({ t: 'error', code: 'ERR_SESSION_MALFORMED' });
      // Bob's conversation is untouched.
      await bob.node.dispatch({ cmd: 'send', text: 'unaffected' });
      await alice.next('message', (e) => e.text === 'unaffected');
    });
  });
}

for (const setup of SETUPS) {
  describe(`timeouts and limits (${setup.name})`, () => {
    it('tells a joiner the host is busy when the sessions are full', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', { ...make, limits: { maxSessions: 1 } });
      const bob = await openNode('Bob', make);
      const { port } = await connectPair(alice, bob);
      const carol = await openNode('Carol', make);
      await carol.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      const refused = await carol.next('disconnected');
      expect(refused).toMatchObject({ peer: alice.node.peerId, reason: 'busy' });
      expect(alice.logs.some((l) => /refused .*no room/.test(l))).toBe(true);
    });

    it('drops a peer that never says hello, without a request or a disconnected event', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', { ...make, handshakeTimeoutMs: 500 });
      const { port } = await host(alice);
      const raw = await rawPeer(make, { host: '127.0.0.1', port });
      await until(() => raw.closed(), 'the host to close the silent session');
      // The host says nothing, not even its hello, to a peer that never introduced itself.
      expect(raw.received().map((m) => m.t)).toEqual(['goodbye']);
      expect(alice.logs.some((l) => /ended: timeout/.test(l))).toBe(true);
      expect(alice.of('request')).toEqual([]);
      expect(alice.of('disconnected')).toEqual([]);
    });

    // Waits on real time: run once, over TCP.
    if (setup.name === 'TCP loopback')
      it('keeps a quiet session alive with pings and times out a peer that went silent', async () => {
        const make = await setup.make();
        const quick = { keepAliveMs: 150, idleTimeoutMs: 1000 };
        const alice = await openNode('Alice', { ...make, ...quick });
        alice.node.on((e) => {
          if (e.event === 'request') void alice.node.dispatch({ cmd: 'accept', peer: e.peer });
        });
        const bob = await openNode('Bob', { ...make, ...quick });
        const { port } = await host(alice);
        await bob.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
        await bob.next('connected');
        // More than an idle timeout passes in silence: pings keep the session up.
        await new Promise((resolve) => setTimeout(resolve, 1600));
        expect(bob.of('disconnected')).toEqual([]);
        expect(alice.of('disconnected')).toEqual([]);
        // A raw peer that answers nothing is timed out.
        const raw = await rawPeer(make, { host: '127.0.0.1', port });
        raw.sendJson({ t: 'hello', v: 1, name: 'Mute', client: 'raw', version: '1', caps: [] });
        const connected = await alice.next('connected', (e) => e.name === 'Mute');
        const gone = await alice.next('disconnected', (e) => e.peer === connected.peer);
        expect(gone.reason).toBe('timeout');
        expect(raw.received().some((m) => m.t === 'ping')).toBe(true);
      });
  });
}
