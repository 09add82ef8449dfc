import { once } from 'node:events';
import { createServer, connect as netConnect } from 'node:net';
import { createServer as createTlsServer, connect as tlsConnect } from 'node:tls';
import { x25519 } from '@cryptully/core/crypto';
import { HandshakeState } from '@cryptully/core/noise';
import { tcpTransport } from '@cryptully/core/transport';
import type { GroupOptions } from '../group-options.js';
import { type LoopResult, timedLoop } from '../loop.js';
import { type Engine, EventQueue, loadEngine } from '../net/engine-api.js';
import { loadSecureApi, type SecureLink } from '../net/secure-api.js';
import type { Figure, GroupResult } from '../report.js';
import { median, round } from '../stats.js';
import { makeTlsIdentity } from '../tls-cert.js';

/**
 * Handshakes per second: Noise XX in memory (both sides in this process), a complete TCP
 * connect + Cryptully handshake on loopback, and the references measured by the same loop: a
 * bare TCP connect and a Node TLS 1.3 handshake with a P-256 certificate. Every handshake
 * waits for both sides to finish. The loops take turns in several rounds, so that a burst of
 * other work on the machine hits all of them alike; the figure is the median round.
 * @module
 */

const PROTOCOL = 'Noise_XX_25519_ChaChaPoly_BLAKE2b';
const EMPTY = new Uint8Array(0);

/** One handshake loop: how to take one step, and what to close afterwards. */
interface Contender {
  id: string;
  label: string;
  step(): Promise<void> | void;
  close(): Promise<void> | void;
  extra?: Partial<Figure>;
}

function handshakeFigure(contender: Contender, rounds: LoopResult[]): Figure {
  const iterations = rounds.reduce((sum, round) => sum + round.iterations, 0);
  const ms = rounds.reduce((sum, round) => sum + round.ms, 0);
  const cpuMs = rounds.reduce((sum, round) => sum + round.cpuMs, 0);
  return {
    id: contender.id,
    group: 'handshake',
    label: contender.label,
    value: round(median(rounds.map((r) => (r.iterations / r.ms) * 1000))),
    unit: 'handshakes/s',
    better: 'higher',
    details: {
      msPerHandshake: round(ms / iterations),
      cpuMsPerHandshakeBothSides: round(cpuMs / iterations),
      handshakes: iterations,
      rounds: rounds.length,
    },
    ...contender.extra,
  };
}

/**
 * Noise XX with both parties in memory, then split. Each side's static key is prepared once
 * (`x25519.preparePrivateKey`), as a ChatNode does for all its handshakes: otherwise every
 * handshake would also derive both static public keys (two X25519 base-point multiplications
 * that no real handshake makes).
 */
function noiseInMemory(): Contender {
  const alice = x25519.preparePrivateKey(x25519.generateKeyPair().privateKey);
  const bob = x25519.preparePrivateKey(x25519.generateKeyPair().privateKey);
  return {
    id: 'handshake.noise-xx-memory',
    label: 'Noise XX in memory (both sides, one process)',
    step() {
      const initiator = new HandshakeState(
        { protocolName: PROTOCOL, initiator: true },
        { preparedS: alice },
      );
      const responder = new HandshakeState(
        { protocolName: PROTOCOL, initiator: false },
        { preparedS: bob },
      );
      responder.readMessage(initiator.writeMessage(EMPTY));
      initiator.readMessage(responder.writeMessage(EMPTY));
      responder.readMessage(initiator.writeMessage(EMPTY));
      initiator.split();
      responder.split();
    },
    close() {},
    extra: { reference: 'handshake.tls13-tcp' },
  };
}

