// Protects trust on reconnect: a known key is recognised, a known name with a new key is
// reported as key-changed (with the old key) and never silently accepted, verification never
// weakens by accident, and a damaged known-peers file is rejected, not silently emptied.
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { x25519 } from '../../src/crypto/index.js';
import {
  assessPeer,
  emptyKnownPeers,
  findPeerByAddress,
  findPeersByName,
  forgetPeer,
  KnownPeersCorruptError,
  KnownPeersNewerVersionError,
  markVerified,
  parseKnownPeers,
  peerIdFromPublicKey,
  pinAddress,
  rememberPeer,
  replacePeerKey,
  serializeKnownPeers,
} from '../../src/identity/index.js';
import { KnownPeersStore, pathExists } from '../../src/storage/index.js';

const alice = x25519.generateKeyPair().publicKey;
const mallory = x25519.generateKeyPair().publicKey;
const bob = x25519.generateKeyPair().publicKey;
const T = 1_800_000_000_000;

describe('assessPeer', () => {
  const book = rememberPeer(emptyKnownPeers(), { publicKey: alice, name: 'Alice', now: T });

  it('says new for an unknown key and name', () => {
    expect(assessPeer(book, bob, 'Bob')).toEqual({ status: 'new' });
  });

  it('says known for the same key', () => {
    const verdict = assessPeer(book, alice, 'Alice');
    expect(verdict.status).toBe('known');
    if (verdict.status === 'known') expect(verdict.peer.peerId).toBe(peerIdFromPublicKey(alice));
  });

  it('says known, with the old name, when a known key comes under a new name', () => {
    expect(assessPeer(book, alice, 'Alice B.')).toMatchObject({
      status: 'known',
      renamedFrom: 'Alice',
    });
  });

  it('flags a known peer who takes the name of another known peer', () => {
    const two = rememberPeer(book, { publicKey: bob, name: 'Bob', now: T });
    const verdict = assessPeer(two, bob, 'alice');
    expect(verdict).toMatchObject({ status: 'known', renamedFrom: 'Bob' });
    if (verdict.status === 'known') expect(verdict.nameTakenBy?.publicKey).toEqual(alice);
    expect(assessPeer(two, bob, 'Robert')).not.toHaveProperty('nameTakenBy');
  });

  it('says key-changed, with the old key, for the same name and a different key', () => {
    for (const name of ['Alice', 'alice', ' ALICE ']) {
      const verdict = assessPeer(book, mallory, name);
      expect(verdict.status, name).toBe('key-changed');
      if (verdict.status === 'key-changed') expect(verdict.previous.publicKey).toEqual(alice);
    }
  });

  it('says key-changed when the known name comes back disguised by invisible or look-alike forms', () => {
    // Each of these draws as "Alice" (or nearly); each once passed as a new peer, so a new key
    // under the name of a friend skipped the key-change warning.
    const disguises = [
      'Ali\u200bce', // zero-width space
      'A\u2060lice', // word joiner
      '\ufeffAlice', // BOM
      'Al\u00adice', // soft hyphen
      'Ali\u200dce', // zero-width joiner
      '\u2066Alice\u2069', // bidi isolate
      '\u202aAlice\u202c', // bidi embedding
      'Ａｌｉｃｅ', // fullwidth
      'Alice\ufe0f', // variation selector
    ];
    for (const name of disguises) {
      expect(assessPeer(book, mallory, name).status, JSON.stringify(name)).toBe('key-changed');
    }
  });

  it('stores names without bidi overrides or zero-width spaces (what is shown is what is matched)', () => {
    const stored = rememberPeer(emptyKnownPeers(), {
      publicKey: bob,
      name: '\u202eboB\u200b \u2067x\u2069',
      now: T,
    });
    expect(stored.peers.get(peerIdFromPublicKey(bob))?.name).toBe('boB x');
    // ZWJ is kept for emoji sequences.
    const family = '\u{1F468}\u200d\u{1F469}\u200d\u{1F467}';
    const emoji = rememberPeer(emptyKnownPeers(), { publicKey: bob, name: family, now: T });
    expect(emoji.peers.get(peerIdFromPublicKey(bob))?.name).toBe(family);
  });

  it('an entry whose peer id collides with another key inherits nothing from it', () => {
    // A 64-bit peer id collision cannot be produced here; forge the table entry instead.
    const verified = rememberPeer(emptyKnownPeers(), {
      publicKey: alice,
      name: 'Alice',
      now: T,
      verification: 'code',
    });
    const id = peerIdFromPublicKey(mallory);
    const forged = {
      peers: new Map([[id, { ...verified.peers.get(peerIdFromPublicKey(alice))!, peerId: id }]]),
    };
    // Nor does it overwrite it: writes are keyed by the full key.
    const after = rememberPeer(forged, { publicKey: mallory, name: 'M', now: T + 10 });
    expect(after).toBe(forged);
    expect(after.peers.get(id)?.publicKey).toEqual(alice);
    expect(after.peers.get(id)?.verification).toBe('code');
  });

  it('an empty or control-only name claims nobody, and such an entry still saves and loads', () => {
    const nameless = rememberPeer(book, { publicKey: bob, name: '\u0007', now: T });
    expect(assessPeer(nameless, mallory, '').status).toBe('new');
    expect(assessPeer(nameless, mallory, '\u0007').status).toBe('new');
    expect(parseKnownPeers(serializeKnownPeers(nameless))).toEqual(nameless);
  });

  it('stays key-changed until the change is explicitly accepted', () => {
    // Merely seeing Mallory again (e.g. a rejected attempt) must not teach the book anything.
    expect(assessPeer(book, mallory, 'Alice').status).toBe('key-changed');
    const accepted = replacePeerKey(book, peerIdFromPublicKey(alice), {
      publicKey: mallory,
      name: 'Alice',
      now: T + 1,
    });
    expect(assessPeer(accepted, mallory, 'Alice').status).toBe('known');
    expect(assessPeer(accepted, alice, 'Alice').status).toBe('key-changed');
    expect(accepted.peers.get(peerIdFromPublicKey(mallory))?.verification).toBe('unverified');
  });
});

