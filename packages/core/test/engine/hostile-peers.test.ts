// What a hostile peer can try against a host once it holds a valid key, and what must hold.
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryNetwork, memoryTransport } from '../../src/adapters/memory-transport.js';
import {
  MAX_UNSENT_BYTES,
  secureInitiate,
  secureRespond,
} from '../../src/adapters/secure-connection.js';
import type { Transport } from '../../src/adapters/transport.js';
import { x25519 } from '../../src/crypto/index.js';
import { HostListener } from '../../src/engine/host-listener.js';
import { MAX_PENDING_MESSAGES } from '../../src/engine/limits.js';
import { InviteBook } from '../../src/identity/invite-book.js';
import { encodeMessage } from '../../src/session/messages.js';
import { rawPeer, SETUPS, until } from './fixtures.js';
import { cleanup, connectPair, host, openNode } from './helpers.js';

afterEach(cleanup);

const hello = (name: string) => ({ t: 'hello', v: 1, name, client: 'raw', version: '1', caps: [] });

for (const setup of SETUPS) {
  describe(`hostile peers (${setup.name})`, () => {
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

/** A transport whose accepted streams the test can inspect. */
function watchedTransport(inner: Transport) {
  const accepted: Duplex[] = [];
  const transport: Transport = {
    listen: (options, onConnection) =>
      inner.listen(options, (stream, remote) => {
        accepted.push(stream);
        onConnection(stream, remote);
      }),
    dial: (address, options) => inner.dial(address, options),
  };
  return { transport, accepted };
}

// On the memory transport only: its buffers are bounded like a socket's, while loopback TCP
// buffers megabytes in the kernel before the host's own buffer would show anything.
for (const setup of SETUPS.filter((s) => s.name === 'memory transport')) {
  describe(`hostile peers, resources (${setup.name})`, () => {
    it('stops answering a peer that sends without reading, instead of buffering without bound', async () => {
      const make = await setup.make();
      const watched = watchedTransport(make.transport);
      const alice = await openNode('Alice', { ...make, transport: watched.transport });
      const { port } = await host(alice);
      const stream = await make.transport.dial({ host: '127.0.0.1', port });
      const channel = await make.secure.initiate(stream, {
        staticKeyPair: x25519.generateKeyPair(),
        handshakeTimeoutMs: 2000,
      });
      // No 'message' listener: this end never reads. Every ping asks the host for a pong.
      const ping = encodeMessage({ t: 'ping' });
      const hostStream = watched.accepted[0]!;
      let mostUnsent = 0;
      for (let i = 0; i < 25_000; i++) {
        channel.send(ping);
        if (i % 250 === 0) {
          await new Promise((resolve) => setImmediate(resolve));
          mostUnsent = Math.max(mostUnsent, hostStream.writableLength);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      mostUnsent = Math.max(mostUnsent, hostStream.writableLength);
      // 25,000 pongs are about 775 KB: without a bound they would all wait in the host's buffer.
      expect(mostUnsent).toBeGreaterThan(0);
      expect(mostUnsent).toBeLessThanOrEqual(MAX_UNSENT_BYTES + 64 * 1024);
      channel.destroy();
    });
  });
}

describe('message size', () => {
  it('ends a peer that sends a message over the session limit before buffering 1 MiB of it', async () => {
    const make = await SETUPS[1]!.make();
    const alice = await openNode('Alice', make);
    const { port } = await host(alice);
    const raw = await rawPeer(make, { host: '127.0.0.1', port });
    raw.sendBytes(new Uint8Array(1024 * 1024));
    await until(() => raw.closed(), 'the host to end the connection');
    // The channel refused it (on its length, the first 4 bytes: over the session's 128 KiB), not the session after it.
    // The host's close event may come after the peer saw the connection end: wait for its line.
    await until(
      () => alice.logs.some((l) => /closed: /.test(l)),
      'the host to log why the connection closed',
    );
    expect(alice.logs.filter((l) => /closed: /.test(l))).toEqual([
      expect.stringMatching(/closed: ERR_MESSAGE_TOO_LARGE$/),
    ]);
  });
});

describe('names', () => {
  it('shows a name without the bidi overrides and invisible characters that could disguise it', async () => {
    const make = await SETUPS[1]!.make();
    const alice = await openNode('Alice', make);
    const { port } = await host(alice);
    const address = { host: '127.0.0.1', port };
    const raw = await rawPeer(make, address);
    raw.sendJson(hello('\u202eyrollaM\u202c B\u200bob'));
    const first = await alice.next('request');
    expect(first.name).toBe('yrollaM Bob');
    const blank = await rawPeer(make, address);
    blank.sendJson(hello('\u200b\u2066'));
    const second = await alice.next('request', (e) => e.peer !== first.peer);
    expect(second.name).toBe('(no name)');
  });
});

for (const setup of SETUPS) {
  describe(`invite races (${setup.name})`, () => {
    it('lets exactly one of several joiners racing with the same invite in', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      const { invite } = await host(alice);
      const joiners = await Promise.all(['Bob', 'Carol', 'Dave'].map((n) => openNode(n, make)));
      await Promise.all(joiners.map((j) => j.node.dispatch({ cmd: 'join', target: invite })));
      const request = await alice.next('request');
      await until(
        () => joiners.filter((j) => j.of('disconnected').length > 0).length === 2,
        'two joiners to be refused',
      );
      const refused = joiners.flatMap((j) => j.of('disconnected'));
      expect(refused.map((d) => d.reason)).toEqual(['invite-used', 'invite-used']);
      // Refused at msg2, they never got a session: no request can follow.
      expect(alice.of('request')).toEqual([request]);
    });
  });
}

for (const setup of SETUPS) {
  describe(`hostile peers, session slots (${setup.name})`, () => {
    it('lets a real joiner in while silent sessions (handshake, never a hello) fill every slot', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', {
        ...make,
        handshakeTimeoutMs: 30_000,
        limits: { maxSessions: 2 },
      });
      const { port } = await host(alice);
      const address = { host: '127.0.0.1', port };
      const silent = [await rawPeer(make, address), await rawPeer(make, address)];
      const bob = await openNode('Bob', make);
      await bob.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      await alice.next('request', (e) => e.name === 'Bob');
      expect(bob.of('disconnected')).toEqual([]);
      await until(() => silent[0]!.closed(), 'the oldest silent session to give way', 2000);
      expect(silent[1]!.closed()).toBe(false);
      expect(alice.logs.some((l) => /to make room: it had not introduced itself/.test(l))).toBe(
        true,
      );
    });
  });
}

describe('bounded queues', () => {
  it(`refuses a message beyond ${MAX_PENDING_MESSAGES} waiting for one peer, with ERR_QUEUE_FULL`, async () => {
    const make = await SETUPS[1]!.make();
    const alice = await openNode('Alice', make);
    const bob = await openNode('Bob', make);
    await connectPair(alice, bob);
    await bob.node.close();
    await alice.next('disconnected');
    for (let i = 0; i < MAX_PENDING_MESSAGES; i++) {
      await alice.node.dispatch({ cmd: 'send', peer: bob.node.peerId, text: `m${i}` });
    }
    expect(alice.of('sent')).toHaveLength(MAX_PENDING_MESSAGES);
    expect(alice.of('error')).toEqual([]);
    await alice.node.dispatch({ cmd: 'send', peer: bob.node.peerId, text: 'one too many' });
    expect(alice.of('error').at(-1)).toMatchObject({
      code: 'ERR_QUEUE_FULL',
      peer: bob.node.peerId,
    });
    expect(alice.of('sent')).toHaveLength(MAX_PENDING_MESSAGES);
  });
});

describe('host listener', () => {
  it('survives a failure to start a session (no unhandled rejection), and logs it', async () => {
    const network = new MemoryNetwork();
    const transport = memoryTransport({ network });
    const logs: string[] = [];
    const listener = new HostListener({
      transport,
      secure: { initiate: secureInitiate, respond: secureRespond },
      keyPair: x25519.generateKeyPair(),
      limits: { maxPendingHandshakes: 4, maxPerAddress: 4, maxSessions: 4 },
      handshakeTimeoutMs: 2000,
      invites: new InviteBook(),
      clock: Date.now,
      sessionCount: () => 0,
      onChannel: () => {
        throw new Error('no room for you');
      },
      log: (line) => logs.push(line),
    });
    const address = await listener.listen('127.0.0.1', 0);
    const stream = await transport.dial(address);
    const channel = await secureInitiate(stream, {
      staticKeyPair: x25519.generateKeyPair(),
      handshakeTimeoutMs: 2000,
    });
    const closed = new Promise((resolve) => channel.on('close', resolve));
    channel.on('message', () => {});
    await closed;
    expect(logs.some((l) => /starting the session with .* failed: no room for you/.test(l))).toBe(
      true,
    );
    await listener.close();
  });
});
