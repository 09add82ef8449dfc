/**
 * A driver for any client that speaks NDJSON on its standard streams: events one JSON object
 * per line on stdout, commands one per line on stdin, diagnostics on stderr. Both
 * `cryptully --json` and the harness's core child script work this way, so they share it.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ChatCommand, ChatEvent } from '@cryptully/core/protocol';
import type { ClientDriver, ClientKind, DriverOptions, EventOf } from './driver.js';
import { EventLog } from './event-log.js';

/** How to start one NDJSON client. */
export interface NdjsonClientSpec {
  kind: ClientKind;
  /** The script run with `node`. */
  script: string;
  /** Arguments for hosting on 127.0.0.1 with an ephemeral port. */
  hostArgs(options: DriverOptions): string[];
  /** Arguments for joining `target`. */
  joinArgs(options: DriverOptions, target: string): string[];
  /** Extra environment (keep-alive settings and the like). */
  env?(options: DriverOptions): Record<string, string>;
}

/** Marks a stdout line that breaks the NDJSON contract (one event object per line). */
export const NOT_NDJSON = '(stdout, not an NDJSON event)';

/** Every child process any NDJSON driver started, so a test can kill them all at the end. */
export const liveChildren = new Set<ChildProcess>();

/** Drives one NDJSON client process; see {@link NdjsonClientSpec}. */
export class NdjsonProcessDriver implements ClientDriver {
  readonly kind: ClientKind;
  readonly label: string;
  readonly home: string;
  readonly logs: string[] = [];
  private readonly log = new EventLog(() => this.label);
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly spec: NdjsonClientSpec,
    private readonly options: DriverOptions,
  ) {
    this.kind = spec.kind;
    this.label = `${spec.kind}:${options.name}`;
    this.home = options.home;
  }

  get events(): readonly ChatEvent[] {
    return this.log.events;
  }

  private spawnWith(args: string[]): void {
    if (this.alive()) throw new Error(`${this.label} is already running`);
    const [command, ...prefix] = [...(this.options.launcher ?? []), process.execPath];
    const child = spawn(command!, [...prefix, this.spec.script, ...args], {
      env: {
        ...process.env,
        CRYPTULLY_HOME: this.options.home,
        CRYPTULLY_PASSPHRASE: '',
        NO_COLOR: '1',
        ...this.spec.env?.(this.options),
        ...this.options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    liveChildren.add(child);
    this.exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        liveChildren.delete(child);
        this.log.end(`exit code ${code ?? signal}`);
        resolve();
      }),
    );
    child.stdin?.on('error', () => {});
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        this.logs.push(`${NOT_NDJSON} ${line}`);
        return;
      }
      const event = (value as { event?: unknown } | null)?.event;
      if (typeof event !== 'string') this.logs.push(`${NOT_NDJSON} (no "event") ${line}`);
      else this.log.push(value as ChatEvent);
    });
    createInterface({ input: child.stderr! }).on('line', (line) => this.logs.push(line));
  }

  async startHost(): Promise<EventOf<'listening'>> {
    const from = this.log.events.length;
    this.spawnWith(this.spec.hostArgs(this.options));
    return this.waitFor<EventOf<'listening'>>((e) => e.event === 'listening', {
      from,
      timeoutMs: 15_000,
      what: 'listening event',
    });
  }

  async startJoin(target: string): Promise<void> {
    if (this.alive()) {
      await this.send({ cmd: 'join', target });
      return;
    }
    this.spawnWith(this.spec.joinArgs(this.options, target));
  }

  async send(command: ChatCommand): Promise<void> {
    const stdin = this.child?.stdin;
    if (!this.alive() || !stdin) throw new Error(`${this.label} is not running`);
    await new Promise<void>((resolve, reject) =>
      stdin.write(`${JSON.stringify(command)}\n`, (error) => (error ? reject(error) : resolve())),
    );
  }

  waitFor<E extends ChatEvent = ChatEvent>(
    predicate: (event: ChatEvent) => boolean,
    options?: { timeoutMs?: number; from?: number; what?: string },
  ): Promise<E> {
    return this.log.waitFor<E>(predicate, options);
  }

  alive(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Resolves when the process has exited (immediately when it is not running). */
  whenExited(): Promise<void> {
    return this.exited;
  }

  /** The process id, for RSS measurements. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive()) return;
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGTERM'), 1_500);
    const hard = setTimeout(() => child.kill('SIGKILL'), 4_000);
    await this.exited;
    clearTimeout(timer);
    clearTimeout(hard);
  }
}

/** Kills every child an NDJSON driver started and has not stopped (for `afterAll`). */
export function killAllChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
  liveChildren.clear();
}
