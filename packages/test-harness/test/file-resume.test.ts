// A file transfer cut in the middle by the fault proxy, then a reconnect: the transfer goes on
// from what the receiver had written (not from zero) and the hash matches. Two real chat nodes
// over loopback TCP with the proxy between them.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
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

    // Bob sends; Alice accepts; the proxy cuts the connection once Alice has 16 MiB.
    await bob.dispatch({ cmd: 'send-file', peer: aliceId, path: source });
    const offer = await alice.next('file-offer');
    await alice.dispatch({ cmd: 'accept-file', peer: bobId, id: offer.id });
    await alice.next('file-progress', (e) => e.bytes >= 16 * 1024 * 1024);
    proxy.cutAll();
    await alice.next('disconnected');
    await bob.next('disconnected');
    const before = proxy.stats.bytesIn.c2s;
    // Nothing under the final name yet: only the temporary file.
    const downloads = join(work, 'alice-downloads');
    expect((await readdir(downloads)).filter((n) => !n.endsWith('.part'))).toEqual([]);

    await join1(2);
    const done = await alice.next('file-done', undefined, 120_000);
    const after = proxy.stats.bytesIn.c2s - before;
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
});
