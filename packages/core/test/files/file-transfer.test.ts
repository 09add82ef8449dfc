// File transfer between two real chat nodes over loopback TCP: offer, accept, chunks, hash
// check, final name; decline, cancel, name clashes, chat interleaved with a transfer.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, connectPair, openNode } from '../engine/helpers.js';

afterEach(cleanup);

async function folder(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'cryptully-files-'));
}

async function pair() {
  const downloads = await folder();
  const alice = await openNode('Alice', { downloadsDir: join(downloads, 'alice') });
  const bob = await openNode('Bob', { downloadsDir: join(downloads, 'bob') });
  const { hostSide, joinerSide } = await connectPair(alice, bob);
  return { alice, bob, bobId: hostSide.peer, aliceId: joinerSide.peer, downloads };
}

describe('file transfer', () => {
  it('sends a file: offer, accept, progress, same bytes under the offered name', async () => {
    const { alice, bob, bobId, aliceId, downloads } = await pair();
    const source = join(await folder(), 'photo.jpg');
    const content = randomBytes(3 * 1024 * 1024 + 123);
    await writeFile(source, content);
    const sha256 = createHash('sha256').update(content).digest('hex');
    await alice.node.dispatch({ cmd: 'send-file', peer: bobId, path: source });
    const offered = await alice.next('file-offered');
    expect(offered).toMatchObject({ name: 'photo.jpg', size: content.length, sha256 });
    const offer = await bob.next('file-offer');
    expect(offer).toMatchObject({
      peer: aliceId,
      id: offered.id,
      name: 'photo.jpg',
      size: content.length,
      sha256,
      type: 'image/jpeg',
    });
    // Nothing is written before the user accepts.
    await expect(readdir(join(downloads, 'bob'))).rejects.toThrow();
    await bob.node.dispatch({ cmd: 'accept-file', peer: aliceId, id: offer.id });
    const done = await bob.next('file-done').catch((e) => {
      throw new Error(
        `${e.message} ALICE ${JSON.stringify(alice.events.slice(4))} ${JSON.stringify(alice.logs)}`,
      );
    });
    expect(done.sha256).toBe(sha256);
    expect(done.path).toBe(join(downloads, 'bob', 'photo.jpg'));
    expect((await readFile(done.path)).equals(content)).toBe(true);
    const sent = await alice.next('file-done');
    expect(sent).toMatchObject({ id: offered.id, path: source, sha256 });
    expect(await readdir(join(downloads, 'bob'))).toEqual(['photo.jpg']);
    const progress = bob.of('file-progress');
    expect(progress.at(-1)).toMatchObject({ bytes: content.length, size: content.length });
  });

  it('a file of many read blocks, beyond the flow-control window, arrives byte for byte', async () => {
    // The sender refills a sent block's buffer with the next read: every offset and byte must
    // still be right across blocks, acks and the short last block.
    const { alice, bob, bobId, aliceId } = await pair();
    const source = join(await folder(), 'big.bin');
    const content = randomBytes(11 * 1024 * 1024 + 4099);
    await writeFile(source, content);
    await alice.node.dispatch({ cmd: 'send-file', peer: bobId, path: source });
    const offer = await bob.next('file-offer');
    await bob.node.dispatch({ cmd: 'accept-file', peer: aliceId, id: offer.id });
    const done = await bob.next('file-done', () => true, 60_000);
    expect((await readFile(done.path)).equals(content)).toBe(true);
    await alice.next('file-done');
  });

  it('renames on a clash and never replaces an existing file', async () => {
    const { alice, bob, bobId, aliceId, downloads } = await pair();
    const source = join(await folder(), 'notes.txt');
    await writeFile(source, 'new notes');
    const bobDir = join(downloads, 'bob-own');
    for (const round of [1, 2]) {
      await alice.node.dispatch({ cmd: 'send-file', peer: bobId, path: source });
      const offer = await bob.next(
        'file-offer',
        (e) => bob.of('file-offer').indexOf(e) === round - 1,
      );
      if (round === 1) {
        await writeFile(join(bobDir, '..', 'placeholder'), '');
      }
      await bob.node.dispatch({ cmd: 'accept-file', peer: aliceId, id: offer.id, dir: bobDir });
      await bob.next('file-done', (e) => e.id === offer.id);
    }
    expect((await readdir(bobDir)).sort()).toEqual(['notes (1).txt', 'notes.txt']);
  });

  it('decline and cancel end the transfer on both sides with nothing written', async () => {
    const { alice, bob, bobId, aliceId, downloads } = await pair();
    const source = join(await folder(), 'big.bin');
    await writeFile(source, randomBytes(64 * 1024));
    await alice.node.dispatch({ cmd: 'send-file', peer: bobId, path: source });
    const offer = await bob.next('file-offer');
    await bob.node.dispatch({ cmd: 'decline-file', peer: aliceId, id: offer.id });
    expect(await alice.next('file-failed')).toMatchObject({ id: offer.id, reason: 'declined' });
    expect(await bob.next('file-failed')).toMatchObject({ id: offer.id, reason: 'declined' });

    await alice.node.dispatch({ cmd: 'send-file', peer: bobId, path: source });
    const second = await bob.next('file-offer', (e) => e.id !== offer.id);
    await alice.node.dispatch({ cmd: 'cancel-file', peer: bobId, id: second.id });
    expect(await bob.next('file-failed', (e) => e.id === second.id)).toMatchObject({
      reason: 'cancelled',
    });
    await bob.node.dispatch({ cmd: 'accept-file', peer: aliceId, id: second.id });
    expect(await bob.next('error')).toMatchObject({ code: 'ERR_NO_SUCH_FILE' });
    await expect(readdir(join(downloads, 'bob'))).rejects.toThrow();
  });

  it('keeps chat flowing during a transfer', async () => {
    const { alice, bob, bobId, aliceId } = await pair();
    const source = join(await folder(), 'large.bin');
    await writeFile(source, randomBytes(64 * 1024 * 1024));
    await alice.node.dispatch({ cmd: 'send-file', peer: bobId, path: source });
    const offer = await bob.next('file-offer');
    await bob.node.dispatch({ cmd: 'accept-file', peer: aliceId, id: offer.id });
    await bob.next('file-progress', (e) => e.bytes > 0);
    await alice.node.dispatch({ cmd: 'send', peer: bobId, text: 'still here?' });
    const message = await bob.next('message', undefined, 20_000);
    expect(message.text).toBe('still here?');
    // The message arrived before the file was complete: it did not wait behind the file.
    expect(bob.of('file-done')).toHaveLength(0);
    await bob.next('file-done', undefined, 60_000);
  }, 90_000);
});
