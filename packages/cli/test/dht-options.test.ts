// The DHT options of `host` and `join`: the DHT is on by default (the invite carries the host's
// DHT key), --no-dht and CRYPTULLY_NO_DHT turn it off, --bootstrap / CRYPTULLY_BOOTSTRAP choose
// the bootstrap nodes (here a DHT of our own on loopback), and a malformed value is one sentence
// before anything else. Joins through the DHT across real NATs are in the test harness's lab.
import { spawn, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { decodeInvite } from '@cryptully/core/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanup, type JsonProcess, startJson, tempHome } from './helpers/json-process.js';

// hyperdht is core's dependency: resolve its test network from there.
const fromCore = createRequire(
  createRequire(import.meta.url).resolve('@cryptully/core/package.json'),
);
const createTestnet = fromCore('hyperdht/testnet') as (
  size: number,
  options: { host: string },
) => Promise<{ bootstrap: Array<{ host: string; port: number }>; destroy(): Promise<void> }>;

const folders: string[] = [];
const processes: JsonProcess[] = [];
let testnet: Awaited<ReturnType<typeof createTestnet>>;
let bootstrap: string;

beforeAll(async () => {
  testnet = await createTestnet(3, { host: '127.0.0.1' });
  bootstrap = testnet.bootstrap.map((b) => `${b.host}:${b.port}`).join(',');
}, 30_000);

afterAll(async () => {
  for (const p of processes) p.child.kill();
  await cleanup(folders);
  await testnet?.destroy();
});

async function home(): Promise<string> {
  const folder = await tempHome();
  folders.push(folder);
  return folder;
}

/** Starts a host with `args`; returns its `listening` event and quits it. */
async function listeningOf(args: string[], env: NodeJS.ProcessEnv) {
  const host = startJson(
    ['host', '--json', '--port', '0', '--bind', '127.0.0.1', '--name', 'Alice', ...args],
    await home(),
    env,
  );
  processes.push(host);
  const listening = await host.next('listening');
  host.send({ cmd: 'quit' });
  expect(await host.exit()).toBe(0);
  return { listening, stderr: host.stderr() };
}

describe('cryptully host and the DHT', () => {
  it('listens on the DHT by default: the invite and listening carry the DHT key', async () => {
    const { listening } = await listeningOf(['--bootstrap', bootstrap], { CRYPTULLY_NO_DHT: '' });
    expect(listening.dhtKey).toMatch(/^[0-9a-f]{64}$/);
    const invite = decodeInvite(listening.invite);
    expect(Buffer.from(invite.dhtKey ?? []).toString('hex')).toBe(listening.dhtKey);
  });

  it('takes the bootstrap nodes from CRYPTULLY_BOOTSTRAP too', async () => {
    const { listening } = await listeningOf([], {
      CRYPTULLY_NO_DHT: '',
      CRYPTULLY_BOOTSTRAP: bootstrap,
    });
    expect(listening.dhtKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps to TCP with --no-dht or CRYPTULLY_NO_DHT: no DHT key anywhere', async () => {
    for (const [args, env] of [
      [['--no-dht', '--bootstrap', bootstrap], { CRYPTULLY_NO_DHT: '' }],
      [['--bootstrap', bootstrap], { CRYPTULLY_NO_DHT: '1' }],
    ] as const) {
      const { listening } = await listeningOf([...args], env);
      expect(listening.dhtKey).toBeUndefined();
      expect(decodeInvite(listening.invite).dhtKey).toBeUndefined();
    }
  });

  it('refuses a malformed --bootstrap or --relay in one sentence, before anything else', async () => {
    const folder = await home();
    for (const [args, sentence] of [
      [['--bootstrap', 'nonsense'], /bootstrap node is host:port/],
      [['--bootstrap', '127.0.0.1:99999'], /bootstrap node is host:port/],
      [['--relay', 'abc'], /relay key is the 64 hexadecimal digits/],
      [['--no-dht', '--relay', 'abc'], /relay key is the 64 hexadecimal digits/],
    ] as const) {
      const run = spawnSync(process.execPath, [BIN, 'host', '--json', ...args], {
        env: { ...process.env, CRYPTULLY_HOME: folder },
        encoding: 'utf8',
        input: '',
        timeout: 20_000,
      });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toMatch(sentence);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('cryptully relay', () => {
  /** Runs `cryptully relay --json` until its `relaying` event, then stops it with SIGTERM. */
  async function relayOnce(folder: string): Promise<{ key: string; status: number | null }> {
    const child = spawn(process.execPath, [BIN, 'relay', '--json', '--bootstrap', bootstrap], {
      env: { ...process.env, CRYPTULLY_HOME: folder },
    });
    let out = '';
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.on('exit', () => reject(new Error(`relay exited early: ${out}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    const event = JSON.parse(line) as { event: string; key: string };
    expect(event.event).toBe('relaying');
    return { key: event.key, status: await exited };
  }

  it('prints its key in a relaying event, keeps it across restarts, and stops cleanly', async () => {
    const folder = await home();
    const first = await relayOnce(folder);
    expect(first.key).toMatch(/^[0-9a-f]{64}$/);
    expect(first.status).toBe(0);
    expect((await relayOnce(folder)).key).toBe(first.key);
    expect(await readFile(join(folder, 'relay-seed'), 'utf8')).not.toContain(first.key);
  });

  it('says in one sentence when its key file is damaged', async () => {
    const folder = await home();
    await writeFile(join(folder, 'relay-seed'), 'not a seed\n');
    const run = spawnSync(process.execPath, [BIN, 'relay', '--bootstrap', bootstrap], {
      env: { ...process.env, CRYPTULLY_HOME: folder },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/relay-seed is damaged.*delete it for a new relay key/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
