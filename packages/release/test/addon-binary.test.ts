/**
 * The native-addon mechanism of the single executables, end to end: a small main module that
 * loads sodium-native (with a node:crypto fallback, as a library would) is built into a real
 * linux-x64 executable by the same build as cryptully's, then run: the addon is unpacked into
 * the cache, hash-checked, loaded, and computes the same BLAKE2b as sodium-native under plain
 * Node; a tampered cached copy is replaced; an unwritable cache gives one sentence and the
 * fallback.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/index.js';

const run = promisify(execFile);
const here = import.meta.dirname;
const script = join(here, '..', 'scripts', 'build-binaries.mjs');
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';
const folders: string[] = [];
let out = '';
let probe = '';

if (!linuxX64) console.warn('not linux-x64: the single-executable addon test is skipped');

beforeAll(async () => {
  if (!linuxX64) return;
  out = await mkdtemp(join(tmpdir(), 'cryptully-probe-'));
  folders.push(out);
  await run(
    process.execPath,
    [
      script,
      '--only',
      'linux-x64',
      '--entry',
      join(here, 'fixtures', 'addon-probe.cjs'),
      '--out',
      out,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  probe = join(out, 'cryptully-linux-x64');
}, 180_000);

afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

async function runProbe(cache: string) {
  const { stdout, stderr } = await run(probe, [], {
    cwd: '/',
    env: { CRYPTULLY_CACHE: cache, HOME: cache },
  });
  return { result: JSON.parse(stdout) as Record<string, string>, stderr };
}

/** BLAKE2b-256("abc") from sodium-native loaded by plain Node (its own loader, from node_modules). */
function expectedBlake2b(): string {
  const sodium = createRequire(import.meta.url)('sodium-native') as {
    crypto_generichash(out: Buffer, input: Buffer): void;
  };
  const hash = Buffer.alloc(32);
  sodium.crypto_generichash(hash, Buffer.from('abc'));
  return hash.toString('hex');
}

async function cachedAddon(cache: string): Promise<string> {
  const [build] = await readdir(cache);
  return join(cache, build!, 'addons', 'sodium-native', 'sodium-native.node');
}

describe.skipIf(!linuxX64)('a native addon inside a single executable', () => {
  it('is unpacked into the cache, checked, loaded and gives the same result as under Node', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'cryptully-cache-'));
    folders.push(cache);
    const { result, stderr } = await runProbe(cache);
    expect(result).toEqual({
      provider: 'sodium-native',
      blake2b256: expectedBlake2b(),
      // udx-native (the DHT's UDP) was found by the same generic discovery and bound a socket.
      udxPort: expect.any(Number),
    });
    expect(stderr).toBe('');
    const prebuilt = createRequire(import.meta.url).resolve('sodium-native/package.json');
    const original = readFileSync(
      join(prebuilt, '..', 'prebuilds', 'linux-x64', 'sodium-native.node'),
    );
    expect(sha256Hex(readFileSync(await cachedAddon(cache)))).toBe(sha256Hex(original));
  });

  it('replaces a cached copy that was tampered with before loading it', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'cryptully-cache-'));
    folders.push(cache);
    await runProbe(cache);
    const file = await cachedAddon(cache);
    const good = sha256Hex(readFileSync(file));
    writeFileSync(file, 'not a shared library');
    const { result } = await runProbe(cache);
    expect(result.provider).toBe('sodium-native');
    expect(sha256Hex(readFileSync(file))).toBe(good);
  });

  it('falls back with one sentence when the addon cannot be unpacked', async () => {
    const base = await mkdtemp(join(tmpdir(), 'cryptully-cache-'));
    folders.push(base);
    writeFileSync(join(base, 'blocker'), 'a file where the cache folder should be');
    const { result, stderr } = await runProbe(join(base, 'blocker', 'cache'));
    expect(result).toMatchObject({
      provider: 'node:crypto',
      code: 'ERR_ADDON_UNAVAILABLE',
      udx: 'ERR_ADDON_UNAVAILABLE',
    });
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const [index, name] of ['sodium-native', 'udx-native'].entries()) {
      expect(lines[index]).toMatch(
        new RegExp(
          `^cryptully: could not load the built-in ${name} \\(cannot write .+\\), so cryptully carries on without it\\.$`,
        ),
      );
    }
    expect(stderr).not.toMatch(/\bat .*:\d+:\d+/);
  });
});
