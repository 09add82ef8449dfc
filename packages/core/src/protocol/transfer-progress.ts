/**
 * How front ends show a file transfer's progress (the CLI's status bar, the desktop's
 * progress bar): sizes in binary units, the rate since the first progress report, the time
 * left at that rate. Pure and browser-safe.
 * @module
 */

/** What a transfer's progress is computed from. */
export interface ProgressSample {
  /** Bytes so far. */
  readonly bytes: number;
  /** Bytes in all. */
  readonly size: number;
  /** When the first progress came, and with how many bytes (a resume starts above 0). */
  readonly since?: { readonly at: number; readonly bytes: number };
  /** The latest progress time (milliseconds, any clock). */
  readonly at?: number;
}

/**
 * `t` after a progress report of `bytes` at `now`: the first report starts the clock.
 * @example withProgress({ bytes: 0, size: 10 }, 4, 1000) // => { bytes: 4, size: 10, since: { at: 1000, bytes: 4 }, at: 1000 }
 */
export function withProgress<T extends ProgressSample>(t: T, bytes: number, now: number): T {
  return { ...t, bytes, since: t.since ?? { at: now, bytes }, at: now };
}

/**
 * The rate (bytes per second since the first report) and the seconds left at that rate;
 * null until two reports are apart in time and bytes.
 * @example transferSpeed({ bytes: 3072, size: 4096, since: { at: 0, bytes: 1024 }, at: 2000 }) // => { perSecond: 1024, secondsLeft: 1 }
 */
export function transferSpeed(
  t: ProgressSample,
): { perSecond: number; secondsLeft: number } | null {
  if (!t.since || t.at === undefined || t.at <= t.since.at) return null;
  const perSecond = ((t.bytes - t.since.bytes) * 1000) / (t.at - t.since.at);
  if (perSecond <= 0) return null;
  return { perSecond, secondsLeft: Math.max(0, (t.size - t.bytes) / perSecond) };
}

/**
 * A size for people, in binary units.
 * @example formatBytes(1536) // => '1.5 KiB'
 */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/**
 * A time left for people: `m:ss`, or `h:mm:ss` from an hour.
 * @example formatClock(3723) // => '1:02:03'
 */
export function formatClock(seconds: number): string {
  const s = Math.ceil(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
