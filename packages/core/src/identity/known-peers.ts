/**
 * Known peers, like SSH's known_hosts: who we have talked to, under which key and name, when,
 * and how their key was checked. Pure and immutable: each change returns a new book; the file
 * I/O lives in `storage/known-peers-store.ts`. docs/protocol-identity.md §5.
 * @module
 */
import { abytes, constantTimeEqual } from '../crypto/index.js';
import { CryptullyError } from '../errors.js';
import { fromBase64, toBase64 } from './base64.js';
import { confusableKey, memoizeByString } from './confusables.js';
import { peerIdFromPublicKey } from './fingerprint.js';

/** The `format` field of the known-peers file. */
export const KNOWN_PEERS_FORMAT = 'cryptully-known-peers';
/** The version this code writes and the newest it reads. */
export const KNOWN_PEERS_VERSION = 1;
/** Longest display name kept, in UTF-16 code units. */
export const MAX_PEER_NAME_LENGTH = 128;
/** Most dialled addresses remembered per peer (the most recent first). */
export const MAX_PEER_ADDRESSES = 8;
/** Longest address text kept (`host:port`, a host name of 253 characters and a port). */
const MAX_ADDRESS_LENGTH = 300;

/**
 * How a peer's key was checked, weakest first: `unverified` (trust on first use), `invite` (the
 * key came pinned in our invite, or they joined with our invite), `code` (people compared the
 * verification code), `question` (an SMP question was answered with a match; as strong as a
 * compared code: docs/protocol-verification.md §2), `join-code` (the peer joined with our join
 * code or we with theirs: a CPace run on the code authenticated both keys, §1).
 */
export type PeerVerification = 'unverified' | 'invite' | 'code' | 'question' | 'join-code';
const STRENGTH: Record<PeerVerification, number> = {
  unverified: 0,
  invite: 1,
  code: 2,
  question: 2,
  'join-code': 2,
};

/** One remembered peer. */
export interface KnownPeer {
  /** `peerIdFromPublicKey(publicKey)`. */
  readonly peerId: string;
  /** The display name they last gave. */
  readonly name: string;
  /** Their static X25519 key (32 bytes). */
  readonly publicKey: Uint8Array;
  /** First and last contact, milliseconds since the epoch. */
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly verification: PeerVerification;
  /**
   * Where we dialled this peer and found this key (`host:port`, as `formatAddress` writes
   * it), most recent first: like SSH's known_hosts, a later join to one of these addresses
   * must meet this key before our identity is revealed (docs/protocol-identity.md §5).
   * An address belongs to one peer at most.
   */
  readonly addresses: readonly string[];
}

/** The whole table, keyed by peer id. Treat as immutable. */
export interface KnownPeerBook {
  readonly peers: ReadonlyMap<string, KnownPeer>;
}

/** The verdict on a peer who just completed a handshake. */
export type PeerAssessment =
  /**
   * The key is known, perhaps under another name (`renamedFrom`). `nameTakenBy` is set when the
   * new name belongs to a different known peer: show the known name, not the claimed one, so
   * one friend cannot pass for another.
   */
  | { status: 'known'; peer: KnownPeer; renamedFrom?: string; nameTakenBy?: KnownPeer }
  /**
   * Neither the key nor the name is known. `looksLike` is a known peer whose name looks like
   * the claimed one (same UTS #39 skeleton: "Bоb" with a Cyrillic о beside "Bob"): flag it.
   */
  | { status: 'new'; looksLike?: KnownPeer }
  /**
   * Someone known by this name had a different key: a hard warning, never a silent accept.
   * `previous` holds the old entry and its key.
   */
  | { status: 'key-changed'; previous: KnownPeer };

/** `ERR_KNOWN_PEERS_CORRUPT`: the known-peers file is damaged; it is not silently dropped. */
export class KnownPeersCorruptError extends CryptullyError {
  constructor(detail: string) {
    super(
      'ERR_KNOWN_PEERS_CORRUPT',
      `The known-peers file is damaged (${detail}). It was left as it is; move it aside to start afresh.`,
    );
  }
}

/** `ERR_KNOWN_PEERS_NEWER_VERSION`: written by a newer Cryptully. */
export class KnownPeersNewerVersionError extends CryptullyError {
  constructor(version: number) {
    super(
      'ERR_KNOWN_PEERS_NEWER_VERSION',
      `The known-peers file has version ${version}, newer than this Cryptully understands. Update Cryptully.`,
    );
  }
}

