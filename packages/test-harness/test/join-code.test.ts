/**
 * Join codes across clients (issue 17): the CLI (`cryptully --json`) and the desktop back end
 * join each other by the code the host shows, both ways; a wrong code fails the joiner, burns
 * the host's code and the host shows the new one; and a man in the middle who answers the
 * joiner's discovery query and runs his own CPace with each side (knowing the number, guessing
 * the words) fails on both sides, visibly: the host says its code was burnt, the joiner is
 * told the code was refused. Real processes over loopback TCP; discovery by UDP broadcast on
 * 127.255.255.255 on ports of this file's own (CRYPTULLY_LAN_PORT per process).
 */
import { createSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import { decodeHandshakeShare, encodeHandshakeStatus } from '@cryptully/core/channel';
import { randomBytes, x25519 } from '@cryptully/core/crypto';
import { joinCodeTopic, parseJoinCode } from '@cryptully/core/identity';
import { answerCodeExchange, startCodeExchange } from '@cryptully/core/pake';
import {
  answerOnLan,
  findOnLan,
  type LanAnswerer,
  secureInitiate,
  secureRespond,
} from '@cryptully/core/transport';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { is } from '../src/cell-context.js';
import type { ClientDriver, ClientKind, EventOf } from '../src/drivers/driver.js';
import { FACTORIES, removeTempHomes, tempHome } from '../src/drivers/factories.js';
import { killAllChildren } from '../src/drivers/ndjson-process-driver.js';
import { ensureHarnessBuilt } from './support/build.js';

const LOOPBACK_BROADCAST = '127.255.255.255';
const drivers: ClientDriver[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  await Promise.allSettled(drivers.splice(0).map((d) => d.stop()));
  for (const clean of cleanups.splice(0)) await clean();
});
afterAll(() => {
  killAllChildren();
  removeTempHomes();
});

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A client whose discovery uses `lanPort` (its environment is read when it starts). */
function client(kind: ClientKind, name: string, lanPort: number) {
  // Built by ensureHarnessBuilt(): a client that cannot run fails the test, never skips it.
  expect(FACTORIES[kind].availability()).toEqual({ state: 'available' });
  const driver = FACTORIES[kind].create({ name, home: tempHome(`code-${kind}`) });
  drivers.push(driver);
  const withPort = async <T>(start: () => Promise<T>): Promise<T> => {
    const before = process.env.CRYPTULLY_LAN_PORT;
    process.env.CRYPTULLY_LAN_PORT = String(lanPort);
    process.env.CRYPTULLY_LAN_BROADCAST = LOOPBACK_BROADCAST;
    try {
      return await start();
    } finally {
      if (before === undefined) delete process.env.CRYPTULLY_LAN_PORT;
      else process.env.CRYPTULLY_LAN_PORT = before;
    }
  };
  return {
    driver,
    host: () => withPort(() => driver.startHost()),
    join: (target: string) => withPort(() => driver.startJoin(target)),
  };
}

/** The same number with other words: a wrong guess. */
function wrongCode(code: string): string {
  const { number, words } = parseJoinCode(code);
  return [number, words[0] === 'acid' ? 'acorn' : 'acid', words[1]].join('-');
}

