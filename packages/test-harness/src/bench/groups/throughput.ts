import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { x25519 } from '@cryptully/core/crypto';
import { tcpTransport } from '@cryptully/core/transport';
import type { GroupOptions } from '../group-options.js';
import { timedLoop } from '../loop.js';
import { loadSecureApi, tryImport } from '../net/secure-api.js';
import type { Figure, GroupResult } from '../report.js';
import { megabytesPerSecond, round } from '../stats.js';
import { startWorker } from '../workers/ipc.js';

/**
 * Channel throughput between two processes over TCP loopback, 64 KiB writes: the Cryptully
 * channel, and as references raw TCP and Node TLS 1.3 (TLS_CHACHA20_POLY1305_SHA256) between
 * the same two processes, plus a bare node:crypto ChaCha20-Poly1305 loop on 64 KiB (the
 * single-core ceiling). The receiver (a worker process) reports time from its first byte to
 * its last and its CPU time.
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
          }
        : {}),
    },
    ...extra,
  };
}

/** Runs the throughput group. */
export async function runThroughputGroup(options: GroupOptions): Promise<GroupResult> {
  const started = Date.now();
  const total = (options.quick ? 32 : 512) * 2 ** 20;
  const figures: Figure[] = [];
  const notes: string[] = [];
  const execArgv = options.workerExecArgv;

  const run = async (
    mode: string,
    send: (ready: { port: number; cert?: string }) => Promise<void>,
  ): Promise<SinkDone> => {
    const worker = startWorker('sink', [mode, String(total)], execArgv);
    try {
      const ready = await worker.next<{ type: 'ready'; port: number; cert?: string }>('ready');
      const done = worker.next<SinkDone>('done');
      const cpuStart = process.cpuUsage();
      await send(ready);
      const result = await done;
      const sender = process.cpuUsage(cpuStart);
      return { ...result, senderCpuMs: (sender.user + sender.system) / 1000 };
    } finally {
      await worker.stop();
    }
  };

  options.progress('throughput: raw TCP (reference)');
  const raw = await run('raw', async ({ port }) => {
    const socket = netConnect({ host: '127.0.0.1', port, noDelay: true });
    socket.on('error', () => {});
    await once(socket, 'connect');
    await pump((chunk) => socket.write(chunk), socket, total);
    socket.end();
  });
  figures.push(
    streamFigure('throughput.raw-tcp', 'raw TCP, two processes, loopback', raw, {
      isReference: true,
    }),
  );

  options.progress('throughput: TLS 1.3 ChaCha20-Poly1305 (reference)');
  try {
    const tls = await run('tls', async ({ port, cert }) => {
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
      await pump((chunk) => socket.write(chunk), socket, total);
      socket.end();
    });
    figures.push(
      streamFigure('throughput.tls13-chacha', 'Node TLS 1.3 TLS_CHACHA20_POLY1305_SHA256', tls, {
        isReference: true,
      }),
    );
  } catch (error) {
    notes.push(`TLS throughput reference skipped: ${(error as Error).message}`);
  }

  const api = await loadSecureApi(options.fallback);
  const channelRun = (writeBytes: number) =>
    run(api.kind === 'channel' ? 'secure' : 'fallback', async ({ port }) => {
      const stream = await tcpTransport().dial({ host: '127.0.0.1', port });
      stream.on('error', () => {});
      const link = await api.initiate(stream, x25519.generateKeyPair());
      await pump((chunk) => link.send(chunk), link as never, total, writeBytes);
      link.end();
    });
  options.progress(`throughput: Cryptully (${api.kind})`);
  figures.push(
    streamFigure(
      'throughput.cryptully',
      api.kind === 'channel'
        ? 'Cryptully channel (secureInitiate/secureRespond)'
        : 'Noise ChaCha20-Poly1305 frames (bench stand-in)',
      await channelRun(WRITE_BYTES),
      {
        reference: 'throughput.tls13-chacha',
        ...(api.kind === 'channel' ? {} : { note: api.description }),
      },
    ),
  );
  if (api.kind === 'channel') {
    // 64 KiB does not fit one frame (65,535 bytes with tag and record header), so every such
    // message costs two AEAD operations and a reassembly; this variant shows what that costs.
    const oneFrame = (await tryImport<{ MAX_FRAGMENT_BYTES?: number }>('@cryptully/core/channel'))
      ?.MAX_FRAGMENT_BYTES;
    if (oneFrame) {
      options.progress(`throughput: Cryptully, ${oneFrame}-byte messages (one frame each)`);
      figures.push(
        streamFigure(
          'throughput.cryptully-one-frame',
          `Cryptully channel, ${oneFrame}-byte messages (one frame each)`,
          await channelRun(oneFrame),
          { reference: 'throughput.tls13-chacha' },
        ),
      );
    }
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
  notes.push(
    `throughput: ${round(total / 2 ** 20)} MiB per stream in ${WRITE_BYTES / 1024} KiB writes; ` +
      'MB/s = 10^6 bytes/s at the receiver, from its first byte to its last',
  );
  return { group: 'throughput', figures, notes, durationMs: Date.now() - started };
}
