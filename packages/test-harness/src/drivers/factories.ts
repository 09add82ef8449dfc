/**
 * The driver factories of the three clients, as one table the matrix walks.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DesktopWsDriver } from './desktop-ws-driver.js';
import type { ClientKind, DriverFactory, DriverOptions } from './driver.js';
import { type NdjsonClientSpec, NdjsonProcessDriver } from './ndjson-process-driver.js';
import { clientAvailability, repoPath } from './paths.js';

/** Keep-alive settings as environment variables (read by the core child; others may too). */
function keepAliveEnv(options: DriverOptions): Record<string, string> {
  const env: Record<string, string> = {};
  if (options.keepAliveMs) env.CRYPTULLY_KEEPALIVE_MS = String(options.keepAliveMs);
  if (options.idleTimeoutMs) env.CRYPTULLY_IDLE_TIMEOUT_MS = String(options.idleTimeoutMs);
  if (options.handshakeTimeoutMs) {
    env.CRYPTULLY_HANDSHAKE_TIMEOUT_MS = String(options.handshakeTimeoutMs);
  }
  return env;
}

/** The core library in a Node child process (src/drivers/core-node-child.ts). */
export const CORE_CHILD: NdjsonClientSpec = {
  kind: 'core',
  script: repoPath('packages/test-harness/dist/drivers/core-node-child.js'),
  hostArgs: (o) => ['host', '--bind', o.bind ?? '127.0.0.1', '--port', '0', '--name', o.name],
  joinArgs: (o, target) => ['join', target, '--name', o.name],
  env: keepAliveEnv,
};

/** `cryptully --json` (packages/cli). */
export const CLI_JSON: NdjsonClientSpec = {
  kind: 'cli',
  script: repoPath('packages/cli/dist/bin.js'),
  hostArgs: (o) => [
    'host',
    '--bind',
    o.bind ?? '127.0.0.1',
    '--port',
    '0',
    '--json',
    '--name',
    o.name,
  ],
  joinArgs: (o, target) => ['join', target, '--json', '--name', o.name],
  env: keepAliveEnv,
};

/** Every client, in the matrix's order. */
export const FACTORIES: Record<ClientKind, DriverFactory> = {
  core: {
    kind: 'core',
    availability: () => clientAvailability('core'),
    create: (options) => new NdjsonProcessDriver(CORE_CHILD, options),
  },
  cli: {
    kind: 'cli',
    availability: () => clientAvailability('cli'),
    create: (options) => new NdjsonProcessDriver(CLI_JSON, options),
  },
  desktop: {
    kind: 'desktop',
    availability: () => clientAvailability('desktop'),
    create: (options) => new DesktopWsDriver(options),
  },
};

/** The client kinds in matrix order. */
export const CLIENT_KINDS: readonly ClientKind[] = ['core', 'cli', 'desktop'];

const homes: string[] = [];

/** A fresh temporary `CRYPTULLY_HOME`; removed by {@link removeTempHomes}. */
export function tempHome(label: string): string {
  const home = mkdtempSync(join(tmpdir(), `cryptully-${label}-`));
  homes.push(home);
  return home;
}

/** Removes every home {@link tempHome} made. */
export function removeTempHomes(): void {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
}
