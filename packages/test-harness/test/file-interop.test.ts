// Files between different clients, as real processes: the CLI (`cryptully --json`) and the
// desktop back end (over its WebSocket bridge), both ways, including a big file's
// `file-preparing` reports and a cancel while it is got ready; and a 1 GiB file between two
// CLI processes with the resident memory of both sampled while it moves (it must stay flat).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, open, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CellContext, is } from '../src/cell-context.js';
import type { ClientDriver, ClientKind, EventOf } from '../src/drivers/driver.js';
import { removeTempHomes } from '../src/drivers/factories.js';
import { killAllChildren } from '../src/drivers/ndjson-process-driver.js';
import { clientAvailability } from '../src/drivers/paths.js';
import { rssBytes } from '../src/rss.js';
import { connectPair } from '../src/scenarios.js';
import { ensureHarnessBuilt } from './support/build.js';

const work = mkdtempSync(join(tmpdir(), 'cryptully-file-interop-'));
const contexts: CellContext[] = [];
afterAll(async () => {
  for (const ctx of contexts) await ctx.cleanup();
  killAllChildren();
  removeTempHomes();
  rmSync(work, { recursive: true, force: true });
});

/** A file of `size` bytes, pseudo-random in 1 MiB blocks; returns its path and SHA-256. */
async function makeFile(name: string, size: number): Promise<{ path: string; sha256: string }> {
  const path = join(work, name);
  const handle = await open(path, 'w');
  const hash = createHash('sha256');
  const block = Buffer.alloc(1024 * 1024);
  for (let offset = 0; offset < size; offset += block.length) {
    block.writeUInt32BE(offset / block.length, 0); // no two blocks alike
    for (let i = 4; i < block.length; i += 4096) block[i] = (offset + i) & 0xff;
    const part = block.subarray(0, Math.min(block.length, size - offset));
    hash.update(part);
    await handle.write(part);
  }
  await handle.close();
  return { path, sha256: hash.digest('hex') };
}

/**
 * `from` offers a file to `to`; `to` accepts into `dir`. `toPeer`: `to` as `from` knows it;
 * `fromPeer`: `from` as `to` knows it.
 */
async function transfer(
  from: ClientDriver,
  to: ClientDriver,
  toPeer: string,
  fromPeer: string,
  file: { path: string; sha256: string },
  dir: string,
  timeoutMs = 60_000,
): Promise<EventOf<'file-done'>> {
  const fromStart = from.events.length;
  const toStart = to.events.length;
  await from.send({ cmd: 'send-file', peer: toPeer, path: file.path });
  const offer = await to
    .waitFor<EventOf<'file-offer'>>(is('file-offer'), { from: toStart })
    .catch((error) => {
      throw new Error(`${error.message}; sender: ${JSON.stringify(from.events.slice(fromStart))}`);
    });
  expect(offer.sha256).toBe(file.sha256);
  await to.send({ cmd: 'accept-file', peer: fromPeer, id: offer.id, dir });
  const done = await to.waitFor<EventOf<'file-done'>>(is('file-done', { id: offer.id }), {
    from: toStart,
    timeoutMs,
  });
  const sent = await from.waitFor<EventOf<'file-done'>>(is('file-done', { id: offer.id }), {
    from: fromStart,
    timeoutMs,
  });
  expect(done.sha256).toBe(file.sha256);
  expect(sent.sha256).toBe(file.sha256);
  return done;
}

