// A relay in the middle of a join by code, over real sockets: Mallory answers the joiner's LAN
// query in the host's place, then runs her own CPace with each side (she knows the public
// number, not the words). Both runs fail: the host burns its code and says so, the joiner is
// told the code was refused, and nobody ever sees a request or a session.
import { createSocket } from 'node:dgram';
import { createConnection, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { answerOnLan } from '../../src/adapters/lan-discovery.js';
import { secureInitiate, secureRespond } from '../../src/adapters/secure-connection.js';
import { decodeHandshakeShare, encodeHandshakeStatus } from '../../src/channel/index.js';
import { randomBytes, x25519 } from '../../src/crypto/index.js';
import { joinCodeTopic, parseJoinCode } from '../../src/identity/join-code.js';
import { JOIN_CODE_WORDS } from '../../src/identity/join-code-words.js';
import { answerCodeExchange, startCodeExchange } from '../../src/pake/index.js';
import { until } from './fixtures.js';
import { cleanup, openNode } from './helpers.js';

const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await cleanup();
});

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

describe('join codes: a relay in the middle', () => {
  it('running its own CPace with each side fails on both, burns the code and is shown', async () => {
    const hostLan = await freeUdpPort();
    const relayLan = await freeUdpPort();
    const alice = await openNode('Alice', {
      joinCodes: { lanPort: hostLan, broadcast: ['127.255.255.255'] },
    });
    await alice.node.dispatch({ cmd: 'host', port: 0, bind: '127.0.0.1' });
    const listening = await alice.next('listening');
    const code = parseJoinCode(listening.code!);
    // Mallory's guess: the public number, words she has to make up.
    const guess = [code.number, JOIN_CODE_WORDS.find((w) => w !== code.words[0])!, 'acid'].join(
      '-',
    );

    const mallory = x25519.generateKeyPair();
    const outcomes: string[] = [];
    const relay = createServer((fromBob: Socket) => {
      // Towards Bob: Mallory plays the host, with her guess.
      void secureRespond(fromBob, {
        staticKeyPair: mallory,
        onPrelude(prelude) {
          const { share, psk } = answerCodeExchange(guess, prelude.code!);
          // With a host commitment of her own (any 32 bytes): the joiner insists on one.
          return { psk, payload: encodeHandshakeStatus('ok', randomBytes(32), share) };
        },
      }).then(
        () => outcomes.push('bob side opened'),
        (error: { code?: string }) => outcomes.push(`bob side: ${error.code}`),
      );
      // Towards Alice: Mallory plays the joiner, with the same guess.
      const exchange = startCodeExchange(guess);
      void secureInitiate(createConnection(listening.port, '127.0.0.1'), {
        staticKeyPair: mallory,
        code: { data: exchange.data, psk: (p) => exchange.psk(decodeHandshakeShare(p)) },
      }).then(
        (channel) => {
          outcomes.push('alice side opened');
          channel.on('close', () => outcomes.push('alice side closed'));
        },
        (error: { code?: string }) => outcomes.push(`alice side: ${error.code}`),
      );
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => relay.close(resolve)));
    const port = (relay.address() as { port: number }).port;
    // Bob's LAN query reaches Mallory only (another discovery port than Alice's).
    const answerer = await answerOnLan({
      port: relayLan,
      tcpPort: port,
      topic: () => joinCodeTopic(code.number),
    });
    closers.push(() => answerer.close());

    const bob = await openNode('Bob', {
      joinCodes: { lanPort: relayLan, broadcast: ['127.255.255.255'] },
    });
    await bob.node.dispatch({ cmd: 'join', target: listening.code! });

    // Bob: the code was refused (msg3 did not authenticate at Mallory's end).
    const failed = await bob.next('disconnected');
    expect(failed.reason).toBe('code-refused');
    expect(failed.message).toMatch(/someone in the middle/);
    expect(bob.of('connected')).toEqual([]);
    // Alice: Mallory's msg3 failed, the code is burnt and a new one shown.
    const burnt = await alice.next('code');
    expect(burnt.reason).toBe('burnt');
    expect(burnt.code).not.toBe(listening.code);
    expect(alice.of('request')).toEqual([]);
    await until(() => outcomes.length >= 2, 'both of the relay handshakes to end');
    expect(outcomes).toContain('bob side: ERR_HANDSHAKE_FAILED');
    // Mallory's side towards Alice completes only locally (msg3 sent), and Alice drops it.
    expect(outcomes.some((o) => o.startsWith('alice side'))).toBe(true);
  });
});
