/**
 * Invites: one pasteable line (also fine in a QR code) that carries the host's addresses and
 * port, its public key, a one-time 32-byte secret and an expiry, with a checksum that catches a
 * mistyped or truncated paste. docs/protocol-identity.md §4.
 * @module
 */
import { abytes, blake2b, concatBytes, constantTimeEqual } from '../crypto/index.js';
import { CryptullyError } from '../errors.js';
import { formatIPv4, formatIPv6, type HostPort, parseAddress, parseHost } from './address.js';
import { fromBase64Url, toBase64Url } from './base64.js';
import { type JoinCode, looksLikeJoinCode, parseJoinCode } from './join-code.js';

/** The text every invite starts with (compared case-insensitively when parsing). */
export const INVITE_PREFIX = 'cryptully://join/';
/** The payload version this code writes and reads. */
export const INVITE_VERSION = 1;
/** Most addresses one invite may carry. */
export const MAX_INVITE_ADDRESSES = 8;
/** Length of an invite secret (the Noise PSK). */
export const INVITE_SECRET_BYTES = 32;
/** Longest text {@link decodeInvite} looks at, whitespace included. */
export const MAX_INVITE_CHARS = 8192;
/** Length of an invite id (what the wire carries instead of the secret). */
export const INVITE_ID_BYTES = 16;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const INVITE_ID_DOMAIN = encoder.encode('cryptully invite id');
const CHECKSUM_DOMAIN = encoder.encode('Cryptully invite checksum v1');
const CHECKSUM_BYTES = 4;
/** version, flags, port, expiry, host key, secret, address count. */
const FIXED_BYTES = 1 + 1 + 2 + 8 + 32 + 32 + 1;
/** Flag bit: the host's 32-byte DHT public key follows the fixed part. */
const FLAG_DHT_KEY = 0x01;
/** Length of a DHT public key. */
export const INVITE_DHT_KEY_BYTES = 32;
/** Address type tags in the payload. */
const ADDRESS_TAG = { ipv4: 4, ipv6: 6, hostname: 0x68 } as const;

/** A decoded invite. */
export interface Invite {
  /** Payload version (1). */
  version: number;
  /** Canonical host addresses (IPv4, IPv6 without brackets, or host names), in order of preference. */
  addresses: string[];
  /** TCP port the host listens on. */
  port: number;
  /** The host's static X25519 public key (32 bytes): the joiner pins it. */
  hostPublicKey: Uint8Array;
  /** The one-time 32-byte secret, used as the Noise PSK. Never logged, never on the wire. */
  secret: Uint8Array;
  /** Expiry, in Unix seconds. */
  expiresAt: number;
  /**
   * The host's DHT public key (32 bytes, Ed25519), when the host is also reachable through the
   * DHT. The joiner dials it with the invite's DHT key pair (see `dhtInviteSeed`).
   */
  dhtKey?: Uint8Array;
}

/** Why an invite could not be read. */
export type BadInviteReason = 'malformed' | 'checksum' | 'version';

/** `ERR_BAD_INVITE`: not a readable invite (mistyped, cut off, or from a newer version). */
export class BadInviteError extends CryptullyError {
  /** Which check failed. */
  readonly reason: BadInviteReason;
  constructor(reason: BadInviteReason, message?: string) {
    super(
      'ERR_BAD_INVITE',
      message ??
        {
          malformed:
            'This invite is not valid: it may have been cut off or mistyped. Ask for it again.',
          checksum:
            'This invite does not check out: it was probably mistyped or cut off. Copy and paste it again.',
          version:
            'This invite was made by a newer version of Cryptully. Update Cryptully to use it.',
        }[reason],
    );
    this.reason = reason;
  }
}

/** `ERR_INVITE_EXPIRED`: the invite's expiry has passed. */
export class InviteExpiredError extends CryptullyError {
  /** The expiry, Unix seconds. */
  readonly expiresAt: number;
  constructor(expiresAt: number) {
    super('ERR_INVITE_EXPIRED', 'This invite has expired. Ask your friend for a new one.');
    this.expiresAt = expiresAt;
  }
}

/**
 * The invite id of a secret: the first 16 bytes of BLAKE2b-512(`"cryptully invite id"` ‖
 * secret). The joiner sends it in the prelude; the host finds the secret by it.
 */
export function inviteIdFromSecret(secret: Uint8Array): Uint8Array {
  abytes(secret, INVITE_SECRET_BYTES, 'invite secret');
  return blake2b.hash(INVITE_ID_DOMAIN, secret).slice(0, INVITE_ID_BYTES);
}