describe('known peers book', () => {
  it('records first and last seen and keeps firstSeen', () => {
    let book = rememberPeer(emptyKnownPeers(), { publicKey: alice, name: 'Alice', now: T });
    book = rememberPeer(book, { publicKey: alice, name: 'Alice', now: T + 5000 });
    const peer = book.peers.get(peerIdFromPublicKey(alice))!;
    expect(peer).toMatchObject({ firstSeen: T, lastSeen: T + 5000, verification: 'unverified' });
  });

  it('marks verified and never downgrades a verification', () => {
    const id = peerIdFromPublicKey(alice);
    let book = rememberPeer(emptyKnownPeers(), {
      publicKey: alice,
      name: 'Alice',
      now: T,
      verification: 'invite',
    });
    book = markVerified(book, id, 'code');
    expect(book.peers.get(id)?.verification).toBe('code');
    book = markVerified(book, id, 'invite');
    book = rememberPeer(book, { publicKey: alice, name: 'Alice', now: T + 1 });
    expect(book.peers.get(id)?.verification).toBe('code');
  });

  it('is immutable: changes return a new book', () => {
    const empty = emptyKnownPeers();
    const one = rememberPeer(empty, { publicKey: alice, name: 'Alice', now: T });
    expect(empty.peers.size).toBe(0);
    expect(forgetPeer(one, peerIdFromPublicKey(alice)).peers.size).toBe(0);
    expect(one.peers.size).toBe(1);
  });

  it('strips control characters from names', () => {
    const book = rememberPeer(emptyKnownPeers(), {
      publicKey: alice,
      name: 'Al\u001b[31mice\n',
      now: T,
    });
    expect(book.peers.get(peerIdFromPublicKey(alice))?.name).toBe('Al[31mice');
  });

  it('serializes and parses back exactly', () => {
    let book = rememberPeer(emptyKnownPeers(), { publicKey: alice, name: 'Alice', now: T });
    book = rememberPeer(book, { publicKey: bob, name: 'Bob', now: T + 1, verification: 'code' });
    const text = serializeKnownPeers(book);
    expect(parseKnownPeers(text)).toEqual(book);
    expect(serializeKnownPeers(parseKnownPeers(text))).toBe(text);
  });
});