/** An empty book. */
export function emptyKnownPeers(): KnownPeerBook {
  return { peers: new Map() };
}

// Control characters and line separators: never part of a name.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
// Format characters that draw nothing or reorder what is drawn (bidi overrides and isolates,
// zero-width space, word joiner, BOM, soft hyphen, tags...). ZWJ/ZWNJ stay: emoji sequences and
// several scripts need them; name matching ignores them below.
const DISPLAY_INVISIBLE = /(?![\u200c\u200d])\p{Cf}/gu;
// Everything a reader cannot see, for matching only (includes ZWJ/ZWNJ, variation selectors).
const ALL_INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

/**
 * The key used to match names: compatibility-normalized (NFKC: fullwidth and other look-alike
 * forms fold), invisible characters dropped, runs of spaces collapsed, trimmed, lower-cased. So
 * "Alice", " alice ", "Ａｌｉｃｅ" and "Ali\u200bce" all claim the same name: a new key under any
 * of them is a key change, not a new peer. (Look-alikes across scripts, like a Cyrillic "а",
 * are not folded.)
 */
const nameKey: (name: string) => string = memoizeByString((name) =>
  name
    .normalize('NFKC')
    .replace(CONTROLS, '')
    .replace(ALL_INVISIBLE, '')
    .replace(/\s+/gu, ' ')
    .trim()
    .toLowerCase(),
);

/**
 * Cleans a display name for storage and display: NFC, control characters and invisible
 * formatting characters (bidi overrides, zero-width spaces) removed, trimmed, bounded.
 */
export function cleanPeerName(name: string): string {
  return name
    .normalize('NFC')
    .replace(CONTROLS, '')
    .replace(DISPLAY_INVISIBLE, '')
    .trim()
    .slice(0, MAX_PEER_NAME_LENGTH);
}

/** The entry for a key, if any. */
export function findPeerByKey(book: KnownPeerBook, publicKey: Uint8Array): KnownPeer | undefined {
  const peer = book.peers.get(peerIdFromPublicKey(publicKey));
  return peer && constantTimeEqual(peer.publicKey, publicKey) ? peer : undefined;
}

/**
 * Decides what to make of a peer presenting `publicKey` and `name`: `known` (same key),
 * `key-changed` (a different key under a name we know: the most recently seen such entry is
 * returned), or `new`.
 */
export function assessPeer(
  book: KnownPeerBook,
  publicKey: Uint8Array,
  name: string,
): PeerAssessment {
  abytes(publicKey, 32, 'public key');
  const key = nameKey(cleanPeerName(name));
  const holder = (except?: KnownPeer): KnownPeer | undefined => {
    // An empty name identifies nobody: it cannot claim anyone's place.
    if (key === '') return undefined;
    let found: KnownPeer | undefined;
    for (const peer of book.peers.values()) {
      if (peer === except || nameKey(peer.name) !== key) continue;
      if (!found || peer.lastSeen > found.lastSeen) found = peer;
    }
    return found;
  };
  const lookalike = (except?: KnownPeer): KnownPeer | undefined => {
    // Empty names never look alike (as namesConfusable says).
    const claimed = confusableKey(name);
    if (claimed === '') return undefined;
    let found: KnownPeer | undefined;
    for (const peer of book.peers.values()) {
      if (peer === except || confusableKey(peer.name) !== claimed) continue;
      if (!found || peer.lastSeen > found.lastSeen) found = peer;
    }
    return found;
  };
  const known = findPeerByKey(book, publicKey);
  if (known) {
    if (nameKey(known.name) === key) return { status: 'known', peer: known };
    // A name that only looks like another known peer's takes its place just as much.
    const nameTakenBy = holder(known) ?? lookalike(known);
    return nameTakenBy
      ? { status: 'known', peer: known, renamedFrom: known.name, nameTakenBy }
      : { status: 'known', peer: known, renamedFrom: known.name };
  }
  const previous = holder();
  if (previous) return { status: 'key-changed', previous };
  const looksLike = lookalike();
  return looksLike ? { status: 'new', looksLike } : { status: 'new' };
}

function withPeers(
  book: KnownPeerBook,
  change: (peers: Map<string, KnownPeer>) => void,
): KnownPeerBook {
  const peers = new Map(book.peers);
  change(peers);
  return { peers };
}