/**
 * Whether the invite has expired at `now`.
 * @param now milliseconds since the Unix epoch (`Date.now()`).
 */
export function isExpired(invite: Pick<Invite, 'expiresAt'>, now: number): boolean {
  return now >= invite.expiresAt * 1000;
}

/**
 * Throws when the invite has expired at `now` (milliseconds since the epoch).
 * @throws {InviteExpiredError} `ERR_INVITE_EXPIRED`.
 */
export function assertNotExpired(invite: Pick<Invite, 'expiresAt'>, now: number): void {
  if (isExpired(invite, now)) throw new InviteExpiredError(invite.expiresAt);
}

function checksum(body: Uint8Array): Uint8Array {
  return blake2b.hash(CHECKSUM_DOMAIN, body).subarray(0, CHECKSUM_BYTES);
}

function encodeAddress(address: string): Uint8Array {
  const parsed = parseHost(address);
  if (parsed.kind === 'hostname') {
    const name = encoder.encode(parsed.host);
    return concatBytes(Uint8Array.of(ADDRESS_TAG.hostname, name.length), name);
  }
  return concatBytes(Uint8Array.of(ADDRESS_TAG[parsed.kind]), parsed.bytes);
}

/**
 * Encodes an invite as one line: {@link INVITE_PREFIX} followed by the base64url payload.
 * @throws {BadAddressError} (`ERR_BAD_ADDRESS`) for an address that is not an IP literal or host name.
 * @throws {InvalidArgumentError | RangeError} for wrong key/secret sizes, port, expiry or count.
 */
export function encodeInvite(invite: Invite): string {
  abytes(invite.hostPublicKey, 32, 'host public key');
  abytes(invite.secret, INVITE_SECRET_BYTES, 'invite secret');
  if (invite.version !== INVITE_VERSION) throw new RangeError('unsupported invite version');
  if (!Number.isInteger(invite.port) || invite.port < 1 || invite.port > 65535) {
    throw new RangeError('port must be 1-65535');
  }
  if (!Number.isSafeInteger(invite.expiresAt) || invite.expiresAt < 0) {
    throw new RangeError('expiresAt must be whole Unix seconds');
  }
  if (invite.dhtKey !== undefined) abytes(invite.dhtKey, INVITE_DHT_KEY_BYTES, 'DHT key');
  const count = invite.addresses.length;
  if (count < 1 || count > MAX_INVITE_ADDRESSES) {
    throw new RangeError(`an invite carries 1-${MAX_INVITE_ADDRESSES} addresses`);
  }
  const fixed = new Uint8Array(FIXED_BYTES);
  const view = new DataView(fixed.buffer);
  view.setUint8(0, INVITE_VERSION);
  view.setUint8(1, invite.dhtKey === undefined ? 0 : FLAG_DHT_KEY);
  view.setUint16(2, invite.port);
  view.setBigUint64(4, BigInt(invite.expiresAt));
  fixed.set(invite.hostPublicKey, 12);
  fixed.set(invite.secret, 44);
  view.setUint8(76, count);
  const body = concatBytes(
    fixed,
    ...(invite.dhtKey === undefined ? [] : [invite.dhtKey]),
    ...invite.addresses.map(encodeAddress),
  );
  return INVITE_PREFIX + toBase64Url(concatBytes(body, checksum(body)));
}

/** Whether `text` is meant as an invite (starts with `cryptully:`), as opposed to an address. */
export function looksLikeInvite(text: string): boolean {
  return /^\s*cryptully:/i.test(text);
}

/**
 * Decodes an invite line. Whitespace anywhere (a line-wrapped paste) is ignored; the prefix is
 * case-insensitive. Does not check the expiry: see {@link isExpired}.
 * @throws {BadInviteError} `ERR_BAD_INVITE` (with `reason`) for anything that is not a valid,
 *   intact version-1 invite.
 */