describe('pinned addresses (where we dialled a peer)', () => {
  const base = rememberPeer(
    rememberPeer(emptyKnownPeers(), { publicKey: alice, name: 'Alice', now: T }),
    {
      publicKey: bob,
      name: 'Bob',
      now: T,
    },
  );
  const aliceId = peerIdFromPublicKey(alice);
  const bobId = peerIdFromPublicKey(bob);

  it('pins an address to one key only, most recent first, and keeps it across later contacts', () => {
    let book = pinAddress(base, aliceId, '192.168.1.5:7777');
    book = pinAddress(book, aliceId, '10.0.0.2:7777');
    expect(book.peers.get(aliceId)!.addresses).toEqual(['10.0.0.2:7777', '192.168.1.5:7777']);
    expect(findPeerByAddress(book, '192.168.1.5:7777')?.peerId).toBe(aliceId);
    // The same address met with Bob's key: it is Bob's now, and only Bob's.
    book = rememberPeer(book, {
      publicKey: bob,
      name: 'Bob',
      now: T + 1,
      dialled: '192.168.1.5:7777',
    });
    expect(findPeerByAddress(book, '192.168.1.5:7777')?.peerId).toBe(bobId);
    expect(book.peers.get(aliceId)!.addresses).toEqual(['10.0.0.2:7777']);
    book = rememberPeer(book, { publicKey: alice, name: 'Alice', now: T + 2 });
    expect(book.peers.get(aliceId)!.addresses).toEqual(['10.0.0.2:7777']);
    expect(findPeerByAddress(book, '127.0.0.1:1')).toBeUndefined();
  });

  it('keeps at most 8 addresses per peer', () => {
    let book = base;
    for (let i = 0; i < 12; i++) book = pinAddress(book, aliceId, `10.0.0.${i}:7777`);
    expect(book.peers.get(aliceId)!.addresses).toHaveLength(8);
    expect(book.peers.get(aliceId)!.addresses[0]).toBe('10.0.0.11:7777');
  });

  it('saves and loads the addresses, and reads files written before them', () => {
    const book = pinAddress(base, bobId, '[fd00::1]:7777');
    const text = serializeKnownPeers(book);
    expect(parseKnownPeers(text)).toEqual(book);
    const old = JSON.parse(text);
    for (const peer of old.peers) delete peer.addresses;
    expect(parseKnownPeers(JSON.stringify(old)).peers.get(bobId)!.addresses).toEqual([]);
    const bad = JSON.parse(text);
    bad.peers[0].addresses = [42];
    expect(() => parseKnownPeers(JSON.stringify(bad))).toThrow(KnownPeersCorruptError);
  });

  it('finds known peers by name as names are matched (case and width aside)', () => {
    expect(findPeersByName(base, ' BOB ').map((p) => p.peerId)).toEqual([bobId]);
    expect(findPeersByName(base, 'Ｂｏｂ').map((p) => p.peerId)).toEqual([bobId]);
    expect(findPeersByName(base, 'B\u043eb')).toEqual([]);
    expect(findPeersByName(base, '')).toEqual([]);
  });

  it('flags a new key whose name only looks like a known one (UTS #39), and a known key taking it', () => {
    expect(assessPeer(base, mallory, 'B\u043eb')).toMatchObject({
      status: 'new',
      looksLike: { peerId: bobId },
    });
    expect(assessPeer(base, mallory, 'Carol')).toEqual({ status: 'new' });
    expect(assessPeer(base, alice, 'B0b')).toMatchObject({
      status: 'known',
      nameTakenBy: { peerId: bobId },
    });
  });
});

