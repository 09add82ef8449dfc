// A file transfer cut in the middle by the fault proxy, then a reconnect: the transfer goes on
// from what the receiver had written (not from zero) and the hash matches. Two real chat nodes
// over loopback TCP with the proxy between them.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatNode } from '@cryptully/core/engine';
import type { ChatEvent } from '@cryptully/core/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy } from '../src/fault-proxy.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => {});
});

type Watched = ChatNode & {
  events: ChatEvent[];
  next<E extends ChatEvent['event']>(
    event: E,
    match?: (e: Extract<ChatEvent, { event: E }>) => boolean,
    ms?: number,
  ): Promise<Extract<ChatEvent, { event: E }>>;
};

async function node(name: string, downloadsDir: string): Promise<Watched> {
  const home = await mkdtemp(join(tmpdir(), 'cryptully-resume-'));
  const chat = await ChatNode.open({
    home,
    name,
    clientName: 'harness',
    clientVersion: '0',
    downloadsDir,
  });
  cleanups.push(
    () => rm(home, { recursive: true, force: true }),
    () => chat.close(),
  );
  const events: ChatEvent[] = [];
  const waiters = new Set<() => void>();
  chat.on((e) => {
    events.push(e);
    for (const w of [...waiters]) w();
  });
  return Object.assign(chat, {
    events,
    next(event: string, match: (e: never) => boolean = () => true, ms = 30_000) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < events.length; seen++) {
            const e = events[seen]!;
            if (e.event === event && match(e as never)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(e);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`${name}: no ${event} in ${ms} ms; last ${JSON.stringify(events.slice(-3))}`),
          );
        }, ms);
        waiters.add(check);
        check();
      });
    },
  }) as unknown as Watched;
}

/**
 * Alice hosts, Bob joins through a fault proxy; `join1(round)` (re)connects them (the round-th
 * time). Returns both nodes, the proxy and each one's id for the other.
 */
async function proxiedPair(work: string) {
  const alice = await node('Alice', join(work, 'alice-downloads'));
  const bob = await node('Bob', join(work, 'bob-downloads'));
  await alice.dispatch({ cmd: 'host', port: 0, bind: '127.0.0.1' });
  const { port } = await alice.next('listening');
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port } });
  cleanups.push(() => proxy.close());
  const join1 = async (round: number) => {
    await bob.dispatch({ cmd: 'join', target: proxy.address });
    const request = await alice.next(
      'request',
      () => alice.events.filter((e) => e.event === 'request').length === round,
    );
    await alice.dispatch({ cmd: 'accept', peer: request.peer });
    await bob.next(
      'connected',
      () => bob.events.filter((e) => e.event === 'connected').length === round,
    );
    return request.peer;
  };
  const bobId = await join1(1);
  const aliceId = (await bob.next('connected')).peer;
  return { alice, bob, proxy, join1, bobId, aliceId, work };
}

/**
 * Bob sends `path`; Alice accepts; the proxy cuts the connection once Bob has sent about
 * `cutAt` bytes of it; Bob joins again and the transfer ends. `after`: bytes Bob sent after
 * the cut.
 */
async function sendCutResume(
  { alice, bob, proxy, join1, bobId, aliceId, work }: Awaited<ReturnType<typeof proxiedPair>>,
  path: string,
  cutAt: number,
) {
  await bob.dispatch({ cmd: 'send-file', peer: aliceId, path });
  const offer = await alice.next('file-offer');
  // The cut is counted in Bob's frames, not timed: a streaming file fills each frame (at most
  // 65,535 bytes), so it lands mid-transfer however fast the machine moves the file (waiting
  // for a progress event instead let an idle machine finish all 48 MiB between two of them).
  proxy.setMode({
    kind: 'cut',
    direction: 'c2s',
    frame: proxy.nextFrame('c2s') + Math.ceil(cutAt / 65_535),
  });
  await alice.dispatch({ cmd: 'accept-file', peer: bobId, id: offer.id });
  await proxy.waitFired(0, 60_000);
  await alice.next('disconnected');
  await bob.next('disconnected');
  const before = proxy.stats.bytesIn.c2s;
  // Nothing under the final name yet: only the temporary file or folder.
  const downloads = join(work, 'alice-downloads');
  expect((await readdir(downloads)).filter((n) => !n.endsWith('.part'))).toEqual([]);
  await join1(2);
  const done = await alice.next('file-done', undefined, 120_000);
  return { offer, done, after: proxy.stats.bytesIn.c2s - before, downloads };
}

