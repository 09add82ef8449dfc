import type { Figure, TargetCheck } from './report.js';
import { round } from './stats.js';

/** One target of issue 8, computed from the figures of one run. */
interface TargetSpec {
  id: string;
  goal: string;
  unit: string;
  target: number;
  better: 'higher' | 'lower';
  /** The measured value, or undefined when the figures it needs were not measured. */
  measure(figure: (id: string) => Figure | undefined): number | undefined;
}

const ratio = (a: Figure | undefined, b: Figure | undefined) =>
  a && b && b.value > 0 ? a.value / b.value : undefined;

/** The targets of issue 8 ("where we aim, on this 2-core machine"). */
export const TARGETS: readonly TargetSpec[] = [
  {
    id: 'handshake-vs-tls',
    goal: 'Handshakes: at least 3x Node TLS 1.3 handshakes per second (TCP connect + handshake + hello), same run',
    unit: 'x TLS',
    target: 3,
    better: 'higher',
    // With the engine: the ChatNode join (hello included); without it, the channel handshake.
    measure: (f) =>
      ratio(f('handshake.chatnode-join') ?? f('handshake.cryptully-tcp'), f('handshake.tls13-tcp')),
  },
  {
    id: 'handshake-channel-vs-tls',
    goal: 'Handshakes, channel only (no hello): the same 3x, for the breakdown',
    unit: 'x TLS',
    target: 3,
    better: 'higher',
    measure: (f) =>
      f('handshake.chatnode-join')
        ? ratio(f('handshake.cryptully-tcp'), f('handshake.tls13-tcp'))
        : undefined,
  },
  {
    id: 'throughput-vs-tls',
    goal: 'Throughput: at least Node TLS 1.3 ChaCha20 between two processes, same run',
    unit: 'x TLS',
    target: 1,
    better: 'higher',
    measure: (f) => ratio(f('throughput.cryptully'), f('throughput.tls13-chacha')),
  },
  {
    id: 'latency-p99',
    goal: 'Latency: p99 round trip under 1 ms on loopback',
    unit: 'ms',
    target: 1,
    better: 'lower',
    measure: (f) => f('latency.round-trip')?.details?.p99Ms,
  },
  {
    id: 'scale-sessions',
    goal: 'Scale: 10,000 concurrent sessions on one host',
    unit: 'sessions',
    target: 10_000,
    better: 'higher',
    measure: (f) => f('scale.max-sessions')?.value,
  },
  {
    id: 'scale-memory',
    goal: 'Scale: under 16 KiB of RSS per session, session state included',
    unit: 'KiB',
    target: 16,
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
    const measured = spec.measure((id) => byId.get(id));
    if (measured === undefined || !Number.isFinite(measured)) continue;
    const met = spec.better === 'higher' ? measured >= spec.target : measured < spec.target;
    checks.push({
      id: spec.id,
      goal: spec.goal,
      measured: round(measured),
      target: spec.target,
      unit: spec.unit,
      met,
      distance: distance(measured, spec.target, spec.better),
    });
  }
  return checks;
}
