/**
 * Network faults between two real clients, injected by the fault proxy (and, where Linux
 * network namespaces work, by `tc netem` on a veth pair). Protects: that fragmentation,
 * coalescing and delay are invisible to users; that a flipped bit, a replayed or a dropped
 * frame ends the session on both sides with a reason and shows nothing forged; that a cut or
 * a stall is reported within the keep-alive timeout with the undelivered messages listed, and
 * that those are delivered exactly once after reconnecting.
 *
 * The clients are core-library processes: they take short keep-alive settings from the
 * environment (`CRYPTULLY_KEEPALIVE_MS`, `CRYPTULLY_IDLE_TIMEOUT_MS`).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CellContext, type ClientOptions, count, is } from '../src/cell-context.js';
import type { ClientDriver, ClientKind, EventOf } from '../src/drivers/driver.js';
import { removeTempHomes } from '../src/drivers/factories.js';
import { killAllChildren } from '../src/drivers/ndjson-process-driver.js';
import type { FaultMode, FaultProxy } from '../src/fault-proxy.js';
import { acceptJoiner, chatOnce } from '../src/scenarios.js';
import { ensureHarnessBuilt } from './support/build.js';

const KEEPALIVE: ClientOptions = { keepAliveMs: 400, idleTimeoutMs: 1_500 };
/** Generous bound for "reported within the keep-alive timeout" (idle timeout + slack). */
const REPORT_WITHIN_MS = KEEPALIVE.idleTimeoutMs! * 3 + 2_000;

interface Linked {
  host: ClientDriver;
  joiner: ClientDriver;
  proxy: FaultProxy;
  hostPeer: string;
  joinerPeer: string;
}

let ctx: CellContext;

/** A core host and a core joiner connected through a fault proxy (in `mode` from the start). */
async function linked(
  mode: FaultMode = { kind: 'pass' },
  pair: Pair = ['core', 'core'],
): Promise<Linked> {
  ctx = new CellContext(pair[0], pair[1]);
  const { host, listening } = await ctx.host('Hana', KEEPALIVE);
  const proxy = await ctx.proxy(listening.port);
  proxy.setMode(mode);
  const joiner = ctx.joiner('Jo', KEEPALIVE);
  await joiner.startJoin(proxy.address);
  const { request, atJoiner } = await acceptJoiner(host, joiner, 'Jo');
  return { host, joiner, proxy, hostPeer: request.peer, joinerPeer: atJoiner.peer };
}

/** Chats both ways, several messages, and checks each arrives once and in order. */
async function chatIsInvisible(l: Linked, n: number): Promise<void> {
  const texts = Array.from({ length: n }, (_, i) => `message ${i} ${'x'.repeat(i * 50)}`);
  for (const text of texts) await l.host.send({ cmd: 'send', peer: l.hostPeer, text: `h ${text}` });
  for (const text of texts)
    await l.joiner.send({ cmd: 'send', peer: l.joinerPeer, text: `j ${text}` });
  for (const text of texts) {
    await l.joiner.waitFor(is('message', { text: `h ${text}` }));
    await l.host.waitFor(is('message', { text: `j ${text}` }));
  }
  const order = (d: ClientDriver, prefix: string) =>
    d.events
      .filter((e) => e.event === 'message' && e.text.startsWith(prefix))
      .map((e) => (e as EventOf<'message'>).text);
  expect(order(l.joiner, 'h ')).toEqual(texts.map((t) => `h ${t}`));
  expect(order(l.host, 'j ')).toEqual(texts.map((t) => `j ${t}`));
  for (const d of [l.host, l.joiner]) {
    const sent = d.events.filter(is('sent')).map((e) => (e as EventOf<'sent'>).id);
    for (const id of sent) await d.waitFor(is('delivered', { id }), { what: `receipt ${id}` });
  }
  await l.joiner.send({ cmd: 'typing', peer: l.joinerPeer, state: 'typing' });
  await l.host.waitFor(is('typing', { peer: l.hostPeer, state: 'typing' }));
}

/** Both sides report the end of the session with a reason; returns the two events. */
async function bothEnd(l: Linked, marks: { host: number; joiner: number }) {
  const atHost = await l.host.waitFor<EventOf<'disconnected'>>(
    is('disconnected', { peer: l.hostPeer }),
    {
      from: marks.host,
      timeoutMs: REPORT_WITHIN_MS,
      what: 'the host reporting the end',
    },
  );
  const atJoiner = await l.joiner.waitFor<EventOf<'disconnected'>>(
    is('disconnected', { peer: l.joinerPeer }),
    {
      from: marks.joiner,
      timeoutMs: REPORT_WITHIN_MS,
      what: 'the joiner reporting the end',
    },
  );
  for (const e of [atHost, atJoiner]) {
    expect(e.reason).not.toBe('goodbye');
    expect(e.message).toMatch(/\S/);
  }
  return { atHost, atJoiner };
}

