/**
 * Hostile peers against a running host (`cryptully host --json`), with core-library friends.
 * Protects: that garbage, stalled handshakes, connection floods and authenticated-but-malicious
 * sessions never take the host down, never reach its user as chat, never starve an established
 * session, and are each closed with a log line; that a real friend still gets in; that memory
 * stays bounded. Each test checks its own connections' log lines and the host's memory growth
 * during that test, so any one of them can run alone (`-t`) and none reads state another left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellContext, count, is } from '../src/cell-context.js';
import type { ClientDriver, EventOf } from '../src/drivers/driver.js';
import { removeTempHomes } from '../src/drivers/factories.js';
import { killAllChildren } from '../src/drivers/ndjson-process-driver.js';
import {
  garbage,
  type HostileSession,
  hello,
  hostileSession,
  openRaw,
  preludeAndFirstMessage,
  type RawConnection,
} from '../src/hostile-client.js';
import { rssBytes } from '../src/rss.js';
import { acceptJoiner, chatOnce } from '../src/scenarios.js';
import { ensureHarnessBuilt } from './support/build.js';

/** The host under attack (the CLI) and the friends (the core library, the reference). */
const hostKind = 'cli';
const friendKind = 'core';
/** How much the host's resident memory may grow during one attack. */
const RSS_GROWTH_LIMIT = 96 * 2 ** 20;

/** The host's handshake (and hello) timeout: short where the client takes it from the env. */
const HANDSHAKE_TIMEOUT_MS = 3_000;
/** A hostile connection must be closed within this, whatever the client's own timeouts. */
const CLOSE_WITHIN_MS = 15_000;

/** How long the friend keeps retrying (beyond any client's handshake timeout), and how often. */
const FRIEND_GIVES_UP_MS = 40_000;
const FRIEND_RETRY_MS = 1_000;

/** A distinct loopback address per hostile connection group (all of 127/8 is local). */
const from = (group: number, index: number) =>
  `127.${group}.${Math.floor(index / 250)}.${(index % 250) + 2}`;

let ctx: CellContext;
let host: ClientDriver;
let port: number;
let established: { friend: ClientDriver; hostPeer: string; friendPeer: string };
/** Every hostile connection, to destroy whatever is left at the end. */
const hostile: RawConnection[] = [];

/** The host's resident memory now (Linux /proc; fails the test where it cannot be read). */
function hostRss(): number {
  expect(host.pid, 'the host process id').toBeDefined();
  return rssBytes(host.pid!);
}

/**
 * Runs one attack: remembers the host's memory, runs it, then checks that the host is alive,
 * logged a line for each of the attack's connections (by local address) and grew by less than
 * `RSS_GROWTH_LIMIT`.
 */
async function attack(label: string, run: () => Promise<RawConnection[]>): Promise<void> {
  const before = hostRss();
  const connections = await run();
  hostile.push(...connections);
  expect(host.alive()).toBe(true);
  // A log line is written as the host closes a connection, so it may trail the close a little.
  const unloggedNow = () => {
    const logs = host.logs.join('\n');
    return connections.filter((c) => !logs.includes(c.local)).map((c) => c.local);
  };
  const deadline = performance.now() + 5_000;
  let unlogged = unloggedNow();
  while (unlogged.length > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    unlogged = unloggedNow();
  }
  expect(unlogged, `${label}: hostile connections without a host log line`).toEqual([]);
  const after = hostRss();
  console.log(
    `${label}: ${connections.length} connections, each logged; host RSS ` +
      `${(before / 2 ** 20).toFixed(1)} -> ${(after / 2 ** 20).toFixed(1)} MiB`,
  );
  expect(after - before).toBeLessThan(RSS_GROWTH_LIMIT);
}

/** Asserts the established session still works both ways. */
async function establishedStillWorks(label: string): Promise<void> {
  const { friend, hostPeer, friendPeer } = established;
  await chatOnce(host, hostPeer, friend, `host still here (${label})`);
  await chatOnce(friend, friendPeer, host, `friend still here (${label})`);
}

/** Waits until every connection is closed; returns the slowest close time. */
async function allClosed(connections: RawConnection[]): Promise<number> {
  const times = await Promise.all(
    connections.map((c) =>
      Promise.race([
        c.closed,
        new Promise<number>((_, reject) =>
          setTimeout(() => reject(new Error(`host left ${c.local} open`)), CLOSE_WITHIN_MS),
        ),
      ]),
    ),
  );
  return Math.max(0, ...times);
}

