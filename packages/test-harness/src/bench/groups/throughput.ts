import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import {
  encodeHandshakeStatus,
  InitiatorHandshake,
  MAX_FRAGMENT_BYTES,
  ResponderHandshake,
  SecureChannel,
} from '@cryptully/core/channel';
import { x25519 } from '@cryptully/core/crypto';
import { tcpTransport } from '@cryptully/core/transport';
import type { GroupOptions } from '../group-options.js';
import { timedLoop } from '../loop.js';
import { loadSecureApi, tryImport } from '../net/secure-api.js';
import type { Figure, GroupResult } from '../report.js';
import { median, megabytesPerSecond, round } from '../stats.js';
import { startWorker } from '../workers/ipc.js';

/**
 * Channel throughput between two processes over TCP loopback, 64 KiB writes: the Cryptully
 * channel, and as references raw TCP and Node TLS 1.3 (TLS_CHACHA20_POLY1305_SHA256) between
 * the same two processes, plus a bare node:crypto ChaCha20-Poly1305 loop on 64 KiB (the
 * single-core ceiling), and the pure channel (seal + receive in one process, no socket). The
 * receiver (a worker process) reports time from its first byte to its last and its CPU time.
 * @module
 */

const WRITE_BYTES = 64 * 1024;

interface SinkDone {
  type: 'done';
  bytes: number;
  ms: number;
  cpuMs: number;
  /** CPU milliseconds of the sending process over the whole transfer (set by the group). */
  senderCpuMs?: number;
}

/** Writes `total` bytes in 64 KiB writes, waiting for `'drain'` when asked. */
async function pump(
  write: (chunk: Buffer) => boolean,
  drainSource: { once(event: 'drain', fn: () => void): unknown },
  total: number,
  writeBytes = WRITE_BYTES,
): Promise<void> {
  const chunk = randomBytes(writeBytes);
  for (let sent = 0; sent < total; sent += writeBytes) {
    if (!write(chunk)) await new Promise<void>((resolve) => drainSource.once('drain', resolve));
  }
}

function streamFigure(id: string, label: string, done: SinkDone, extra: Partial<Figure>): Figure {
  return {
    id,
    group: 'throughput',
    label,
    value: round(megabytesPerSecond(done.bytes, done.ms)),
    unit: 'MB/s',
    better: 'higher',
    details: {
      mebibytes: round(done.bytes / 2 ** 20),
      receiverCpuMs: round(done.cpuMs),
      receiverCpuPercentOfCore: round((done.cpuMs / done.ms) * 100, 3),
      // Bytes per CPU-second: less sensitive than MB/s to other work on the machine.
      receiverMBPerCpuSecond: round(megabytesPerSecond(done.bytes, done.cpuMs)),
      ...(done.senderCpuMs
        ? {
            senderCpuMs: round(done.senderCpuMs),
            senderMBPerCpuSecond: round(megabytesPerSecond(done.bytes, done.senderCpuMs)),
            // What the pair would reach with a whole core each: the slower end's rate.
            cpuBoundMBps: round(
              megabytesPerSecond(done.bytes, Math.max(done.cpuMs, done.senderCpuMs)),
            ),
          }
        : {}),
    },
    ...extra,
  };
}

/** One stream to measure: how the sender connects and writes `bytes` bytes. */
interface Stream {
  id: string;
  label: string;
  mode: string;
  send(ready: { port: number; cert?: string }, bytes: number): Promise<void>;
  extra: Partial<Figure>;
}

/** Sums the rounds of one stream into one result; MB/s is the median round's. */
function combine(rounds: SinkDone[]): { done: SinkDone; medianMBps: number } {
  const sum = (pick: (done: SinkDone) => number) => rounds.reduce((a, d) => a + pick(d), 0);
  return {
    done: {
      type: 'done',
      bytes: sum((d) => d.bytes),
      ms: sum((d) => d.ms),
      cpuMs: sum((d) => d.cpuMs),
      senderCpuMs: sum((d) => d.senderCpuMs ?? 0),
    },
    medianMBps: median(rounds.map((d) => megabytesPerSecond(d.bytes, d.ms))),
  };
}

