/**
 * Issue 12's attacks on the host's trust promises, against a real running host (`cryptully
 * host --json`, or the core library's host while the CLI is absent), each printing its figure:
 *
 * 1. a man in the middle learning host-side verification codes from many addresses (codes
 *    learnt per minute, per source and in total; the expected time to a six-digit match), while
 *    an invite holder and a known peer still get in;
 * 2. idle connections from 8 addresses at a few hundred a second while a friend with a 150 ms
 *    round trip joins (tries that got in; the friend never put in cooldown);
 * 3. a flood of requests from unknown keys kept alive by pings while a known friend joins (time
 *    for the known friend to get in);
 * 5. a leaked invite redeemed by someone else: on the host it is "joined with your invite", not
 *    verified, with the code to compare; the host lists and revokes its open invites.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CellContext, is } from '../src/cell-context.js';
import type { ClientDriver, EventOf } from '../src/drivers/driver.js';
import { removeTempHomes } from '../src/drivers/factories.js';
import { killAllChildren } from '../src/drivers/ndjson-process-driver.js';
import { hello, hostileSession } from '../src/hostile-client.js';
import { acceptJoiner } from '../src/scenarios.js';
import { huntCodes } from '../src/trust-attacker.js';
import { ensureHarnessBuilt } from './support/build.js';

/** The host under attack (the CLI) and the friends (the core library, the reference). */
const hostKind = 'cli';
const friendKind = 'core';

/** Tries a six-digit code needs on average before one matches (geometric, p = 10^-6). */
const EXPECTED_TRIES = 1_000_000;

let ctx: CellContext | undefined;

afterEach(async () => {
  await ctx?.cleanup();
  ctx = undefined;
  killAllChildren();
  removeTempHomes();
});

/** A friend who was accepted once (so is a known peer of the host), then left. */
async function knownFriend(host: ClientDriver, port: number, name: string): Promise<string> {
  const friend = ctx!.client(friendKind, name);
  await friend.startJoin(`127.0.0.1:${port}`);
  await acceptJoiner(host, friend, name);
  await friend.stop();
  return friend.home;
}

/** Starts a friend from `home` and times how long until the host shows its request. */
async function timeToRequest(
  host: ClientDriver,
  home: string,
  name: string,
  target: string,
): Promise<{ ms: number; request: EventOf<'request'> }> {
  const from = host.events.length;
  const friend = ctx!.client(friendKind, name, { home });
  const started = performance.now();
  await friend.startJoin(target);
  const request = await host.waitFor<EventOf<'request'>>(is('request', { name }), {
    from,
    timeoutMs: 30_000,
    what: `request from ${name}`,
  });
  return { ms: Math.round(performance.now() - started), request };
}