describe('join codes between the CLI and the desktop back end', () => {
  it.each([
    ['cli', 'desktop'],
    ['desktop', 'cli'],
  ] as const)(
    '%s hosts, %s joins by the code: both verified by code',
    async (hostKind, joinKind) => {
      ensureHarnessBuilt();
      const lanPort = await freeUdpPort();
      const alice = client(hostKind, 'Alice', lanPort);
      const bob = client(joinKind, 'Bob', lanPort);
      const listening = await alice.host();
      expect(listening.code).toMatch(/^\d{1,3}-[a-z]+-[a-z]+$/);
      await bob.join(listening.code!.replaceAll('-', ' '));
      const request = await alice.driver.waitFor<EventOf<'request'>>(is('request'), {
        what: 'request',
        timeoutMs: 30_000,
      });
      expect(request).toMatchObject({ name: 'Bob', invited: true });
      await alice.driver.send({ cmd: 'accept', peer: request.peer });
      const [hostSide, joinSide] = await Promise.all([
        alice.driver.waitFor<EventOf<'connected'>>(is('connected'), { what: 'connected' }),
        bob.driver.waitFor<EventOf<'connected'>>(is('connected'), { what: 'connected' }),
      ]);
      expect(hostSide).toMatchObject({ verifiedBy: 'code', verification: 'join-code' });
      expect(joinSide).toMatchObject({
        name: 'Alice',
        verifiedBy: 'code',
        verification: 'join-code',
      });
      // Used: the host shows the next code.
      const next = await alice.driver.waitFor<EventOf<'code'>>(is('code'), { what: 'code event' });
      expect(next.reason).toBe('used');
      expect(next.code).not.toBe(listening.code);
    },
  );

  it('a wrong code (desktop joiner) fails the joiner and burns the CLI host code, which it shows', async () => {
    ensureHarnessBuilt();
    const lanPort = await freeUdpPort();
    const alice = client('cli', 'Alice', lanPort);
    const mallory = client('desktop', 'Mallory', lanPort);
    const listening = await alice.host();
    await mallory.join(wrongCode(listening.code!));
    const burnt = await alice.driver.waitFor<EventOf<'code'>>(is('code'), {
      what: 'code event',
      timeoutMs: 30_000,
    });
    expect(burnt.reason).toBe('burnt');
    expect(burnt.message).toMatch(/^Someone tried a wrong code/);
    expect(burnt.code).not.toBe(listening.code);
    const refused = await mallory.driver.waitFor<EventOf<'disconnected'>>(is('disconnected'), {
      what: 'disconnected',
    });
    expect(refused.reason).toBe('code-refused');
    expect(alice.driver.events.some((e) => e.event === 'request')).toBe(false);
  });

  it('a man in the middle running his own CPace with each side fails on both, visibly', async () => {
    ensureHarnessBuilt();
    // The host answers discovery on its own port; the joiner's queries reach only Mallory
    // (he is on the path of the broadcast), who knows the number (the topic reveals it) and
    // guesses the words.
    const hostLanPort = await freeUdpPort();
    const victimLanPort = await freeUdpPort();
    const alice = client('desktop', 'Alice', hostLanPort);
    const bob = client('cli', 'Bob', victimLanPort);
    const listening = await alice.host();
    const { number } = parseJoinCode(listening.code!);
    const guess = wrongCode(listening.code!);
    const keyPair = x25519.generateKeyPair();
    const outcomes: Record<'asHost' | 'asJoiner', Promise<string>> = {} as never;
    let relayed!: () => void;
    const relayDone = new Promise<void>((resolve) => {
      relayed = resolve;
    });
    const server: Server = createServer((socket) => {
      socket.on('error', () => {});
      // Toward Bob, Mallory is a host with his guess.
      outcomes.asHost = secureRespond(socket, {
        staticKeyPair: keyPair,
        handshakeTimeoutMs: 10_000,
        onPrelude: (prelude) => {
          const { share, psk } = answerCodeExchange(guess, prelude.code!);
          // With a host commitment of her own (any 32 bytes): the joiner insists on one.
          return { psk, payload: encodeHandshakeStatus('ok', randomBytes(32), share) };
        },
      }).then(
        () => 'completed',
        (error: { code?: string }) => String(error.code),
      );
      // Toward Alice, a joiner with the same guess, at the address her discovery gives.
      outcomes.asJoiner = (async () => {
        const [found] = await findOnLan(joinCodeTopic(number), {
          port: hostLanPort,
          broadcast: [LOOPBACK_BROADCAST],
          timeoutMs: 5_000,
        });
        if (!found) return 'host not found';
        const upstream = connect(found.port, found.host);
        upstream.on('error', () => {});
        const exchange = startCodeExchange(guess);
        const channel = await secureInitiate(upstream, {
          staticKeyPair: keyPair,
          handshakeTimeoutMs: 10_000,
          code: {
            data: exchange.data,
            psk: (payload) => exchange.psk(decodeHandshakeShare(payload)),
          },
        });
        // His side of the handshake completes (as a joiner's always does); Alice's does not:
        // she closes without a word.
        return new Promise<string>((resolve) =>
          channel.on('close', (error) => resolve(error ? `closed: ${error.code}` : 'closed')),
        );
      })().catch((error: { code?: string }) => String(error.code));
      relayed();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as { port: number };
    const lan: LanAnswerer = await answerOnLan({
      port: victimLanPort,
      tcpPort: port,
      topic: () => joinCodeTopic(number),
    });
    cleanups.push(() => lan.close());

    await bob.join(listening.code!);
    await relayDone;
    // Bob's msg3 does not authenticate with Mallory's guess: Mallory learns only "wrong".
    expect(await outcomes.asHost).toBe('ERR_HANDSHAKE_FAILED');
    // Alice burns her code and says so; nobody reaches her as a request.
    const burnt = await alice.driver.waitFor<EventOf<'code'>>(is('code'), {
      what: 'code event',
      timeoutMs: 30_000,
    });
    expect(burnt).toMatchObject({ reason: 'burnt' });
    expect(await outcomes.asJoiner).toMatch(/^closed/);
    // Bob is told his code was refused (he then asks Alice for her new code).
    const refused = await bob.driver.waitFor<EventOf<'disconnected'>>(is('disconnected'), {
      what: 'disconnected',
      timeoutMs: 30_000,
    });
    expect(refused.reason).toBe('code-refused');
    expect(alice.driver.events.some((e) => e.event === 'request')).toBe(false);
    expect(bob.driver.events.some((e) => e.event === 'connected')).toBe(false);
  });
});
