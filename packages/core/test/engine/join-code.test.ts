// Join codes end to end between real chat nodes: discovery on the local network (UDP
// broadcast on loopback, a port of the test's own), CPace in the handshake, pinned keys,
// one guess per code and a burnt code after a wrong one. docs/protocol-verification.md §1.
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { parseJoinCode } from '../../src/identity/join-code.js';
import { JOIN_CODE_WORDS } from '../../src/identity/join-code-words.js';
import { cleanup, openNode } from './helpers.js';

afterEach(cleanup);

/** A free UDP port for this test's LAN discovery, so parallel runs never meet. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function codePair() {
  const lanPort = await freeUdpPort();
  const joinCodes = { lanPort, broadcast: ['127.255.255.255'], findTimeoutMs: 3000 };
  const alice = await openNode('Alice', { joinCodes });
  const bob = await openNode('Bob', { joinCodes });
  await alice.node.dispatch({ cmd: 'host', port: 0 });
  const listening = await alice.next('listening');
  return { alice, bob, listening, joinCodes };
}

/** The same number with other words: a wrong guess at the code. */
function wrongCode(code: string): string {
  const { number, words } = parseJoinCode(code);
  const other = JOIN_CODE_WORDS.find((w) => w !== words[0])!;
  return [number, other, words[1]].join('-');
}

describe('join codes', () => {
  it('joins with the code the host shows, pins both keys as verified by code, and makes a new code', async () => {
    const { alice, bob, listening } = await codePair();
    expect(listening.code).toMatch(/^\d{1,3}-[a-z]+-[a-z]+$/);
    // Typed the way people type it: spaces and capitals.
    const typed = listening.code!.replaceAll('-', ' ').toUpperCase();
    await bob.node.dispatch({ cmd: 'join', target: typed });
    expect((await bob.next('connecting')).target).not.toContain(parseJoinCode(typed).words[0]);
    const request = await alice.next('request');
    expect(request.invited).toBe(true);
    await alice.node.dispatch({ cmd: 'accept', peer: request.peer });
    const joined = await bob.next('connected');
    const accepted = await alice.next('connected');
    expect(joined.verifiedBy).toBe('code');
    expect(accepted.verifiedBy).toBe('code');
    expect(joined.verification).toBe('join-code');
    // The code works once: the host shows a new one.
    const next = await alice.next('code');
    expect(next.reason).toBe('used');
    expect(next.code).not.toBe(listening.code);
    // Pinned in both books.
    await bob.node.dispatch({ cmd: 'peers' });
    expect((await bob.next('peers')).peers[0]?.verification).toBe('join-code');
  });

  it('a wrong code fails the joiner, burns the code on the host and says so; the new code works', async () => {
    const { alice, bob, listening } = await codePair();
    await bob.node.dispatch({ cmd: 'join', target: wrongCode(listening.code!) });
    const failed = await bob.next('disconnected');
    expect(failed.reason).toBe('code-refused');
    const burnt = await alice.next('code');
    expect(burnt.reason).toBe('burnt');
    expect(burnt.message).toMatch(/^Someone tried a wrong code/);
    expect(burnt.code).not.toBe(listening.code);
    expect(alice.of('request')).toEqual([]);
    // The old (right) code is burnt too: one guess per code.
    await bob.node.dispatch({ cmd: 'join', target: listening.code! });
    // Found only if the new code has the same number; otherwise nobody answers.
    const again = await Promise.race([
      bob.next('error', (e) => e.code === 'ERR_JOIN_CODE_NOT_FOUND'),
      bob.next('disconnected', (e) => e.reason === 'code-refused' && e !== failed),
    ]);
    expect(again).toBeDefined();
    expect(alice.of('request')).toEqual([]);
    // The new code works.
    const current = alice.of('code').at(-1)!.code;
    await bob.node.dispatch({ cmd: 'join', target: current });
    const request = await alice.next('request');
    await alice.node.dispatch({ cmd: 'accept', peer: request.peer });
    expect((await bob.next('connected')).verifiedBy).toBe('code');
  });

  it('says clearly when no host has the number, and when the words are not on the list', async () => {
    const { bob, listening } = await codePair();
    const number = (parseJoinCode(listening.code!).number % 999) + 1;
    await bob.node.dispatch({ cmd: 'join', target: `${number}-acid-acorn` });
    const error = await bob.next('error');
    expect(error.code).toBe('ERR_JOIN_CODE_NOT_FOUND');
    await bob.node.dispatch({ cmd: 'join', target: '7-acid-acornx' });
    const bad = await bob.next('error', (e) => e.code === 'ERR_JOIN_CODE_INVALID');
    expect(bad.message).toBe('"acornx" is not a join-code word; check the spelling.');
  });

  it('a host with codes off refuses a code joiner and shows no code', async () => {
    const lanPort = await freeUdpPort();
    const alice = await openNode('Alice', { joinCodes: false });
    await alice.node.dispatch({ cmd: 'host', port: 0 });
    expect((await alice.next('listening')).code).toBeUndefined();
    const bob = await openNode('Bob', {
      joinCodes: { lanPort, broadcast: ['127.255.255.255'], findTimeoutMs: 500 },
    });
    await bob.node.dispatch({ cmd: 'join', target: '7-acid-acorn' });
    expect((await bob.next('error')).code).toBe('ERR_JOIN_CODE_NOT_FOUND');
  });
});