type Tamper = 'flip' | 'replay' | 'drop';
const TAMPERS: readonly Tamper[] = ['flip', 'replay', 'drop'];
/** A (host client, joiner client) pair. */
type Pair = [ClientKind, ClientKind];

const FAULT_NAMES = { flip: 'flipped bit', replay: 'replayed frame', drop: 'dropped frame' };

/** Reasons that tell the user the connection was tampered with. */
const TAMPER_REASONS = ['decrypt-failed', 'protocol-error'];

/**
 * Engine defects this file found, reported to their owner; each is warned about loudly
 * instead of failing main, and must be removed from here once fixed.
 */
const KNOWN_ISSUES: Partial<Record<Tamper, string>> = {};

const marksOf = (l: Linked) => ({ host: l.host.events.length, joiner: l.joiner.events.length });

/** Tampering with one frame ends the session on both sides; nothing forged is shown. */
async function tamperEndsSession(
  fault: Tamper,
  pair: Pair,
  direction: 'c2s' | 's2c' = 'c2s',
): Promise<void> {
  const l = await linked({ kind: 'pass' }, pair);
  // c2s: the joiner sends and the host receives the bad frame; s2c: the other way round.
  const [sender, senderPeer, receiver, receiverName] =
    direction === 'c2s'
      ? [l.joiner, l.joinerPeer, l.host, 'host']
      : [l.host, l.hostPeer, l.joiner, 'joiner'];
  await chatOnce(sender, senderPeer, receiver, 'before the fault');
  const marks = marksOf(l);
  const receiverMark = direction === 'c2s' ? marks.host : marks.joiner;
  l.proxy.setMode({ kind: fault, direction, frame: l.proxy.nextFrame(direction) });
  await sender.send({ cmd: 'send', peer: senderPeer, text: 'first after the fault' });
  // A dropped frame is noticed when the next one arrives out of order: send one more.
  await sender.send({ cmd: 'send', peer: senderPeer, text: 'second after the fault' });
  const fired = await l.proxy.waitFired();
  const { atHost, atJoiner } = await bothEnd(l, marks);
  console.log(`${fired}: host "${atHost.reason}" (${atHost.message}); joiner "${atJoiner.reason}"`);
  // The side that received the bad frame must say why: tampering, not a lost connection.
  const said = (direction === 'c2s' ? atHost : atJoiner).reason;
  if (TAMPER_REASONS.includes(said) || !KNOWN_ISSUES[fault]) {
    expect(TAMPER_REASONS).toContain(said);
  } else {
    console.warn(`KNOWN ISSUE (${fault}): ${receiverName} said "${said}": ${KNOWN_ISSUES[fault]}`);
  }
  const shown = receiver.events.slice(receiverMark).filter(is('message'));
  // Nothing after a tampered or missing frame is shown; a replay is never shown twice
  // (the original frame, before its copy, may be shown once: with packed records it may carry
  // both messages sent after the fault, when the client sealed them in the same tick).
  if (fault === 'replay') {
    const texts = shown.map((e) => (e as EventOf<'message'>).text);
    for (const text of texts) expect(count(receiver, is('message', { text }))).toBe(1);
    expect(['first after the fault', 'second after the fault'].slice(0, texts.length)).toEqual(
      texts,
    );
  } else {
    expect(shown).toEqual([]);
  }
  expect(count(receiver, is('message', { text: 'before the fault' }))).toBe(1);
}

