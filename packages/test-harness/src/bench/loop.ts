import { cpuMsSince, msSince } from './stats.js';

/** The outcome of {@link timedLoop}. */
export interface LoopResult {
  iterations: number;
  /** Wall-clock milliseconds. */
  ms: number;
  /** CPU milliseconds of this process (user + system). */
  cpuMs: number;
}

/**
 * Runs `step` one call after another for about `durationMs` (and at least `minIterations`
 * times), after `warmup` untimed calls.
 */
export async function timedLoop(
  step: () => Promise<void> | void,
  durationMs: number,
  { warmup = 20, minIterations = 5 } = {},
): Promise<LoopResult> {
  for (let i = 0; i < warmup; i++) await step();
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  let iterations = 0;
  while (iterations < minIterations || msSince(start) < durationMs) {
    await step();
    iterations++;
  }
  return { iterations, ms: msSince(start), cpuMs: cpuMsSince(cpuStart) };
}
