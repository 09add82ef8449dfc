import type { Figure, TargetCheck } from './report.js';
import { round } from './stats.js';

/** One target, computed from the figures of one run. */
interface TargetSpec {
  id: string;
  goal: string;
  unit: string;
  /** The target, or how to derive it from the run (e.g. from the machine's open-file limit). */
  target: number | ((figure: (id: string) => Figure | undefined) => number | undefined);
  better: 'higher' | 'lower';
  /** The measured value, or undefined when the figures it needs were not measured. */
  measure(figure: (id: string) => Figure | undefined): number | undefined;
}

const ratio = (a: Figure | undefined, b: Figure | undefined) =>
  a && b && b.value > 0 ? a.value / b.value : undefined;

/**
 * The targets of issue 15 (and issue 8's session count, issue 16's file rate), on this 2-core
 * machine, checked on
 * the figures of the process's own crypto provider (not the `@node` ones).
 */
export const TARGETS: readonly TargetSpec[] = [
  {
    id: 'files-vs-wormhole',
    goal: 'Files: a 512 MiB file at least 3x the rate of magic-wormhole (local mailbox and relay), same run',
    unit: 'x wormhole',
    target: 3,
    better: 'higher',
    measure: (f) => ratio(f('files.cryptully'), f('files.magic-wormhole')),
  },
  {
    id: 'handshake-vs-tls',
    goal: 'Handshakes: TCP connect + Cryptully handshake at least 3x Node TLS 1.3 handshakes per second, same run',
    unit: 'x TLS',
    target: 3,
    better: 'higher',
    measure: (f) => ratio(f('handshake.cryptully-tcp'), f('handshake.tls13-tcp')),
  },
  {
    id: 'join-vs-tls',
    goal: 'Joins: ChatNode join (handshake + hello + accept) at least 2x Node TLS 1.3, same run',
    unit: 'x TLS',
    target: 2,
    better: 'higher',
    measure: (f) => ratio(f('handshake.chatnode-join'), f('handshake.tls13-tcp')),
  },
  {
    id: 'noise-xx-memory',
    goal: 'Noise XX in memory, both sides: at least 4,000 handshakes per second',
    unit: 'handshakes/s',
    target: 4000,
    better: 'higher',
    measure: (f) => f('handshake.noise-xx-memory')?.value,
  },
  {
    id: 'throughput-vs-tls',
    goal: 'Throughput, 64 KiB writes: at least 1.1x Node TLS 1.3 ChaCha20 between two processes, same run',
    unit: 'x TLS',
    target: 1.1,
    better: 'higher',
    measure: (f) => ratio(f('throughput.cryptully'), f('throughput.tls13-chacha')),
  },
  {
    id: 'latency-p99',
    goal: 'Latency: chat round trip p99 under 0.5 ms on loopback',
    unit: 'ms',
    target: 0.5,
    better: 'lower',
    measure: (f) => f('latency.round-trip')?.details?.p99Ms,
  },
  {
    id: 'latency-p999',
    goal: 'Latency: chat round trip p99.9 under 1.5 ms on loopback',
    unit: 'ms',
    target: 1.5,
    better: 'lower',
    measure: (f) => f('latency.round-trip')?.details?.p999Ms,
  },
  {
    id: 'scale-sessions',
    goal: 'Scale: as many concurrent sessions on one host as its open-file limit allows (less 100 descriptors for the process; 10,000 where the limit is unknown)',
    unit: 'sessions',
    target: (f) => {
      const limit = f('scale.max-sessions')?.details?.hostFdLimit;
      return typeof limit === 'number' ? Math.min(limit - 100, 25_000) : 10_000;
    },
    better: 'higher',
    measure: (f) => f('scale.max-sessions')?.value,
  },
  {
    id: 'scale-memory',
    goal: 'Scale: at most 8 KiB of RSS per idle session, session state included',
    unit: 'KiB',
    target: 8,
    better: 'lower',
    measure: (f) => f('scale.rss-per-session')?.value,
  },
];

function distance(measured: number, target: number, better: 'higher' | 'lower'): string {
  if (better === 'higher') {
    return measured >= target
      ? `${round(measured / target, 3)}x the target`
      : `at ${Math.round((measured / target) * 100)}% of the target`;
  }
  return measured <= target
    ? `${round(target / measured, 3)}x headroom`
    : `${round(measured / target, 3)}x over the target`;
}

/** Checks every target whose figures were measured. */
export function checkTargets(figures: readonly Figure[]): TargetCheck[] {
  const byId = new Map(figures.map((figure) => [figure.id, figure]));
  const checks: TargetCheck[] = [];
  for (const spec of TARGETS) {
    const figure = (id: string) => byId.get(id);
    const measured = spec.measure(figure);
    const target = typeof spec.target === 'number' ? spec.target : spec.target(figure);
    if (measured === undefined || !Number.isFinite(measured) || target === undefined) continue;
    const met = spec.better === 'higher' ? measured >= target : measured <= target;
    checks.push({
      id: spec.id,
      goal: spec.goal,
      measured: round(measured),
      target,
      unit: spec.unit,
      met,
      distance: distance(measured, target, spec.better),
    });
  }
  return checks;
}
