/**
 * The host's table of outstanding invites: creates them, answers "is this invite id good?"
 * during a handshake, and remembers used ones so a reused invite is told apart from an unknown
 * one. Pure: time is an argument, in milliseconds since the Unix epoch.
 * @module
 */
import { abytes, randomBytes, toHex } from '../crypto/index.js';
import {
  encodeInvite,
  INVITE_ID_BYTES,
  INVITE_SECRET_BYTES,
  INVITE_VERSION,
  type Invite,
  inviteIdFromSecret,
} from './invite.js';

/** Default lifetime of an invite: 24 hours. */
export const DEFAULT_INVITE_TTL_MS = 24 * 60 * 60 * 1000;
/** Default bound on the number of invites (outstanding and recently used) a book keeps. */
export const DEFAULT_MAX_INVITES = 64;

/** One invite the host made. */
export interface InviteEntry {
  /** The invite as given to the joiner. */
  readonly invite: Invite;
  /** Its id (16 bytes). */
  readonly id: Uint8Array;
  /** When it was made, milliseconds since the epoch. */
  readonly createdAt: number;
  /** How many more joins it allows (0 = used up). */
  usesLeft: number;
}

/** The answer to a lookup; only `ok` carries the secret. */
export type InviteLookup =
  | { status: 'ok'; entry: InviteEntry; secret: Uint8Array }
  | { status: 'unknown' }
  | { status: 'expired' }
  | { status: 'used' };

/** Options of {@link InviteBook.create}. */
export interface CreateInviteOptions {
  /** The host's static public key (32 bytes). */
  hostPublicKey: Uint8Array;
  /** Addresses to put in the invite, best first. */
  addresses: string[];
  /** The port the host listens on. */
  port: number;
  /** Now, milliseconds since the epoch. */
  now: number;
  /** Lifetime; default {@link DEFAULT_INVITE_TTL_MS}. */
  ttlMs?: number;
  /** How many joins it allows; default 1 (single use). */
  uses?: number;
  /** The secret (tests); default 32 random bytes. */
  secret?: Uint8Array;
  /** The host's DHT public key, when it is reachable through the DHT too. */
  dhtKey?: Uint8Array;
}

/**
 * Outstanding invites, bounded: when full, expired and used-up entries go first, then the
 * oldest outstanding one. Used-up entries are kept until they expire so that a second join with
 * the same invite hears `used`, not `unknown`.
 */
export class InviteBook {
  readonly #entries = new Map<string, InviteEntry>();
  readonly #maxInvites: number;

  /** @param options.maxInvites bound on entries kept; default {@link DEFAULT_MAX_INVITES}. */
  constructor(options: { maxInvites?: number } = {}) {
    this.#maxInvites = options.maxInvites ?? DEFAULT_MAX_INVITES;
    if (!Number.isInteger(this.#maxInvites) || this.#maxInvites < 1) {
      throw new RangeError('maxInvites must be a positive integer');
    }
  }

  /** Number of entries held (outstanding and used-but-unexpired). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Makes a new invite and records it.
   * @throws {BadAddressError} (`ERR_BAD_ADDRESS`) for an address that is not an IP or host name.
   * @throws {RangeError} for a bad port, lifetime, use count or number of addresses.
   */
  create(options: CreateInviteOptions): InviteEntry {
    const ttlMs = options.ttlMs ?? DEFAULT_INVITE_TTL_MS;
    const uses = options.uses ?? 1;
    if (!(ttlMs > 0)) throw new RangeError('ttlMs must be positive');
    if (!Number.isInteger(uses) || uses < 1)
      throw new RangeError('uses must be a positive integer');
    const secret = options.secret
      ? abytes(options.secret, INVITE_SECRET_BYTES, 'invite secret').slice()
      : randomBytes(INVITE_SECRET_BYTES);
    const invite: Invite = {
      version: INVITE_VERSION,
      addresses: [...options.addresses],
      port: options.port,
      hostPublicKey: abytes(options.hostPublicKey, 32, 'host public key').slice(),
      secret,
      // Whole seconds on the wire; rounded up so the invite lives at least ttlMs.
      expiresAt: Math.ceil((options.now + ttlMs) / 1000),
      ...(options.dhtKey ? { dhtKey: options.dhtKey.slice() } : {}),
    };
    encodeInvite(invite); // validates addresses, port and expiry now, not when it is shared
    const id = inviteIdFromSecret(secret);
    this.#makeRoom(options.now);
    const entry: InviteEntry = { invite, id, createdAt: options.now, usesLeft: uses };
    this.#entries.set(toHex(id), entry);
    return entry;
  }

  /**
   * Looks an invite id up without using it.
   * @param now milliseconds since the epoch.
   */
  lookup(inviteId: Uint8Array, now: number): InviteLookup {
    if (!(inviteId instanceof Uint8Array) || inviteId.length !== INVITE_ID_BYTES) {
      return { status: 'unknown' };
    }
    const entry = this.#entries.get(toHex(inviteId));
    if (!entry) return { status: 'unknown' };
    if (now >= entry.invite.expiresAt * 1000) return { status: 'expired' };
    if (entry.usesLeft <= 0) return { status: 'used' };
    return { status: 'ok', entry, secret: entry.invite.secret };
  }

  /** Counts one join against the invite. Returns false if it was not usable. */
  markUsed(inviteId: Uint8Array, now: number): boolean {
    const found = this.lookup(inviteId, now);
    if (found.status !== 'ok') return false;
    found.entry.usesLeft -= 1;
    return true;
  }

  /** Looks up and, when `ok`, counts the use in one step (what a host does on a prelude). */
  consume(inviteId: Uint8Array, now: number): InviteLookup {
    const found = this.lookup(inviteId, now);
    if (found.status === 'ok') found.entry.usesLeft -= 1;
    return found;
  }

  /** Withdraws an invite; later lookups say `unknown`. Returns whether it existed. */
  revoke(inviteId: Uint8Array): boolean {
    const entry = this.#entries.get(toHex(inviteId));
    entry?.invite.secret.fill(0);
    return this.#entries.delete(toHex(inviteId));
  }

  /** Drops expired entries (and wipes their secrets). */
  prune(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (now >= entry.invite.expiresAt * 1000) {
        entry.invite.secret.fill(0);
        this.#entries.delete(key);
      }
    }
  }

  /** Outstanding (usable) entries at `now`. */
  outstanding(now: number): InviteEntry[] {
    return [...this.#entries.values()].filter(
      (entry) => entry.usesLeft > 0 && now < entry.invite.expiresAt * 1000,
    );
  }

  #makeRoom(now: number): void {
    if (this.#entries.size < this.#maxInvites) return;
    this.prune(now);
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size < this.#maxInvites) return;
      if (entry.usesLeft <= 0) {
        entry.invite.secret.fill(0);
        this.#entries.delete(key);
      }
    }
    // Still full: forget the oldest (Maps iterate in insertion order).
    for (const key of this.#entries.keys()) {
      if (this.#entries.size < this.#maxInvites) return;
      this.#entries.get(key)?.invite.secret.fill(0);
      this.#entries.delete(key);
    }
  }
}
