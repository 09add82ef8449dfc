/**
 * The one small interface every Cryptully client is driven through in the interop matrix, the
 * fault scenarios and the hostile-peer tests, whatever the client is (the core library in a
 * Node process, `cryptully --json`, the desktop back end over its WebSocket API).
 * @module
 */
import type { ChatCommand, ChatEvent } from '@cryptully/core/protocol';

/** The clients the harness knows how to drive. */
export type ClientKind = 'core' | 'cli' | 'desktop';

/** An event of one kind, e.g. `EventOf<'listening'>`. */
export type EventOf<K extends ChatEvent['event']> = Extract<ChatEvent, { event: K }>;

/** Options common to every driver. */
export interface DriverOptions {
  /** Display name (`--name` / `name`). */
  name: string;
  /** `CRYPTULLY_HOME`; reuse one to keep the same identity across processes. */
  home: string;
  /** Keep-alive interval for fault tests (ms); only some clients accept it. */
  keepAliveMs?: number;
  /** Silence after which a session is declared dead (ms); only some clients accept it. */
  idleTimeoutMs?: number;
  /** Time a connection has to finish the handshake and hello (ms); only some clients accept it. */
  handshakeTimeoutMs?: number;
  /** Address to host on; default 127.0.0.1. */
  bind?: string;
  /**
   * A command that runs the client, e.g. `['ip', 'netns', 'exec', 'ns1']` (the desktop's
   * WebSocket is then reached through a pipe run by the same command).
   */
  launcher?: string[];
  /** Extra environment for the client (e.g. a NAT lab's `CRYPTULLY_BOOTSTRAP`). */
  env?: Record<string, string>;
}

/** A running client. */
export interface ClientDriver {
  readonly kind: ClientKind;
  /** Human label for logs, e.g. `cli:Alice`. */
  readonly label: string;
  readonly home: string;
  /** Every event the client emitted so far, in order. */
  readonly events: readonly ChatEvent[];
  /** Diagnostic lines the client wrote for people (stderr, server log). */
  readonly logs: readonly string[];
  /** Starts hosting on 127.0.0.1 with an ephemeral port; resolves with the `listening` event. */
  startHost(): Promise<EventOf<'listening'>>;
  /** Starts joining `target` (an invite or `host:port`); resolves once the command was given. */
  startJoin(target: string): Promise<void>;
  /** Sends one command. */
  send(command: ChatCommand): Promise<void>;
  /**
   * Resolves with the first event at index `from` or later that matches; rejects after
   * `timeoutMs` with the events seen, so a failure says what happened instead.
   */
  waitFor<E extends ChatEvent = ChatEvent>(
    predicate: (event: ChatEvent) => boolean,
    options?: { timeoutMs?: number; from?: number; what?: string },
  ): Promise<E>;
  /** Whether the client is still running. */
  alive(): boolean;
  /** The client's process id while it runs (for memory measurements). */
  readonly pid: number | undefined;
  /** Stops the client (gracefully, then by force) and releases everything it held. */
  stop(): Promise<void>;
}

/** Whether a client can be driven here. */
export type Availability =
  | { state: 'available' }
  /** The client cannot be run (e.g. not built): its cells fail. */
  | { state: 'broken'; why: string };

/** Creates drivers of one kind. */
export interface DriverFactory {
  readonly kind: ClientKind;
  availability(): Availability;
  create(options: DriverOptions): ClientDriver;
}

/** Raised when a driver waited for an event that did not come. */
export class DriverTimeoutError extends Error {
  constructor(label: string, what: string, timeoutMs: number, recent: readonly ChatEvent[]) {
    super(
      `${label}: no ${what} within ${timeoutMs} ms; last events: ` +
        recent
          .slice(-8)
          .map((event) => JSON.stringify(event))
          .join(' | '),
    );
    this.name = 'DriverTimeoutError';
  }
}
