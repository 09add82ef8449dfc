/** Options every benchmark group receives from the runner. */
export interface GroupOptions {
  /** Shorter runs and smaller sizes: a smoke check, not figures to quote. */
  quick: boolean;
  /** Node flags for the worker processes a group starts (e.g. `--cpu-prof`). */
  workerExecArgv: string[];
  /** Measure the bench-local Noise frame stream even when the real channel exists. */
  fallback: boolean;
  /** Prints one progress line (to stderr, so that `--json` output stays clean). */
  progress(line: string): void;
}
