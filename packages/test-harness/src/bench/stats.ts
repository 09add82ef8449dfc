/**
 * Small statistics helpers for benchmark samples.
 * @module
 */

/** The `q`-quantile (0..1) of `samples` by nearest rank; NaN when empty. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** The median of `samples`. */
export const median = (samples: readonly number[]): number => quantile(samples, 0.5);

/** Milliseconds elapsed since `start` (a `process.hrtime.bigint()` value). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** CPU milliseconds (user + system) used by this process since `start`. */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Rounds to `digits` significant digits, for readable reports. */
export function round(value: number, digits = 4): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}

/** Bytes per millisecond as MB/s (10^6 bytes per second). */
export const megabytesPerSecond = (bytes: number, ms: number): number => bytes / 1000 / ms;