const pairs: Array<[ClientKind, ClientKind]> = [
  ['cli', 'desktop'],
  ['desktop', 'cli'],
];
for (const [hostKind, joinerKind] of pairs) {
  const missing = [hostKind, joinerKind]
    .map((kind) => clientAvailability(kind))
    .find((a) => a.state !== 'available');
  if (missing) console.warn(`FILE INTEROP ${hostKind}→${joinerKind}: SKIPPED: ${missing.why}`);
  describe.skipIf(missing !== undefined)(`files between ${hostKind} and ${joinerKind}`, () => {
    it('each side sends the other a file; the copies are identical', async () => {
      ensureHarnessBuilt();
      const ctx = new CellContext(hostKind, joinerKind);
      contexts.push(ctx);
      const { host, joiner, hostPeer, joinerPeer } = await connectPair(ctx, 'invite');
      const file = await makeFile(`${hostKind}-${joinerKind}.bin`, 5 * 1024 * 1024 + 77);
      const one = await transfer(
        host,
        joiner,
        hostPeer,
        joinerPeer,
        file,
        join(work, `${joinerKind}-in`),
      );
      expect(
        createHash('sha256')
          .update(await readFile(one.path))
          .digest('hex'),
      ).toBe(file.sha256);
      const two = await transfer(
        joiner,
        host,
        joinerPeer,
        hostPeer,
        file,
        join(work, `${hostKind}-in`),
      );
      expect(
        createHash('sha256')
          .update(await readFile(two.path))
          .digest('hex'),
      ).toBe(file.sha256);
    }, 120_000);

    it('a big file shows it is being got ready under its offer id; a cancel then stops it', async () => {
      ensureHarnessBuilt();
      const ctx = new CellContext(hostKind, joinerKind);
      contexts.push(ctx);
      const { host, joiner, hostPeer, joinerPeer } = await connectPair(ctx, 'invite');
      // Sparse files: no disk space, but read in full for their hash before any offer (about
      // 1 s per GiB here). The first outlasts the 250 ms before `file-preparing` starts.
      const big = join(work, `${hostKind}-big.img`);
      await writeFile(big, '');
      await truncate(big, 2 * 1024 ** 3);
      const hostStart = host.events.length;
      const joinerStart = joiner.events.length;
      await host.send({ cmd: 'send-file', peer: hostPeer, path: big });
      const offered = await host.waitFor<EventOf<'file-offered'>>(is('file-offered'), {
        from: hostStart,
        timeoutMs: 60_000,
      });
      const preparing = host.events
        .slice(hostStart)
        .filter((e): e is EventOf<'file-preparing'> => e.event === 'file-preparing');
      expect(preparing.length).toBeGreaterThan(0);
      for (const e of preparing) {
        expect(e).toMatchObject({ peer: hostPeer, id: offered.id, path: big, size: 2 * 1024 ** 3 });
      }
      const offer = await joiner.waitFor<EventOf<'file-offer'>>(is('file-offer'), {
        from: joinerStart,
      });
      expect(offer.id).toBe(offered.id);
      await joiner.send({ cmd: 'decline-file', peer: joinerPeer, id: offer.id });
      await host.waitFor(is('file-failed', { id: offer.id, reason: 'declined' }), {
        from: hostStart,
      });

      // 64 GiB would take about a minute to read: cancelled once it reports, never offered.
      const huge = join(work, `${hostKind}-huge.img`);
      await writeFile(huge, '');
      await truncate(huge, 64 * 1024 ** 3);
      const again = host.events.length;
      await host.send({ cmd: 'send-file', peer: hostPeer, path: huge });
      const started = await host.waitFor<EventOf<'file-preparing'>>(is('file-preparing'), {
        from: again,
      });
      await host.send({ cmd: 'cancel-file', peer: hostPeer, id: started.id });
      await host.waitFor(is('file-failed', { id: started.id, reason: 'cancelled' }), {
        from: again,
      });
      await host.send({ cmd: 'send', peer: hostPeer, text: 'no file after all' });
      await joiner.waitFor(is('message', { text: 'no file after all' }), { from: joinerStart });
      expect(joiner.events.slice(joinerStart).filter(is('file-offer'))).toHaveLength(1);
      expect(host.events.slice(again).filter(is('file-offered'))).toEqual([]);
      expect(host.events.slice(again).filter(is('error'))).toEqual([]);
    }, 120_000);
  });
}

