/**
 * The open-file limit of this process, which bounds how many friends a host can hold at once
 * (each connection is one file descriptor). Node raises its soft limit to the hard limit when
 * it starts; above that only a privileged process may go. Node has no setrlimit: on Linux the
 * limits are read from /proc/self/limits and, for root, raised to {@link WANTED_OPEN_FILES}
 * with `prlimit` (util-linux) where the OS allows. Elsewhere nothing is changed.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What {@link raiseOpenFileLimit} found and did. */
export interface OpenFileLimit {
  /** The soft limit before, or undefined where it cannot be read (not Linux). */
  before: number | undefined;
  /** The soft limit now. */
  after: number | undefined;
  /** The hard limit (the most an unprivileged process may raise its soft limit to). */
  hard: number | undefined;
  /**
   * One sentence for people when the limit stays low (under {@link LOW_OPEN_FILE_LIMIT}) and
   * could not be raised, else undefined.
   */
  warning: string | undefined;
}

/** Below this many open files a host says at start that it cannot hold many friends. */
export const LOW_OPEN_FILE_LIMIT = 8192;

/** What a privileged host raises both limits to, when they are lower and the OS allows. */
export const WANTED_OPEN_FILES = 65536;

function readLimits(): { soft: number; hard: number } | undefined {
  try {
    const text = readFileSync('/proc/self/limits', 'utf8');
    const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
    if (!match) return undefined;
    const value = (s: string) => (s === 'unlimited' ? Number.POSITIVE_INFINITY : Number(s));
    return { soft: value(match[1]!), hard: value(match[2]!) };
  } catch {
    return undefined;
  }
}

/**
 * Raises this process's open-file limit to {@link WANTED_OPEN_FILES} where the OS allows (a
 * privileged process on Linux with `prlimit`; the soft limit already equals the hard one, as
 * Node raised it), and says in {@link OpenFileLimit.warning} when the limit stays low. Never
 * throws. Costs one short child process, and only for root below the wanted limit.
 */
export function raiseOpenFileLimit(): OpenFileLimit {
  const limits = readLimits();
  if (!limits) return { before: undefined, after: undefined, hard: undefined, warning: undefined };
  const { soft } = limits;
  let { hard } = limits;
  let after = soft;
  const target = Math.max(soft, Math.min(hard, WANTED_OPEN_FILES));
  const privileged = process.getuid?.() === 0;
  const wanted = privileged ? Math.max(target, WANTED_OPEN_FILES) : target;
  if (wanted > soft) {
    const hardWanted = Math.max(wanted, Number.isFinite(hard) ? hard : wanted);
    try {
      execFileSync('prlimit', [`--pid=${process.pid}`, `--nofile=${wanted}:${hardWanted}`], {
        stdio: 'ignore',
        timeout: 2000,
      });
    } catch {
      // No prlimit, or not allowed: the limit stays and the warning below says so.
    }
    const now = readLimits();
    after = now?.soft ?? soft;
    hard = now?.hard ?? hard;
  }
  const warning =
    after < LOW_OPEN_FILE_LIMIT
      ? `the open-file limit is ${after} (hard limit ${hard}) and could not be raised, so this ` +
        `host can hold at most about ${Math.max(0, after - 50)} connections at once; raise it ` +
        'with `ulimit -n` before starting'
      : undefined;
  return { before: soft, after, hard, warning };
}
