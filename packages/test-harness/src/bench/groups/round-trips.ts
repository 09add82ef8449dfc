/**
 * The round-trip loop and the figure it makes, shared by the latency group's measurements
 * (secure links, raw TCP: latency.ts; two chat nodes: engine-latency.ts).
 * @module
 */
import { PerformanceObserver } from 'node:perf_hooks';
import type { Figure } from '../report.js';
import { quantile, round } from '../stats.js';
import { type Worker, workerCpuMs } from '../workers/ipc.js';

/** Round-trip samples and CPU cost, from {@link roundTrips}. */
export interface RoundTrips {
  /** Milliseconds per round trip. */
  samples: number[];
  /** CPU microseconds per round trip of this process and of the peer process. */
  senderCpuUs: number;
  peerCpuUs: number;
  /** Garbage-collection pauses of the sending process during the loop, in milliseconds. */
  senderGcMs: number[];
}

/**
 * Sends one message at a time and waits for its answer, `count` times after `warmup`:
 * round-trip times, and CPU per round trip on both sides (the peer is asked over IPC).
 */
export async function roundTrips(
  count: number,
  sendAndWait: () => Promise<void>,
  warmup: number,
  peer: Worker,
): Promise<RoundTrips> {
  for (let i = 0; i < warmup; i++) await sendAndWait();
  const peerStart = await workerCpuMs(peer);
  const senderGcMs: number[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) senderGcMs.push(entry.duration);
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const cpuStart = process.cpuUsage();
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await sendAndWait();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const sender = process.cpuUsage(cpuStart);
  gcObserver.disconnect();
  const peerCpuMs = (await workerCpuMs(peer)) - peerStart;
  return {
    senderGcMs,
    samples,
    senderCpuUs: (sender.user + sender.system) / count,
    peerCpuUs: (peerCpuMs * 1000) / count,
  };
}

/** A latency figure from samples. */
export function latencyFigure(
  id: string,
  label: string,
  { samples, senderCpuUs, peerCpuUs, senderGcMs }: RoundTrips,
  extra: Partial<Figure> = {},
): Figure {
  return {
    id,
    group: 'latency',
    label,
    value: round(quantile(samples, 0.5), 3),
    unit: 'ms p50',
    better: 'lower',
    details: {
      p50Ms: round(quantile(samples, 0.5), 3),
      p90Ms: round(quantile(samples, 0.9), 3),
      p99Ms: round(quantile(samples, 0.99), 3),
      p999Ms: round(quantile(samples, 0.999), 3),
      maxMs: round(Math.max(...samples), 3),
      messages: samples.length,
      senderCpuUsEach: round(senderCpuUs, 3),
      peerCpuUsEach: round(peerCpuUs, 3),
      // Slow round trips that a pause of the sender's garbage collector can explain.
      senderGcPauses: senderGcMs.length,
      senderGcMaxMs: round(Math.max(0, ...senderGcMs), 3),
    },
    ...extra,
  };
}
