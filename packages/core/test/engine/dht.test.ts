// Two chat nodes on a DHT of their own (three bootstrap nodes on loopback): an invite carries
// the host's DHT key, a joiner whose TCP addresses lead nowhere gets in through the DHT (happy
// eyeballs keeps the path that opens), and the host's DHT firewall refuses an old invite's key
// before any handshake of ours.
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/index.js';
import { decodeInvite, encodeInvite } from '../../src/identity/invite.js';
import { parseJoinCode } from '../../src/identity/join-code.js';
import { JOIN_CODE_WORDS } from '../../src/identity/join-code-words.js';
import { until } from './fixtures.js';
import { cleanup, openNode, type TestNode } from './helpers.js';

const require = createRequire(import.meta.url);
const createTestnet = require('hyperdht/testnet') as (
  size: number,
  options: { host: string },
) => Promise<{ bootstrap: Array<{ host: string; port: number }>; destroy(): Promise<void> }>;

let testnet: Awaited<ReturnType<typeof createTestnet>>;

beforeAll(async () => {
  testnet = await createTestnet(3, { host: '127.0.0.1' });
}, 30_000);

afterEach(cleanup);

afterAll(async () => {
  await testnet?.destroy();
});

/** Waits until the host is announced on the DHT (its `listening` comes before). */
function onTheDht(t: TestNode): Promise<void> {
  return until(
    () => t.logs.some((line) => line.startsWith('listening on the DHT as ')),
    'DHT',
    20_000,
  );
}

/** The invite with its TCP address replaced by one where nothing listens (the host binds 127.0.0.1). */
function dhtOnly(invite: string): string {
  const decoded = decodeInvite(invite);
  return encodeInvite({ ...decoded, addresses: ['127.0.0.2'] });
}

