/**
 * A tiny client on the core library alone: runs a `ChatNode` and speaks the same NDJSON as
 * `cryptully --json` (events on stdout, commands on stdin, diagnostics on stderr), so the
 * interop matrix drives the library and the CLI the same way.
 *
 * Usage: `node core-node-child.js host [--port N] [--bind ADDR] --name NAME`
 *        `node core-node-child.js join <target> --name NAME`
 * Environment: `CRYPTULLY_HOME` (required), `CRYPTULLY_KEEPALIVE_MS`,
 * `CRYPTULLY_IDLE_TIMEOUT_MS`, `CRYPTULLY_HANDSHAKE_TIMEOUT_MS` (short values for tests), and the
 * DHT's `CRYPTULLY_BOOTSTRAP` (the DHT is used only when it is set), `CRYPTULLY_NO_DHT`,
 * `CRYPTULLY_RELAY` (as the CLI reads them).
 * @module
 */
import { createInterface } from 'node:readline';
import type { ChatCommand, ChatEvent, ChatNodeApi } from '@cryptully/core/protocol';
import { errorCodeOf, parseCommandLine } from '@cryptully/core/protocol';
import { dhtSettings } from '@cryptully/core/transport';

interface ChatNodeClass {
  open(options: Record<string, unknown>): Promise<ChatNodeApi>;
}

/** The module specifier of the engine, kept in a variable so the harness builds without it. */
const ENGINE_MODULE = '@cryptully/core/engine';

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
}

function numberFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? undefined : Number(raw);
}

async function main(argv: string[]): Promise<void> {
  const [role, maybeTarget] = argv;
  const write = (event: ChatEvent): void => {
    process.stdout.write(`${JSON.stringify(event)}\n`);
  };
  const { ChatNode } = (await import(ENGINE_MODULE)) as { ChatNode: ChatNodeClass };
  const options: Record<string, unknown> = {
    home: process.env.CRYPTULLY_HOME,
    name: option(argv, 'name'),
    clientName: 'cryptully-harness-core',
    clientVersion: '0.1.0',
    log: (line: string) => process.stderr.write(`${line}\n`),
  };
  const keepAliveMs = numberFromEnv('CRYPTULLY_KEEPALIVE_MS');
  const idleTimeoutMs = numberFromEnv('CRYPTULLY_IDLE_TIMEOUT_MS');
  const handshakeTimeoutMs = numberFromEnv('CRYPTULLY_HANDSHAKE_TIMEOUT_MS');
  if (keepAliveMs !== undefined) options.keepAliveMs = keepAliveMs;
  if (idleTimeoutMs !== undefined) options.idleTimeoutMs = idleTimeoutMs;
  if (handshakeTimeoutMs !== undefined) options.handshakeTimeoutMs = handshakeTimeoutMs;
  // The DHT as the CLI reads it, but only with bootstrap nodes of a test's own (the NAT lab's):
  // this child never joins the public DHT.
  const dht = process.env.CRYPTULLY_BOOTSTRAP ? dhtSettings({}, process.env) : undefined;
  if (dht) options.dht = dht;
  const node = await ChatNode.open(options);
  node.on(write);

  let closing = false;
  const shutdown = async (code: number): Promise<void> => {
    if (closing) return;
    closing = true;
    await node.close().catch(() => {});
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));

  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    let command: ChatCommand;
    try {
      command = parseCommandLine(line);
    } catch (error) {
      const code = errorCodeOf(error) ?? 'ERR_BAD_COMMAND';
      write({ event: 'error', code, message: (error as Error).message });
      return;
    }
    if (command.cmd === 'quit') {
      void shutdown(0);
      return;
    }
    void node.dispatch(command);
  });
  lines.on('close', () => void shutdown(0));

  if (role === 'host') {
    const port = Number(option(argv, 'port') ?? '0');
    await node.dispatch({ cmd: 'host', port, bind: option(argv, 'bind') ?? '127.0.0.1' });
  } else if (role === 'join' && maybeTarget !== undefined) {
    await node.dispatch({ cmd: 'join', target: maybeTarget });
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`core child failed: ${(error as Error).message}\n`);
  process.exit(1);
});