describe('faults between two clients', () => {
  beforeAll(() => ensureHarnessBuilt());
  afterEach(async () => {
    await ctx?.cleanup();
  });
  afterAll(() => {
    killAllChildren();
    removeTempHomes();
  });

  it('1-byte fragmentation of every write is invisible (handshake included)', async () => {
    await chatIsInvisible(await linked({ kind: 'split' }), 4);
  });

  it('coalesced writes are invisible', async () => {
    await chatIsInvisible(await linked({ kind: 'coalesce', windowMs: 40 }), 6);
  });

  it('delay with jitter is invisible and keeps the order', async () => {
    await chatIsInvisible(await linked({ kind: 'delay', ms: 30, jitterMs: 60 }), 8);
  });

  for (const fault of TAMPERS) {
    it(`a ${FAULT_NAMES[fault]} ends the session on both sides, nothing forged shown`, () =>
      tamperEndsSession(fault, ['core', 'core']));
    it(`a ${FAULT_NAMES[fault]} from the host's side is caught by the joiner too`, () =>
      tamperEndsSession(fault, ['core', 'core'], 's2c'));
  }

  it('a cut mid-frame is reported with the undelivered messages, which arrive once after reconnect', async () => {
    const l = await linked();
    await chatOnce(l.host, l.hostPeer, l.joiner, 'before the cut');
    const marks = marksOf(l);
    l.proxy.setMode({ kind: 'cut', direction: 's2c', frame: l.proxy.nextFrame('s2c') });
    await l.host.send({ cmd: 'send', peer: l.hostPeer, text: 'cut in half' });
    await l.proxy.waitFired();
    await bothEnd(l, marks);
    await l.host.send({ cmd: 'send', peer: l.hostPeer, text: 'sent while away' });
    const queued = await l.host.waitFor<EventOf<'sent'>>(is('sent', { text: 'sent while away' }));
    expect(queued.queued).toBe(true);
    const undelivered = await l.host.waitFor<EventOf<'undelivered'>>(
      is('undelivered', { peer: l.hostPeer }),
      {
        from: marks.host,
      },
    );
    const cutId = (l.host.events.find(is('sent', { text: 'cut in half' })) as EventOf<'sent'>).id;
    expect(undelivered.ids).toContain(cutId);
    await reconnectAndDeliver(l, ['cut in half', 'sent while away']);
  });

  it('a stall is reported within the keep-alive timeout, then the messages arrive once after reconnect', async () => {
    const l = await linked();
    await chatOnce(l.host, l.hostPeer, l.joiner, 'before the stall');
    const marks = marksOf(l);
    l.proxy.setMode({ kind: 'stall' });
    const started = performance.now();
    for (const text of ['stalled one', 'stalled two'])
      await l.host.send({ cmd: 'send', peer: l.hostPeer, text });
    await bothEnd(l, marks);
    console.log(
      `stall reported after ${(performance.now() - started).toFixed(0)} ms (idle timeout ${KEEPALIVE.idleTimeoutMs} ms)`,
    );
    const undelivered = await l.host.waitFor<EventOf<'undelivered'>>(
      is('undelivered', { peer: l.hostPeer }),
      {
        from: marks.host,
      },
    );
    expect(undelivered.ids.length).toBeGreaterThanOrEqual(2);
    l.proxy.setMode({ kind: 'pass' });
    await reconnectAndDeliver(l, ['stalled one', 'stalled two']);
  });
});

// ---- The same faults between the other clients (no short keep-alive needed for these) ----

const CROSS_PAIRS: Pair[] = [
  ['cli', 'desktop'],
  ['desktop', 'cli'],
];

describe('faults between the CLI and the desktop back end', () => {
  beforeAll(() => ensureHarnessBuilt());
  afterEach(async () => {
    await ctx?.cleanup();
  });
  afterAll(() => {
    killAllChildren();
    removeTempHomes();
  });
  for (const pair of CROSS_PAIRS) {
    const label = `${pair[0]} host, ${pair[1]} joiner`;
    it(`${label}: 1-byte fragmentation is invisible`, async () => {
      await chatIsInvisible(await linked({ kind: 'split' }, pair), 3);
    });
    it(`${label}: delay with jitter is invisible`, async () => {
      await chatIsInvisible(await linked({ kind: 'delay', ms: 20, jitterMs: 40 }, pair), 4);
    });
    for (const fault of ['flip', 'drop'] as const) {
      it(`${label}: a ${FAULT_NAMES[fault]} ends the session, nothing forged shown`, () =>
        tamperEndsSession(fault, pair));
    }
  }
});

/** The joiner reconnects through the proxy; each text arrives exactly once, with receipts. */
async function reconnectAndDeliver(l: Linked, texts: string[]): Promise<void> {
  l.proxy.setMode({ kind: 'pass' });
  const marks = marksOf(l);
  await l.joiner.startJoin(l.proxy.address);
  const next = await l.host.waitFor((e) => e.event === 'request' || e.event === 'connected', {
    from: marks.host,
  });
  if (next.event === 'request') await l.host.send({ cmd: 'accept', peer: next.peer });
  await l.joiner.waitFor(is('connected'), { from: marks.joiner });
  for (const text of texts) {
    const sent = l.host.events.filter(is('sent', { text })).map((e) => (e as EventOf<'sent'>).id);
    await l.joiner.waitFor(is('message', { text }), { what: `"${text}" after reconnect` });
    for (const id of new Set(sent)) await l.host.waitFor(is('delivered', { id }));
  }
  await chatOnce(l.host, l.hostPeer, l.joiner, 'after the reconnect');
  for (const text of texts) expect(count(l.joiner, is('message', { text }))).toBe(1);
}