/** Two ends of the pure channel (`@cryptully/core/channel`), handshaken in memory. */
function channelPair(): { a: SecureChannel; b: SecureChannel } {
  const initiator = new InitiatorHandshake({ staticKeyPair: x25519.generateKeyPair() });
  const responder = new ResponderHandshake({
    staticKeyPair: x25519.generateKeyPair(),
    onPrelude: () => ({ payload: encodeHandshakeStatus('ok') }),
  });
  const join = (frames: Uint8Array[]) => new Uint8Array(Buffer.concat(frames));
  const second = responder.receive(join(initiator.start()));
  const third = initiator.receive(join(second.frames));
  const done = responder.receive(join(third.frames));
  if (!third.result || !done.result) throw new Error('the in-memory handshake did not complete');
  return { a: new SecureChannel(third.result), b: new SecureChannel(done.result) };
}

/**
 * The pure channel in one process: `size`-byte messages sealed by one end and received by
 * the other for about `ms` milliseconds; throws unless every message arrives.
 */
async function inProcessChannel(size: number, ms: number): Promise<Figure> {
  const { a, b } = channelPair();
  const message = randomBytes(size);
  let sent = 0;
  let delivered = 0;
  const loop = await timedLoop(() => {
    sent += 1;
    for (const frame of a.seal(message)) {
      for (const event of b.receive(frame)) if (event.type === 'message') delivered += 1;
    }
  }, ms);
  if (delivered !== sent) throw new Error(`${delivered} of ${sent} messages delivered`);
  return {
    id:
      size === WRITE_BYTES
        ? 'throughput.channel-in-process'
        : 'throughput.channel-in-process-one-frame',
    group: 'throughput',
    label: `pure channel seal + receive, one process, ${size}-byte messages`,
    value: round(megabytesPerSecond(loop.iterations * size, loop.ms)),
    unit: 'MB/s',
    better: 'higher',
    reference: 'throughput.chacha-ceiling',
    details: { messages: delivered },
  };
}