describe(`hostile peers against a ${hostKind} host`, () => {
  beforeAll(async () => {
    ensureHarnessBuilt();
    ctx = new CellContext(hostKind, friendKind);
    host = ctx.client(hostKind, 'Hana', { handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS });
    port = (await host.startHost()).port;
    const friend = ctx.joiner('Fern');
    await friend.startJoin(`127.0.0.1:${port}`);
    const { request, atJoiner } = await acceptJoiner(host, friend, 'Fern');
    established = { friend, hostPeer: request.peer, friendPeer: atJoiner.peer };
    await establishedStillWorks('before');
  });

  afterAll(async () => {
    for (const c of hostile) c.socket.destroy();
    await ctx?.cleanup();
    killAllChildren();
    removeTempHomes();
  });

  it('closes connections that send random bytes or a 65535-byte length then nothing', async () => {
    await attack('garbage', async () => {
      const batch: RawConnection[] = [];
      for (let i = 0; i < 20; i++) {
        const c = await openRaw({ host: '127.0.0.1', port, localAddress: from(1, i) });
        c.socket.write(garbage(1 + ((i * 97) % 2000)));
        batch.push(c);
      }
      for (let i = 0; i < 5; i++) {
        const c = await openRaw({ host: '127.0.0.1', port, localAddress: from(2, i) });
        c.socket.write(Buffer.from([0xff, 0xff]));
        batch.push(c);
      }
      const slowest = await allClosed(batch);
      console.log(
        `garbage: ${batch.length} connections closed, slowest after ${slowest.toFixed(0)} ms`,
      );
      return batch;
    });
    await establishedStillWorks('after garbage');
  });

  it('survives a slowloris and silent sessions, and a real friend still gets in', async () => {
    await attack('slowloris and silent sessions', async () => {
      // Valid handshakes that never send hello (they hold a session slot until the hello timeout).
      const silent: HostileSession[] = [];
      for (let i = 0; i < 6; i++) {
        silent.push(await hostileSession({ host: '127.0.0.1', port, localAddress: from(3, i) }));
      }
      // Slowloris: a valid prelude and first handshake message, then silence, from many addresses.
      const loris: RawConnection[] = [];
      for (let i = 0; i < 48; i++) {
        const c = await openRaw({ host: '127.0.0.1', port, localAddress: from(4, i) });
        c.socket.write(preludeAndFirstMessage());
        loris.push(c);
      }
      // The attacker keeps opening fresh half-handshakes while the friend joins, so a host that
      // only evicts the oldest pending handshake is still under pressure.
      let attacking = true;
      const pressure = (async () => {
        for (let i = 0; attacking && i < 2_000; i++) {
          const c = await openRaw({ host: '127.0.0.1', port, localAddress: from(7, i) }).catch(
            () => undefined,
          );
          if (!c) continue;
          c.socket.write(preludeAndFirstMessage());
          loris.push(c);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      // A real friend, from its own address, joins the way a person would: retrying if refused.
      const started = performance.now();
      const friend = ctx.joiner('Gus');
      let attempts = 0;
      try {
        for (;;) {
          attempts += 1;
          const mark = { host: host.events.length, friend: friend.events.length };
          await friend.startJoin(`127.0.0.1:${port}`);
          const outcome = await Promise.race([
            host
              .waitFor<EventOf<'request'>>(is('request', { name: 'Gus' }), {
                from: mark.host,
                timeoutMs: 20_000,
              })
              .then((request) => ({ request })),
            friend
              .waitFor((e) => e.event === 'disconnected' || e.event === 'error', {
                from: mark.friend,
                timeoutMs: 20_000,
              })
              .then((failure) => ({ failure })),
          ]);
          if ('request' in outcome) {
            await host.send({ cmd: 'accept', peer: outcome.request.peer });
            await friend.waitFor(is('connected'), { from: mark.friend });
            break;
          }
          if (performance.now() - started > FRIEND_GIVES_UP_MS) {
            throw new Error(`the friend could not get in: ${JSON.stringify(outcome.failure)}`);
          }
          // A person retries after a moment; this is a retry interval, not an assertion.
          await new Promise((resolve) => setTimeout(resolve, FRIEND_RETRY_MS));
        }
      } finally {
        attacking = false;
      }
      const joinMs = performance.now() - started;
      await pressure;
      console.log(
        `slowloris (${loris.length}, still arriving while the friend joined) + silent sessions (6): ` +
          `a real friend connected after ${joinMs.toFixed(0)} ms, ${attempts} attempt(s)`,
      );
      await establishedStillWorks('during slowloris');
      const slowest = await allClosed([...loris, ...silent.map((s) => s.connection)]);
      console.log(
        `slowloris and silent sessions all closed, slowest after ${slowest.toFixed(0)} ms`,
      );
      return [...loris, ...silent.map((s) => s.connection)];
    });
  });

  it('absorbs 2,000 connect-and-close connections', async () => {
    await attack('connect-and-close', async () => {
      const total = 2_000;
      const batchSize = 50;
      const closedTimes: RawConnection[] = [];
      for (let start = 0; start < total; start += batchSize) {
        const batch = await Promise.all(
          Array.from({ length: batchSize }, (_, i) =>
            openRaw({ host: '127.0.0.1', port, localAddress: from(5, (start + i) % 500) }).catch(
              () => undefined,
            ),
          ),
        );
        for (const c of batch) {
          if (!c) continue;
          c.socket.destroy();
          closedTimes.push(c);
        }
        await Promise.all(closedTimes.slice(-batchSize).map((c) => c.closed));
      }
      console.log(
        `connect-and-close: ${closedTimes.length} of ${total} connections opened and closed`,
      );
      expect(closedTimes.length).toBeGreaterThan(total * 0.9);
      return closedTimes;
    });
    await establishedStillWorks('after the flood');
  });

  it('ends authenticated sessions that send bad inner messages, showing nothing forged', async () => {
    await attack('malicious sessions', async () => {
      const connections: RawConnection[] = [];
      const attacks: Array<{
        name: string;
        payload: () => Array<Uint8Array | string | object>;
        closes: boolean;
      }> = [
        { name: 'Oversize', payload: () => [Buffer.alloc(200 * 1024, 0x61)], closes: true },
        { name: 'NotJson', payload: () => ['this is not json {'], closes: true },
        { name: 'BadUtf', payload: () => [Buffer.from([0x7b, 0xff, 0xfe, 0x7d])], closes: true },
        {
          name: 'Malformed',
          payload: () => [{ t: 'chat', id: '!!', at: -1, text: 5 }],
          closes: true,
        },
        {
          name: 'Escape',
          payload: () => [{ t: 'chat', id: 'esc1', at: 1, text: 'forged\u001b[2J' }],
          closes: true,
        },
        { name: 'Unknown', payload: () => [{ t: 'zap', data: 1 }], closes: true },
        {
          name: 'Typist',
          payload: () =>
            Array.from({ length: 5_000 }, (_, i) => ({
              t: 'typing',
              state: i % 2 ? 'typing' : 'paused',
              o: true,
            })),
          closes: false,
        },
      ];
      for (const [index, attack] of attacks.entries()) {
        const eve = await hostileSession({ host: '127.0.0.1', port, localAddress: from(6, index) });
        connections.push(eve.connection);
        const mark = host.events.length;
        eve.sendInner(hello(attack.name));
        const request = await host.waitFor<EventOf<'request'>>(
          is('request', { name: attack.name }),
          {
            from: mark,
          },
        );
        await host.send({ cmd: 'accept', peer: request.peer });
        await host.waitFor(is('connected', { peer: request.peer }), { from: mark });
        for (const message of attack.payload()) eve.sendInner(message);
        if (attack.closes) {
          const ended = await host.waitFor<EventOf<'disconnected'>>(
            is('disconnected', { peer: request.peer }),
            {
              from: mark,
              what: `the host ending ${attack.name}`,
            },
          );
          console.log(`${attack.name}: host ended the session: ${ended.reason} (${ended.message})`);
          expect(ended.reason).not.toBe('goodbye');
          await allClosed([eve.connection]);
        } else {
          // The flood must be bounded at the host's user; afterwards the host either still
          // carries a chat from this peer (throttled, not dropped) or has ended the session.
          eve.sendInner({ t: 'chat', id: 'after1', at: Date.now(), text: 'after the flood' });
          const outcome = await host.waitFor(
            (e) =>
              (e.event === 'message' && e.peer === request.peer && e.text === 'after the flood') ||
              (e.event === 'disconnected' && e.peer === request.peer),
            { from: mark, what: 'the chat after the flood, or the session ended' },
          );
          const shown = count(host, (e) => e.event === 'typing' && e.peer === request.peer);
          console.log(
            `${attack.name}: 5,000 typing messages, ${shown} typing events reached the host's user; ` +
              `then ${outcome.event === 'message' ? 'a chat still arrived' : `the session ended (${JSON.stringify(outcome)})`}`,
          );
          expect(shown).toBeLessThan(200);
          eve.connection.socket.destroy();
        }
        expect(
          count(
            host,
            (e) => e.event === 'message' && e.peer === request.peer && e.text.startsWith('forged'),
          ),
        ).toBe(0);
      }
      return connections;
    });
    await establishedStillWorks('after malicious sessions');
  });
});