/** Connect and close: the cost floor under both network handshakes. */
async function tcpConnect(): Promise<Contender> {
  let accepted: (() => void) | undefined;
  const server = createServer((socket) => {
    socket.on('error', () => {});
    accepted?.();
    socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    id: 'handshake.tcp-connect',
    label: 'bare TCP connect + close on loopback',
    async step() {
      const serverSeen = new Promise<void>((resolve) => (accepted = resolve));
      const socket = netConnect({ host: '127.0.0.1', port, noDelay: true });
      socket.on('error', () => {});
      await once(socket, 'connect');
      await serverSeen;
      socket.destroy();
    },
    close: () => void server.close(),
    extra: { isReference: true },
  };
}

/** TCP connect (through the Cryptully transport) and the channel's handshake. */
async function cryptullyTcp(fallback: boolean, notes: string[]): Promise<Contender> {
  const api = await loadSecureApi(fallback);
  if (api.kind !== 'channel') notes.push(`handshake over TCP: ${api.description}`);
  const alice = x25519.generateKeyPair();
  const bob = x25519.generateKeyPair();
  const transport = tcpTransport();
  let serverSide: ((link: SecureLink) => void) | undefined;
  const listener = await transport.listen({ host: '127.0.0.1', port: 0 }, (stream) => {
    stream.on('error', () => {});
    api.respond(stream, bob).then(
      (link) => serverSide?.(link),
      () => stream.destroy(),
    );
  });
  return {
    id: 'handshake.cryptully-tcp',
    label:
      api.kind === 'channel'
        ? 'TCP connect + Cryptully handshake (prelude, XX, status) on loopback'
        : 'TCP connect + Noise XX (bench stand-in) on loopback',
    async step() {
      const serverLink = new Promise<SecureLink>((resolve) => (serverSide = resolve));
      const stream = await transport.dial(listener.address);
      stream.on('error', () => {});
      const clientLink = await api.initiate(stream, alice);
      (await serverLink).destroy();
      clientLink.destroy();
    },
    close: () => listener.close(),
    extra: {
      reference: 'handshake.tls13-tcp',
      ...(api.kind === 'channel' ? {} : { note: 'stand-in for the channel: see notes' }),
    },
  };
}

/**
 * Two ChatNodes in this process: the joiner joins the host by address until both see
 * `connected` (TCP connect, handshake, hello both ways, the host's accept), then disconnects
 * and waits until the host has seen it go, so every step starts from the same state.
 */
async function chatNodeJoin(engine: Engine): Promise<Contender> {
  const host = await engine.open('bench-host');
  const joiner = await engine.open('bench-joiner');
  const hostEvents = new EventQueue(host);
  const joinerEvents = new EventQueue(joiner);
  host.on((event) => {
    if (event.event === 'request') {
      void host.dispatch({ cmd: 'accept', peer: event.peer, confirmKeyChange: event.keyChanged });
    }
  });
  await host.dispatch({ cmd: 'host', port: 0, bind: '127.0.0.1' });
  const { port } = await hostEvents.next('listening');
  return {
    id: 'handshake.chatnode-join',
    label: 'ChatNode join: TCP connect + handshake + hello + accept (then disconnect), one process',
    async step() {
      // Events no step waits for (`request`, `connecting`, `waiting`) would otherwise pile up
      // and be scanned by every `next`, a cost of the bench that grew with the run.
      hostEvents.clear();
      joinerEvents.clear();
      await joiner.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      const { peer } = await joinerEvents.next('connected');
      await hostEvents.next('connected');
      await joiner.dispatch({ cmd: 'disconnect', peer });
      await hostEvents.next('disconnected');
      await joinerEvents.next('disconnected');
    },
    async close() {
      hostEvents.unsubscribe();
      joinerEvents.unsubscribe();
      await Promise.all([joiner.close(), host.close()]);
    },
    extra: { reference: 'handshake.tls13-tcp' },
  };
}

/** Full TLS 1.3 handshakes (no resumption), certificate verified by the client. */
async function tls13(): Promise<Contender> {
  const { key, cert } = makeTlsIdentity();
  let serverDone: (() => void) | undefined;
  const server = createTlsServer(
    { key, cert, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' },
    (socket) => {
      socket.on('error', () => {});
      serverDone?.();
      socket.destroy();
    },
  );
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    id: 'handshake.tls13-tcp',
    label: 'Node TLS 1.3, P-256 certificate, TCP connect on loopback',
    async step() {
      const serverSide = new Promise<void>((resolve) => (serverDone = resolve));
      const socket = tlsConnect({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        ca: cert,
        minVersion: 'TLSv1.3',
      });
      socket.on('error', () => {});
      socket.setNoDelay(true);
      await once(socket, 'secureConnect');
      await serverSide;
      socket.destroy();
    },
    close: () => void server.close(),
    extra: { isReference: true },
  };
}

/** Runs the handshake group. */
export async function runHandshakeGroup(options: GroupOptions): Promise<GroupResult> {
  const started = Date.now();
  const rounds = options.quick ? 1 : 5;
  const roundMs = options.quick ? 300 : 800;
  const notes: string[] = [];
  const contenders: Contender[] = [
    noiseInMemory(),
    await tcpConnect(),
    await cryptullyTcp(options.fallback, notes),
  ];
  const engine = options.fallback ? 'not used with --fallback' : await loadEngine();
  if (typeof engine === 'string')
    notes.push(`handshake with hello (ChatNode) not measured: ${engine}`);
  else contenders.push(await chatNodeJoin(engine));
  try {
    contenders.push(await tls13());
  } catch (error) {
    notes.push(`TLS reference skipped: ${(error as Error).message}`);
  }
  const results = new Map<string, LoopResult[]>(contenders.map((c) => [c.id, []]));
  for (let r = 0; r < rounds; r++) {
    for (const contender of contenders) {
      options.progress(`handshake: round ${r + 1}/${rounds}: ${contender.label}`);
      results
        .get(contender.id)!
        .push(await timedLoop(contender.step, roundMs, { warmup: r === 0 ? 20 : 2 }));
    }
  }
  for (const contender of contenders) await contender.close();
  notes.push(
    `handshake: ${rounds} alternating round(s) of ${roundMs} ms per loop; value = median round; ` +
      'the ChatNode join step also includes its disconnect, so it is a conservative figure',
  );
  return {
    group: 'handshake',
    figures: contenders.map((c) => handshakeFigure(c, results.get(c.id)!)),
    notes,
    durationMs: Date.now() - started,
  };
}
