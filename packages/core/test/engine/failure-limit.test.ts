// The host's failed-handshake limit over real TCP on loopback. Protects: that a source which
// keeps abandoning handshakes after the host's Diffie-Hellman work (a man in the middle trying
// for a matching verification code, docs/protocol-identity.md §3) is refused at accept time,
// before any crypto, with one log line; that an established session is undisturbed; that other
// sources and a friend who mistyped an invite a couple of times still get in.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { secureInitiate } from '../../src/adapters/secure-connection.js';
import { HandshakeError } from '../../src/channel/errors.js';
import { randomBytes, x25519 } from '../../src/crypto/index.js';
import { SETUPS, until } from './fixtures.js';
import { cleanup, connectPair, host, openNode } from './helpers.js';

afterEach(cleanup);

const TCP = SETUPS[0]!;

function dial(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Mallory's move: a plain handshake abandoned after msg2, before msg3 (the code did not match). */
async function abandonedHandshake(port: number, localAddress?: string): Promise<void> {
  const socket = await dial(port, localAddress);
  const attempt = secureInitiate(socket, {
    staticKeyPair: x25519.generateKeyPair(),
    handshakeTimeoutMs: 2000,
    checkResponder: () => {
      throw new HandshakeError('the code does not match: try again');
    },
  });
  await expect(attempt).rejects.toThrow();
}

/** A joiner with a mistyped invite: an invite id the host never made (`invite-unknown`). */
async function unknownInvite(port: number): Promise<void> {
  const socket = await dial(port);
  const attempt = secureInitiate(socket, {
    staticKeyPair: x25519.generateKeyPair(),
    handshakeTimeoutMs: 2000,
    psk: randomBytes(32),
    inviteId: randomBytes(16),
  });
  await expect(attempt).rejects.toThrow();
}

/** Resolves when the host closes `socket`, with whatever it sent first. */
function closedBy(socket: Socket): Promise<number> {
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
  });
  socket.on('error', () => {});
  return new Promise((resolve) => socket.once('close', () => resolve(received)));
}

describe('failed-handshake limit (TCP loopback)', () => {
  it('refuses a source at accept time after its budget of failed handshakes, logging once, and leaves a session alone', async () => {
    const make = await TCP.make();
    // A long handshake timeout: only the limiter can close the refused connections quickly.
    const alice = await openNode('Alice', {
      ...make,
      handshakeTimeoutMs: 30_000,
      limits: { maxFailuresPerSource: 3, failureCooldownMs: 60_000 },
    });
    const bob = await openNode('Bob', make);
    const { port } = await connectPair(alice, bob);

    for (let i = 0; i < 3; i++) await abandonedHandshake(port);
    await until(
      () => alice.logs.filter((l) => /handshake from 127\.0\.0\.1:\d+ failed/.test(l)).length === 3,
      'three failed handshakes in the log',
    );
    expect(alice.logs.some((l) => /refusing connections/.test(l))).toBe(false);

    // The fourth and fifth connections: closed at once, before the host sent a single byte
    // (no msg2, so no Diffie-Hellman), though they would be allowed 30 s for a handshake.
    const fourth = await dial(port);
    fourth.write(new Uint8Array([0, 20]));
    expect(await closedBy(fourth)).toBe(0);
    const fifth = await dial(port);
    expect(await closedBy(fifth)).toBe(0);
    const refusals = alice.logs.filter((l) => /refusing connections from 127\.0\.0\.1 /.test(l));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatch(/3 failed handshakes within 60 s/);
    // No further handshake was attempted (no new "failed" line for the refused ones).
    expect(alice.logs.filter((l) => /handshake from .* failed/.test(l))).toHaveLength(3);

    // The session established before is undisturbed, both ways.
    await alice.node.dispatch({ cmd: 'send', peer: bob.node.peerId, text: 'still here?' });
    await bob.next('message', (m) => m.text === 'still here?');
    await bob.node.dispatch({ cmd: 'send', peer: alice.node.peerId, text: 'yes' });
    await alice.next('message', (m) => m.text === 'yes');

    // Another source is not refused: a handshake from 127.0.0.2 gets as far as msg2 again.
    await abandonedHandshake(port, '127.0.0.2');
    await until(
      () => alice.logs.some((l) => /handshake from 127\.0\.0\.2:\d+ failed/.test(l)),
      'the handshake from 127.0.0.2 to be answered',
    );
  });

  it('counts refused invites too, and the refused source gets no msg2', async () => {
    const make = await TCP.make();
    const alice = await openNode('Alice', {
      ...make,
      handshakeTimeoutMs: 30_000,
      limits: { maxFailuresPerSource: 3 },
    });
    const { port } = await host(alice);
    for (let i = 0; i < 3; i++) await unknownInvite(port);
    const next = await dial(port);
    expect(await closedBy(next)).toBe(0);
    expect(
      alice.logs.filter((l) => /refusing connections from 127\.0\.0\.1 /.test(l)),
    ).toHaveLength(1);
  });

  it('with the default limits, lets in a friend who mistyped the invite twice and a stranger abandoned a few handshakes', async () => {
    const make = await TCP.make();
    const alice = await openNode('Alice', make);
    const { invite, port } = await host(alice);
    await unknownInvite(port);
    await unknownInvite(port);
    for (let i = 0; i < 3; i++) await abandonedHandshake(port);
    const carol = await openNode('Carol', make);
    await carol.node.dispatch({ cmd: 'join', target: invite });
    await alice.next('request', (e) => e.name === 'Carol');
    expect(alice.logs.some((l) => /refusing connections/.test(l))).toBe(false);
  });
});