describe('chat nodes on the DHT', () => {
  it('joins by join code found on the DHT only (no LAN), after a wrong code burnt the first one', async () => {
    const options = () => ({
      dht: { bootstrap: testnet.bootstrap, host: '127.0.0.1' },
      joinCodes: { lan: false, findTimeoutMs: 15_000 },
    });
    const alice = await openNode('Alice', options());
    const bob = await openNode('Bob', { ...options(), dialTimeoutMs: 8000 });
    await alice.node.dispatch({ cmd: 'host', port: 0, bind: '127.0.0.1' });
    const listening = await alice.next('listening');
    const announced = () =>
      alice.logs.filter((line) => line === "announced the join code's number on the DHT").length;
    await until(() => announced() === 1, 'the code announced', 30_000);
    // A wrong guess with the right number: found on the DHT, admitted by the firewall, burnt.
    const { number, words } = parseJoinCode(listening.code!);
    const wrong = [number, JOIN_CODE_WORDS.find((w) => w !== words[0])!, words[1]].join('-');
    await bob.node.dispatch({ cmd: 'join', target: wrong });
    expect((await bob.next('disconnected', () => true, 30_000)).reason).toBe('code-refused');
    const burnt = await alice.next('code');
    expect(burnt.reason).toBe('burnt');
    expect(alice.of('request')).toEqual([]);
    // The new code is announced in its turn, and joins.
    await until(() => announced() === 2, 'the new code announced', 30_000);
    await bob.node.dispatch({ cmd: 'join', target: burnt.code });
    const request = await alice.next('request', () => true, 30_000);
    await alice.node.dispatch({ cmd: 'accept', peer: request.peer });
    const atBob = await bob.next('connected');
    expect(atBob.verifiedBy).toBe('code');
    expect(alice.logs.some((line) => line.startsWith('joined through the DHT from'))).toBe(true);
  }, 120_000);

  it('joins through the DHT when the invite addresses lead nowhere, and chats both ways', async () => {
    const dht = () => ({ dht: { bootstrap: testnet.bootstrap, host: '127.0.0.1' } });
    const alice = await openNode('Alice', dht());
    const bob = await openNode('Bob', { ...dht(), dialTimeoutMs: 4000 });
    await alice.node.dispatch({ cmd: 'host', port: 0, bind: '127.0.0.1' });
    const listening = await alice.next('listening');
    await onTheDht(alice);
    expect(listening.dhtKey).toMatch(/^[0-9a-f]{64}$/);
    expect(toHex(decodeInvite(listening.invite).dhtKey!)).toBe(listening.dhtKey);
    await bob.node.dispatch({ cmd: 'join', target: dhtOnly(listening.invite) });
    const connecting = await bob.next('connecting');
    expect(connecting.target).toContain(`DHT key ${listening.dhtKey!.slice(0, 16)}`);
    const request = await alice.next('request');
    await alice.node.dispatch({ cmd: 'accept', peer: request.peer });
    const atBob = await bob.next('connected');
    const atAlice = await alice.next('connected');
    // On loopback the DHT's streams come from a local address: the path says so.
    expect(atBob).toMatchObject({
      path: 'lan',
      remoteAddress: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });
    expect(atAlice).toMatchObject({
      path: 'lan',
      remoteAddress: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });
    expect(alice.logs.some((line) => line.startsWith('joined through the DHT from'))).toBe(true);
    await bob.node.dispatch({ cmd: 'send', peer: atBob.peer, text: 'hello over UDX' });
    expect((await alice.next('message')).text).toBe('hello over UDX');
    await alice.node.dispatch({ cmd: 'send', peer: atAlice.peer, text: 'and back' });
    expect((await bob.next('message')).text).toBe('and back');
  }, 60_000);

  it('lets a known friend come back by name through the DHT, with no new invite', async () => {
    const dht = () => ({ dht: { bootstrap: testnet.bootstrap, host: '127.0.0.1' } });
    const alice = await openNode('Alice', dht());
    const bob = await openNode('Bob', { ...dht(), dialTimeoutMs: 4000 });
    await alice.node.dispatch({ cmd: 'host', port: 0, bind: '127.0.0.1' });
    const { invite } = await alice.next('listening');
    await onTheDht(alice);
    await bob.node.dispatch({ cmd: 'join', target: dhtOnly(invite) });
    const first = await alice.next('request');
    await alice.node.dispatch({ cmd: 'accept', peer: first.peer });
    const atBob = await bob.next('connected');
    await bob.node.dispatch({ cmd: 'disconnect', peer: atBob.peer });
    await alice.next('disconnected');
    // By name: the only way back is the DHT key remembered from the invite (its TCP address
    // leads nowhere), dialled with the key pair only a known peer of Alice can derive.
    const mark = alice.logs.length;
    await bob.node.dispatch({ cmd: 'join', target: 'Alice' });
    expect((await bob.next('connecting', (e) => e.target.includes('the DHT'))).target).toBe(
      'Alice (the DHT)',
    );
    // Alice sees her friend again, known (the first request, by invite, was not).
    const again = await alice.next('request', (e) => e.peer === first.peer && e.known, 30_000);
    await alice.node.dispatch({ cmd: 'accept', peer: again.peer });
    const back = await bob.next('connected', (e) => e !== atBob && e.peer === atBob.peer);
    expect(back.name).toBe('Alice');
    expect(alice.logs.slice(mark).some((line) => line.startsWith('joined through the DHT'))).toBe(
      true,
    );
    // Nobody else can use that way in: the firewall admitted a known peer's key, not an invite's.
    expect(alice.logs.slice(mark)).not.toContain(
      'refused a DHT connection: its key belongs to no open invite and no known peer',
    );
  }, 90_000);

  it("refuses at the DHT firewall a stranger holding a used invite's key, before any handshake", async () => {
    const dht = () => ({ dht: { bootstrap: testnet.bootstrap, host: '127.0.0.1' } });
    const alice = await openNode('Alice', dht());
    const bob = await openNode('Bob', { ...dht(), dialTimeoutMs: 4000 });
    const mallory = await openNode('Mallory', { ...dht(), dialTimeoutMs: 4000 });
    await alice.node.dispatch({ cmd: 'host', port: 0, bind: '127.0.0.1' });
    const { invite } = await alice.next('listening');
    await onTheDht(alice);
    await bob.node.dispatch({ cmd: 'join', target: dhtOnly(invite) });
    const request = await alice.next('request');
    await alice.node.dispatch({ cmd: 'accept', peer: request.peer });
    await bob.next('connected');
    // The invite is used: its DHT key is no longer admitted.
    await mallory.node.dispatch({ cmd: 'join', target: dhtOnly(invite) });
    const refused = await mallory.next('disconnected', undefined, 20_000);
    expect(refused.reason).toBe('unreachable');
    expect(refused.message).toMatch(/on the DHT/);
    expect(alice.logs).toContain(
      'refused a DHT connection: its key belongs to no open invite and no known peer',
    );
    // No handshake of ours ran for Mallory: nothing about an invite or a handshake was logged.
    expect(
      alice.logs.filter((line) => /^handshake from|^refused (?!a DHT connection)/.test(line)),
    ).toEqual([]);
    expect(alice.of('request')).toHaveLength(1);
  }, 60_000);
});