const cli = clientAvailability('cli');
describe.skipIf(cli.state !== 'available')('a 1 GiB file between two CLI processes', () => {
  it('arrives intact while both processes keep their memory flat', async () => {
    ensureHarnessBuilt();
    const ctx = new CellContext('cli', 'cli');
    contexts.push(ctx);
    const { host, joiner, hostPeer, joinerPeer } = await connectPair(ctx, 'invite');
    const size = 1024 * 1024 * 1024;
    const file = await makeFile('one-gib.bin', size);
    const samples: Array<{ host: number; joiner: number }> = [];
    const sample = () => samples.push({ host: rssBytes(host.pid!), joiner: rssBytes(joiner.pid!) });
    sample();
    const timer = setInterval(sample, 200);
    const started = performance.now();
    let done: EventOf<'file-done'>;
    try {
      done = await transfer(
        host,
        joiner,
        hostPeer,
        joinerPeer,
        file,
        join(work, 'gib-in'),
        600_000,
      );
    } finally {
      clearInterval(timer);
    }
    const seconds = (performance.now() - started) / 1000;
    sample();
    expect((await stat(done.path)).size).toBe(size);
    const peak = (side: 'host' | 'joiner') => Math.max(...samples.map((s) => s[side]));
    const first = samples[0]!;
    const mib = (n: number) => Math.round(n / 1024 / 1024);
    console.log(
      `1 GiB cli→cli: ${seconds.toFixed(1)} s (${(size / 1e6 / seconds).toFixed(0)} MB/s, hash of the offer included); RSS sender ${mib(first.host)}→peak ${mib(peak('host'))} MiB, receiver ${mib(first.joiner)}→peak ${mib(peak('joiner'))} MiB; ${samples.length} samples`,
    );
    // Flat: growth bounded by buffers (8 MiB window, 1 MiB read-ahead, socket buffers, GC
    // slack), far below the file's size.
    expect(peak('host') - first.host).toBeLessThan(96 * 1024 * 1024);
    expect(peak('joiner') - first.joiner).toBeLessThan(96 * 1024 * 1024);
    rmSync(done.path);
  }, 900_000);
});

/** Every file below `root` as `relative path (size bytes, sha256 prefix)`, sorted. */
async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const item of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, item.name);
      if (item.isDirectory()) await walk(path, `${prefix}${item.name}/`);
      else {
        const data = await readFile(path);
        const digest = createHash('sha256').update(data).digest('hex').slice(0, 16);
        out.push(`${prefix}${item.name} (${data.length}, ${digest})`);
      }
    }
  };
  await walk(root, '');
  return out.sort();
}

describe.skipIf(cli.state !== 'available')('a folder between two CLI processes', () => {
  it('arrives as one offer: nested folders, an empty file and unicode names, intact', async () => {
    ensureHarnessBuilt();
    const ctx = new CellContext('cli', 'cli');
    contexts.push(ctx);
    const { host, joiner, hostPeer, joinerPeer } = await connectPair(ctx, 'invite');
    const root = join(work, 'Projekt Ωmega');
    await mkdir(join(root, 'src', 'déjà vu'), { recursive: true });
    await writeFile(join(root, 'README.md'), '# hello\n');
    await writeFile(join(root, 'empty'), '');
    await writeFile(join(root, 'src', 'déjà vu', '日本語.txt'), 'こんにちは');
    const big = await makeFile('folder-big.bin', 3 * 1024 * 1024 + 5);
    await writeFile(join(root, 'src', 'data.bin'), await readFile(big.path));
    const hostStart = host.events.length;
    const joinerStart = joiner.events.length;
    await host.send({ cmd: 'send-file', peer: hostPeer, path: root });
    const offered = await host.waitFor<EventOf<'file-offered'>>(is('file-offered'), {
      from: hostStart,
    });
    expect(offered).toMatchObject({ kind: 'folder', entries: 4, name: 'Projekt Ωmega' });
    const offer = await joiner.waitFor<EventOf<'file-offer'>>(is('file-offer'), {
      from: joinerStart,
    });
    expect(offer).toMatchObject({ kind: 'folder', entries: 4, name: 'Projekt Ωmega' });
    const dir = join(work, 'folder-in');
    await joiner.send({ cmd: 'accept-file', peer: joinerPeer, id: offer.id, dir });
    const done = await joiner.waitFor<EventOf<'file-done'>>(is('file-done', { id: offer.id }), {
      from: joinerStart,
      timeoutMs: 60_000,
    });
    expect(done.path).toBe(join(dir, 'Projekt Ωmega'));
    expect(await tree(done.path)).toEqual(await tree(root));
    expect(await readdir(dir)).toEqual(['Projekt Ωmega']);
    await host.waitFor(is('file-done', { id: offer.id }), { from: hostStart, timeoutMs: 60_000 });
  }, 120_000);
});
