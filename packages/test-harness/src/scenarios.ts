/**
 * The interop scenarios, each written once against {@link ClientDriver} and run by the matrix
 * for every (host client, joiner client) pair. Every step waits for an event; none sleeps.
 * @module
 */
import assert from 'node:assert/strict';
import { type CellContext, count, is } from './cell-context.js';
import type { ClientDriver, EventOf } from './drivers/driver.js';

/** One interop scenario. */
export interface Scenario {
  /** Short id used in the table and the JSON report. */
  id: string;
  /** What it proves, for people reading the report. */
  title: string;
  run(ctx: CellContext): Promise<void>;
}

/** Two connected clients and the peer id each uses for the other. */
export interface ConnectedPair {
  host: ClientDriver;
  joiner: ClientDriver;
  /** The joiner, as the host names it. */
  hostPeer: string;
  /** The host, as the joiner names it. */
  joinerPeer: string;
  listening: EventOf<'listening'>;
}

/** A text no other step sends, so a match is never a leftover. */
const unique = (label: string): string => `${label} ${Math.random().toString(36).slice(2, 8)}`;

/**
 * The host accepts the joiner's request (by name) and both sides report `connected`.
 * Returns the two connected events.
 */
export async function acceptJoiner(
  host: ClientDriver,
  joiner: ClientDriver,
  name: string,
  from = { host: 0, joiner: 0 },
): Promise<{
  request: EventOf<'request'>;
  atHost: EventOf<'connected'>;
  atJoiner: EventOf<'connected'>;
}> {
  const request = await host.waitFor<EventOf<'request'>>(is('request', { name }), {
    from: from.host,
    what: `request from ${name}`,
  });
  await host.send({ cmd: 'accept', peer: request.peer });
  const atHost = await host.waitFor<EventOf<'connected'>>(is('connected', { peer: request.peer }), {
    from: from.host,
    what: `connected to ${name}`,
  });
  const atJoiner = await joiner.waitFor<EventOf<'connected'>>(is('connected'), {
    from: from.joiner,
    what: 'connected to the host',
  });
  return { request, atHost, atJoiner };
}

/** Starts a host and a joiner and connects them (by invite or by address). */
export async function connectPair(
  ctx: CellContext,
  via: 'invite' | 'address',
  target?: (listening: EventOf<'listening'>) => string,
): Promise<ConnectedPair & { request: EventOf<'request'>; atJoiner: EventOf<'connected'> }> {
  const { host, listening } = await ctx.host();
  const joiner = ctx.joiner('Jo');
  const address = target?.(listening) ?? `127.0.0.1:${listening.port}`;
  await joiner.startJoin(via === 'invite' ? listening.invite : address);
  const { request, atJoiner } = await acceptJoiner(host, joiner, 'Jo');
  return {
    host,
    joiner,
    hostPeer: request.peer,
    joinerPeer: atJoiner.peer,
    listening,
    request,
    atJoiner,
  };
}

/** `from` sends `text` to `peer`; `to` shows it once; `from` gets the receipt. Returns the id. */
export async function chatOnce(
  from: ClientDriver,
  peer: string,
  to: ClientDriver,
  text: string,
): Promise<string> {
  const mark = from.events.length;
  await from.send({ cmd: 'send', peer, text });
  const sent = await from.waitFor<EventOf<'sent'>>(is('sent', { text }), {
    from: mark,
    what: `sent "${text}"`,
  });
  const shown = await to.waitFor<EventOf<'message'>>(is('message', { text }), {
    what: `message "${text}"`,
  });
  assert.equal(shown.id, sent.id, 'the receiver shows the id the sender assigned');
  await from.waitFor(is('delivered', { id: sent.id }), { what: `receipt for "${text}"` });
  return sent.id;
}

/** Sends `text` to `peer` and resolves with the id the sender gave it. */
async function sendAndGetId(from: ClientDriver, peer: string, text: string): Promise<string> {
  const mark = from.events.length;
  await from.send({ cmd: 'send', peer, text });
  return (await from.waitFor<EventOf<'sent'>>(is('sent', { text }), { from: mark })).id;
}

/**
 * A plain `accept` of a changed key is refused (it needs `confirmKeyChange`), then the user
 * rejects it.
 */
