import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChatEvent } from '@cryptully/core/protocol';

/** The built CLI. */
export const BIN = join(import.meta.dirname, '..', '..', 'dist', 'bin.js');

/** A temporary CRYPTULLY_HOME, removed by `cleanup`. */
export async function tempHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'cryptully-cli-'));
}

/** A `cryptully … --json` process: its events, its stderr, and a way to send commands. */
export interface JsonProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly events: ChatEvent[];
  /** Every stdout line, raw, to check that nothing but JSON is printed. */
  readonly lines: string[];
  stderr(): string;
  send(command: unknown): void;
  next<E extends ChatEvent['event']>(
    event: E,
    match?: (e: Extract<ChatEvent, { event: E }>) => boolean,
    ms?: number,
  ): Promise<Extract<ChatEvent, { event: E }>>;
  exit(): Promise<number | null>;
}

/** Starts `node dist/bin.js <args>` with a home folder and extra environment. */
export function startJson(args: string[], home: string, env: NodeJS.ProcessEnv = {}): JsonProcess {
  return startJsonCommand([process.execPath, BIN, ...args], {
    ...process.env,
    CRYPTULLY_HOME: home,
    NO_COLOR: '1',
    ...env,
  });
}

/**
 * Starts any `cryptully`-speaking command line (a single executable, an npm-installed CLI)
 * with exactly `env`, from `cwd`.
 */
export function startJsonCommand(
  [command, ...args]: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): JsonProcess {
  const child = spawn(command!, args, { env, ...(cwd ? { cwd } : {}) });
  const events: ChatEvent[] = [];
  const lines: string[] = [];
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    try {
      events.push(JSON.parse(line) as ChatEvent);
    } catch {
      // Kept in `lines`; the test checks that every line parses.
    }
    for (const waiter of [...waiters]) waiter();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    events,
    lines,
    stderr: () => stderr,
    send: (command) =>
      child.stdin.write(`${typeof command === 'string' ? command : JSON.stringify(command)}\n`),
    next(event, match = () => true, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const find = () => events.find((e) => e.event === event && match(e as never));
        const check = () => {
          const found = find();
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found as never);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no "${event}" event within ${ms} ms; got ${JSON.stringify(events)}; stderr: ${stderr}`,
            ),
          );
        }, ms);
        waiters.add(check);
        check();
      });
    },
    exit: () => exited,
  };
}

/** Removes temporary folders. */
export async function cleanup(folders: string[]): Promise<void> {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
}
