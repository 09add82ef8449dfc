/**
 * The shape of a benchmark report (what `--json` prints) and how figures are grouped.
 * @module
 */

/** The benchmark groups, in the order they run and print. */
export const GROUPS = [
  'handshake',
  'throughput',
  'latency',
  'scale',
  'startup',
  'dht',
  'files',
] as const;

/** One benchmark group. */
export type GroupName = (typeof GROUPS)[number];

/** One measured figure. */
export interface Figure {
  /** Stable identifier, e.g. `handshake.tls13-tcp`. */
  id: string;
  group: GroupName;
  /** What was measured, for people. */
  label: string;
  value: number;
  unit: string;
  /** Which direction is better. */
  better: 'higher' | 'lower';
  /** `id` of the figure this one is compared with (its reference, measured in the same run). */
  reference?: string;
  /** Whether this figure is itself a reference (something a user might pick instead). */
  isReference?: boolean;
  /** Secondary numbers (CPU time, percentiles, counts). */
  details?: Record<string, number>;
  /** What is measured differently from the plan (a fallback, a limit hit). */
  note?: string;
}

/** What a group child hands back. */
export interface GroupResult {
  group: GroupName;
  figures: Figure[];
  /** Plain sentences: fallbacks taken, limits hit, things skipped. */
  notes: string[];
  durationMs: number;
}

/** One target (issues 8 and 15) and how far the run is from it. */
export interface TargetCheck {
  id: string;
  /** The target in words, as issue 8 states it. */
  goal: string;
  /** The figure (or ratio of figures) it is checked on. */
  measured: number;
  target: number;
  unit: string;
  /** `measured` compared with `target` in the direction of the goal. */
  met: boolean;
  /** How far, in words: "2.4x headroom", "at 61% of target". */
  distance: string;
}

/** The machine a report was measured on. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  ramBytes: number;
  node: string;
  openssl: string;
  kernel: string;
  platform: string;
  /** The file descriptor limit the benchmarks ran under (soft, after any raise). */
  fdLimit?: number;
  /** 1-minute load average when the run started: other work on the machine skews figures. */
  loadAverage1m?: number;
  /**
   * The CPU's features that decide crypto speed (Linux, from /proc/cpuinfo), of `avx2`,
   * `avx512f`, `sha_ni`, `aes`, `vaes`: two machines with the same model name gave TLS
   * handshake figures 3.6x apart.
   */
  cpuFeatures?: string[];
  /**
   * The crypto provider Cryptully chose in the runner's process (as `cryptully --version`
   * says), e.g. `libsodium (sodium-native 5.1.0)`; figures with ids ending in `@node` were
   * measured with `CRYPTULLY_CRYPTO=node` instead.
   */
  crypto?: string;
}

/** The whole report: `pnpm bench -- --json` prints this. */
export interface BenchReport {
  schema: 'cryptully-bench/1';
  startedAt: string;
  durationMs: number;
  options: { quick: boolean; only: GroupName[]; crypto?: 'default' | 'node' | 'both' };
  machine: MachineInfo;
  figures: Figure[];
  targets: TargetCheck[];
  notes: string[];
}