describe(`trust attacks against a ${hostKind} host`, () => {
  it('1. a code hunter with many addresses learns at most the stranger budget, the user is warned once, friends get in', async () => {
    ensureHarnessBuilt();
    ctx = new CellContext(hostKind, friendKind);
    const host = ctx.client(hostKind, 'Hana', { handshakeTimeoutMs: 3_000 });
    const listening = await host.startHost();
    const port = listening.port;
    const fernHome = await knownFriend(host, port, 'Fern');

    const sources = Array.from({ length: 16 }, (_, i) => `127.12.0.${i + 2}`);
    const DURATION_MS = 20_000;
    const hunting = huntCodes({ host: '127.0.0.1', port }, sources, DURATION_MS, 2);
    // Meanwhile: an invite holder and a known peer join.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const ivyHome = ctx.client(friendKind, 'Ivy').home;
    const ivy = await timeToRequest(host, ivyHome, 'Ivy', listening.invite);
    const fern = await timeToRequest(host, fernHome, 'Fern', `127.0.0.1:${port}`);
    const result = await hunting;

    const minutes = result.elapsedMs / 60_000;
    const perMinute = result.learnt / minutes;
    const bestSource = Math.max(0, ...result.perSource.values());
    // Over 20 s the first window's burst dominates; in the long run the host's budget (30 a
    // minute) bounds the rate, whatever the number of addresses.
    const days = (rate: number) => (EXPECTED_TRIES / Math.max(rate, 1e-9) / 1440).toFixed(2);
    console.log(
      `CODE HUNT: ${result.tries} tries from ${sources.length} addresses in ${(result.elapsedMs / 1000).toFixed(1)} s: ` +
        `${result.learnt} host codes learnt (${perMinute.toFixed(0)}/min in total, at most ${(bestSource / minutes).toFixed(1)}/min from one source); ` +
        `refused: ${JSON.stringify(Object.fromEntries(result.refusals))}; ` +
        `expected time to a matching code: ${days(perMinute)} days at the measured rate, ${days(30)} days at the sustained budget; ` +
        `invite holder's request after ${ivy.ms} ms, known peer's after ${fern.ms} ms`,
    );
    // Every code learnt was a request the host's user saw, and there were few.
    expect(result.learnt).toBeLessThanOrEqual(30);
    expect(EXPECTED_TRIES / 30 / 60 / 24).toBeGreaterThanOrEqual(7); // the budget's week
    expect(host.events.filter((e) => e.event === 'warning')).toHaveLength(1);
    expect(ivy.request.invited).toBe(true);
    expect(fern.request.known).toBe(true);
    expect(ivy.ms).toBeLessThan(10_000);
    expect(fern.ms).toBeLessThan(10_000);
  }, 120_000);

  it('2. idle connections from 8 addresses do not keep a 150 ms friend out, nor put it in cooldown', async () => {
    ensureHarnessBuilt();
    ctx = new CellContext(hostKind, friendKind);
    const host = ctx.client(hostKind, 'Hana');
    const { port } = await host.startHost();
    const proxy = await ctx.proxy(port);
    proxy.setMode({ kind: 'delay', ms: 75 });
    const sockets = new Set<Socket>();
    let opened = 0;
    const flood = setInterval(() => {
      for (let i = 0; i < 10; i++) {
        const socket = connect({
          host: '127.0.0.1',
          port,
          localAddress: `127.13.0.${(opened % 8) + 2}`,
        });
        opened += 1;
        socket.on('error', () => {});
        socket.once('close', () => sockets.delete(socket));
        sockets.add(socket);
      }
    }, 20);
    const tries: string[] = [];
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      for (let attempt = 1; attempt <= 3; attempt++) {
        const friend = ctx.client(friendKind, 'Fran');
        const from = host.events.length;
        await friend.startJoin(proxy.address);
        const outcome = await Promise.race([
          host
            .waitFor(is('request', { name: 'Fran' }), { from, timeoutMs: 15_000 })
            .then(() => 'in'),
          friend
            .waitFor((e) => e.event === 'disconnected' || e.event === 'error', {
              timeoutMs: 15_000,
            })
            .then(
              (e) =>
                `out: ${(e as { reason?: string; code?: string }).reason ?? (e as { code?: string }).code}`,
            ),
        ]).catch(() => 'out: timeout');
        tries.push(outcome);
        await friend.stop();
        if (outcome === 'in') break;
      }
    } finally {
      clearInterval(flood);
      for (const s of sockets) s.destroy();
    }
    const seconds = 1 + tries.length;
    console.log(
      `IDLE FLOOD: ${opened} idle connections from 8 addresses (~${Math.round(opened / seconds)}/s); friend with a 150 ms round trip: ${JSON.stringify(tries)}`,
    );
    expect(tries.slice(0, 2)).toContain('in');
    expect(host.logs.some((l) => /refusing connections from 127\.0\.0\.1 /.test(l))).toBe(false);
  }, 120_000);

  it('3. a request flood from unknown keys fills no more than its share; a known friend gets in at once', async () => {
    ensureHarnessBuilt();
    ctx = new CellContext(hostKind, friendKind);
    const host = ctx.client(hostKind, 'Hana');
    const { port } = await host.startHost();
    const fernHome = await knownFriend(host, port, 'Fern');
    const before = host.events.length;
    const flood = [];
    for (let i = 0; i < 70; i++) {
      try {
        const s = await hostileSession(
          { host: '127.0.0.1', port, localAddress: `127.14.${i}.2` },
          3_000,
        );
        s.sendInner(hello(`Spam ${i}`));
        flood.push(s);
      } catch {
        // refused (busy): that is the point
      }
    }
    const ping = setInterval(() => {
      for (const s of flood) s.sendInner({ t: 'ping' });
    }, 1_000);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const shown = host.events.slice(before).filter((e) => e.event === 'request').length;
      const fern = await timeToRequest(host, fernHome, 'Fern', `127.0.0.1:${port}`).catch(
        () => undefined,
      );
      console.log(
        `REQUEST FLOOD: 70 sessions from unknown keys sent hello, ${shown} shown as requests; known friend's request ${fern ? `after ${fern.ms} ms` : 'never came within 30 s'}`,
      );
      expect(shown).toBeLessThanOrEqual(16);
      expect(fern?.request.known).toBe(true);
      expect(fern!.ms).toBeLessThan(10_000);
    } finally {
      clearInterval(ping);
      for (const s of flood) s.connection.socket.destroy();
    }
  }, 120_000);

  it('5. a leaked invite gets Mallory in as "joined with your invite", never verified; open invites are listed and revoked', async () => {
    ensureHarnessBuilt();
    ctx = new CellContext(hostKind, friendKind);
    const host = ctx.client(hostKind, 'Hana');
    const listening = await host.startHost();
    // Mallory found the invite in a screenshot and uses it before the friend does.
    const mallory = ctx.client(friendKind, 'Alice');
    await mallory.startJoin(listening.invite);
    const { request, atHost, atJoiner } = await acceptJoiner(host, mallory, 'Alice');
    const verifiedOnHost = atHost.verified;
    expect(request.invited).toBe(true);
    expect(request.code).toMatch(/^\d{3} \d{3}$/);
    expect(atJoiner.code).toBe(request.code);
    expect(atHost).toMatchObject({ verified: false, verification: 'unverified' });
    expect(atHost.verifiedBy).toBeUndefined();

    // Two more invites; the host lists them (ids, never the secrets) and revokes one.
    await host.send({ cmd: 'invite' });
    const second = await host.waitFor<EventOf<'invite'>>(is('invite'), { what: 'invite' });
    await host.send({ cmd: 'invite' });
    await host.waitFor<EventOf<'invite'>>((e) => e.event === 'invite' && e !== second, {
      what: 'a second invite',
    });
    await host.send({ cmd: 'invites' });
    const listed = await host.waitFor<EventOf<'invites'>>(is('invites'), { what: 'invites' });
    expect(listed.invites).toHaveLength(2);
    const oldest = [...listed.invites].sort((a, b) => a.createdAt - b.createdAt)[0]!;
    expect(second.invite).not.toContain(oldest.id);
    const from = host.events.length;
    await host.send({ cmd: 'revoke', invite: oldest.id.slice(0, 8) });
    const after = await host.waitFor<EventOf<'invites'>>(is('invites'), {
      from,
      what: 'invites after revoke',
    });
    expect(after.invites.map((i) => i.id)).not.toContain(oldest.id);
    // Whoever holds the revoked invite is refused.
    const late = ctx.client(friendKind, 'Lee');
    await late.startJoin(second.invite);
    const refused = await late.waitFor<EventOf<'disconnected'>>(is('disconnected'), {
      what: 'refused',
    });
    console.log(
      `LEAKED INVITE: Mallory joined as "Alice" with the invite: host request invited=${request.invited}, host-side verified=${verifiedOnHost} (before: verified by invite), code offered ${request.code}; ` +
        `open invites listed ${listed.invites.length}, one revoked by 8 digits of its id, its holder refused: ${refused.reason}`,
    );
    expect(refused.reason).toBe('invite-unknown');
  }, 120_000);
});