/**
 * Records a contact with a peer (call after the user accepted it): adds it or updates its name
 * and `lastSeen`. Verification only ever gets stronger here; use {@link markVerified} likewise.
 * A key change must be accepted explicitly with {@link replacePeerKey}.
 */
export function rememberPeer(
  book: KnownPeerBook,
  peer: {
    publicKey: Uint8Array;
    name: string;
    now: number;
    verification?: PeerVerification;
    /**
     * Where we dialled and found this key: pinned to it ({@link pinAddress}), the first one
     * first. A `host:port`, or `dht:` and a DHT key in hex (the host's, from its invite).
     */
    dialled?: string | readonly string[];
  },
): KnownPeerBook {
  abytes(peer.publicKey, 32, 'public key');
  const peerId = peerIdFromPublicKey(peer.publicKey);
  // Only the same key inherits history and verification: another key with a colliding 64-bit
  // peer id must not pick up a verification it never earned.
  const entry = book.peers.get(peerId);
  const old = entry && constantTimeEqual(entry.publicKey, peer.publicKey) ? entry : undefined;
  // Writes are keyed by the full key: a key whose 64-bit peer id collides with another known
  // key's never overwrites that entry (forget it first, as replacePeerKey does).
  if (entry && !old) return book;
  const verification = strongest(
    old?.verification ?? 'unverified',
    peer.verification ?? 'unverified',
  );
  const remembered = withPeers(book, (peers) =>
    peers.set(peerId, {
      peerId,
      name: cleanPeerName(peer.name),
      publicKey: peer.publicKey.slice(),
      firstSeen: old?.firstSeen ?? peer.now,
      lastSeen: Math.max(old?.lastSeen ?? peer.now, peer.now),
      verification,
      addresses: old?.addresses ?? [],
    }),
  );
  const dialled = peer.dialled === undefined ? [] : [peer.dialled].flat();
  // Pinned last to first, so that the first ends up first in the list.
  return dialled.reduceRight((b, address) => pinAddress(b, peerId, address), remembered);
}

/**
 * Pins `address` (`host:port`) to a known peer: first in its list (at most
 * {@link MAX_PEER_ADDRESSES}), and taken from any other peer that had it, so one address
 * always means one key. Unknown peer ids leave the book unchanged.
 */
export function pinAddress(book: KnownPeerBook, peerId: string, address: string): KnownPeerBook {
  const target = book.peers.get(peerId);
  if (!target || address === '' || address.length > MAX_ADDRESS_LENGTH) return book;
  return withPeers(book, (peers) => {
    for (const [id, peer] of peers) {
      if (id !== peerId && peer.addresses.includes(address)) {
        peers.set(id, { ...peer, addresses: peer.addresses.filter((a) => a !== address) });
      }
    }
    const rest = target.addresses.filter((a) => a !== address);
    peers.set(peerId, {
      ...target,
      addresses: [address, ...rest].slice(0, MAX_PEER_ADDRESSES),
    });
  });
}

/** The peer an address (`host:port`) is pinned to, if any. */
export function findPeerByAddress(book: KnownPeerBook, address: string): KnownPeer | undefined {
  for (const peer of book.peers.values()) if (peer.addresses.includes(address)) return peer;
  return undefined;
}

/**
 * The known peers called `name` (matched as names are: case, width and invisible characters
 * aside), most recently seen first.
 */
export function findPeersByName(book: KnownPeerBook, name: string): KnownPeer[] {
  const key = nameKey(cleanPeerName(name));
  if (key === '') return [];
  return [...book.peers.values()]
    .filter((peer) => nameKey(peer.name) === key)
    .sort((a, b) => b.lastSeen - a.lastSeen);
}

function strongest(a: PeerVerification, b: PeerVerification): PeerVerification {
  return STRENGTH[b] > STRENGTH[a] ? b : a;
}

/**
 * The user accepted a key change: forgets the old entry and records the new key with
 * `verification` (default `unverified`: the new key has not been checked yet).
 */
export function replacePeerKey(
  book: KnownPeerBook,
  oldPeerId: string,
  peer: { publicKey: Uint8Array; name: string; now: number; verification?: PeerVerification },
): KnownPeerBook {
  return rememberPeer(forgetPeer(book, oldPeerId), peer);
}

/**
 * Marks a peer verified (`code` or `invite`); never weakens an existing verification. With
 * `publicKey`, only an entry of that very key is marked (writes keyed by the full key, not
 * the 64-bit id).
 */