async function refuseKeyChange(driver: ClientDriver, peer: string, from: number): Promise<void> {
  await driver.send({ cmd: 'accept', peer });
  await driver.waitFor((e) => e.event === 'error' && /KEY/.test(e.code), {
    from,
    what: 'an error (ERR_…KEY…) for accepting a changed key unconfirmed',
  });
  assert.equal(count(driver, is('connected', { peer })), 0, 'a plain accept does not let it in');
  await driver.send({ cmd: 'reject', peer });
}

/** Asserts that no event of the forged/unwanted kind appeared. */
function assertNone(driver: ClientDriver, kind: 'connected' | 'message', why: string): void {
  assert.equal(count(driver, is(kind)), 0, `${driver.label}: ${why}`);
}

/** Data: every scenario of the matrix, in report order. */
export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'invite-join',
    title: 'a joiner with an invite connects; the host is verified by the invite',
    async run(ctx) {
      const { request, atJoiner } = await connectPair(ctx, 'invite');
      assert.equal(request.invited, true, 'the host sees the request came with its invite');
      assert.equal(atJoiner.verified, true, 'the invite verifies the host automatically');
      assert.equal(atJoiner.verification, 'invite');
    },
  },
  {
    id: 'address-join-code',
    title: 'a plain address join shows the same verification code on both sides',
    async run(ctx) {
      const { host, listening } = await ctx.host();
      const joiner = ctx.joiner('Jo');
      await joiner.startJoin(`127.0.0.1:${listening.port}`);
      const waiting = await joiner.waitFor<EventOf<'waiting'>>(is('waiting'), { what: 'waiting' });
      const { request, atHost, atJoiner } = await acceptJoiner(host, joiner, 'Jo');
      assert.equal(request.invited, false);
      assert.match(request.code, /\S/, 'the code is not empty');
      assert.equal(waiting.code, request.code, 'both sides show the same code before accepting');
      assert.equal(atHost.code, atJoiner.code, 'both sides show the same code once connected');
      assert.equal(atJoiner.verified, false, 'an address join is not verified until compared');
      await joiner.send({ cmd: 'verify', peer: atJoiner.peer });
      await joiner.waitFor(is('verified', { peer: atJoiner.peer, verification: 'code' }), {
        what: 'verified by code',
      });
    },
  },
  {
    id: 'chat-receipts',
    title: 'chat both ways, each message shown once with a receipt',
    async run(ctx) {
      const { host, joiner, hostPeer, joinerPeer } = await connectPair(ctx, 'address');
      const a = await chatOnce(host, hostPeer, joiner, unique('hello from the host'));
      const b = await chatOnce(
        joiner,
        joinerPeer,
        host,
        unique('hello from the joiner ✓ émoji 🙂'),
      );
      assert.equal(count(joiner, is('message', { id: a })), 1);
      assert.equal(count(host, is('message', { id: b })), 1);
    },
  },
  {
    id: 'typing',
    title: 'typing indicators reach the other side, both ways',
    async run(ctx) {
      const { host, joiner, hostPeer, joinerPeer } = await connectPair(ctx, 'address');
      await joiner.send({ cmd: 'typing', peer: joinerPeer, state: 'typing' });
      await host.waitFor(is('typing', { peer: hostPeer, state: 'typing' }), { what: 'typing' });
      await host.send({ cmd: 'typing', peer: hostPeer, state: 'paused' });
      await joiner.waitFor(is('typing', { peer: joinerPeer, state: 'paused' }), { what: 'paused' });
      await joiner.send({ cmd: 'typing', peer: joinerPeer, state: 'idle' });
      await host.waitFor(is('typing', { peer: hostPeer, state: 'idle' }), { what: 'idle' });
    },
  },
  {
    id: 'three-joiners',
    title: 'three joiners on one host, each conversation kept apart',
    async run(ctx) {
      const { host, listening } = await ctx.host();
      const names = ['Ada', 'Bo', 'Cy'];
      const pairs: Array<{ joiner: ClientDriver; hostPeer: string; joinerPeer: string }> = [];
      for (const [index, name] of names.entries()) {
        const joiner = ctx.joiner(name);
        await joiner.startJoin(index === 0 ? listening.invite : `127.0.0.1:${listening.port}`);
        const { request, atJoiner } = await acceptJoiner(host, joiner, name);
        pairs.push({ joiner, hostPeer: request.peer, joinerPeer: atJoiner.peer });
      }
      assert.equal(new Set(pairs.map((p) => p.hostPeer)).size, 3, 'three distinct peers');
      for (const [index, pair] of pairs.entries()) {
        await chatOnce(host, pair.hostPeer, pair.joiner, `to ${names[index]} only`);
        await chatOnce(pair.joiner, pair.joinerPeer, host, `from ${names[index]}`);
      }
      for (const [index, pair] of pairs.entries()) {
        const texts = pair.joiner.events
          .filter(is('message'))
          .map((e) => (e as EventOf<'message'>).text);
        assert.deepEqual(texts, [`to ${names[index]} only`], `${names[index]} sees only its own`);
        const fromHere = host.events.filter(is('message', { peer: pair.hostPeer }));
        assert.equal(fromHere.length, 1, `the host files ${names[index]}'s message under it`);
      }
    },
  },
  {
    id: 'reject',
    title: 'a rejected joiner is told so and never connects',
    async run(ctx) {
      const { host, listening } = await ctx.host();
      const joiner = ctx.joiner('Mallory');
      await joiner.startJoin(`127.0.0.1:${listening.port}`);
      const request = await host.waitFor<EventOf<'request'>>(is('request'), { what: 'request' });
      await host.send({ cmd: 'reject', peer: request.peer });
      await joiner.waitFor(is('disconnected', { reason: 'rejected' }), { what: 'rejected' });
      assertNone(joiner, 'connected', 'a rejected joiner never connects');
      assertNone(host, 'connected', 'the host never connects a rejected joiner');
    },
  },
  {
    id: 'goodbye',
    title: 'leaving says goodbye: the other side sees a clean end, not a failure',
    async run(ctx) {
      const { host, joiner, hostPeer, joinerPeer } = await connectPair(ctx, 'address');
      await joiner.send({ cmd: 'disconnect', peer: joinerPeer });
      const atHost = await host.waitFor<EventOf<'disconnected'>>(
        is('disconnected', { peer: hostPeer }),
        {
          what: 'disconnected at the host',
        },
      );
      assert.equal(atHost.reason, 'goodbye', `host reason: ${atHost.reason} (${atHost.message})`);
      assert.match(atHost.message, /\S/, 'a sentence for people');
    },
  },
  {
    id: 'reconnect-after-cut',
    title: 'after a cut, undelivered messages are listed and re-sent exactly once on reconnect',
    async run(ctx) {
      const { host, listening } = await ctx.host();
      const proxy = await ctx.proxy(listening.port);
      const joiner = ctx.joiner('Jo');
      await joiner.startJoin(proxy.address);
      const { request, atJoiner } = await acceptJoiner(host, joiner, 'Jo');
      await chatOnce(host, request.peer, joiner, 'before the cut');
      // 1. The joiner gets this one but its receipt is lost: the host must re-send it, and
      //    the joiner must not show it twice (dedupe by id).
      proxy.setMode({ kind: 'stall', direction: 'c2s' });
      const seen = unique('seen but unacknowledged');
      const seenId = await sendAndGetId(host, request.peer, seen);
      await joiner.waitFor(is('message', { text: seen }), { what: 'the unacknowledged message' });
      // 2. Nothing gets through either way: these are lost in flight.
      proxy.setMode({ kind: 'stall' });
      const texts = [unique('lost one'), unique('lost two')];
      const ids: string[] = [];
      for (const text of texts) ids.push(await sendAndGetId(host, request.peer, text));
      const fromJoiner = unique('lost from the joiner');
      const fromJoinerId = await sendAndGetId(joiner, atJoiner.peer, fromJoiner);
      const marks = { host: host.events.length, joiner: joiner.events.length };
      proxy.cutAll();
      proxy.setMode({ kind: 'pass' });
      await host.waitFor(is('disconnected', { peer: request.peer }), { from: marks.host });
      await joiner.waitFor(is('disconnected'), { from: marks.joiner, what: 'joiner disconnected' });
      const atHost = await host.waitFor<EventOf<'undelivered'>>(
        is('undelivered', { peer: request.peer }),
        {
          from: marks.host - 1,
          what: 'undelivered list at the host',
        },
      );
      for (const id of [seenId, ...ids]) assert.ok(atHost.ids.includes(id), `host lists ${id}`);
      const atJoinerList = await joiner.waitFor<EventOf<'undelivered'>>(is('undelivered'), {
        what: 'undelivered list at the joiner',
      });
      assert.ok(atJoinerList.ids.includes(fromJoinerId), 'the joiner lists its lost message');
      const rejoin = { host: host.events.length, joiner: joiner.events.length };
      await joiner.startJoin(proxy.address);
      // A known peer may be let in directly or asked about again: both are fine here.
      const next = await host.waitFor((e) => e.event === 'request' || e.event === 'connected', {
        from: rejoin.host,
        what: 'the joiner back',
      });
      if (next.event === 'request') await host.send({ cmd: 'accept', peer: next.peer });
      await joiner.waitFor(is('connected', { peer: atJoiner.peer }), { from: rejoin.joiner });
      for (const [index, id] of ids.entries()) {
        await joiner.waitFor(is('message', { text: texts[index] }), {
          what: `re-sent ${texts[index]}`,
        });
        await host.waitFor(is('delivered', { id }), { what: `receipt of ${id}` });
      }
      await host.waitFor(is('delivered', { id: seenId }), {
        what: 'receipt of the re-sent seen one',
      });
      await host.waitFor(is('message', { text: fromJoiner }), {
        what: "the joiner's lost message",
      });
      await joiner.waitFor(is('delivered', { id: fromJoinerId }), { what: 'its receipt' });
      await chatOnce(host, request.peer, joiner, 'after the reconnect');
      for (const text of [seen, ...texts]) {
        assert.equal(count(joiner, is('message', { text })), 1, `"${text}" shown exactly once`);
      }
      assert.equal(count(host, is('message', { text: fromJoiner })), 1, 'shown once at the host');
    },
  },
  {
    id: 'key-change-refused',
    title: 'a known name with a new key is flagged, and refusing it keeps it out',
    async run(ctx) {
      const { host, listening } = await ctx.host();
      const first = ctx.joiner('Jo');
      await first.startJoin(`127.0.0.1:${listening.port}`);
      const { request, atJoiner } = await acceptJoiner(host, first, 'Jo');
      const mark = host.events.length;
      await first.send({ cmd: 'disconnect', peer: atJoiner.peer });
      await host.waitFor(is('disconnected', { peer: request.peer }), { from: mark });
      await first.stop();
      const impostor = ctx.joiner('Jo');
      const from = host.events.length;
      await impostor.startJoin(`127.0.0.1:${listening.port}`);
      const changed = await host.waitFor<EventOf<'request'>>(is('request', { name: 'Jo' }), {
        from,
        what: 'request from the new key',
      });
      assert.equal(changed.keyChanged, true, 'the request says the key changed');
      assert.ok(count(host, is('key-changed')) >= 1, 'a key-changed warning was emitted');
      await refuseKeyChange(host, changed.peer, from);
      await impostor.waitFor(is('disconnected'), { what: 'refused' });
      assertNone(impostor, 'connected', 'the new key never connects');
      assert.equal(count(host, is('connected', { peer: changed.peer })), 0);
    },
  },
  {
    id: 'host-key-change-refused',
    title: "a known host's name with a new key is flagged to the joiner, who refuses it",
    async run(ctx) {
      const first = await ctx.host('Hana');
      const joiner = ctx.joiner('Jo');
      await joiner.startJoin(`127.0.0.1:${first.listening.port}`);
      const { atJoiner } = await acceptJoiner(first.host, joiner, 'Jo');
      const mark = joiner.events.length;
      await joiner.send({ cmd: 'disconnect', peer: atJoiner.peer });
      await joiner.waitFor(is('disconnected', { peer: atJoiner.peer }), { from: mark });
      await first.host.stop();
      // Someone else now answers as "Hana", with another key.
      const impostor = await ctx.host('Hana');
      const from = joiner.events.length;
      await joiner.startJoin(`127.0.0.1:${impostor.listening.port}`);
      const warned = await joiner.waitFor<EventOf<'key-changed'>>(
        is('key-changed', { name: 'Hana' }),
        {
          from,
          what: 'key-changed warning at the joiner',
        },
      );
      assert.notEqual(warned.old, warned.new, 'old and new fingerprints are shown');
      const request = await joiner.waitFor<EventOf<'request'>>(
        is('request', { keyChanged: true }),
        {
          from,
          what: 'a request to confirm the new key',
        },
      );
      await refuseKeyChange(joiner, request.peer, from);
      await joiner.waitFor(is('disconnected', { peer: request.peer }), { from, what: 'refused' });
      assert.equal(count(joiner, is('connected', { peer: request.peer })), 0, 'never connected');
      assert.equal(count(impostor.host, is('connected')), 0, 'the impostor never connected');
    },
  },
];
