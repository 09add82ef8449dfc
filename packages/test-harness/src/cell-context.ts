/**
 * What one scenario run (one matrix cell) gets: clients of the two kinds under test, a fault
 * proxy when it needs one, and a cleanup that stops everything it started even on failure.
 * @module
 */
import type { ChatEvent } from '@cryptully/core/protocol';
import type { ClientDriver, ClientKind, DriverOptions, EventOf } from './drivers/driver.js';
import { FACTORIES, tempHome } from './drivers/factories.js';
import { NOT_NDJSON } from './drivers/ndjson-process-driver.js';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';

/** Extra driver options a scenario may set (a reused home keeps an identity). */
export type ClientOptions = Partial<Omit<DriverOptions, 'name'>>;

/** See the module comment. */
export class CellContext {
  private readonly drivers: ClientDriver[] = [];
  private readonly proxies: FaultProxy[] = [];

  constructor(
    readonly hostKind: ClientKind,
    readonly joinerKind: ClientKind,
  ) {}

  /** A client of the given kind, not started yet. */
  client(kind: ClientKind, name: string, options: ClientOptions = {}): ClientDriver {
    const driver = FACTORIES[kind].create({
      name,
      home: options.home ?? tempHome(`${kind}-${name}`.toLowerCase()),
      ...options,
    });
    this.drivers.push(driver);
    return driver;
  }

  /** A host of the cell's host kind, started; resolves with it and its `listening` event. */
  async host(
    name = 'Hana',
    options: ClientOptions = {},
  ): Promise<{ host: ClientDriver; listening: EventOf<'listening'> }> {
    const host = this.client(this.hostKind, name, options);
    const listening = await host.startHost();
    return { host, listening };
  }

  /** A joiner of the cell's joiner kind, not started yet. */
  joiner(name = 'Jo', options: ClientOptions = {}): ClientDriver {
    return this.client(this.joinerKind, name, options);
  }

  /** A fault proxy in front of `port` on 127.0.0.1. */
  async proxy(port: number): Promise<FaultProxy> {
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port } });
    this.proxies.push(proxy);
    return proxy;
  }

  /** Stops every client and proxy this cell started. */
  async cleanup(): Promise<void> {
    await Promise.allSettled(this.drivers.map((driver) => driver.stop()));
    await Promise.allSettled(this.proxies.map((proxy) => proxy.close()));
  }

  /** Stdout lines of process clients that were not NDJSON events (a broken --json contract). */
  ndjsonViolations(): string[] {
    return this.drivers.flatMap((d) =>
      d.logs.filter((line) => line.startsWith(NOT_NDJSON)).map((line) => `${d.label}: ${line}`),
    );
  }

  /** Log lines of every client, for a failure message. */
  diagnostics(): string {
    return this.drivers
      .map((d) => `--- ${d.label} logs:\n${d.logs.slice(-15).join('\n')}`)
      .join('\n');
  }
}

/** Matches one event kind, optionally with fields equal to `fields`. */
export function is<K extends ChatEvent['event']>(
  kind: K,
  fields: Partial<EventOf<K>> = {},
): (event: ChatEvent) => boolean {
  return (event) =>
    event.event === kind &&
    Object.entries(fields).every(
      ([key, value]) => (event as unknown as Record<string, unknown>)[key] === value,
    );
}

/** How many events in `driver`'s log match. */
export function count(driver: ClientDriver, predicate: (event: ChatEvent) => boolean): number {
  return driver.events.filter(predicate).length;
}