describe('file transfer across a cut', () => {
  it('resumes from what the receiver verified after the fault proxy cuts the connection', async () => {
    const work = await mkdtemp(join(tmpdir(), 'cryptully-resume-files-'));
    cleanups.push(() => rm(work, { recursive: true, force: true }));
    const size = 48 * 1024 * 1024;
    const source = join(work, 'video.mkv');
    const handle = await open(source, 'w');
    const hash = createHash('sha256');
    for (let i = 0; i < size / (1024 * 1024); i += 1) {
      const block = randomBytes(1024 * 1024);
      hash.update(block);
      await handle.write(block);
    }
    await handle.close();
    const sha256 = hash.digest('hex');

    const pair = await proxiedPair(work);
    const { alice, bob } = pair;
    // Bob sends; Alice accepts; the proxy cuts the connection once Alice has 16 MiB.
    const { done, after, downloads } = await sendCutResume(pair, source, 16 * 1024 * 1024);
    expect(done.sha256).toBe(sha256);
    expect(done.path).toBe(join(downloads, 'video.mkv'));
    const copy = await readFile(done.path);
    expect(createHash('sha256').update(copy).digest('hex')).toBe(sha256);
    expect(await readdir(downloads)).toEqual(['video.mkv']);
    // Resumed, not restarted: the second connection carried clearly less than the file.
    expect(after).toBeLessThan(size - 8 * 1024 * 1024);
    expect(after).toBeGreaterThan(0);
    expect((await bob.next('file-done')).sha256).toBe(sha256);
    expect(alice.events.filter((e) => e.event === 'file-failed')).toEqual([]);
  }, 180_000);

  it('resumes a folder from what the receiver verified after a cut', async () => {
    const work = await mkdtemp(join(tmpdir(), 'cryptully-resume-folder-'));
    cleanups.push(() => rm(work, { recursive: true, force: true }));
    // Six files of 8 MiB in nested folders: the cut lands inside one of them.
    const root = join(work, 'Ordner ü');
    const files = new Map<string, string>();
    for (let i = 0; i < 6; i += 1) {
      const relative = join(`part ${i % 2}`, `sub-${i}`, `file ${i}.bin`);
      await mkdir(join(root, relative, '..'), { recursive: true });
      const handle = await open(join(root, relative), 'w');
      const hash = createHash('sha256');
      for (let j = 0; j < 8; j += 1) {
        const block = randomBytes(1024 * 1024);
        hash.update(block);
        await handle.write(block);
      }
      await handle.close();
      files.set(relative, hash.digest('hex'));
    }
    const size = 48 * 1024 * 1024;

    const pair = await proxiedPair(work);
    const { alice, bob } = pair;
    // The cut lands in the third file.
    const { offer, done, after, downloads } = await sendCutResume(pair, root, 20 * 1024 * 1024);
    expect(offer).toMatchObject({ kind: 'folder', entries: 6, size });
    expect(done.path).toBe(join(downloads, 'Ordner ü'));
    for (const [relative, sha256] of files) {
      const copy = await readFile(join(done.path, relative));
      expect(createHash('sha256').update(copy).digest('hex')).toBe(sha256);
    }
    expect(await readdir(downloads)).toEqual(['Ordner ü']);
    expect(after).toBeLessThan(size - 8 * 1024 * 1024);
    expect(after).toBeGreaterThan(0);
    expect((await bob.next('file-done')).sha256).toBe(offer.sha256);
    expect(alice.events.filter((e) => e.event === 'file-failed')).toEqual([]);
  }, 180_000);
});