export function markVerified(
  book: KnownPeerBook,
  peerId: string,
  verification: Exclude<PeerVerification, 'unverified'>,
  publicKey?: Uint8Array,
): KnownPeerBook {
  const old = book.peers.get(peerId);
  if (!old) return book;
  if (publicKey && !constantTimeEqual(old.publicKey, publicKey)) return book;
  return withPeers(book, (peers) =>
    peers.set(peerId, { ...old, verification: strongest(old.verification, verification) }),
  );
}

/** Removes a peer. Unknown ids leave the book unchanged. */
export function forgetPeer(book: KnownPeerBook, peerId: string): KnownPeerBook {
  if (!book.peers.has(peerId)) return book;
  return withPeers(book, (peers) => peers.delete(peerId));
}

/** Serializes the book as versioned JSON text (entries sorted by peer id, trailing newline). */
export function serializeKnownPeers(book: KnownPeerBook): string {
  const peers = [...book.peers.values()]
    .sort((a, b) => (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0))
    .map((peer) => ({
      name: peer.name,
      publicKey: toBase64(peer.publicKey),
      firstSeen: peer.firstSeen,
      lastSeen: peer.lastSeen,
      verification: peer.verification,
      ...(peer.addresses.length > 0 ? { addresses: peer.addresses } : {}),
    }));
  return `${JSON.stringify({ format: KNOWN_PEERS_FORMAT, version: KNOWN_PEERS_VERSION, peers }, null, 2)}\n`;
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Parses known-peers text. Any damaged entry rejects the whole file (nothing is dropped
 * silently). The peer id is recomputed from the key, never trusted from the file.
 * @throws {KnownPeersCorruptError} `ERR_KNOWN_PEERS_CORRUPT`.
 * @throws {KnownPeersNewerVersionError} `ERR_KNOWN_PEERS_NEWER_VERSION`.
 */
export function parseKnownPeers(text: string): KnownPeerBook {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KnownPeersCorruptError('not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new KnownPeersCorruptError('not an object');
  }
  const file = json as Record<string, unknown>;
  if (file.format !== KNOWN_PEERS_FORMAT)
    throw new KnownPeersCorruptError('not a known-peers file');
  if (typeof file.version !== 'number' || !Number.isSafeInteger(file.version) || file.version < 1) {
    throw new KnownPeersCorruptError('bad version');
  }
  if (file.version > KNOWN_PEERS_VERSION) throw new KnownPeersNewerVersionError(file.version);
  if (!Array.isArray(file.peers)) throw new KnownPeersCorruptError('peers is not a list');
  const peers = new Map<string, KnownPeer>();
  file.peers.forEach((entry: unknown, index: number) => {
    const bad = (what: string) => new KnownPeersCorruptError(`entry ${index + 1}: ${what}`);
    if (typeof entry !== 'object' || entry === null) throw bad('not an object');
    const e = entry as Record<string, unknown>;
    // Names are stored cleaned (possibly empty, if a peer sent only control characters). A
    // name stored before invisible characters were cleaned out is cleaned now, not refused.
    if (
      typeof e.name !== 'string' ||
      e.name.replace(DISPLAY_INVISIBLE, '') !== cleanPeerName(e.name)
    ) {
      throw bad('bad name');
    }
    const publicKey = typeof e.publicKey === 'string' ? fromBase64(e.publicKey) : undefined;
    if (publicKey?.length !== 32) throw bad('bad public key');
    if (!isTime(e.firstSeen) || !isTime(e.lastSeen) || e.lastSeen < e.firstSeen) {
      throw bad('bad times');
    }
    if (typeof e.verification !== 'string' || !Object.hasOwn(STRENGTH, e.verification)) {
      throw bad('bad verification');
    }
    // Optional (absent in files written before addresses were pinned).
    const addresses = e.addresses ?? [];
    if (
      !Array.isArray(addresses) ||
      addresses.length > MAX_PEER_ADDRESSES ||
      !addresses.every((a) => typeof a === 'string' && a !== '' && a.length <= MAX_ADDRESS_LENGTH)
    ) {
      throw bad('bad addresses');
    }
    const peerId = peerIdFromPublicKey(publicKey);
    if (peers.has(peerId)) throw bad('duplicate key');
    peers.set(peerId, {
      peerId,
      name: cleanPeerName(e.name),
      publicKey,
      firstSeen: e.firstSeen,
      lastSeen: e.lastSeen,
      verification: e.verification as PeerVerification,
      addresses: addresses as string[],
    });
  });
  return { peers };
}
