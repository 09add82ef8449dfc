import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { x25519 } from '@cryptully/core/crypto';
import { tcpTransport } from '@cryptully/core/transport';
import type { GroupOptions } from '../group-options.js';
import { loadSecureApi } from '../net/secure-api.js';
import type { Figure, GroupResult } from '../report.js';
import { startWorker } from '../workers/ipc.js';
import { measureEngineLatency } from './engine-latency.js';
import { latencyFigure, roundTrips } from './round-trips.js';

/**
 * Chat latency: the round trip of a short message and its receipt, p50/p99/max over 10,000
 * messages one after another, between two processes on loopback: through two ChatNodes when
 * the engine exists, else through secure links with an echo; raw TCP echo as the floor.
 * @module
 */

/** A short chat message, about what the session layer sends for "hello, are you there?". */
const MESSAGE = Buffer.from(
  JSON.stringify({
    t: 'msg',
    id: '0123456789abcdef0123',
    at: 1764150000000,
    text: 'hello, are you there?',
  }),
);

/** Runs the latency group. */
export async function runLatencyGroup(options: GroupOptions): Promise<GroupResult> {
  const started = Date.now();
  const count = options.quick ? 500 : 10_000;
  const warmup = options.quick ? 50 : 500;
  const figures: Figure[] = [];
  const notes: string[] = [];

  const engine = options.fallback ? undefined : await measureEngineLatency(count, warmup, options);
  if (engine?.figure) figures.push(engine.figure);
  if (engine?.note) notes.push(engine.note);

  const api = await loadSecureApi(options.fallback);
  options.progress(`latency: ${api.kind} echo`);
  const worker = startWorker(
    'echo',
    [api.kind === 'channel' ? 'secure' : 'fallback'],
    options.workerExecArgv,
  );
  try {
    const { port } = await worker.next<{ type: 'ready'; port: number }>('ready');
    const stream = await tcpTransport().dial({ host: '127.0.0.1', port });
    stream.on('error', () => {});
    const link = await api.initiate(stream, x25519.generateKeyPair());
    let answered: (() => void) | undefined;
    link.on('message', () => answered?.());
    const samples = await roundTrips(
      count,
      () =>
        new Promise<void>((resolve) => {
          answered = resolve;
          link.send(MESSAGE);
        }),
      warmup,
      worker,
    );
    link.destroy();
    figures.push(
      latencyFigure(
        engine?.figure ? 'latency.secure-echo' : 'latency.round-trip',
        api.kind === 'channel'
          ? 'message + receipt-sized echo over the Cryptully channel, two processes'
          : 'message + echo over Noise frames (bench stand-in), two processes',
        samples,
        {
          reference: 'latency.raw-tcp',
          ...(api.kind === 'channel' ? {} : { note: api.description }),
        },
      ),
    );
    if (!engine?.figure) {
      notes.push(
        'latency: measured through secure connections with an echo, not two ChatNodes ' +
          '(no hello, no session messages or receipts)',
      );
    }
  } finally {
    await worker.stop();
  }

  options.progress('latency: raw TCP echo (floor)');
  const raw = startWorker('echo', ['raw'], options.workerExecArgv);
  try {
    const { port } = await raw.next<{ type: 'ready'; port: number }>('ready');
    const socket = netConnect({ host: '127.0.0.1', port, noDelay: true });
    socket.on('error', () => {});
    await once(socket, 'connect');
    let answered: (() => void) | undefined;
    socket.on('data', () => answered?.());
    const samples = await roundTrips(
      count,
      () =>
        new Promise<void>((resolve) => {
          answered = resolve;
          socket.write(MESSAGE);
        }),
      warmup,
      raw,
    );
    socket.destroy();
    figures.push(
      latencyFigure('latency.raw-tcp', 'raw TCP echo, same loop (floor)', samples, {
        isReference: true,
      }),
    );
  } finally {
    await raw.stop();
  }
  return { group: 'latency', figures, notes, durationMs: Date.now() - started };
}
