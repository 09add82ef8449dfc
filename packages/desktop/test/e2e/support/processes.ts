/**
 * Real child processes for the end-to-end tests: the desktop's browser mode and a scripted
 * friend speaking the `--json` vocabulary (the CLI's `cryptully host/join --json` when it is
 * built and runs the engine, else json-peer.mjs on core's ChatNode).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ChatCommand, ChatEvent } from '@cryptully/core/protocol';

const here = fileURLToPath(new URL('.', import.meta.url));
const desktopBin = join(here, '../../../dist/bin.js');
const cliBin = join(here, '../../../../cli/dist/bin.js');
const peerScript = join(here, 'json-peer.mjs');
const children = new Set<ChildProcess>();

/** A fresh CRYPTULLY_HOME. */
export function tempHome(label: string): string {
  return mkdtempSync(join(tmpdir(), `cryptully-e2e-${label}-`));
}

/** Kills every child still running (for afterAll). */
export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** The desktop app in browser mode, as a user starts it. */
export interface DesktopProcess {
  url: string;
  home: string;
  stderr: string[];
  stop(): Promise<void>;
}

/**
 * Starts `cryptully-desktop --web` (hosting on a free loopback port) and reads its URL;
 * `env` adds variables (e.g. `CRYPTULLY_DOWNLOADS`, `TMPDIR`).
 */
export async function startDesktop(
  home = tempHome('desktop'),
  env: NodeJS.ProcessEnv = {},
): Promise<DesktopProcess> {
  const child = track(
    spawn(
      process.execPath,
      [desktopBin, '--web', '--port', '0', '--host-port', '0', '--host-bind', '127.0.0.1'],
      {
        env: { ...process.env, ...env, CRYPTULLY_HOME: home, CRYPTULLY_PASSPHRASE: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL: ${stderr.join(' | ')}`)), 15_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`desktop exited (${code}): ${stderr.join(' | ')}`));
    });
  });
  return { url, home, stderr, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const hard = setTimeout(() => child.kill('SIGKILL'), 4_000);
  await exited;
  clearTimeout(hard);
}

let cliWorks: boolean | undefined;
/** True when `cryptully host --json` runs the engine (prints JSON events). */
export function cliJsonAvailable(): boolean {
  if (cliWorks !== undefined) return cliWorks;
  if (!existsSync(cliBin)) {
    cliWorks = false;
    return cliWorks;
  }
  const probe = spawnSync(
    process.execPath,
    [cliBin, 'host', '--json', '--name', 'Probe', '--port', '0', '--bind', '127.0.0.1'],
    {
      env: { ...process.env, CRYPTULLY_HOME: tempHome('probe'), CRYPTULLY_PASSPHRASE: '' },
      encoding: 'utf8',
      timeout: 4_000,
      killSignal: 'SIGKILL',
      input: '',
    },
  );
  cliWorks = /"event":"(ready|listening)"/.test(probe.stdout ?? '');
  return cliWorks;
}

/** A friend driven through the `--json` vocabulary. */
export class JsonPeer {
  readonly events: ChatEvent[] = [];
  readonly stderr: string[] = [];
  readonly via: 'cli' | 'core';
  private readonly child: ChildProcess;
  private readonly waiters = new Set<() => void>();

  /** `host` on a free loopback port, or `join` a target. */
  constructor(mode: 'host' | 'join', options: { name: string; home?: string; target?: string }) {
    const home = options.home ?? tempHome(options.name.toLowerCase());
    const useCli = cliJsonAvailable();
    this.via = useCli ? 'cli' : 'core';
    const modeArgs = mode === 'host' ? ['host'] : ['join', options.target ?? ''];
    const args = useCli
      ? [
          cliBin,
          ...modeArgs,
          '--json',
          '--name',
          options.name,
          ...(mode === 'host' ? ['--port', '0', '--bind', '127.0.0.1'] : []),
        ]
      : [peerScript, ...modeArgs, '--name', options.name];
    this.child = track(
      spawn(process.execPath, args, {
        env: { ...process.env, CRYPTULLY_HOME: home, CRYPTULLY_PASSPHRASE: '' },
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );
    createInterface({ input: this.child.stderr! }).on('line', (line) => this.stderr.push(line));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as ChatEvent);
      } catch {
        this.stderr.push(`(stdout) ${line}`);
      }
      for (const wake of this.waiters) wake();
    });
  }

  /** Sends one command line. */
  send(command: ChatCommand): void {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  /** Waits for an event matching `predicate` (already seen ones count). */
  waitFor<E extends ChatEvent>(
    predicate: (e: ChatEvent) => boolean,
    what: string,
    timeoutMs = 15_000,
  ): Promise<E> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find(predicate);
        if (found) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve(found as E);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `peer (${this.via}) saw no ${what}; events: ${this.events.map((e) => e.event).join(', ')}; stderr: ${this.stderr.join(' | ')}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }

  /** Freezes the process (SIGSTOP): its socket stays open but nothing is read or answered. */
  freeze(): void {
    this.child.kill('SIGSTOP');
  }

  /** Kills the process at once (SIGKILL): no goodbye, the connection just dies. */
  async crash(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }
}
