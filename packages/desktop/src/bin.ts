#!/usr/bin/env node
/**
 * `cryptully-desktop`: starts the Electron app, or with `--web [--port N]` serves the same UI
 * to a browser on 127.0.0.1.
 * @module
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type DhtSettings, dhtSettings, portMappingWanted } from '@cryptully/core/transport';
import { locateElectron, missingElectronMessage } from './electron-binary.js';
import { startBrowserApp } from './web/browser-app.js';

const USAGE = `Usage: cryptully-desktop [--web [--port N]]

  (no option)   start the desktop app (needs the Electron runtime)
  --web         serve the app to your browser at http://127.0.0.1 instead; the printed
                address opens it once (press Enter in this terminal for a new one)
  --port N      the port for --web (default: a free one)
  --print-api-token
                with --web, also print a line "api-token=TOKEN" for programs that speak
                the WebSocket API themselves (valid for every connection of this run)
  --host-port N the port "Start a chat" listens on (default: Cryptully's standard port;
                0: any free port)
  --host-bind A the address "Start a chat" listens on (default: every interface)
  --no-dht      TCP only: no DHT, so no hole punching through home routers
                (or set CRYPTULLY_NO_DHT=1)
  --bootstrap LIST
                DHT bootstrap nodes, host:port,... (default: HyperDHT's public ones;
                or CRYPTULLY_BOOTSTRAP)
  --no-port-mapping
                do not ask the router to forward the port "Start a chat" listens on
                (UPnP, NAT-PMP; or CRYPTULLY_NO_PORT_MAPPING=1)
  --relay KEY   a blind relay ("cryptully relay" prints its key), for two home
                networks that cannot be punched (or CRYPTULLY_RELAY)
  --help        show this help
`;

const here = dirname(fileURLToPath(import.meta.url));

async function runWeb(
  port: number,
  hostDefaults: { port?: number; bind?: string },
  printApiToken: boolean,
  dht: DhtSettings | undefined,
  portMapping: boolean,
): Promise<void> {
  await startBrowserApp({
    rendererDir: join(here, 'renderer'),
    port,
    hostDefaults,
    printApiToken,
    dht: dht ?? null,
    portMapping,
  });
}

/** The DHT options as the variables Electron's main process reads (it has no command line). */
function dhtEnvironment(values: DhtValues): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...(values['no-dht'] ? { CRYPTULLY_NO_DHT: '1' } : {}),
    ...(values['no-port-mapping'] ? { CRYPTULLY_NO_PORT_MAPPING: '1' } : {}),
    ...(values.bootstrap !== undefined ? { CRYPTULLY_BOOTSTRAP: values.bootstrap } : {}),
    ...(values.relay !== undefined ? { CRYPTULLY_RELAY: values.relay } : {}),
  };
}

/** The DHT options of the command line. */
interface DhtValues {
  'no-dht'?: boolean;
  'no-port-mapping'?: boolean;
  bootstrap?: string;
  relay?: string;
}

function runElectron(env: NodeJS.ProcessEnv): void {
  const electron = locateElectron();
  if (!electron) {
    process.stderr.write(missingElectronMessage());
    process.exitCode = 1;
    return;
  }
  const child = spawn(electron, [join(here, 'main', 'main.js')], { stdio: 'inherit', env });
  child.on('exit', (code) => {
    process.exitCode = code ?? 1;
  });
}

/** A port option: undefined when absent, null (after saying why) when invalid. */
function parsePort(value: string | undefined, option: string): number | undefined | null {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (/^\d+$/.test(value) && port <= 65535) return port;
  process.stderr.write(`${option} must be a whole number from 0 to 65535\n`);
  return null;
}

async function main(argv: string[]): Promise<void> {
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  let values: {
    web?: boolean;
    port?: string;
    'host-port'?: string;
    'host-bind'?: string;
    'print-api-token'?: boolean;
    help?: boolean;
  } & DhtValues;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        web: { type: 'boolean' },
        port: { type: 'string' },
        'host-port': { type: 'string' },
        'host-bind': { type: 'string' },
        'print-api-token': { type: 'boolean' },
        'no-dht': { type: 'boolean' },
        'no-port-mapping': { type: 'boolean' },
        bootstrap: { type: 'string' },
        relay: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port = parsePort(values.port, '--port');
  const hostPort = parsePort(values['host-port'], '--host-port');
  if (port === null || hostPort === null) {
    process.exitCode = 2;
    return;
  }
  const hostDefaults = {
    ...(hostPort !== undefined ? { port: hostPort } : {}),
    ...(values['host-bind'] ? { bind: values['host-bind'] } : {}),
  };
  let dht: DhtSettings | undefined;
  try {
    dht = dhtSettings(
      {
        ...(values['no-dht'] ? { noDht: true } : {}),
        ...(values.bootstrap !== undefined ? { bootstrap: values.bootstrap } : {}),
        ...(values.relay !== undefined ? { relay: values.relay } : {}),
      },
      process.env,
    );
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  if (values.web) {
    return runWeb(
      port ?? 0,
      hostDefaults,
      values['print-api-token'] === true,
      dht,
      !values['no-port-mapping'] && portMappingWanted(process.env),
    );
  }
  runElectron(dhtEnvironment(values));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const code = (error as { code?: string }).code;
  process.stderr.write(
    code === 'EADDRINUSE'
      ? 'That port is already in use; choose another with --port, or leave it out.\n'
      : `Cryptully could not start: ${(error as Error).message}\n`,
  );
  process.exitCode = 1;
});
