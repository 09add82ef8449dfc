// `file-preparing`: while a file or folder to send is read for its hash, the sender hears how
// far it is (with the id `file-offered` then carries); a small file says nothing. Real files,
// real disk adapter, two real chat nodes over loopback TCP.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeFileDisk } from '../../src/adapters/file-disk.js';
import type { ChatNodeOptions } from '../../src/engine/chat-node.js';
import { cleanup, connectPair, openNode } from '../engine/helpers.js';

afterEach(cleanup);

const MiB = 1024 * 1024;

async function folder(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'cryptully-preparing-'));
}

async function pair(options: Partial<ChatNodeOptions>) {
  const downloads = await folder();
  const alice = await openNode('Alice', { downloadsDir: join(downloads, 'alice'), ...options });
  const bob = await openNode('Bob', { downloadsDir: join(downloads, 'bob') });
  const { hostSide } = await connectPair(alice, bob);
  return { alice, bob, bobId: hostSide.peer };
}

/**
 * A sparse file of 64 GiB: no disk space, but reading it all for its hash would take about a
 * minute here, far past the test's timeout, so a cancel that did not stop the reading fails.
 */
async function hugeSparseFile(path: string): Promise<string> {
  await writeFile(path, '');
  await truncate(path, 64 * 1024 * MiB);
  return path;
}

describe('file-preparing', () => {
  it('the disk reports hashing progress: bytes increasing to the size, for a file and a folder', async () => {
    const disk = nodeFileDisk();
    const file = join(await folder(), 'big.bin');
    await writeFile(file, randomBytes(5 * MiB + 7));
    const seen: Array<[number, number]> = [];
    const { size } = await disk.hash(file, (bytes, total) => seen.push([bytes, total]));
    expect(size).toBe(5 * MiB + 7);
    expect(seen.length).toBeGreaterThan(2);
    for (let i = 1; i < seen.length; i += 1) expect(seen[i]![0]).toBeGreaterThan(seen[i - 1]![0]);
    expect(seen.every(([, total]) => total === size)).toBe(true);
    expect(seen.at(-1)).toEqual([size, size]);

    const root = join(await folder(), 'Album');
    await mkdir(join(root, 'a'), { recursive: true });
    await writeFile(join(root, 'a', 'one.bin'), randomBytes(3 * MiB));
    await writeFile(join(root, 'two.bin'), randomBytes(2 * MiB + 5));
    const folderSeen: Array<[number, number]> = [];
    const listing = await disk.listFolder(root, (bytes, total) => folderSeen.push([bytes, total]));
    expect(listing.size).toBe(5 * MiB + 5);
    for (let i = 1; i < folderSeen.length; i += 1) {
      expect(folderSeen[i]![0]).toBeGreaterThan(folderSeen[i - 1]![0]);
    }
    expect(folderSeen.every(([, total]) => total === listing.size)).toBe(true);
    expect(folderSeen.at(-1)).toEqual([listing.size, listing.size]);
  });

  it('with no delay, a send reports preparing before the offer, under the offered id', async () => {
    const { alice, bobId } = await pair({ filePreparingDelayMs: 0 });
    const source = join(await folder(), 'video.mp4');
    await writeFile(source, randomBytes(4 * MiB + 3));
    await alice.node.dispatch({ cmd: 'send-file', peer: bobId, path: source });
    const offered = await alice.next('file-offered');
    const preparing = alice.of('file-preparing');
    expect(preparing.length).toBeGreaterThan(0);
    for (const e of preparing) {
      expect(e).toMatchObject({
        peer: bobId,
        id: offered.id,
        name: 'video.mp4',
        path: source,
        size: 4 * MiB + 3,
      });
      expect(e.bytes).toBeGreaterThan(0);
      expect(e.bytes).toBeLessThanOrEqual(e.size);
    }
    for (let i = 1; i < preparing.length; i += 1) {
      expect(preparing[i]!.bytes).toBeGreaterThan(preparing[i - 1]!.bytes);
    }
    // Every preparing event came before the offer.
    const order = alice.events.map((e) => e.event);
    expect(order.lastIndexOf('file-preparing')).toBeLessThan(order.indexOf('file-offered'));
  });

  it('a small file with the default delay offers without any preparing event', async () => {
    const { alice, bobId } = await pair({});
    const source = join(await folder(), 'note.txt');
    await writeFile(source, 'hello');
    await alice.node.dispatch({ cmd: 'send-file', peer: bobId, path: source });
    await alice.next('file-offered');
    expect(alice.of('file-preparing')).toEqual([]);
  });

  for (const kind of ['file', 'folder'] as const) {
    it(`a ${kind} cancelled while it is got ready stops being read, is never offered, and says so`, async () => {
      const { alice, bob, bobId } = await pair({ filePreparingDelayMs: 0 });
      const dir = await folder();
      try {
        let source: string;
        if (kind === 'file') {
          source = await hugeSparseFile(join(dir, 'huge.iso'));
        } else {
          source = join(dir, 'Backups');
          await mkdir(source);
          await writeFile(join(source, 'small.txt'), 'first');
          await hugeSparseFile(join(source, 'huge.iso'));
        }
        const sending = alice.node.dispatch({ cmd: 'send-file', peer: bobId, path: source });
        const preparing = await alice.next('file-preparing');
        expect(preparing.size).toBeGreaterThanOrEqual(64 * 1024 * MiB);
        await alice.node.dispatch({ cmd: 'cancel-file', peer: bobId, id: preparing.id });
        // The command ends (the reading stopped) without an error of its own.
        await sending;
        const failed = await alice.next('file-failed');
        expect(failed).toMatchObject({ peer: bobId, id: preparing.id, reason: 'cancelled' });
        expect(alice.of('file-offered')).toEqual([]);
        expect(alice.of('error')).toEqual([]);
        // Nothing about it after its end (a read under way when it was cancelled included).
        const order = alice.events.map((e) => e.event);
        expect(order.lastIndexOf('file-preparing')).toBeLessThan(order.indexOf('file-failed'));
        // The id is spent: a second cancel finds nothing.
        await alice.node.dispatch({ cmd: 'cancel-file', peer: bobId, id: preparing.id });
        expect(await alice.next('error')).toMatchObject({ code: 'ERR_NO_SUCH_FILE' });
        // The chat still works, and the peer never heard of the file.
        await alice.node.dispatch({ cmd: 'send', peer: bobId, text: 'never mind' });
        await bob.next('message', (m) => m.text === 'never mind');
        expect(bob.of('file-offer')).toEqual([]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