export function decodeInvite(text: string): Invite {
  // The longest valid invite is under 3 000 characters; refuse to process megabytes.
  if (text.length > MAX_INVITE_CHARS) throw new BadInviteError('malformed');
  const compact = text.replace(/\s+/g, '');
  if (compact.slice(0, INVITE_PREFIX.length).toLowerCase() !== INVITE_PREFIX) {
    throw new BadInviteError(
      'malformed',
      'This is not a Cryptully invite (it should start with cryptully://join/).',
    );
  }
  const bytes = fromBase64Url(compact.slice(INVITE_PREFIX.length));
  if (!bytes || bytes.length < FIXED_BYTES + CHECKSUM_BYTES) throw new BadInviteError('malformed');
  const body = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
  if (!constantTimeEqual(checksum(body), bytes.subarray(body.length))) {
    throw new BadInviteError('checksum');
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (view.getUint8(0) !== INVITE_VERSION) throw new BadInviteError('version');
  const flags = view.getUint8(1);
  // Unknown flags mean fields this version cannot read.
  if ((flags & ~FLAG_DHT_KEY) !== 0) throw new BadInviteError('version');
  const port = view.getUint16(2);
  const expiry = view.getBigUint64(4);
  const count = view.getUint8(76);
  if (port === 0 || expiry > BigInt(Number.MAX_SAFE_INTEGER)) throw new BadInviteError('malformed');
  if (count < 1 || count > MAX_INVITE_ADDRESSES) throw new BadInviteError('malformed');
  const addresses: string[] = [];
  let offset = FIXED_BYTES;
  let dhtKey: Uint8Array | undefined;
  if (flags & FLAG_DHT_KEY) {
    if (body.length < offset + INVITE_DHT_KEY_BYTES) throw new BadInviteError('malformed');
    dhtKey = body.slice(offset, offset + INVITE_DHT_KEY_BYTES);
    offset += INVITE_DHT_KEY_BYTES;
  }
  try {
    for (let i = 0; i < count; i++) {
      const tag = body[offset++];
      if (tag === ADDRESS_TAG.ipv4 && offset + 4 <= body.length) {
        addresses.push(formatIPv4(body.subarray(offset, offset + 4)));
        offset += 4;
      } else if (tag === ADDRESS_TAG.ipv6 && offset + 16 <= body.length) {
        addresses.push(formatIPv6(body.subarray(offset, offset + 16)));
        offset += 16;
      } else if (tag === ADDRESS_TAG.hostname && offset < body.length) {
        const length = body[offset++]!;
        if (length === 0 || offset + length > body.length) throw new BadInviteError('malformed');
        const parsed = parseHost(decoder.decode(body.subarray(offset, offset + length)));
        if (parsed.kind !== 'hostname') throw new BadInviteError('malformed');
        addresses.push(parsed.host);
        offset += length;
      } else {
        throw new BadInviteError('malformed');
      }
    }
  } catch (error) {
    if (error instanceof BadInviteError) throw error;
    // A host name that is not one (bad UTF-8, bad characters): the invite is malformed.
    throw new BadInviteError('malformed');
  }
  if (offset !== body.length) throw new BadInviteError('malformed');
  return {
    version: INVITE_VERSION,
    addresses,
    port,
    hostPublicKey: body.slice(12, 44),
    secret: body.slice(44, 76),
    expiresAt: Number(expiry),
    ...(dhtKey === undefined ? {} : { dhtKey }),
  };
}

/** What a user typed to join: an invite, or a plain address (XX, trust on first use). */
export type JoinTarget =
  | { kind: 'invite'; invite: Invite; inviteId: Uint8Array }
  | { kind: 'code'; code: JoinCode }
  | ({ kind: 'address' } & HostPort);

/**
 * Parses what a user typed after `join`: an invite line, a join code (`7-purple-sausage`), or `host:port`, `[v6]:port`, a host
 * alone (port {@link DEFAULT_PORT}).
 * @param options.now when given (milliseconds since the epoch), an expired invite throws.
 * @throws {BadInviteError} `ERR_BAD_INVITE` for text starting with `cryptully:` that is not a
 *   valid invite.
 * @throws {InviteExpiredError} `ERR_INVITE_EXPIRED` when `now` is given and has passed the expiry.
 * @throws {BadAddressError} `ERR_BAD_ADDRESS` for an address that cannot be right.
 * @throws {JoinCodeError} `ERR_JOIN_CODE_INVALID` for a join code with a word not on the list.
 */
export function parseJoinTarget(text: string, options: { now?: number } = {}): JoinTarget {
  if (looksLikeInvite(text)) {
    const invite = decodeInvite(text);
    if (options.now !== undefined) assertNotExpired(invite, options.now);
    return { kind: 'invite', invite, inviteId: inviteIdFromSecret(invite.secret) };
  }
  if (looksLikeJoinCode(text)) return { kind: 'code', code: parseJoinCode(text) };
  return { kind: 'address', ...parseAddress(text) };
}
