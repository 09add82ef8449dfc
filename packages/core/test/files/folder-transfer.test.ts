// Folders as one offer (capability `folder`) between two real chat nodes over loopback TCP,
// and a hostile sender speaking the session by hand: nested folders, an empty file, unicode
// names, a symbolic link left out, a clash renamed; traversal and wrong hashes refused with
// nothing left on disk; a peer without the capability gets a clear error.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeChunk } from '../../src/files/transfer-wire.js';
import { rawPeer, SETUPS, until } from '../engine/fixtures.js';
import { cleanup, connectPair, host, openNode } from '../engine/helpers.js';

afterEach(cleanup);

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Every file below `root`, as `relative path: content`, sorted. */
async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string) => {
    for (const item of await readdir(dir, { withFileTypes: true })) {
      if (item.isDirectory()) await walk(join(dir, item.name), `${prefix}${item.name}/`);
      else out.push(`${prefix}${item.name}: ${await readFile(join(dir, item.name), 'utf8')}`);
    }
  };
  await walk(root, '');
  return out.sort();
}

async function makeFolder(): Promise<string> {
  const root = join(await mkdtemp(join(tmpdir(), 'cryptully-folder-')), 'Holiday ☀');
  await mkdir(join(root, 'photos', 'day 1'), { recursive: true });
  await mkdir(join(root, 'empty-dir'));
  await writeFile(join(root, 'readme.txt'), 'hello');
  await writeFile(join(root, 'empty.txt'), '');
  await writeFile(join(root, 'photos', 'day 1', 'Ünïcödé 猫.txt'), 'cat');
  await writeFile(join(root, 'photos', 'big.bin'), randomBytes(300_000).toString('hex'));
  await symlink('/etc/passwd', join(root, 'photos', 'link'));
  return root;
}

describe('folder transfer', () => {
  it('sends a folder as one offer: nested, empty file, unicode, links left out, clash renamed', async () => {
    const downloads = await mkdtemp(join(tmpdir(), 'cryptully-files-'));
    const alice = await openNode('Alice', { downloadsDir: join(downloads, 'alice') });
    const bob = await openNode('Bob', { downloadsDir: join(downloads, 'bob') });
    const { hostSide, joinerSide } = await connectPair(alice, bob);
    const [bobId, aliceId] = [hostSide.peer, joinerSide.peer];
    const source = await makeFolder();
    const expected = (await tree(source)).filter((line) => !line.startsWith('photos/link'));
    for (const round of [0, 1]) {
      // The second time as `…/Holiday ☀/`: still named after the folder.
      const path = round === 0 ? source : `${source}/`;
      await alice.node.dispatch({ cmd: 'send-file', peer: bobId, path });
      const offered = await alice.next(
        'file-offered',
        (e) => alice.of('file-offered').indexOf(e) === round,
      );
      expect(offered).toMatchObject({ name: 'Holiday ☀', kind: 'folder', entries: 4, skipped: 1 });
      const offer = await bob.next('file-offer', (e) => e.id === offered.id);
      expect(offer).toMatchObject({
        name: 'Holiday ☀',
        kind: 'folder',
        entries: 4,
        size: offered.size,
      });
      await bob.node.dispatch({ cmd: 'accept-file', peer: aliceId, id: offer.id });
      const done = await bob.next('file-done', (e) => e.id === offer.id);
      expect(done.path).toBe(join(downloads, 'bob', round === 0 ? 'Holiday ☀' : 'Holiday ☀ (1)'));
      expect(await tree(done.path)).toEqual(expected);
      await alice.next('file-done', (e) => e.id === offered.id);
    }
    expect((await readdir(join(downloads, 'bob'))).sort()).toEqual(['Holiday ☀', 'Holiday ☀ (1)']);
  });
});

async function hostile(caps: string[]) {
  const make = await SETUPS[0]!.make();
  const downloads = await mkdtemp(join(tmpdir(), 'cryptully-hostile-folder-'));
  const alice = await openNode('Alice', { ...make, downloadsDir: downloads });
  const { port } = await host(alice);
  const mallory = await rawPeer(make, { host: '127.0.0.1', port });
  mallory.sendJson({ t: 'hello', v: 1, name: 'Mallory', client: 'raw', version: '1', caps });
  const request = await alice.next('request');
  await alice.node.dispatch({ cmd: 'accept', peer: request.peer });
  await alice.next('connected');
  return { alice, mallory, downloads, peer: request.peer };
}

