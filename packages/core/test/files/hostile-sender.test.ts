// A hostile sender, speaking the session by hand to an honest chat node: wrong size, wrong
// hash, path-traversal and device names, thousands of tiny chunks, data before accept, an
// offer flood. Each is refused cleanly, the session survives, and nothing is left on disk.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeChunk } from '../../src/files/transfer-wire.js';
import { rawPeer, SETUPS, until } from '../engine/fixtures.js';
import { cleanup, host, openNode } from '../engine/helpers.js';

afterEach(cleanup);

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

async function setup() {
  const make = await SETUPS[0]!.make();
  const downloads = await mkdtemp(join(tmpdir(), 'cryptully-hostile-files-'));
  const alice = await openNode('Alice', { ...make, downloadsDir: downloads });
  const { port } = await host(alice);
  const mallory = await rawPeer(make, { host: '127.0.0.1', port });
  mallory.sendJson({
    t: 'hello',
    v: 1,
    name: 'Mallory',
    client: 'raw',
    version: '1',
    caps: ['file'],
  });
  const request = await alice.next('request');
  await alice.node.dispatch({ cmd: 'accept', peer: request.peer });
  await alice.next('connected');
  const peer = request.peer;
  /** Offers, then waits for Alice's file-offer event and accepts it. */
  const offerAndAccept = async (offer: Record<string, unknown>) => {
    mallory.sendJson({ t: 'file-offer', type: 'application/octet-stream', ...offer });
    await alice.next('file-offer', (e) => e.id === offer.id);
    await alice.node.dispatch({ cmd: 'accept-file', peer, id: offer.id as string });
    await until(
      () => mallory.received().some((m) => m.t === 'file-accept' && m.id === offer.id),
      'file-accept',
    );
  };
  const failed = (id: string) => alice.next('file-failed', (e) => e.id === id);
  /** The session still works: a chat message gets through. */
  const stillChatting = async (text: string) => {
    mallory.sendJson({ t: 'chat', id: `m${text}`, at: 1, text });
    await alice.next('message', (e) => e.text === text);
  };
  return { alice, mallory, downloads, peer, offerAndAccept, failed, stillChatting };
}

describe('a hostile file sender', () => {
  it('is refused when it sends more than the offered size, or a wrong hash; nothing is kept', async () => {
    const s = await setup();
    const data = randomBytes(40_000);
    await s.offerAndAccept({ id: 'big', name: 'a.bin', size: 20_000, sha256: sha(data) });
    s.mallory.sendBytes(encodeChunk('big', 0, data));
    expect(await s.failed('big')).toMatchObject({ reason: 'size-mismatch' });

    await s.offerAndAccept({
      id: 'bad',
      name: 'b.bin',
      size: data.length,
      sha256: sha(randomBytes(8)),
    });
    s.mallory.sendBytes(encodeChunk('bad', 0, data));
    expect(await s.failed('bad')).toMatchObject({ reason: 'hash-mismatch' });
    await until(
      () => s.mallory.received().some((m) => m.t === 'file-cancel' && m.reason === 'hash-mismatch'),
      'the sender to be told',
    );
    await s.stillChatting('after');
    expect(await readdir(s.downloads)).toEqual([]);
    expect(s.alice.of('file-done')).toEqual([]);
  });

  it('is refused when it sends data that was never accepted, or too few bytes', async () => {
    const s = await setup();
    const data = randomBytes(30_000);
    s.mallory.sendJson({
      t: 'file-offer',
      id: 'early',
      name: 'x',
      size: data.length,
      type: 'text/plain',
      sha256: sha(data),
    });
    await s.alice.next('file-offer');
    s.mallory.sendBytes(encodeChunk('early', 0, data)); // before accept: dropped, never written
    s.mallory.sendBytes(encodeChunk('nobody', 0, data)); // unknown id: dropped
    await s.stillChatting('one');
    expect(await readdir(s.downloads)).toEqual([]);
    await s.alice.node.dispatch({ cmd: 'decline-file', peer: s.peer, id: 'early' });
    // Out of order: a chunk that skips ahead.
    await s.offerAndAccept({ id: 'gap', name: 'g', size: data.length, sha256: sha(data) });
    s.mallory.sendBytes(encodeChunk('gap', 20_000, data.subarray(20_000)));
    expect(await s.failed('gap')).toMatchObject({ reason: 'protocol' });
    await s.stillChatting('two');
    expect(await readdir(s.downloads)).toEqual([]);
  });

  it('gets ../ and device names sanitised before they are shown or created', async () => {
    const s = await setup();
    const data = randomBytes(100);
    for (const [id, name] of [
      ['up', '../../../../tmp/evil.sh'],
      ['dev', 'CON.txt'],
      ['bidi', 'invoice\u202Efdp.exe'],
      ['dots', '..'],
    ] as const) {
      s.mallory.sendJson({
        t: 'file-offer',
        id,
        name,
        size: data.length,
        type: 'text/plain',
        sha256: sha(data),
      });
    }
    await until(() => s.alice.of('file-offer').length === 4, 'four offers');
    expect(s.alice.of('file-offer').map((e) => e.name)).toEqual([
      'evil.sh',
      '_CON.txt',
      'invoicefdp.exe',
      'file',
    ]);
    await s.alice.node.dispatch({ cmd: 'accept-file', peer: s.peer, id: 'up' });
    await until(() => s.mallory.received().some((m) => m.t === 'file-accept'), 'file-accept');
    s.mallory.sendBytes(encodeChunk('up', 0, data));
    const done = await s.alice.next('file-done');
    expect(done.path).toBe(join(s.downloads, 'evil.sh'));
    expect(await readdir(s.downloads)).toEqual(['evil.sh']);
  });

  it('is refused when it sends 10,000 tiny chunks', async () => {
    const s = await setup();
    const data = randomBytes(10_000);
    await s.offerAndAccept({ id: 'tiny', name: 't.bin', size: data.length, sha256: sha(data) });
    for (let i = 0; i < 10_000; i += 1)
      s.mallory.sendBytes(encodeChunk('tiny', i, data.subarray(i, i + 1)));
    expect(await s.failed('tiny')).toMatchObject({ reason: 'protocol' });
    await s.stillChatting('alive');
    expect(await readdir(s.downloads)).toEqual([]);
    expect(s.alice.of('file-failed')).toHaveLength(1);
  });

  it('cannot flood the user with offers', async () => {
    const s = await setup();
    for (let i = 0; i < 500; i += 1) {
      s.mallory.sendJson({
        t: 'file-offer',
        id: `f${i}`,
        name: `n${i}`,
        size: 1,
        type: 'text/plain',
        sha256: sha(new Uint8Array(1)),
      });
    }
    await s.stillChatting('flooded');
    expect(s.alice.of('file-offer')).toHaveLength(16);
    const busy = () =>
      s.mallory.received().filter((m) => m.t === 'file-cancel' && m.reason === 'busy');
    await until(() => busy().length === 484, '484 offers refused as busy');
    expect(await readdir(s.downloads)).toEqual([]);
  });
});
