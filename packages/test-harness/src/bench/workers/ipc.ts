import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Starting bench worker processes and talking to them over IPC.
 * @module
 */

/** A worker process and its messages. */
export interface Worker {
  child: ChildProcess;
  /** Resolves with the next message of the given `type`. */
  next<T extends { type: string }>(type: T['type']): Promise<T>;
  send(message: unknown): void;
  /** Stops the worker (SIGKILL after a grace period) and waits for it. */
  stop(): Promise<void>;
}

/**
 * Starts `workers/<name>.js` with `args`; inside network namespace `namespace` when given
 * (through `ip netns exec`, which keeps the IPC channel: root only).
 */
export function startWorker(
  name: string,
  args: string[],
  execArgv: string[],
  namespace?: string,
): Worker {
  const script = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
  const child = namespace
    ? spawn('ip', ['netns', 'exec', namespace, process.execPath, ...execArgv, script, ...args], {
        stdio,
      })
    : fork(script, args, { execArgv, stdio });
  const inbox: Array<{ type: string }> = [];
  const waiting: Array<{ type: string; resolve: (message: { type: string }) => void }> = [];
  child.on('message', (message: { type: string }) => {
    const index = waiting.findIndex((w) => w.type === message.type);
    if (index >= 0) waiting.splice(index, 1)[0]!.resolve(message);
    else inbox.push(message);
  });
  const exited = once(child, 'exit');
  return {
    child,
    next<T extends { type: string }>(type: T['type']): Promise<T> {
      const index = inbox.findIndex((message) => message.type === type);
      if (index >= 0) return Promise.resolve(inbox.splice(index, 1)[0] as T);
      return new Promise<T>((resolve, reject) => {
        waiting.push({ type, resolve: resolve as (message: { type: string }) => void });
        exited.then(() => reject(new Error(`worker ${name} exited before sending "${type}"`)));
      });
    },
    send(message: unknown) {
      child.send(message as Parameters<ChildProcess['send']>[0]);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Sends a message to the parent process (workers only). */
export function tellParent(message: { type: string } & Record<string, unknown>): void {
  process.send?.(message);
}

/**
 * Answers `{type:'rss'}` requests from the parent with this process's resident set size after
 * garbage collection (workers run with `--expose-gc`) and `count()` (e.g. sessions held), and
 * `{type:'cpu'}` requests with the CPU milliseconds this process has used so far.
 */
export function answerRssRequests(count: () => number): void {
  process.on('message', (message: { type: string }) => {
    if (message.type === 'cpu') {
      const used = process.cpuUsage();
      tellParent({ type: 'cpu', ms: (used.user + used.system) / 1000 });
      return;
    }
    if (message.type !== 'rss') return;
    globalThis.gc?.();
    setTimeout(() => {
      globalThis.gc?.();
      const memory = process.memoryUsage();
      tellParent({
        type: 'rss',
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        external: memory.external,
        arrayBuffers: memory.arrayBuffers,
        count: count(),
      });
    }, 300);
  });
}

/**
 * Raises the open-files limit of process `pid` to `limit` with `prlimit` (root may raise the
 * hard limit too). Returns the limit in force afterwards, read back from /proc.
 */
export function raiseFdLimit(pid: number, limit: number): number | undefined {
  try {
    execFileSync('prlimit', [`--pid=${pid}`, `--nofile=${limit}:${limit}`], { stdio: 'ignore' });
  } catch {
    // Not allowed (or no prlimit): the current limit stays; the caller reports it.
  }
  try {
    const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
    const match = /^Max open files\s+(\d+)/m.exec(limits);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Asks a worker that runs {@link answerRssRequests} for its CPU milliseconds so far. */
export async function workerCpuMs(worker: Worker): Promise<number> {
  worker.send({ type: 'cpu' });
  return (await worker.next<{ type: 'cpu'; ms: number }>('cpu')).ms;
}

/**
 * Makes SIGTERM (how {@link Worker.stop} ends a worker) a normal exit, so that a worker
 * started with `--cpu-prof` writes its profile. Call once at the top of every worker.
 */
export function exitOnTerminate(): void {
  process.on('SIGTERM', () => process.exit(0));
}