describe('a hostile folder sender', () => {
  it('has a traversing, absolute or clashing list refused before the user sees it', async () => {
    const s = await hostile(['file', 'folder']);
    const offers = [
      ['up', [{ path: '../../evil.sh', size: 1 }]],
      ['abs', [{ path: '/tmp/evil.sh', size: 1 }]],
      ['win', [{ path: 'a\\..\\..\\evil', size: 1 }]],
      [
        'dup',
        [
          { path: 'a', size: 0 },
          { path: 'A', size: 1 },
        ],
      ],
      ['sum', [{ path: 'a', size: 2 }]],
    ] as const;
    for (const [id, entries] of offers) {
      s.mallory.sendJson({
        t: 'file-offer',
        id,
        name: 'f',
        size: 1,
        type: 'inode/directory',
        sha256: sha(new Uint8Array(1)),
        kind: 'folder',
        entries,
      });
    }
    await until(
      () =>
        s.mallory.received().filter((m) => m.t === 'file-cancel' && m.reason === 'protocol')
          .length === offers.length,
      'five refusals',
    );
    expect(s.alice.of('file-offer')).toEqual([]);
    expect(await readdir(s.downloads)).toEqual([]);
  });

  it('gets names checked per entry, and leaves nothing when the hash does not match', async () => {
    const s = await hostile(['file', 'folder']);
    const data = randomBytes(40_000);
    const entries = [
      { path: 'sub/CON', size: 20_000 },
      { path: 'nul.txt', size: 0 },
      { path: 'b\u202Egnp.exe', size: 20_000 },
    ];
    for (const [id, sha256] of [
      ['good', sha(data)],
      ['bad', sha(randomBytes(10))],
    ] as const) {
      s.mallory.sendJson({
        t: 'file-offer',
        id,
        name: '../x',
        size: data.length,
        type: 'inode/directory',
        sha256,
        kind: 'folder',
        entries,
      });
      const offer = await s.alice.next('file-offer', (e) => e.id === id);
      expect(offer).toMatchObject({ name: 'x', kind: 'folder', entries: 3 });
      await s.alice.node.dispatch({ cmd: 'accept-file', peer: s.peer, id });
      await until(
        () => s.mallory.received().some((m) => m.t === 'file-accept' && m.id === id),
        'file-accept',
      );
      s.mallory.sendBytes(encodeChunk(id, 0, data.subarray(0, 20_000)));
      s.mallory.sendBytes(encodeChunk(id, 20_000, data.subarray(20_000)));
    }
    const done = await s.alice.next('file-done', (e) => e.id === 'good');
    expect(done.path).toBe(join(s.downloads, 'x'));
    expect((await tree(done.path)).map((line) => line.split(':')[0])).toEqual([
      '_nul.txt',
      'bgnp.exe',
      'sub/_CON',
    ]);
    expect(await s.alice.next('file-failed')).toMatchObject({ id: 'bad', reason: 'hash-mismatch' });
    expect(await readdir(s.downloads)).toEqual(['x']);
  });

  it('gets no folder from a peer that did not announce the capability, and cannot be sent one', async () => {
    const s = await hostile(['file']);
    s.mallory.sendJson({
      t: 'file-offer',
      id: 'nocap',
      name: 'f',
      size: 1,
      type: 'inode/directory',
      sha256: sha(new Uint8Array(1)),
      kind: 'folder',
      entries: [{ path: 'a', size: 1 }],
    });
    await until(
      () => s.mallory.received().some((m) => m.t === 'file-cancel' && m.id === 'nocap'),
      'refusal',
    );
    const source = await makeFolder();
    await s.alice.node.dispatch({ cmd: 'send-file', peer: s.peer, path: source });
    expect(await s.alice.next('error')).toMatchObject({ code: 'ERR_FOLDER_UNSUPPORTED' });
    expect(s.mallory.received().some((m) => m.t === 'file-offer')).toBe(false);
    expect(s.alice.of('file-offer')).toEqual([]);
  });
});
