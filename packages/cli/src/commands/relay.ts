/**
 * `cryptully relay`: a blind relay on the DHT for friends whose two home routers cannot be
 * punched. It keeps its key in `relay-seed` in the Cryptully folder, so the key friends use
 * (`--relay KEY`) survives a restart; it only ever sees encrypted data.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { cryptullyHome, readFileIfExists, writeFileAtomic } from '@cryptully/core/storage';
import { parseBootstrapList, startDhtRelay } from '@cryptully/core/transport';
import type { ParsedArgs } from '../args/parse-args.js';
import { CliError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { onSignals } from '../signals.js';

/** The relay's seed file in the Cryptully folder. */
export const RELAY_SEED_FILE = 'relay-seed';

/** What the plain output says when the DHT cannot reach the relay unasked. */
const NOT_REACHABLE = [
  'Warning: the internet does not seem to reach this computer directly (it looks to be behind',
  'a router or a firewall), so friends whose routers cannot connect directly may not reach this',
  'relay either.',
  'Run it on a computer with a public address (a server, not one at home).',
];

/** Reads the relay's 32-byte seed, making one on first run. */
async function relaySeed(home: string): Promise<Uint8Array> {
  const path = join(home, RELAY_SEED_FILE);
  const existing = await readFileIfExists(path, { maxBytes: 1024 });
  if (existing !== undefined) {
    const seed = Buffer.from(existing.trim(), 'hex');
    if (seed.length !== 32) {
      throw new CliError(
        'ERR_BAD_RELAY',
        `${path} is damaged (it should hold 64 hexadecimal digits); delete it for a new relay key`,
      );
    }
    return seed;
  }
  const seed = randomBytes(32);
  await writeFileAtomic(path, `${seed.toString('hex')}\n`);
  return seed;
}

/** Runs the relay until Ctrl+C (or SIGTERM); `--json` prints `{"event":"relaying","key":…}`. */
export async function relayCommand(parsed: ParsedArgs, io: CliIo): Promise<ExitCode> {
  // A relay is all DHT: only the bootstrap nodes are a choice (CRYPTULLY_NO_DHT is not).
  const list = parsed.options.bootstrap ?? io.env.CRYPTULLY_BOOTSTRAP;
  const bootstrap = list?.trim() ? parseBootstrapList(list) : undefined;
  const json = parsed.options.json === true;
  const log = json ? (line: string) => io.stderr.write(`[cryptully] ${line}\n`) : () => {};
  const relay = await startDhtRelay({
    ...(bootstrap ? { bootstrap } : {}),
    seed: await relaySeed(cryptullyHome(io.env)),
    log,
  });
  // Listening for Ctrl+C before the key is printed: whoever reads the key may stop us at once.
  let stopListening = () => {};
  const stopped = new Promise<void>((resolve) => {
    stopListening = onSignals(resolve);
  });
  const key = Buffer.from(relay.publicKey).toString('hex');
  const reachable = relay.reachable;
  if (json) {
    const event = {
      event: 'relaying',
      key,
      reachable,
      ...(relay.address ? { address: relay.address } : {}),
    };
    io.stdout.write(`${JSON.stringify(event)}\n`);
  } else {
    io.stdout.write(
      [
        'Relaying on the DHT. It passes on encrypted data only; it cannot read a chat.',
        'Friends whose routers cannot connect directly add this to host and join:',
        `  --relay ${key}`,
        ...(reachable ? [] : NOT_REACHABLE),
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    );
  }
  await stopped;
  stopListening();
  await relay.close();
  return EXIT.ok;
}
