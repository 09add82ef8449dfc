// Drives two pure sessions against each other, message by message, with time as a number.
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  InvalidTextError,
  SeenIds,
  Session,
  type SessionEvent,
  type SessionOptions,
  type SessionStep,
} from '../../src/session/index.js';

const utf8 = new TextEncoder();
/** The host nonce a host reveals in its hello (any 64 hex digits to the session). */
const NONCE = 'ab'.repeat(32);

function counterIds(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}${++n}`;
}

/** Two sessions wired back to back; `flush` delivers queued messages until both are quiet. */
function pair(
  overrides: { host?: Partial<SessionOptions>; joiner?: Partial<SessionOptions> } = {},
) {
  const common = { now: 0, keepAliveMs: 1000, idleTimeoutMs: 3000 };
  const host = new Session({
    role: 'host',
    hello: { name: 'Hana', client: 'test', version: '1' },
    newId: counterIds('h'),
    ...common,
    ...overrides.host,
  });
  const joiner = new Session({
    role: 'joiner',
    hello: { name: 'Jo', client: 'test', version: '1' },
    newId: counterIds('j'),
    ...common,
    ...overrides.joiner,
  });
  const events = { host: [] as SessionEvent[], joiner: [] as SessionEvent[] };
  const wires = { toHost: [] as Uint8Array[], toJoiner: [] as Uint8Array[] };
  const fromHost = (step: SessionStep) => {
    wires.toJoiner.push(...step.out);
    events.host.push(...step.events);
  };
  const fromJoiner = (step: SessionStep) => {
    wires.toHost.push(...step.out);
    events.joiner.push(...step.events);
  };
  const flush = (now = 0) => {
    while (wires.toHost.length + wires.toJoiner.length > 0) {
      const a = wires.toHost.shift();
      if (a) fromHost(host.receive(a, now));
      const b = wires.toJoiner.shift();
      if (b) fromJoiner(joiner.receive(b, now));
    }
  };
  return { host, joiner, events, wires, fromHost, fromJoiner, flush };
}

function connected(overrides?: Parameters<typeof pair>[0], keepEvents = false) {
  const p = pair(overrides);
  p.fromHost(p.host.start(0));
  p.fromJoiner(p.joiner.start(0));
  p.flush();
  p.fromHost(p.host.introduce(0, NONCE));
  p.flush();
  p.fromHost(p.host.accept(0));
  p.flush();
  if (!keepEvents) {
    p.events.host.length = 0;
    p.events.joiner.length = 0;
  }
  return p;
}

const types = (events: SessionEvent[]) => events.map((e) => e.type);

describe('session', () => {
  it('exchanges hellos, lets the host decide, then goes active on both sides', () => {
    const p = pair();
    p.fromHost(p.host.start(0));
    p.fromJoiner(p.joiner.start(0));
    p.flush();
    expect(p.host.state).toBe('deciding');
    // The host says nothing about itself until the request is shown (it introduces itself).
    expect(p.joiner.state).toBe('hello');
    expect(p.host.peerHello?.name).toBe('Jo');
    expect(() => p.host.accept(0)).toThrow(/before introducing/);
    p.fromHost(p.host.introduce(0, NONCE));
    p.flush();
    expect(p.joiner.state).toBe('awaiting-accept');
    expect(p.joiner.peerHello).toMatchObject({ name: 'Hana', client: 'test', v: 1, nonce: NONCE });
    p.fromHost(p.host.accept(0));
    p.flush();
    expect([p.host.state, p.joiner.state]).toEqual(['active', 'active']);
    expect(types(p.events.joiner)).toEqual(['hello', 'active']);
  });

  it('expires a request the host never decided, telling the joiner', () => {
    const p = pair({ host: { decisionTimeoutMs: 60_000, idleTimeoutMs: 600_000 } });
    p.fromHost(p.host.start(0));
    p.fromJoiner(p.joiner.start(0));
    p.flush();
    p.fromHost(p.host.introduce(10, NONCE));
    p.flush();
    expect(p.host.nextDeadline()).toBeLessThanOrEqual(60_010);
    p.fromHost(p.host.tick(60_010));
    p.flush(60_010);
    expect(p.host.state).toBe('closed');
    expect(p.events.host.at(-1)).toMatchObject({ type: 'closed', reason: 'expired' });
    expect(p.events.joiner.at(-1)).toMatchObject({ type: 'closed', reason: 'rejected' });
  });

  it('chats both ways with receipts', () => {
    const p = connected();
    const sent = p.joiner.send('hi host', 5);
    expect(sent.queued).toBe(false);
    p.fromJoiner(sent.step);
    p.fromHost(p.host.send('hi jo', 6).step);
    p.flush();
    expect(p.events.host).toHaveLength(2);
    expect(p.events.host).toContainEqual({ type: 'message', id: 'j1', text: 'hi host', at: 5 });
    expect(p.events.host).toContainEqual({ type: 'delivered', id: 'h1' });
    expect(p.events.joiner).toHaveLength(2);
    expect(p.events.joiner).toContainEqual({ type: 'delivered', id: 'j1' });
    expect(p.events.joiner).toContainEqual({ type: 'message', id: 'h1', text: 'hi jo', at: 6 });
    expect(p.joiner.pending).toEqual([]);
  });

  it('queues messages sent before acceptance and sends them in order once accepted', () => {
    const p = pair();
    p.fromHost(p.host.start(0));
    p.fromJoiner(p.joiner.start(0));
    p.flush();
    expect(p.joiner.send('one', 1).queued).toBe(true);
    p.joiner.send('two', 2);
    p.fromHost(p.host.introduce(3, NONCE));
    p.flush();
    p.fromHost(p.host.accept(3));
    p.flush();
    const texts = p.events.host.filter((e) => e.type === 'message').map((e) => e.text);
    expect(texts).toEqual(['one', 'two']);
  });

  it('tells a rejected joiner plainly and closes both sides', () => {
    const p = pair();
    p.fromHost(p.host.start(0));
    p.fromJoiner(p.joiner.start(0));
    p.flush();
    p.joiner.send('let me in', 1);
    p.fromHost(p.host.reject(2, 'Not today.'));
    p.flush();
    expect(p.joiner.state).toBe('closed');
    expect(p.events.joiner.at(-1)).toEqual({
      type: 'closed',
      reason: 'rejected',
      message: 'Not today.',
      byPeer: true,
      undelivered: [{ id: 'j1', text: 'let me in', at: 1 }],
    });
  });

  it("shows the peer's sentence without bidi overrides, cut between characters", () => {
    const p = pair();
    p.fromHost(p.host.start(0));
    p.fromJoiner(p.joiner.start(0));
    p.flush();
    p.fromHost(p.host.reject(1, `\u202e${'a'.repeat(199)}🙂🙂`));
    p.flush();
    const closed = p.events.joiner.at(-1) as Extract<SessionEvent, { type: 'closed' }>;
    expect(closed.message).toBe(`${'a'.repeat(199)}🙂…`);
    const q = pair();
    q.fromHost(q.host.start(0));
    q.fromJoiner(q.joiner.start(0));
    q.flush();
    q.fromHost(q.host.reject(1, '\u200b\u2066'));
    q.flush();
    expect(q.events.joiner.at(-1)).toMatchObject({ message: 'The host declined.' });
  });

  it('reports unacknowledged messages when the channel dies, and delivers them exactly once in the next session', () => {
    const seenByHost = new SeenIds();
    const p = connected({ host: { seen: seenByHost } });
    p.fromJoiner(p.joiner.send('a', 1).step);
    p.fromJoiner(p.joiner.send('b', 2).step);
    // The host receives both, but its receipts are lost with the connection.
    for (const bytes of p.wires.toHost.splice(0)) p.fromHost(p.host.receive(bytes, 3));
    p.wires.toJoiner.length = 0;
    p.fromJoiner(p.joiner.send('c', 4).step); // never reaches the host
    p.wires.toHost.length = 0;
    const abort = p.joiner.abort('closed', 'The connection was lost.');
    const closed = abort.events[0];
    expect(closed?.type === 'closed' && closed.undelivered.map((m) => m.id)).toEqual([
      'j1',
      'j2',
      'j3',
    ]);
    const undelivered = closed?.type === 'closed' ? closed.undelivered : [];

    // Reconnect: same peer key, so the engine hands over the pending list and the seen window.
    const q = connected({ host: { seen: seenByHost }, joiner: { pending: undelivered } }, true);
    const shown = [...p.events.host, ...q.events.host]
      .filter((e) => e.type === 'message')
      .map((e) => e.text);
    expect(shown).toEqual(['a', 'b', 'c']);
    expect(q.joiner.pending).toEqual([]);
    const delivered = q.events.joiner.filter((e) => e.type === 'delivered').map((e) => e.id);
    expect(delivered).toEqual(['j1', 'j2', 'j3']);
  });

  it('sends keep-alive pings when quiet and times out when the peer is silent', () => {
    const p = connected();
    expect(p.joiner.nextDeadline()).toBe(1000);
    const ping = p.joiner.tick(1000);
    expect(ping.out.map((b) => decodeMessage(b))).toEqual([
      { kind: 'message', message: { t: 'ping' } },
    ]);
    p.fromJoiner(ping);
    p.flush(1000); // host answers pong: the joiner heard from it at 1000
    expect(p.joiner.tick(3500).events).toEqual([]);
    const late = p.joiner.tick(4000);
    expect(late.events).toMatchObject([{ type: 'closed', reason: 'timeout', byPeer: false }]);
    expect(p.joiner.nextDeadline()).toBe(Number.POSITIVE_INFINITY);
  });

  it('closes a session whose peer never says hello', () => {
    const p = pair({ host: { helloTimeoutMs: 500 } });
    p.fromHost(p.host.start(0));
    expect(p.host.nextDeadline()).toBe(500);
    expect(p.host.tick(500).events).toMatchObject([{ type: 'closed', reason: 'timeout' }]);
  });

  it('forwards typing changes, drops repeats and floods', () => {
    const p = connected({ host: { typingBurst: 3, typingPerSecond: 1 } });
    p.fromJoiner(p.joiner.setTyping('typing', 0));
    p.fromJoiner(p.joiner.setTyping('typing', 0)); // repeat: not even sent
    expect(p.wires.toHost).toHaveLength(1);
    p.flush();
    expect(p.events.host).toEqual([{ type: 'typing', state: 'typing' }]);
    // A hostile peer floods alternating states: only the burst gets through.
    const typing = (state: 'typing' | 'idle') => encodeMessage({ t: 'typing', state });
    let forwarded = 0;
    for (let i = 0; i < 100; i++) {
      const step = p.host.receive(typing(i % 2 ? 'typing' : 'idle'), 10);
      forwarded += step.events.length;
    }
    expect(forwarded).toBe(2);
    expect(p.host.state).toBe('active');
  });

  it('shows typing again after a message, since a message ends the typing on the other side', () => {
    const p = connected();
    p.fromJoiner(p.joiner.setTyping('typing', 0));
    p.fromJoiner(p.joiner.send('done', 1).step);
    p.fromJoiner(p.joiner.setTyping('typing', 2));
    p.flush(3);
    expect(types(p.events.host)).toEqual(['typing', 'message', 'typing']);
  });

  it('holds chat unshown and unacknowledged until released, and reports it undelivered if never', () => {
    const p = connected();
    p.joiner.hold();
    p.fromHost(p.host.send('who am I?', 1).step);
    p.flush(1);
    expect(p.events.joiner).toEqual([]);
    expect(p.host.pending.map((m) => m.text)).toEqual(['who am I?']);
    p.fromJoiner(p.joiner.release(2));
    p.flush(2);
    expect(p.events.joiner).toEqual([{ type: 'message', id: 'h1', text: 'who am I?', at: 1 }]);
    expect(p.events.host).toEqual([{ type: 'delivered', id: 'h1' }]);

    const q = connected();
    q.joiner.hold();
    q.fromHost(q.host.send('never shown', 1).step);
    q.flush(1);
    q.fromJoiner(q.joiner.close('rejected', 2));
    q.flush(2);
    expect(q.events.host.at(-1)).toMatchObject({
      type: 'closed',
      reason: 'goodbye',
      undelivered: [{ id: 'h1', text: 'never shown' }],
    });
  });

  it('sends nothing queued to a held peer: not on accept, only once released', () => {
    const p = pair();
    p.fromHost(p.host.start(0));
    p.fromJoiner(p.joiner.start(0));
    // Written before the host's hello showed its (changed) key: queued.
    expect(p.joiner.send('for my friend', 0).queued).toBe(true);
    p.flush(0);
    p.joiner.hold();
    p.fromHost(p.host.introduce(1, NONCE));
    p.flush();
    p.fromHost(p.host.accept(1));
    p.flush(1);
    expect(p.joiner.state).toBe('active');
    expect(types(p.events.host)).toEqual(['hello', 'active']);
    p.fromJoiner(p.joiner.release(2));
    p.flush(2);
    expect(types(p.events.host)).toEqual(['hello', 'active', 'message']);
    expect(p.events.joiner.at(-1)).toEqual({ type: 'delivered', id: 'j1' });
  });

  it('ignores an unknown optional type and closes on an unknown mandatory one', () => {
    const p = connected();
    const optional = p.host.receive(utf8.encode('{"t":"pake-offer","o":true}'), 1);
    expect(optional).toEqual({ out: [], events: [] });
    const mandatory = p.host.receive(utf8.encode('{"t":"smp-init","q":"?"}'), 1);
    expect(mandatory.out.map((b) => decodeMessage(b))).toMatchObject([
      { message: { t: 'error', code: 'ERR_SESSION_UNKNOWN_TYPE' } },
    ]);
    expect(mandatory.events).toMatchObject([
      { type: 'closed', reason: 'protocol-error', byPeer: false },
    ]);
    // The peer that receives the error closes too, with the reason.
    const answer = p.joiner.receive(mandatory.out[0]!, 2);
    expect(answer.events).toMatchObject([
      { type: 'closed', reason: 'protocol-error', byPeer: true },
    ]);
  });

  it('closes with a clear reason on malformed messages and out-of-order ones', () => {
    const p = connected();
    const step = p.host.receive(new Uint8Array([0xff, 0x00]), 1);
    expect(step.events[0]).toMatchObject({ type: 'closed', reason: 'protocol-error' });
    expect(step.events[0]?.type === 'closed' && step.events[0].message).toMatch(/UTF-8/);

    const q = pair();
    q.fromHost(q.host.start(0));
    // A chat before the hello exchange is a protocol violation, not a message.
    const early = q.host.receive(encodeMessage({ t: 'chat', id: 'x', at: 0, text: 'sneak' }), 0);
    expect(types(early.events)).toEqual(['closed']);
  });

  it('refuses texts that are too long or contain control characters', () => {
    const p = connected();
    expect(() => p.joiner.send('x'.repeat(16 * 1024 + 1), 0)).toThrow(InvalidTextError);
    expect(() => p.joiner.send('\u001b]0;pwned\u0007', 0)).toThrow(/control/);
    expect(p.joiner.pending).toEqual([]);
  });

  it('says goodbye and the peer reports it', () => {
    const p = connected();
    const bye = p.joiner.close('quit', 1);
    expect(bye.events).toMatchObject([{ type: 'closed', reason: 'quit', byPeer: false }]);
    p.fromJoiner(bye);
    p.flush();
    expect(p.events.host).toMatchObject([{ type: 'closed', reason: 'goodbye', byPeer: true }]);
  });

  it('keeps a bounded window of seen ids', () => {
    const seen = new SeenIds(2);
    expect([seen.add('a'), seen.add('a'), seen.add('b'), seen.add('c')]).toEqual([
      true,
      false,
      true,
      true,
    ]);
    expect([seen.has('a'), seen.has('b'), seen.size]).toEqual([false, true, 2]);
  });
});
