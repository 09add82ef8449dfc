/**
 * Issue 12 item 4, the "Bоb" attack: Alice verified Bob and joined him by address; later a man
 * in the middle (here, whoever controls the route to that address) answers there with his own
 * key and a name with a Cyrillic "о". Real `cryptully --json` processes on loopback. Protects:
 * the re-join, by address and by `cryptully join bob`, stops before msg3 with the hard warning
 * (`key-changed`, then `disconnected {reason: "key-changed"}`), and the man in the middle never
 * sees a request (he never learns Alice's key). Before the fix Alice was shown a new peer
 * "Bоb" and Mallory got her request.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellContext, is } from '../src/cell-context.js';
import type { EventOf } from '../src/drivers/driver.js';
import { removeTempHomes } from '../src/drivers/factories.js';
import { killAllChildren } from '../src/drivers/ndjson-process-driver.js';
import { acceptJoiner } from '../src/scenarios.js';
import { ensureHarnessBuilt } from './support/build.js';

/** A TCP route whose far end the attacker can change: the address Alice dials. */
interface Route {
  port: number;
  target: number;
  close(): Promise<void>;
}

async function route(target: number): Promise<Route> {
  const sockets = new Set<Socket>();
  const state = { target };
  const server: Server = createServer((inbound) => {
    const outbound = connect(state.target, '127.0.0.1');
    sockets.add(inbound).add(outbound);
    inbound.pipe(outbound).pipe(inbound);
    const drop = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get target() {
      return state.target;
    },
    set target(value: number) {
      state.target = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  } as Route;
}

let ctx: CellContext;
let routeToBob: Route;

describe('a man in the middle on a re-join to a verified friend ("Bоb")', () => {
  beforeAll(() => {
    ensureHarnessBuilt();
    ctx = new CellContext('cli', 'cli');
  });

  afterAll(async () => {
    await routeToBob?.close();
    await ctx?.cleanup();
    killAllChildren();
    removeTempHomes();
  });

  it('is caught before msg3, by address and by name, and never becomes a new peer', async () => {
    const bob = ctx.client('cli', 'Bob');
    const bobPort = (await bob.startHost()).port;
    routeToBob = await route(bobPort);
    const address = `127.0.0.1:${routeToBob.port}`;
    const alice = ctx.client('cli', 'Alice');
    await alice.startJoin(address);
    const { request, atJoiner } = await acceptJoiner(bob, alice, 'Alice');
    // They compare the code and both mark it verified.
    await alice.send({ cmd: 'verify', peer: atJoiner.peer });
    await bob.send({ cmd: 'verify', peer: request.peer });
    await alice.waitFor(is('verified'), { what: 'verified' });
    await alice.stop();

    // Mallory answers at Bob's address, calling herself "Bоb" (Cyrillic о).
    const mallory = ctx.client('cli', 'B\u043eb');
    routeToBob.target = (await mallory.startHost()).port;
    const results: string[] = [];
    for (const target of [address, 'bob']) {
      const again = ctx.client('cli', 'Alice', { home: alice.home });
      const started = performance.now();
      await again.startJoin(target);
      const changed = await again.waitFor<EventOf<'key-changed'>>(is('key-changed'), {
        what: `key-changed joining ${target}`,
      });
      expect(changed).toMatchObject({ name: 'Bob', old: atJoiner.fingerprint });
      expect(changed.new).not.toBe(atJoiner.fingerprint);
      const ended = await again.waitFor<EventOf<'disconnected'>>(is('disconnected'), {
        what: 'disconnected',
      });
      expect(ended.reason).toBe('key-changed');
      expect(again.events.some((e) => e.event === 'waiting' || e.event === 'connected')).toBe(
        false,
      );
      results.push(`${target}: caught in ${Math.round(performance.now() - started)} ms`);
      await again.stop();
    }
    // Mallory never got msg3: no request, so she never learnt Alice's key.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mallory.events.filter((e) => e.event === 'request')).toEqual([]);
    console.log(
      `re-join MITM ("B\u043eb" at Bob's address): ${results.join('; ')}; ` +
        `requests Mallory saw: 0 (Alice's key never sent)`,
    );
  });
});