/** Runs the throughput group. */
export async function runThroughputGroup(options: GroupOptions): Promise<GroupResult> {
  const started = Date.now();
  const total = (options.quick ? 32 : 512) * 2 ** 20;
  // The streams take turns, a quarter of the bytes each time, so that other work on the
  // machine weighs on all of them alike; the figure is the median round.
  const rounds = options.quick ? 1 : 4;
  const perRound = total / rounds;
  const figures: Figure[] = [];
  const notes: string[] = [];
  const execArgv = options.workerExecArgv;

  const run = async (stream: Stream): Promise<SinkDone> => {
    const worker = startWorker('sink', [stream.mode, String(perRound)], execArgv);
    try {
      const ready = await worker.next<{ type: 'ready'; port: number; cert?: string }>('ready');
      const done = worker.next<SinkDone>('done');
      const cpuStart = process.cpuUsage();
      await stream.send(ready, perRound);
      const result = await done;
      const sender = process.cpuUsage(cpuStart);
      return { ...result, senderCpuMs: (sender.user + sender.system) / 1000 };
    } finally {
      await worker.stop();
    }
  };

  const streams: Stream[] = [
    {
      id: 'throughput.raw-tcp',
      label: 'raw TCP, two processes, loopback',
      mode: 'raw',
      async send({ port }, bytes) {
        const socket = netConnect({ host: '127.0.0.1', port, noDelay: true });
        socket.on('error', () => {});
        await once(socket, 'connect');
        await pump((chunk) => socket.write(chunk), socket, bytes);
        socket.end();
      },
      extra: { isReference: true },
    },
    {
      id: 'throughput.tls13-chacha',
      label: 'Node TLS 1.3 TLS_CHACHA20_POLY1305_SHA256',
      mode: 'tls',
      async send({ port, cert }, bytes) {
        const socket = tlsConnect({
          host: '127.0.0.1',
          port,
          ca: cert,
          servername: 'localhost',
          minVersion: 'TLSv1.3',
          ciphers: 'TLS_CHACHA20_POLY1305_SHA256',
        });
        socket.on('error', () => {});
        await once(socket, 'secureConnect');
        socket.setNoDelay(true);
        const cipher = socket.getCipher().name;
        if (cipher !== 'TLS_CHACHA20_POLY1305_SHA256') notes.push(`TLS negotiated ${cipher}`);
        await pump((chunk) => socket.write(chunk), socket, bytes);
        socket.end();
      },
      extra: { isReference: true },
    },
  ];

  const api = await loadSecureApi(options.fallback);
  const channelSend =
    (writeBytes: number) =>
    async ({ port }: { port: number }, bytes: number): Promise<void> => {
      const stream = await tcpTransport().dial({ host: '127.0.0.1', port });
      stream.on('error', () => {});
      const link = await api.initiate(stream, x25519.generateKeyPair());
      await pump((chunk) => link.send(chunk), link as never, bytes, writeBytes);
      link.end();
    };
  const channelMode = api.kind === 'channel' ? 'secure' : 'fallback';
  streams.push({
    id: 'throughput.cryptully',
    label:
      api.kind === 'channel'
        ? 'Cryptully channel (secureInitiate/secureRespond)'
        : 'Noise ChaCha20-Poly1305 frames (bench stand-in)',
    mode: channelMode,
    send: channelSend(WRITE_BYTES),
    extra: {
      reference: 'throughput.tls13-chacha',
      ...(api.kind === 'channel' ? {} : { note: api.description }),
    },
  });
  if (api.kind === 'channel') {
    // Messages sized to fill exactly one frame (with their 4-byte length inside the record
    // since protocol version 2): what a 64 KiB write costs beyond a full frame.
    const channel = await tryImport<{ MAX_FRAGMENT_BYTES?: number; MESSAGE_HEADER_BYTES?: number }>(
      '@cryptully/core/channel',
    );
    const oneFrame = channel?.MAX_FRAGMENT_BYTES
      ? channel.MAX_FRAGMENT_BYTES - (channel.MESSAGE_HEADER_BYTES ?? 0)
      : undefined;
    if (oneFrame) {
      streams.push({
        id: 'throughput.cryptully-one-frame',
        label: `Cryptully channel, ${oneFrame}-byte messages (one frame each)`,
        mode: channelMode,
        send: channelSend(oneFrame),
        extra: { reference: 'throughput.tls13-chacha' },
      });
    }
  }

  const results = new Map<string, SinkDone[]>(streams.map((stream) => [stream.id, []]));
  const failed = new Set<string>();
  for (let r = 0; r < rounds; r++) {
    for (const stream of streams) {
      if (failed.has(stream.id)) continue;
      options.progress(`throughput: round ${r + 1}/${rounds}: ${stream.label}`);
      try {
        results.get(stream.id)!.push(await run(stream));
      } catch (error) {
        failed.add(stream.id);
        notes.push(`throughput: ${stream.label} not measured: ${(error as Error).message}`);
      }
    }
  }
  for (const stream of streams) {
    const measured = results.get(stream.id)!;
    if (failed.has(stream.id) || measured.length === 0) continue;
    const { done, medianMBps } = combine(measured);
    const figure = streamFigure(stream.id, stream.label, done, stream.extra);
    figure.value = round(medianMBps);
    figure.details = { ...figure.details, rounds: measured.length };
    figures.push(figure);
  }

  options.progress('throughput: bare node:crypto ChaCha20-Poly1305 on 64 KiB (ceiling)');
  const duration = options.quick ? 200 : 2000;
  const key = randomBytes(32);
  const data = randomBytes(WRITE_BYTES);
  let counter = 0;
  const nonce = Buffer.alloc(12);
  let sealed = Buffer.alloc(0);
  let tag = Buffer.alloc(16);
  const seal = await timedLoop(() => {
    nonce.writeUInt32LE(counter++, 4);
    const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    sealed = cipher.update(data);
    cipher.final();
    tag = cipher.getAuthTag();
  }, duration);
  const open = await timedLoop(() => {
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    decipher.setAuthTag(tag);
    decipher.update(sealed);
    decipher.final();
  }, duration);
  figures.push({
    id: 'throughput.chacha-ceiling',
    group: 'throughput',
    label: 'bare node:crypto ChaCha20-Poly1305 seal, 64 KiB, one core',
    value: round(megabytesPerSecond(seal.iterations * WRITE_BYTES, seal.ms)),
    unit: 'MB/s',
    better: 'higher',
    isReference: true,
    details: { openMBps: round(megabytesPerSecond(open.iterations * WRITE_BYTES, open.ms)) },
  });
  for (const size of [WRITE_BYTES, MAX_FRAGMENT_BYTES]) {
    options.progress(`throughput: pure channel in one process, ${size}-byte messages`);
    figures.push(await inProcessChannel(size, duration));
  }
  notes.push(
    `throughput: ${round(total / 2 ** 20)} MiB per stream in ${WRITE_BYTES / 1024} KiB writes, in ` +
      `${rounds} alternating round(s); MB/s = 10^6 bytes/s at the receiver from its first byte ` +
      'to its last, median round; CPU figures summed over the rounds',
  );
  return { group: 'throughput', figures, notes, durationMs: Date.now() - started };
}