describe('parseKnownPeers rejects damage instead of dropping entries', () => {
  const good = JSON.parse(
    serializeKnownPeers(rememberPeer(emptyKnownPeers(), { publicKey: alice, name: 'A', now: T })),
  );
  const variant = (patch: Record<string, unknown>) =>
    JSON.stringify({ ...good, peers: [{ ...good.peers[0], ...patch }] });
  const cases: Array<[string, string]> = [
    ['bad JSON', '{"format":'],
    ['not ours', '{"format":"cryptully-identity","version":1}'],
    ['no list', JSON.stringify({ ...good, peers: {} })],
    ['bad key', variant({ publicKey: 'AAAA' })],
    ['bad base64', variant({ publicKey: '!!!' })],
    ['bad time', variant({ firstSeen: -1 })],
    ['last before first', variant({ lastSeen: T - 1 })],
    ['bad verification', variant({ verification: 'trusted' })],
    ['uncleaned name', variant({ name: ' padded ' })],
    ['name not a string', variant({ name: 7 })],
    ['null entry', JSON.stringify({ ...good, peers: [null] })],
    ['duplicate', JSON.stringify({ ...good, peers: [good.peers[0], good.peers[0]] })],
  ];
  for (const [name, text] of cases) {
    it(name, () => {
      expect(() => parseKnownPeers(text)).toThrow(KnownPeersCorruptError);
    });
  }

  it('cleans, instead of refusing, a name stored with invisible formatting characters', () => {
    const book = parseKnownPeers(variant({ name: 'A\u200bB' }));
    expect([...book.peers.values()][0]?.name).toBe('AB');
  });

  it('a newer version is its own error', () => {
    expect(() => parseKnownPeers(JSON.stringify({ ...good, version: 2 }))).toThrow(
      KnownPeersNewerVersionError,
    );
  });
});

describe('KnownPeersStore', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'cryptully-peers-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('starts empty, saves atomically with mode 0600, and loads back', async () => {
    const store = new KnownPeersStore(home);
    expect((await store.load()).peers.size).toBe(0);
    const book = await store.update((b) =>
      rememberPeer(b, { publicKey: alice, name: 'A', now: T }),
    );
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect(await store.load()).toEqual(book);
  });

  it('serializes concurrent updates so none is lost', async () => {
    const store = new KnownPeersStore(home);
    const keys = Array.from({ length: 10 }, () => x25519.generateKeyPair().publicKey);
    await Promise.all(
      keys.map((publicKey, i) =>
        store.update((b) => rememberPeer(b, { publicKey, name: `p${i}`, now: T })),
      ),
    );
    expect((await store.load()).peers.size).toBe(10);
  });

  it('loses no update when two stores (two processes) change the same file at once', async () => {
    // Before the lock file, each store serialized only its own updates: half of these were
    // lost, e.g. a "peers forget" undone by a running chat node's next write.
    const stores = [new KnownPeersStore(home), new KnownPeersStore(home)];
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < 12; i++) {
      for (const [n, store] of stores.entries()) {
        const publicKey = x25519.generateKeyPair().publicKey;
        jobs.push(store.update((b) => rememberPeer(b, { publicKey, name: `p${n}-${i}`, now: T })));
      }
    }
    await Promise.all(jobs);
    expect((await stores[0]!.load()).peers.size).toBe(24);
    expect(await pathExists(`${stores[0]!.path}.lock`)).toBe(false);
  });

  it('breaks a lock left behind by a process that died, and waits out a live one', async () => {
    const store = new KnownPeersStore(home);
    const lock = `${store.path}.lock`;
    await writeFile(lock, '');
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    await store.update((b) => rememberPeer(b, { publicKey: alice, name: 'A', now: T }));
    expect((await store.load()).peers.size).toBe(1);
    // A fresh lock held by "another process" for a moment: the update waits, then goes through.
    await writeFile(lock, '');
    setTimeout(() => void rm(lock, { force: true }), 100);
    await store.update((b) => rememberPeer(b, { publicKey: bob, name: 'B', now: T }));
    expect((await store.load()).peers.size).toBe(2);
  });

  it('leaves a damaged file alone and reports it', async () => {
    const store = new KnownPeersStore(home);
    await writeFile(store.path, '{"format":"cryptully-known-peers","version":1,"peers":[{}]}');
    await expect(store.update((b) => b)).rejects.toBeInstanceOf(KnownPeersCorruptError);
    expect(await readFile(store.path, 'utf8')).toContain('"peers":[{}]');
  });
});
