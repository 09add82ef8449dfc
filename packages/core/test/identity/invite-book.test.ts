// Protects the host's side of invites: a fresh invite is accepted once, then reported as used;
// expired, unknown and revoked ids are told apart; the table stays bounded.
import { describe, expect, it } from 'vitest';
import { randomBytes, x25519 } from '../../src/crypto/index.js';
import {
  DEFAULT_INVITE_TTL_MS,
  decodeInvite,
  encodeInvite,
  InviteBook,
  inviteIdFromSecret,
} from '../../src/identity/index.js';

const T0 = 1_800_000_000_000;
const host = x25519.generateKeyPair().publicKey;
const make = (book: InviteBook, extra: Partial<Parameters<InviteBook['create']>[0]> = {}) =>
  book.create({ hostPublicKey: host, addresses: ['192.0.2.7'], port: 7677, now: T0, ...extra });

describe('InviteBook', () => {
  it('accepts a fresh invite once (single use by default), then says used', () => {
    const book = new InviteBook();
    const { id, invite } = make(book);
    expect(id).toEqual(inviteIdFromSecret(invite.secret));
    const first = book.consume(id, T0 + 1000);
    expect(first.status).toBe('ok');
    if (first.status === 'ok') expect(first.secret).toEqual(invite.secret);
    expect(book.consume(id, T0 + 2000).status).toBe('used');
    expect(book.lookup(id, T0 + 2000).status).toBe('used');
  });

  it('makes invites that encode, decode and map back to the same id', () => {
    const book = new InviteBook();
    const { id, invite } = make(book);
    const joined = decodeInvite(encodeInvite(invite));
    expect(inviteIdFromSecret(joined.secret)).toEqual(id);
    expect(joined.hostPublicKey).toEqual(host);
  });

  it('expires after 24 hours by default, at the second', () => {
    const book = new InviteBook();
    const { id, invite } = make(book);
    expect(invite.expiresAt).toBe((T0 + DEFAULT_INVITE_TTL_MS) / 1000);
    expect(book.lookup(id, T0 + DEFAULT_INVITE_TTL_MS - 1).status).toBe('ok');
    expect(book.lookup(id, T0 + DEFAULT_INVITE_TTL_MS).status).toBe('expired');
    expect(book.consume(id, T0 + DEFAULT_INVITE_TTL_MS).status).toBe('expired');
  });

  it('says unknown for a never-issued id, a wrong-length id, and a revoked invite', () => {
    const book = new InviteBook();
    const { id } = make(book);
    expect(book.lookup(randomBytes(16), T0).status).toBe('unknown');
    expect(book.lookup(id.subarray(0, 15), T0).status).toBe('unknown');
    expect(book.revoke(id)).toBe(true);
    expect(book.lookup(id, T0).status).toBe('unknown');
  });

  it('honours a multi-use invite and a custom lifetime', () => {
    const book = new InviteBook();
    const { id } = make(book, { uses: 2, ttlMs: 60_000 });
    expect(book.consume(id, T0).status).toBe('ok');
    expect(book.markUsed(id, T0)).toBe(true);
    expect(book.markUsed(id, T0)).toBe(false);
    expect(book.lookup(id, T0).status).toBe('used');
    expect(make(book, { ttlMs: 60_000 }).invite.expiresAt).toBe(T0 / 1000 + 60);
  });

  it('stays bounded: used and expired entries go first, then the oldest', () => {
    const book = new InviteBook({ maxInvites: 3 });
    const a = make(book);
    const b = make(book);
    const c = make(book);
    book.consume(b.id, T0);
    const d = make(book); // evicts b (used) rather than a
    expect(book.size).toBe(3);
    expect(book.lookup(a.id, T0).status).toBe('ok');
    expect(book.lookup(b.id, T0).status).toBe('unknown');
    const e = make(book); // all outstanding: evicts the oldest, a
    expect(book.size).toBe(3);
    expect(book.lookup(a.id, T0).status).toBe('unknown');
    for (const entry of [c, d, e]) expect(book.lookup(entry.id, T0).status).toBe('ok');
    expect(book.outstanding(T0)).toHaveLength(3);
  });

  it('refuses bad addresses and ports when the invite is made, not when it is used', () => {
    const book = new InviteBook();
    expect(() => make(book, { addresses: ['no such thing!'] })).toThrow(/not a valid host/);
    expect(() => make(book, { addresses: [] })).toThrow(RangeError);
    expect(() => make(book, { port: 70000 })).toThrow(RangeError);
    expect(book.size).toBe(0);
  });

  it('wipes the secret of every entry it evicts to make room, used ones included', () => {
    const book = new InviteBook({ maxInvites: 2 });
    const used = make(book);
    book.markUsed(used.id, T0);
    const oldest = make(book);
    make(book); // evicts the used entry
    make(book); // then the oldest outstanding one
    expect(used.invite.secret.every((byte) => byte === 0)).toBe(true);
    expect(oldest.invite.secret.every((byte) => byte === 0)).toBe(true);
  });

  it('prunes expired invites and wipes their secrets', () => {
    const book = new InviteBook();
    const { invite } = make(book, { ttlMs: 1000 });
    book.prune(T0 + 1000);
    expect(book.size).toBe(0);
    expect(invite.secret.every((byte) => byte === 0)).toBe(true);
  });
});
