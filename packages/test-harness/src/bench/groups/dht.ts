import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { repoPath } from '../../drivers/paths.js';
import type { GroupOptions } from '../group-options.js';
import type { Figure, GroupResult } from '../report.js';
import { median, round } from '../stats.js';
import { startWorker, type Worker } from '../workers/ipc.js';

/**
 * The DHT path, in the NAT lab (packages/test-harness/lab: two home networks behind nftables
 * routers that keep ports, "cone", on a pretend internet with its own DHT). One end listens on
 * the DHT behind router A, the other dials from behind router B; every stream is a fresh hole
 * punch with Cryptully's secure channel (prelude, Noise XX, status) inside. Figures: the time to
 * a hole-punched, handshaken link; throughput over one; listener RSS per idle link. Root only
 * (network namespaces): elsewhere the group says so in a note.
 * @module
 */

const LAB = repoPath('packages/test-harness/lab/lab.sh');
const DHT_NODES = repoPath('packages/test-harness/lab/dht-nodes.mjs');

/** Why the lab cannot run here, or null. */
function labProblem(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  if (spawnSync('nft', ['--version'], { stdio: 'ignore' }).status !== 0) return 'nft is missing';
  return null;
}

function lab(args: string[]): void {
  const run = spawnSync('bash', [LAB, ...args], { encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(`lab.sh ${args.join(' ')} failed: ${run.stderr}`);
}

/** Starts the lab's DHT in `LAB-wan`; resolves with its bootstrap list. */
function startDht(name: string): Promise<{ child: ChildProcess; bootstrap: string }> {
  const child = spawn('ip', ['netns', 'exec', `${name}-wan`, process.execPath, DHT_NODES], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the lab DHT did not start in 30 s')), 30_000);
    child.on('exit', (code) => reject(new Error(`the lab DHT exited (${code})`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve({
        child,
        bootstrap: (JSON.parse(line) as { bootstrap: string[] }).bootstrap.join(','),
      });
    });
  });
}

interface RssReply {
  type: 'rss';
  rss: number;
  count: number;
}

/** Fails with the worker's message when it reports `failed`. */
async function nextOrFail<T extends { type: string }>(worker: Worker, type: T['type']): Promise<T> {
  const failed = worker.next<{ type: 'failed'; error: string }>('failed').then((f) => {
    throw new Error(f.error);
  });
  failed.catch(() => {});
  return Promise.race([worker.next<T>(type), failed]);
}

export async function runDhtGroup(options: GroupOptions): Promise<GroupResult> {
  const started = performance.now();
  const figures: Figure[] = [];
  const notes: string[] = [];
  const problem = labProblem();
  if (problem) {
    notes.push(`the DHT path was not measured: ${problem} (run the bench as root).`);
    return { group: 'dht', figures, notes, durationMs: performance.now() - started };
  }
  const joins = options.quick ? 3 : 10;
  const bytes = (options.quick ? 8 : 64) * 1024 * 1024;
  const idle = options.quick ? 20 : 100;
  const name = `bench${process.pid % 100_000}`;
  const execArgv = ['--expose-gc', ...options.workerExecArgv];
  lab(['up', name, 'cone', 'cone']);
  let dht: ChildProcess | undefined;
  const workers: Worker[] = [];
  try {
    options.progress('dht: building the NAT lab and its DHT');
    const started_ = await startDht(name);
    dht = started_.child;
    const listener = startWorker('dht-link', ['listen', started_.bootstrap], execArgv, `${name}-a`);
    workers.push(listener);
    const { key } = await listener.next<{ type: 'ready'; key: string }>('ready');
    const dialer = startWorker(
      'dht-link',
      ['dial', started_.bootstrap, key],
      execArgv,
      `${name}-b`,
    );
    workers.push(dialer);
    await dialer.next('ready');

    options.progress(`dht: ${joins} hole-punched links, one after another`);
    dialer.send({ type: 'joins', count: joins });
    const times: Array<{ dialMs: number; totalMs: number }> = [];
    for (let i = 0; i < joins; i++) {
      times.push(
        await nextOrFail<{ type: 'joined'; dialMs: number; totalMs: number }>(dialer, 'joined'),
      );
    }
    await dialer.next('joins-done');
    const total = times.map((t) => t.totalMs);
    figures.push({
      id: 'dht.holepunch-link',
      group: 'dht',
      label: 'DHT lookup + hole punch (two cone NATs) + Cryptully handshake, to a usable link',
      value: round(median(total)),
      unit: 'ms',
      better: 'lower',
      details: {
        joins,
        minMs: round(Math.min(...total)),
        maxMs: round(Math.max(...total)),
        dialMedianMs: round(median(times.map((t) => t.dialMs))),
      },
    });

    options.progress(`dht: ${bytes / 1024 / 1024} MiB over one link`);
    listener.send({ type: 'expect', bytes });
    dialer.send({ type: 'send', bytes, size: 64 * 1024 });
    const received = await nextOrFail<{ type: 'received'; bytes: number; ms: number }>(
      listener,
      'received',
    );
    figures.push({
      id: 'dht.throughput',
      group: 'dht',
      label: 'Cryptully channel inside a hole-punched DHT stream (64 KiB sends), at the receiver',
      value: round(received.bytes / 1e6 / (received.ms / 1000)),
      unit: 'MB/s',
      better: 'higher',
      details: { bytes: received.bytes, ms: round(received.ms) },
    });

    options.progress(`dht: listener memory for ${idle} more idle links`);
    listener.send({ type: 'rss' });
    const before = await listener.next<RssReply>('rss');
    dialer.send({ type: 'hold', count: idle });
    const held = await nextOrFail<{ type: 'held'; open: number; failed: number }>(dialer, 'held');
    listener.send({ type: 'rss' });
    const after = await listener.next<RssReply>('rss');
    const added = after.count - before.count;
    figures.push({
      id: 'dht.rss-per-link',
      group: 'dht',
      label: 'listener RSS per idle hole-punched link with the channel inside (after GC)',
      value: round((after.rss - before.rss) / Math.max(added, 1) / 1024),
      unit: 'KiB',
      better: 'lower',
      details: { links: added, failed: held.failed },
      ...(held.failed > 0 ? { note: `${held.failed} of ${idle} links failed to open` } : {}),
    });
    notes.push(
      'DHT figures come from the NAT lab: two cone routers in network namespaces on one machine, so the wire adds no latency; they show the cost of HyperDHT, UDX and the hole punch.',
    );
  } catch (error) {
    notes.push(`the DHT path failed: ${(error as Error).message}`);
  } finally {
    for (const worker of workers) await worker.stop();
    dht?.kill();
    lab(['down', name]);
  }
  return { group: 'dht', figures, notes, durationMs: performance.now() - started };
}