// ---- Network namespaces: two clients on two "machines" over a lossy, slow veth link ----

const NETNS_SUFFIX = `${process.pid % 10000}`;
const NS = { host: `cry-h${NETNS_SUFFIX}`, joiner: `cry-j${NETNS_SUFFIX}` };

/** Why `ip netns` cannot be used here (root on Linux needed), or undefined when it can. */
function netnsProblemHere(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  try {
    execFileSync('ip', ['netns', 'add', `cry-probe${NETNS_SUFFIX}`], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'del', `cry-probe${NETNS_SUFFIX}`], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `ip netns is not usable here (${(error as Error).message.split('\n')[0]})`;
  }
}

/** Whether the kernel has `tc netem` (probed on the loopback of a throwaway namespace). */
function netemWorks(): boolean {
  const probe = `cry-netem${NETNS_SUFFIX}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
    execFileSync(
      'ip',
      ['netns', 'exec', probe, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'],
      {
        stdio: 'pipe',
      },
    );
    return true;
  } catch {
    return false;
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe' });
    } catch {
      // never created
    }
  }
}

const netnsProblem = netnsProblemHere();
if (netnsProblem) console.warn(`FAULTS: skipped the network-namespace scenario: ${netnsProblem}`);
const netem = netnsProblem === undefined && netemWorks();
if (netnsProblem === undefined && !netem) {
  console.warn(
    'FAULTS: this kernel has no tc netem (sch_netem): the namespace scenario runs over a clean ' +
      'veth link, and loss and delay come from the fault proxy tests only',
  );
}

const sh = (...args: string[]) => execFileSync(args[0]!, args.slice(1), { stdio: 'pipe' });

describe.skipIf(netnsProblem !== undefined)('two clients in separate network namespaces', () => {
  beforeAll(() => {
    ensureHarnessBuilt();
    sh('ip', 'netns', 'add', NS.host);
    sh('ip', 'netns', 'add', NS.joiner);
    sh(
      'ip',
      'link',
      'add',
      `vh${NETNS_SUFFIX}`,
      'type',
      'veth',
      'peer',
      'name',
      `vj${NETNS_SUFFIX}`,
    );
    sh('ip', 'link', 'set', `vh${NETNS_SUFFIX}`, 'netns', NS.host);
    sh('ip', 'link', 'set', `vj${NETNS_SUFFIX}`, 'netns', NS.joiner);
    sh('ip', '-n', NS.host, 'addr', 'add', '10.77.0.1/24', 'dev', `vh${NETNS_SUFFIX}`);
    sh('ip', '-n', NS.joiner, 'addr', 'add', '10.77.0.2/24', 'dev', `vj${NETNS_SUFFIX}`);
    for (const [ns, dev] of [
      [NS.host, `vh${NETNS_SUFFIX}`],
      [NS.joiner, `vj${NETNS_SUFFIX}`],
    ] as const) {
      sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
      sh('ip', '-n', ns, 'link', 'set', dev, 'up');
      const netemArgs = ['delay', '40ms', '15ms', 'loss', '5%'];
      if (netem)
        sh(
          'ip',
          'netns',
          'exec',
          ns,
          'tc',
          'qdisc',
          'add',
          'dev',
          dev,
          'root',
          'netem',
          ...netemArgs,
        );
    }
  });
  afterAll(async () => {
    await ctx?.cleanup();
    killAllChildren();
    for (const ns of Object.values(NS)) {
      try {
        sh('ip', 'netns', 'del', ns);
      } catch {
        // already gone
      }
    }
    removeTempHomes();
  });

  const link = netem
    ? 'a veth link with netem delay and 5% loss'
    : 'a veth link (no netem in this kernel)';
  it(`chat over ${link}: every message once, in order`, async () => {
    ctx = new CellContext('core', 'core');
    const host = ctx.client('core', 'Hana', {
      launcher: ['ip', 'netns', 'exec', NS.host],
      bind: '10.77.0.1',
    });
    const listening = await host.startHost();
    const joiner = ctx.client('core', 'Jo', { launcher: ['ip', 'netns', 'exec', NS.joiner] });
    await joiner.startJoin(`10.77.0.1:${listening.port}`);
    const { request, atJoiner } = await acceptJoiner(host, joiner, 'Jo');
    const l = { host, joiner, hostPeer: request.peer, joinerPeer: atJoiner.peer } as Linked;
    await chatIsInvisible(l, 10);
  });
});
